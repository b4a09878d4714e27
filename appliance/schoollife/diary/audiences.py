"""The classes and groups a cahier de textes is written for: found by id or by code, named
as the API names them (`class:5A`), and shaped as the policy's targets.

An audience is `{"kind": "class" | "group", "id", "code", "name"}`. Its policy target is
`{"kind", "id"}`, narrowed to one subject with `subject_code` for writing (a teacher writes
only in the classes they teach, in their subjects: the `teaches` relation).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import one, rows
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_

KINDS = ("class", "group")
_TABLES = {"class": "school_class", "group": "teaching_group"}


def get(conn: sqlite3.Connection, kind: str, audience_id: int) -> dict[str, Any]:
    """The class or group `audience_id`; raises NotFound (also for an unknown kind)."""
    if kind not in KINDS:
        raise NotFound(N_("Aucune classe ni aucun groupe de ce nom."))
    found = one(
        conn, f"SELECT id, code, name FROM {_TABLES[kind]} WHERE id = ?", (int(audience_id),)
    )
    if found is None:
        raise NotFound(
            N_("Aucune classe n'a le numéro %(id)s.")
            if kind == "class"
            else N_("Aucun groupe n'a le numéro %(id)s."),
            id=audience_id,
        )
    return {"kind": kind, **found}


def by_code(conn: sqlite3.Connection, kind: str, code: str) -> dict[str, Any]:
    """The class or group whose code is `code`; raises NotFound naming it."""
    if kind not in KINDS:
        raise CartableError(
            N_("« %(kind)s » n'est ni « class » ni « group »."), field="audience", kind=kind
        )
    found = one(
        conn, f"SELECT id, code, name FROM {_TABLES[kind]} WHERE code = ?", ((code or "").strip(),)
    )
    if found is None:
        raise NotFound(
            N_("Aucune classe n'a le code « %(code)s ».")
            if kind == "class"
            else N_("Aucun groupe n'a le code « %(code)s »."),
            code=code,
        )
    return {"kind": kind, **found}


def parse(conn: sqlite3.Connection, text: str) -> dict[str, Any]:
    """The audience of the short form `class:5A` / `group:5AESP2`; raises CartableError for
    a malformed one and NotFound for an unknown code."""
    kind, sep, code = (text or "").partition(":")
    if not sep or kind not in KINDS or not code.strip():
        raise CartableError(
            N_("Audience « %(text)s » mal formée : écrivez class:CODE ou group:CODE."),
            field="audience",
            text=text,
        )
    return by_code(conn, kind, code)


def target(audience: dict[str, Any], subject_code: str | None = None) -> dict[str, Any]:
    """The policy's target for `audience` (with `subject_code` to narrow it to a subject)."""
    found: dict[str, Any] = {"kind": audience["kind"], "id": audience["id"]}
    if subject_code:
        found["subject_code"] = subject_code
    return found


def column(kind: str) -> str:
    """The column naming an audience of this kind in the diary's tables."""
    return "class_id" if kind == "class" else "group_id"


def short(audience: dict[str, Any]) -> dict[str, str]:
    """The API's shape of an audience: {"kind", "code"}."""
    return {"kind": audience["kind"], "code": audience["code"]}


def of_person(conn: sqlite3.Connection, person_id: int) -> list[dict[str, Any]]:
    """The classes and groups a student is a member of, classes first."""
    return rows(
        conn,
        "SELECT 'class' AS kind, c.id, c.code, c.name FROM class_membership m "
        "JOIN school_class c ON c.id = m.class_id WHERE m.person_id = ? "
        "UNION ALL SELECT 'group', g.id, g.code, g.name FROM group_membership m "
        "JOIN teaching_group g ON g.id = m.group_id WHERE m.person_id = ? "
        "ORDER BY 1 DESC, 3",
        (person_id, person_id),
    )


def taught_by(conn: sqlite3.Connection, teacher_id: int) -> list[dict[str, Any]]:
    """The classes and groups a teacher teaches, each once with the subject codes they
    teach there (`subjects`), classes first."""
    found = rows(
        conn,
        "SELECT 'class' AS kind, c.id, c.code, c.name, t.subject_code FROM teaching t "
        "JOIN school_class c ON c.id = t.class_id WHERE t.teacher_id = ? "
        "AND c.retired_at IS NULL UNION ALL "
        "SELECT 'group', g.id, g.code, g.name, t.subject_code FROM teaching t "
        "JOIN teaching_group g ON g.id = t.group_id WHERE t.teacher_id = ? "
        "AND g.retired_at IS NULL",
        (teacher_id, teacher_id),
    )
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    for r in found:
        item = merged.setdefault(
            (r["kind"], r["id"]),
            {
                "kind": r["kind"],
                "id": r["id"],
                "code": r["code"],
                "name": r["name"],
                "subjects": [],
            },
        )
        if r["subject_code"] and r["subject_code"] not in item["subjects"]:
            item["subjects"].append(r["subject_code"])
    return sorted(merged.values(), key=lambda a: (a["kind"] != "class", a["code"].casefold()))


def every(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every open class, then every open group (the direction's and technician's list)."""
    return rows(
        conn,
        "SELECT 'class' AS kind, id, code, name FROM school_class WHERE retired_at IS NULL "
        "UNION ALL SELECT 'group', id, code, name FROM teaching_group WHERE retired_at IS NULL "
        "ORDER BY 1 DESC, 3 COLLATE NOCASE",
    )


def members(conn: sqlite3.Connection, audience: dict[str, Any]) -> int:
    """How many active students the class or group has."""
    membership = "class_membership" if audience["kind"] == "class" else "group_membership"
    found = one(
        conn,
        f"SELECT count(*) AS n FROM {membership} m JOIN person p ON p.id = m.person_id "
        f"WHERE m.{column(audience['kind'])} = ? AND p.profile = 'student' "
        "AND p.state = 'active'",
        (audience["id"],),
    )
    return int(found["n"]) if found else 0


def subject_label(conn: sqlite3.Connection, code: str) -> str:
    """The subject's name (the directory's), else its code."""
    found = one(
        conn,
        "SELECT coalesce(name, short_name, code) AS label FROM subject WHERE code = ?",
        (code,),
    )
    return str(found["label"]) if found else code
