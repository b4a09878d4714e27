"""Browsing the directory: classes and groups, who is in them, who teaches them.

Read-only queries for the directory pages. They return plain dicts and never decide who
may see what: the views ask `appliance.security.policy` first, then pick the query that
matches (a technician's class list with guardians, a teacher's students, a parent's
view of their children's teachers).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import one, rows
from appliance.errors import NotFound
from appliance.i18n import N_

KINDS = {"class": ("school_class", "class_membership", "class_id"),
         "group": ("teaching_group", "group_membership", "group_id")}  # fmt: skip

_SUBJECT = "coalesce(s.name, s.short_name, t.subject_code)"


def list_classes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every class (open ones first), with its number of active students, its number of
    teachers and its head teachers' names."""
    return rows(
        conn,
        "SELECT c.id, c.code, c.name, c.level, c.retired_at, "
        "(SELECT count(*) FROM class_membership m JOIN person p ON p.id = m.person_id "
        " WHERE m.class_id = c.id AND p.profile = 'student' AND p.state = 'active') AS students, "
        "(SELECT count(DISTINCT t.teacher_id) FROM teaching t WHERE t.class_id = c.id) "
        " AS teachers, "
        "(SELECT group_concat(p.first_name || ' ' || p.last_name, ', ') FROM teaching t "
        " JOIN person p ON p.id = t.teacher_id WHERE t.class_id = c.id AND t.head_teacher = 1)"
        " AS head_teachers "
        "FROM school_class c ORDER BY c.retired_at IS NOT NULL, c.code COLLATE NOCASE",
    )


def list_groups(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every group (open ones first), with its number of active students and teachers."""
    return rows(
        conn,
        "SELECT g.id, g.code, g.name, g.retired_at, "
        "(SELECT count(*) FROM group_membership m JOIN person p ON p.id = m.person_id "
        " WHERE m.group_id = g.id AND p.profile = 'student' AND p.state = 'active') AS students, "
        "(SELECT count(DISTINCT t.teacher_id) FROM teaching t WHERE t.group_id = g.id) "
        " AS teachers "
        "FROM teaching_group g ORDER BY g.retired_at IS NOT NULL, g.code COLLATE NOCASE",
    )


def get_structure(conn: sqlite3.Connection, kind: str, struct_id: int) -> dict[str, Any]:
    """One class (`kind` "class") or group ("group") with its `kind`; raises NotFound."""
    table = KINDS[kind][0]
    level = "level" if kind == "class" else "NULL AS level"
    found = one(
        conn, f"SELECT id, code, name, {level}, retired_at FROM {table} WHERE id = ?", (struct_id,)
    )
    if found is None:
        raise NotFound(
            N_("Aucune classe n'a le numéro %(struct_id)s.")
            if kind == "class"
            else N_("Aucune groupe n'a le numéro %(struct_id)s."),
            struct_id=struct_id,
        )
    found["kind"] = kind
    return found


def students(
    conn: sqlite3.Connection, kind: str, struct_id: int, *, everyone: bool = False
) -> list[dict[str, Any]]:
    """The students of a class or group, sorted by name: active ones, or with `everyone`
    also those departed or disabled (for the technician)."""
    _table, membership, column = KINDS[kind]
    state = "" if everyone else "AND p.state = 'active'"
    return rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name, p.state, p.last_login_at, "
        f"p.departed_on FROM {membership} m JOIN person p ON p.id = m.person_id "
        f"WHERE m.{column} = ? AND p.profile = 'student' {state} "
        "ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.login",
        (struct_id,),
    )


def guardians_of(conn: sqlite3.Connection, student_ids: list[int]) -> dict[int, list[dict]]:
    """Student id → their guardians (legal level, state, last login, e-mail), sorted by name."""
    out: dict[int, list[dict]] = {}
    if not student_ids:
        return out
    for r in rows(
        conn,
        "SELECT g.student_id, g.level, g.relationship, p.id, p.login, p.first_name, "
        "p.last_name, p.state, p.last_login_at, p.email FROM guardian_link g "
        "JOIN person p ON p.id = g.guardian_id "
        "WHERE g.student_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY g.level, p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE",
        (str(list(student_ids)),),
    ):
        out.setdefault(r.pop("student_id"), []).append(r)
    return out


def teachers(conn: sqlite3.Connection, kind: str, struct_id: int) -> list[dict[str, Any]]:
    """The teachers of a class or group: each once, with their subjects and whether they
    are head teacher (professeur principal) there; head teachers first."""
    column = KINDS[kind][2]
    found = rows(
        conn,
        f"SELECT p.id, p.login, p.first_name, p.last_name, p.state, {_SUBJECT} AS subject, "
        "t.head_teacher FROM teaching t JOIN person p ON p.id = t.teacher_id "
        "LEFT JOIN subject s ON s.code = t.subject_code "
        f"WHERE t.{column} = ? AND p.state = 'active'",
        (struct_id,),
    )
    return _merge_teachers(found)


def teachers_of_student(conn: sqlite3.Connection, student_id: int) -> list[dict[str, Any]]:
    """The active teachers of a student (through their classes and groups), each once with
    their subjects and whether they are the student's head teacher."""
    found = rows(
        conn,
        f"SELECT p.id, p.login, p.first_name, p.last_name, p.state, {_SUBJECT} AS subject, "
        "t.head_teacher FROM teaching t JOIN person p ON p.id = t.teacher_id "
        "LEFT JOIN subject s ON s.code = t.subject_code "
        "WHERE p.state = 'active' AND ("
        " t.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) OR"
        " t.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?))",
        (student_id, student_id),
    )
    return _merge_teachers(found)


def _merge_teachers(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged: dict[int, dict[str, Any]] = {}
    for r in found:
        t = merged.setdefault(
            r["id"],
            {k: r[k] for k in ("id", "login", "first_name", "last_name", "state")}
            | {"subjects": [], "head_teacher": False},
        )
        if r["subject"] and r["subject"] not in t["subjects"]:
            t["subjects"].append(r["subject"])
        t["head_teacher"] = t["head_teacher"] or bool(r["head_teacher"])
    out = list(merged.values())
    for t in out:
        t["subjects"].sort()
    out.sort(key=lambda t: (not t["head_teacher"], t["last_name"].casefold(), t["first_name"]))
    return out


def classes_of_student(conn: sqlite3.Connection, student_id: int) -> list[dict[str, Any]]:
    """The open classes a student is in (usually one)."""
    return rows(
        conn,
        "SELECT c.id, c.code, c.name FROM class_membership m JOIN school_class c "
        "ON c.id = m.class_id WHERE m.person_id = ? AND c.retired_at IS NULL ORDER BY c.code",
        (student_id,),
    )


def taught_by(conn: sqlite3.Connection, teacher_id: int) -> list[dict[str, Any]]:
    """The classes, then the groups, a teacher teaches: each with `kind`, its subjects,
    whether they are head teacher there and its number of active students."""
    found = rows(
        conn,
        "SELECT 'class' AS kind, c.id, c.code, c.name, t.head_teacher, "
        f"{_SUBJECT} AS subject, (SELECT count(*) FROM class_membership m JOIN person p "
        " ON p.id = m.person_id WHERE m.class_id = c.id AND p.profile = 'student' "
        " AND p.state = 'active') AS students "
        "FROM teaching t JOIN school_class c ON c.id = t.class_id "
        "LEFT JOIN subject s ON s.code = t.subject_code "
        "WHERE t.teacher_id = ? AND c.retired_at IS NULL "
        "UNION ALL "
        "SELECT 'group', g.id, g.code, g.name, t.head_teacher, "
        f"{_SUBJECT}, (SELECT count(*) FROM group_membership m JOIN person p "
        " ON p.id = m.person_id WHERE m.group_id = g.id AND p.profile = 'student' "
        " AND p.state = 'active') "
        "FROM teaching t JOIN teaching_group g ON g.id = t.group_id "
        "LEFT JOIN subject s ON s.code = t.subject_code "
        "WHERE t.teacher_id = ? AND g.retired_at IS NULL",
        (teacher_id, teacher_id),
    )
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    for r in found:
        item = merged.setdefault(
            (r["kind"], r["id"]),
            {k: r[k] for k in ("kind", "id", "code", "name", "students")}
            | {"subjects": [], "head_teacher": False},
        )
        if r["subject"] and r["subject"] not in item["subjects"]:
            item["subjects"].append(r["subject"])
        item["head_teacher"] = item["head_teacher"] or bool(r["head_teacher"])
    return sorted(merged.values(), key=lambda s: (s["kind"] != "class", s["code"].casefold()))


def students_taught(conn: sqlite3.Connection, teacher_id: int) -> list[dict[str, Any]]:
    """The classes and groups a teacher teaches, each with its active students (a student
    may appear twice: in their class and in a group)."""
    out = []
    for struct in taught_by(conn, teacher_id):
        struct["members"] = students(conn, struct["kind"], struct["id"])
        out.append(struct)
    return out
