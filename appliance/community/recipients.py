"""Who a message can go to: people, and lists ("parents de 5A"), as the rules allow.

A list is named by an id: `students:class:5A`, `parents:class:5A`, `teachers:class:5A`
(the same with `group:CODE`), `staff:all`, `teachers:all`, `parents:all`,
`students:all`. Its members are the active accounts it stands for (the legal guardians
for parents, the teachers who teach the class or group for `teachers:`), each once, the
sender left out. A sender may use a class's or group's list when the communication rules
let them write to every one of its members (`rules.first_refused`): "parents de 5A" is
open to the teachers of 5A, "équipe pédagogique de 5A" to its students and their
parents. A list of everyone of a profile ("tout le personnel", "tous les parents") is
the matrix's "all …" columns: it needs the rule towards that profile to reach the whole
school (scope `school`) and the policy's `messages.whole_lists` (teachers, staff, the
technician: a guest writes to people one by one). So "tous les parents" is open to the
vie scolaire and the direction, not to teachers.

`search(conn, person, q)` gives the lists and people matching `q` that the person may
write to, and only those: someone the rules refuse is never listed.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

from appliance.community import rules
from appliance.community.text import fold, like_pattern, with_fold
from appliance.db import rows
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_, Label
from appliance.security import policy

Person = Mapping[str, Any]

_COLUMNS = "p.id, p.login, p.profile, p.state, p.function, p.first_name, p.last_name"
_ORDER = " ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.login"

# who of a list -> its members' profile
WHO = {"students": "student", "parents": "relative", "teachers": "teacher", "staff": "staff"}
_STRUCTURE_LISTS = ("students", "parents", "teachers")
_GLOBAL_LISTS = ("staff:all", "teachers:all", "parents:all", "students:all")
_LIST_ID = re.compile(r"^(students|parents|teachers|staff):(?:(all)|(class|group):(.{1,40}))$")

LABELS = {
    "students:class": N_("Élèves de %(code)s"),
    "parents:class": N_("Parents de %(code)s"),
    "teachers:class": N_("Équipe pédagogique de %(code)s"),
    "students:group": N_("Élèves du groupe %(code)s"),
    "parents:group": N_("Parents du groupe %(code)s"),
    "teachers:group": N_("Enseignants du groupe %(code)s"),
    "staff:all": N_("Tout le personnel"),
    "teachers:all": N_("Tous les enseignants"),
    "parents:all": N_("Tous les parents"),
    "students:all": N_("Tous les élèves"),
}


def is_list_id(text: str) -> bool:
    return ":" in text


def parse_list(list_id: str) -> tuple[str, str, str | None]:
    """(who, kind, code) of a list id: ("parents", "class", "5A"), ("staff", "all", None).
    Raises CartableError for anything else."""
    m = _LIST_ID.match(list_id or "")
    if m is None or (m.group(1) == "staff" and not m.group(2)):
        raise NotFound(
            N_("« %(name)s » n'est pas une liste de destinataires connue."),
            field="to",
            name=list_id,
        )
    who, everyone, kind, code = m.groups()
    if everyone:
        return who, "all", None
    return who, kind, code


def label(list_id: str) -> Label:
    """The list's name in words (French; translated where shown)."""
    who, kind, code = parse_list(list_id)
    if kind == "all":
        return Label(LABELS[list_id])
    return Label(LABELS[f"{who}:{kind}"], code=code)


def members(
    conn: sqlite3.Connection, list_id: str, *, exclude: int | None = None, probe: bool = False
) -> list[dict]:
    """The active people of a list, each once, in name order (without `exclude`); with
    `probe`, two of them in no order (cheap: is the list empty, is its first one allowed).
    Raises NotFound for an unknown list, class or group."""
    who, kind, code = parse_list(list_id)
    profile = WHO[who]
    params: list[Any] = []
    if kind == "all":
        sql = f"SELECT {_COLUMNS} FROM person p WHERE p.state = 'active' AND p.profile = ?"
        params = [profile]
    else:
        # "+": not the index of profiles (thousands of parents) but the class's members
        active = "+p.state = 'active' AND +p.profile = ?"
        table, column = (
            ("school_class", "class_id")
            if kind == "class"
            else (
                "teaching_group",
                "group_id",
            )
        )
        membership = "class_membership" if kind == "class" else "group_membership"
        struct = rows(
            conn, f"SELECT id FROM {table} WHERE code = ? AND retired_at IS NULL", (code,)
        )
        if not struct:
            raise NotFound(
                N_("« %(name)s » n'est pas une liste de destinataires connue."),
                field="to",
                name=list_id,
            )
        sid = struct[0]["id"]
        if who == "students":
            sql = (
                f"SELECT {_COLUMNS} FROM {membership} m JOIN person p ON p.id = m.person_id "
                f"WHERE m.{column} = ? AND {active}"
            )
        elif who == "parents":
            sql = (
                f"SELECT DISTINCT {_COLUMNS} FROM {membership} m "
                "JOIN guardian_link l ON l.student_id = m.person_id AND l.level = 1 "
                f"JOIN person p ON p.id = l.guardian_id WHERE m.{column} = ? AND {active}"
            )
        else:
            sql = (
                f"SELECT DISTINCT {_COLUMNS} FROM teaching t JOIN person p ON p.id = t.teacher_id "
                f"WHERE t.{column} = ? AND {active}"
            )
        params = [sid, profile]
    found = rows(conn, sql + (" LIMIT 2" if probe else _ORDER), params)
    return [p for p in found if p["id"] != exclude]


def _whole_list_allowed(
    conn: sqlite3.Connection, person: Person, list_id: str, table: rules.Rules | None = None
) -> bool:
    who, _kind, _code = parse_list(list_id)
    scope = (rules.load(conn) if table is None else table).get((person["profile"], WHO[who]))
    return scope == "school" and policy.may(person, "messages.whole_lists")


def may_use(
    conn: sqlite3.Connection, person: Person, list_id: str, table: rules.Rules | None = None
) -> tuple[bool, list[dict]]:
    """(whether `person` may write to the list, its members); `table`: the rules, when
    the caller has read them already."""
    table = rules.load(conn) if table is None else table
    who, _kind, _code = parse_list(list_id)
    if table.get((person["profile"], WHO[who])) is None:
        return False, []  # the rule refuses that profile: no need to read the list
    if list_id.endswith(":all"):
        if not _whole_list_allowed(conn, person, list_id, table):
            return False, []
        found = members(conn, list_id, exclude=person["id"])
        return bool(found), found
    probe = members(conn, list_id, exclude=person["id"], probe=True)
    if not probe or rules.first_refused(conn, person, probe, table=table) is not None:
        return False, probe  # empty, or one member refused: the whole list is
    found = members(conn, list_id, exclude=person["id"])
    return rules.first_refused(conn, person, found, table=table) is None, found


def check_list(conn: sqlite3.Connection, person: Person, list_id: str) -> list[dict]:
    """The members of a list `person` may use; raises rules.Refused (naming the rule and
    the list) or CartableError (an unknown or empty list)."""
    found = members(conn, list_id, exclude=person["id"])
    if not found:
        raise NotFound(
            N_("La liste « %(name)s » n'a aucun membre : rien n'a été envoyé."),
            field="to",
            name=label(list_id),
        )
    if list_id.endswith(":all"):
        if not _whole_list_allowed(conn, person, list_id):
            raise rules.whole_list_refusal(person, found[0], label(list_id), rules.load(conn))
        return found
    refused = rules.first_refused(conn, person, found)
    if refused is not None:
        raise rules.refusal(person, [refused], rules.load(conn), name=label(list_id))
    return found


def person_by_login(conn: sqlite3.Connection, login: str) -> dict:
    """The account (not disabled) with this login; raises CartableError naming it."""
    found = rows(
        conn,
        f"SELECT {_COLUMNS} FROM person p WHERE p.login = ? AND p.state != 'disabled'",
        ((login or "").strip().lower(),),
    )
    if not found:
        raise NotFound(N_("Aucun destinataire ne s'appelle « %(name)s »."), field="to", name=login)
    return found[0]


def people_by_id(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict]:
    """{id: person} for those ids (in chunks: a message may reach thousands)."""
    out: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for p in rows(conn, f"SELECT {_COLUMNS} FROM person p WHERE p.id IN ({marks})", chunk):
            out[p["id"]] = p
    return out


def describe(conn: sqlite3.Connection, ids: list[str]) -> list[dict[str, Any]]:
    """Chosen addresses in words, in order: [{"id", "kind", "name"}] (a list's name, a
    person's; an unknown one named as written, "unknown" True)."""
    out: list[dict[str, Any]] = []
    for entry in ids:
        try:
            if is_list_id(entry):
                out.append({"id": entry, "kind": "list", "name": label(entry), "unknown": False})
            else:
                p = person_by_login(conn, entry)
                out.append({"id": entry, "kind": "person", "name": rules.name_of(p),
                            "profile": p["profile"], "unknown": False})  # fmt: skip
        except CartableError:
            out.append({"id": entry, "kind": "person", "name": entry, "unknown": True})
    return out


# --- the search ---------------------------------------------------------------------------


def _candidate_lists(conn: sqlite3.Connection) -> Iterator[str]:
    yield from _GLOBAL_LISTS
    for kind, table in (("class", "school_class"), ("group", "teaching_group")):
        codes = rows(
            conn, f"SELECT code FROM {table} WHERE retired_at IS NULL ORDER BY code COLLATE NOCASE"
        )
        for c in codes:
            for who in _STRUCTURE_LISTS:
                yield f"{who}:{kind}:{c['code']}"


def _matches(list_id: str, folded_q: str) -> bool:
    if not folded_q:
        return True
    words = f"{fold(str(label(list_id)))} {fold(list_id)}"
    return all(part in words for part in folded_q.split())


def _lists(conn: sqlite3.Connection, person: Person, q: str) -> Iterator[dict[str, Any]]:
    folded = fold(q)
    table = rules.load(conn)
    for list_id in _candidate_lists(conn):
        if not _matches(list_id, folded):
            continue
        allowed, found = may_use(conn, person, list_id, table)
        if allowed:
            yield {"id": list_id, "kind": "list", "name": label(list_id), "count": len(found)}


def _people(conn: sqlite3.Connection, person: Person, q: str) -> Iterator[dict[str, Any]]:
    words = fold(q).split()
    if not words:
        return
    with_fold(conn)
    clauses = " AND ".join(
        "(cartable_fold(p.first_name || ' ' || p.last_name || ' ' || p.login) LIKE ? ESCAPE '\\')"
        for _ in words
    )
    found = conn.execute(
        f"SELECT {_COLUMNS} FROM person p WHERE p.state != 'disabled' AND p.id != ? "
        f"AND {clauses}{_ORDER}",
        (person["id"], *(like_pattern(w) for w in words)),
    )
    candidates = (dict(r) for r in found)
    for p in rules.writable(conn, person, candidates, table=rules.load(conn)):
        yield {
            "id": p["login"],
            "kind": "person",
            "name": rules.name_of(p),
            "profile": p["profile"],
            "person_id": p["id"],
        }


def search(
    conn: sqlite3.Connection, person: Person, q: str, *, limit: int = 20, offset: int = 0
) -> tuple[list[dict[str, Any]], bool]:
    """The lists then the people matching `q` (every word, in names, logins, list names
    and codes; accents and case ignored) that `person` may write to: (items, more).

    Items: {"id" (login or list id), "kind" ("person" | "list"), "name", "count" (a
    list's members), "profile" (a person's)}; without `q`, the lists alone.
    """
    chain = itertools.chain(_lists(conn, person, q), _people(conn, person, q))
    page = list(itertools.islice(chain, offset, offset + limit + 1))
    for item in page:
        if item["kind"] == "person":
            item["classes"] = _classes(conn, item["person_id"])
    return page[:limit], len(page) > limit


def _classes(conn: sqlite3.Connection, person_id: int) -> list[str]:
    found = rows(
        conn,
        "SELECT c.code FROM class_membership m JOIN school_class c ON c.id = m.class_id "
        "WHERE m.person_id = ? UNION SELECT c.code FROM guardian_link l "
        "JOIN class_membership m ON m.person_id = l.student_id AND l.level = 1 "
        "JOIN school_class c ON c.id = m.class_id WHERE l.guardian_id = ? ORDER BY 1",
        (person_id, person_id),
    )
    return [r["code"] for r in found]
