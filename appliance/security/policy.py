"""The access policy: the one place that answers "may this person do this to that?".

Every view asks `may()` (through the `requires` decorator of the web UI); services that
act for a person ask it too. The rules are data: each feature declares its rows
`(action, who, relation)` in `appliance/features.py` (see `appliance.security.rules`), and
the relations they name are computed in `appliance.security.relations`. Nothing here, in
the views or in the services tests a profile: they ask `may()`.

`route_access.py`, next to this module, is the table of what every route answers to every
profile; a test walks the app against it, another walks every rule.

Rules ("besoin d'en connaître", arrêté ENT art. 4): a parent sees only their own children,
a teacher only their own classes, the technician runs the box. Staff see what their
function needs: vie scolaire (CPE) and direction the directory of students and their
guardians, the secretariat too (read-only: the directory has no write action for them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from appliance import features
from appliance.security import relations
from appliance.security.rules import ANYONE, Rule


def index(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    """The rules by action, in manifest order."""
    out: dict[str, list[Rule]] = {}
    for rule in rules:
        out.setdefault(rule.action, []).append(rule)
    return {action: tuple(found) for action, found in out.items()}


RULES: dict[str, tuple[Rule, ...]] = index(features.rules())


def _who_matches(who: str, person: Mapping[str, Any]) -> bool:
    if who == ANYONE:
        return True
    profile, _, function = who.partition(":")
    if person.get("profile") != profile:
        return False
    return not function or relations.has_function(person, function)


# Which rules of an action may apply to a person depends only on the person's profile and
# function, and the rules are fixed at import: for each (action, profile, function) the
# relations to try, in manifest order, are worked out once and kept (bounded: a staff
# function is free text). `None` in them: a rule that allows without a relation.
_APPLICABLE: dict[tuple, tuple[str | None, ...]] = {}
_APPLICABLE_MAX = 8192


def _applicable(person: Mapping[str, Any], action: str) -> tuple[str | None, ...]:
    key = (action, person.get("profile"), person.get("function"))
    found = _APPLICABLE.get(key)
    if found is None:
        tried: list[str | None] = []
        for rule in RULES.get(action, ()):
            if _who_matches(rule.who, person):
                tried.append(rule.relation)
                if rule.relation is None:
                    break  # allowed: the rules after it are never reached
        found = tuple(tried)
        if len(_APPLICABLE) >= _APPLICABLE_MAX:
            _APPLICABLE.clear()
        _APPLICABLE[key] = found
    return found


def may(
    person: Mapping[str, Any] | None,
    action: str,
    target: Mapping[str, Any] | None = None,
    conn: sqlite3.Connection | None = None,
    *,
    memo: dict | None = None,
) -> bool:
    """True if `person` (a dict with at least id, profile, state) may do `action` to `target`.

    A disabled (or absent) person may do nothing. Otherwise the first rule of `action`
    whose `who` matches the person and whose relation (if any) holds between the person
    and `target` allows it; a rule with a relation needs a target and `conn`.

    `memo`: a dict the caller keeps for the questions of one reading about one `person`
    (a student's grades ask about each of their subjects, twice): each relation is then
    computed once per target (once per target's kind and id for the relations of
    `relations.BY_IDENTITY`), not once per question.
    """
    if not person or person.get("state") == "disabled":
        return False
    tried = _applicable(person, action)
    if target is None:
        # No relation can hold without a target.
        return None in tried
    for relation in tried:
        if relation is None:
            return True
        if conn is not None and _holds(relation, conn, person, target, memo):
            return True
    return False


def _holds(
    relation: str,
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    target: Mapping[str, Any],
    memo: dict | None,
) -> bool:
    if memo is None:
        return relations.holds(relation, conn, person, target)
    if relation in relations.BY_IDENTITY:
        key: tuple = (relation, target.get("kind"), target.get("id"))
    else:
        key = (relation, *sorted(target.items()))
    try:
        found = memo.get(key)
    except TypeError:  # a target holding a list or a dict: asked every time
        return relations.holds(relation, conn, person, target)
    if found is None:
        found = memo[key] = relations.holds(relation, conn, person, target)
    return found


def totp_required(person: Mapping[str, Any], admin_totp_required: bool) -> bool:
    """True when the person must enrol TOTP before using the portal (the technician, by
    default: the one account the `account.totp_required` rule names)."""
    return (
        admin_totp_required
        and may(person, "account.totp_required")
        and not person.get("totp_enabled")
    )
