"""The communication rules: who may write to whom (issue 12), the one table that decides.

The table `comm_rule` has one row per pair of profiles (from, to): refused, or allowed
within a **scope**, a relation between the writer and the person written to, computed by
`appliance.security.relations` (the policy's relations):

| scope | relation | holds when the person written to… |
|---|---|---|
| `own_class` | `classmate_of` | is a student of a class of the writer (a student) |
| `own_teachers` | `taught_by` | teaches the writer (a student) |
| `own_children` | `guardian_of` | is a child of the writer (legal guardian) |
| `own_parents` | `child_of` | is a legal guardian of the writer (a student) |
| `children_teachers` | `teacher_of_child` | teaches a child of the writer |
| `taught_students` | `teaches` | is a student the writer teaches |
| `parents_of_taught` | `parent_of_taught` | is a legal guardian of a student the writer teaches |
| `school_life` | `school_life` | is of the vie scolaire or the direction (EDU, DIR) |
| `school` | (none) | anyone |

The defaults are the issue's (seeded by the migration `0030_comm_rules.sql`, the same as
`DEFAULTS` here). The technician changes a row with `cartable comm-rules set` or the admin
page (`set_rule`): each change is written with its audit entry (who, when, old and new) in
one transaction.

`may_write_to(conn, writer, person)` is the policy's answer for one pair (the relation
`may_write_to` of `appliance.security.relations`, the action `messages.write_to`), and
`check(conn, writer, people)` the same answer for all the recipients of a message: the send
path, the recipient search and the lists all ask these, on pages and in the API alike.
Nobody may write to themselves or to a disabled account.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from appliance.community.refusals import Refused, Rules, name_of, refusal, whole_list_refusal
from appliance.community.words import HEADERS, SCOPE_LABELS, WORDS
from appliance.db import now_iso, rows
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security import audit, relations

__all__ = [
    "DEFAULTS", "HEADERS", "PROFILES", "SCOPES", "SCOPE_LABELS", "WORDS", "Refused", "Rules",
    "allows", "check", "first_refused", "history", "load", "may_write_to", "name_of",
    "natural_scope", "refusal", "scopes_for", "set_rule", "table", "whole_list_refusal",
    "writable",
]  # fmt: skip

# The order of the matrix (rows: from; columns: to), and the rule names of the CLI.
PROFILES = ("student", "relative", "teacher", "staff", "guest", "admin")

# scope -> the relation that must hold between writer and person written to (None: anyone)
SCOPES: dict[str, str | None] = {
    "own_class": "classmate_of",
    "own_teachers": "taught_by",
    "own_children": "guardian_of",
    "own_parents": "child_of",
    "children_teachers": "teacher_of_child",
    "taught_students": "teaches",
    "parents_of_taught": "parent_of_taught",
    "school_life": "school_life",
    "school": None,
}

_ALL = frozenset(PROFILES)
# scope -> (writers' profiles, recipients' profiles) it can hold between
SCOPE_FITS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "own_class": (frozenset({"student"}), frozenset({"student"})),
    "own_teachers": (frozenset({"student"}), frozenset({"teacher"})),
    "own_children": (frozenset({"relative"}), frozenset({"student"})),
    "own_parents": (frozenset({"student"}), frozenset({"relative"})),
    "children_teachers": (frozenset({"relative"}), frozenset({"teacher"})),
    "taught_students": (frozenset({"teacher"}), frozenset({"student"})),
    "parents_of_taught": (frozenset({"teacher"}), frozenset({"relative"})),
    "school_life": (_ALL, frozenset({"staff"})),
    "school": (_ALL, _ALL),
}

# The matrix: (from, to) -> scope when allowed, None when refused.
DEFAULTS: dict[tuple[str, str], str | None] = {
    ("student", "student"): None,  # a setting may allow own_class
    ("student", "relative"): "own_parents",
    ("student", "teacher"): "own_teachers",
    ("student", "staff"): "school_life",
    ("student", "guest"): None,
    ("student", "admin"): None,
    ("relative", "student"): "own_children",
    ("relative", "relative"): None,
    ("relative", "teacher"): "children_teachers",
    ("relative", "staff"): "school_life",
    ("relative", "guest"): None,
    ("relative", "admin"): None,
    ("teacher", "student"): "taught_students",
    ("teacher", "relative"): "parents_of_taught",
    ("teacher", "teacher"): "school",
    ("teacher", "staff"): "school",
    ("teacher", "guest"): None,
    ("teacher", "admin"): "school",
    **{("staff", to): "school" for to in PROFILES},
    ("guest", "student"): None,
    ("guest", "relative"): None,
    ("guest", "teacher"): "school",
    ("guest", "staff"): "school",
    ("guest", "guest"): None,
    ("guest", "admin"): None,
    **{("admin", to): "school" for to in PROFILES},
}


# --- the table ----------------------------------------------------------------------------


def load(conn: sqlite3.Connection) -> Rules:
    """Every rule, {(from, to): scope or None when refused}: one small query."""
    return {
        (r[0], r[1]): (r[3] if r[2] else None)
        for r in conn.execute("SELECT from_profile, to_profile, allowed, scope FROM comm_rule")
    }


def table(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The rules in the matrix's order: [{"from", "to", "allowed", "scope"}] (the JSON of
    `cartable comm-rules show --json`; scope None when refused)."""
    found = load(conn)
    return [
        {"from": f, "to": t, "allowed": found.get((f, t)) is not None, "scope": found.get((f, t))}
        for f in PROFILES
        for t in PROFILES
    ]


def _check_name(name: str) -> str:
    if name not in PROFILES:
        raise CartableError(
            N_("« %(name)s » n'est pas un nom de règle : choisissez parmi %(choices)s."),
            field="from",
            name=name,
            choices=", ".join(PROFILES),
        )
    return name


def scopes_for(from_profile: str, to_profile: str) -> list[str]:
    """The scopes that can hold from one profile to the other, in SCOPES order."""
    return [
        s for s, (froms, tos) in SCOPE_FITS.items() if from_profile in froms and to_profile in tos
    ]


def natural_scope(from_profile: str, to_profile: str) -> str:
    """The scope an "allow" without one gives: the default's, else the narrowest that fits."""
    default = DEFAULTS.get((from_profile, to_profile))
    return default or scopes_for(from_profile, to_profile)[0]


def set_rule(
    conn: sqlite3.Connection,
    actor: audit.Actor,
    from_profile: str,
    to_profile: str,
    decision: str,
    scope: str | None = None,
) -> dict[str, Any]:
    """Allow (within `scope`) or refuse what `from_profile` may write to `to_profile`.

    `decision` is "allow" or "deny". An "allow" without a scope keeps the rule's scope, or
    takes `natural_scope`. Returns {"from", "to", "old", "new", "changed"} (old and new:
    {"allowed", "scope"}). The change and its audit entry (`comm_rules.set`, who, when,
    old and new) are one transaction; a rule set to what it is writes nothing.
    Raises CartableError for an unknown name, decision or scope, or a scope that cannot
    hold between the two profiles.
    """
    _check_name(from_profile)
    _check_name(to_profile)
    if decision not in ("allow", "deny"):
        raise CartableError(
            N_("« %(decision)s » : écrivez allow (permettre) ou deny (interdire)."),
            field="decision",
            decision=decision,
        )
    if decision == "deny" and scope:
        raise CartableError(
            N_("Une règle qui interdit n'a pas de portée : retirez --scope."), field="scope"
        )
    if scope is not None and scope not in SCOPES:
        raise CartableError(
            N_("« %(scope)s » n'est pas une portée : choisissez parmi %(choices)s."),
            field="scope",
            scope=scope,
            choices=", ".join(SCOPES),
        )
    fits = scopes_for(from_profile, to_profile)
    if scope is not None and scope not in fits:
        raise CartableError(
            N_(
                "La portée %(scope)s ne s'applique pas de « %(sender)s » vers "
                "« %(recipient)s » : choisissez parmi %(choices)s."
            ),
            field="scope",
            scope=scope,
            sender=from_profile,
            recipient=to_profile,
            choices=", ".join(fits),
        )
    target = f"comm_rule:{from_profile}:{to_profile}"
    with audit.audited(conn, actor, "comm_rules.set", target=target) as entry:
        before = load(conn).get((from_profile, to_profile))
        if decision == "allow":
            after: str | None = scope or before or natural_scope(from_profile, to_profile)
        else:
            after = None
        old = {"allowed": before is not None, "scope": before}
        new = {"allowed": after is not None, "scope": after}
        result = {"from": from_profile, "to": to_profile, "old": old, "new": new}
        if before == after:
            entry.skip()
            return {**result, "changed": False}
        conn.execute(
            "UPDATE comm_rule SET allowed = ?, scope = ?, updated_at = ? "
            "WHERE from_profile = ? AND to_profile = ?",
            (int(after is not None), after, now_iso(), from_profile, to_profile),
        )
        entry.details = {"from": from_profile, "to": to_profile, "old": old, "new": new}
    return {**result, "changed": True}


def history(conn: sqlite3.Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The last changes of the rules, newest first (from the audit log)."""
    import json

    found = rows(
        conn,
        "SELECT at, actor_login, details FROM audit_log WHERE action = 'comm_rules.set' "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    for entry in found:
        entry.update(json.loads(entry.pop("details") or "{}"))
    return found


# --- the policy's answer ------------------------------------------------------------------

_TARGET_COLUMNS = "id, login, profile, state, function, first_name, last_name"


def _complete(conn: sqlite3.Connection, target: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if all(k in target for k in ("profile", "state", "function")):
        return target
    found = rows(conn, f"SELECT {_TARGET_COLUMNS} FROM person WHERE id = ?", (target["id"],))
    return found[0] if found else None


def allows(
    conn: sqlite3.Connection,
    writer: Mapping[str, Any],
    target: Mapping[str, Any],
    rules: Rules | None = None,
) -> bool:
    """Whether the rules let `writer` write to the person `target` (with `profile`,
    `state` and `function`; read from the database when missing)."""
    full = _complete(conn, target)
    if full is None or full.get("state") == "disabled" or full["id"] == writer.get("id"):
        return False
    if writer.get("state") == "disabled":
        return False
    scope = (load(conn) if rules is None else rules).get((writer["profile"], full["profile"]))
    if scope is None:
        return False
    relation = SCOPES[scope]
    return relation is None or relations.holds(relation, conn, writer, full)


def may_write_to(
    conn: sqlite3.Connection, writer: Mapping[str, Any], target: Mapping[str, Any]
) -> bool:
    """The policy's answer to "may `writer` write to the person `target`?"."""
    return allows(conn, writer, target)


def writable(
    conn: sqlite3.Connection,
    writer: Mapping[str, Any],
    targets: Iterable[Mapping[str, Any]],
    *,
    exempt: Iterable[int] = (),
    table: Rules | None = None,
) -> Iterable[Mapping[str, Any]]:
    """The `targets` (people with profile, state, function) `writer` may write to, in
    their order, lazily (a search stops once its page is full). `exempt`: ids the writer
    may reach whatever the rules (the people a reply goes back to); `table`: the rules
    when the caller has read them already."""
    rules = load(conn) if table is None else table
    free = set(exempt)
    for target in targets:
        if (target["id"] in free and target.get("state") != "disabled") or allows(
            conn, writer, target, rules
        ):
            yield target


def first_refused(
    conn: sqlite3.Connection,
    writer: Mapping[str, Any],
    targets: Iterable[Mapping[str, Any]],
    *,
    exempt: Iterable[int] = (),
    table: Rules | None = None,
) -> Mapping[str, Any] | None:
    """The first of `targets` the rules refuse, or None when all are allowed."""
    rules = load(conn) if table is None else table
    free = set(exempt)
    for target in targets:
        if target["id"] in free and target.get("state") != "disabled":
            continue
        if not allows(conn, writer, target, rules):
            return target
    return None


def check(
    conn: sqlite3.Connection,
    writer: Mapping[str, Any],
    targets: Sequence[Mapping[str, Any]],
    *,
    exempt: Iterable[int] = (),
) -> None:
    """Raise Refused, naming the rule, when any of `targets` may not be written to.

    People are grouped by profile: a profile allowed with the scope `school` costs
    nothing per person (a message to 5,500 parents from the vie scolaire is one lookup).
    """
    rules = load(conn)
    free = set(exempt)
    refused = []
    for target in targets:
        if target["id"] in free and target.get("state") != "disabled":
            continue
        if not allows(conn, writer, target, rules):
            refused.append(target)
    if refused:
        raise refusal(writer, refused, rules)
