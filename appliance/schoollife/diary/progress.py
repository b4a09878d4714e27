"""The students' ticks ("done") and the class's workload per day."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from appliance.db import now_iso, rows, transaction
from appliance.schoollife.diary import audiences, days

_CHUNK = 500


# --- ticks --------------------------------------------------------------------------------


def set_done(conn: sqlite3.Connection, student_id: int, homework_id: int, done: bool) -> bool:
    """Tick (or untick) a homework as done by the student `student_id` (their own tick:
    the caller has checked the policy). Returns the new state."""
    with transaction(conn):
        if done:
            conn.execute(
                "INSERT OR IGNORE INTO homework_done (homework_id, student_id, done_at) "
                "VALUES (?, ?, ?)",
                (homework_id, student_id, now_iso()),
            )
        else:
            conn.execute(
                "DELETE FROM homework_done WHERE homework_id = ? AND student_id = ?",
                (homework_id, student_id),
            )
    return done


def with_done(
    conn: sqlite3.Connection, items: list[dict[str, Any]], student_id: int
) -> list[dict[str, Any]]:
    """`items` with `done`: whether the student ticked each."""
    ids = [i["id"] for i in items]
    ticked: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        ticked |= {
            r["homework_id"]
            for r in rows(
                conn,
                f"SELECT homework_id FROM homework_done WHERE student_id = ? "
                f"AND homework_id IN ({marks})",
                (student_id, *chunk),
            )
        }
    for item in items:
        item["done"] = item["id"] in ticked
    return items


def with_done_counts(conn: sqlite3.Connection, items: list[dict[str, Any]]) -> list[dict]:
    """`items` with `done_count` (how many of the audience's active students ticked it)
    and `students` (how many it has)."""
    ids = [i["id"] for i in items]
    counts: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in rows(
            conn,
            "SELECT d.homework_id, count(*) AS n FROM homework_done d JOIN person p "
            "ON p.id = d.student_id WHERE p.state = 'active' AND d.homework_id IN "
            f"({marks}) GROUP BY d.homework_id",
            chunk,
        ):
            counts[r["homework_id"]] = r["n"]
    sizes: dict[tuple[str, int], int] = {}
    for item in items:
        key = (item["audience"]["kind"], item["audience"]["id"])
        if key not in sizes:
            sizes[key] = audiences.members(conn, item["audience"])
        item["done_count"] = counts.get(item["id"], 0)
        item["students"] = sizes[key]
    return items


def ticks_of(conn: sqlite3.Connection, student_id: int) -> list[dict[str, Any]]:
    """Every tick of a student with what it is about (their data export)."""
    return rows(
        conn,
        "SELECT d.done_at, h.id AS homework_id, h.due_date AS due, h.subject_code, "
        "h.subject_label AS subject, h.kind, coalesce(c.code, g.code) AS audience "
        "FROM homework_done d JOIN homework h ON h.id = d.homework_id "
        "LEFT JOIN school_class c ON c.id = h.class_id "
        "LEFT JOIN teaching_group g ON g.id = h.group_id WHERE d.student_id = ? "
        "ORDER BY h.due_date, h.id",
        (student_id,),
    )


# --- workload -----------------------------------------------------------------------------


def workload(
    conn: sqlite3.Connection, audience: dict[str, Any], first: date | str, last: date | str
) -> list[dict[str, Any]]:
    """The class's (or group's) work due each day from `first` to `last`: for every day,
    `count` and `minutes` of the heaviest load among its students (each student's own
    classes' and groups' homework, published or not: it is due all the same), or the
    audience's own homework when it has no student yet. Returns [{"date", "count",
    "minutes"}] for every day of the span, in order."""
    a, b = days.span(first, last)
    column = audiences.column(audience["kind"])
    membership = "class_membership" if audience["kind"] == "class" else "group_membership"
    per_student = rows(
        conn,
        f"WITH s AS (SELECT m.person_id FROM {membership} m JOIN person p ON p.id = m.person_id "
        f"WHERE m.{column} = ? AND p.profile = 'student' AND p.state = 'active') "
        "SELECT s.person_id, h.due_date, count(*) AS n, sum(coalesce(h.minutes, 0)) AS m "
        "FROM s JOIN homework h ON h.due_date BETWEEN ? AND ? AND ("
        "h.class_id IN (SELECT class_id FROM class_membership WHERE person_id = s.person_id) OR "
        "h.group_id IN (SELECT group_id FROM group_membership WHERE person_id = s.person_id)) "
        "GROUP BY s.person_id, h.due_date",
        (audience["id"], a, b),
    )
    own = rows(
        conn,
        "SELECT due_date, count(*) AS n, sum(coalesce(minutes, 0)) AS m FROM homework "
        f"WHERE {column} = ? AND due_date BETWEEN ? AND ? GROUP BY due_date",
        (audience["id"], a, b),
    )
    heaviest: dict[str, tuple[int, int]] = {}
    for r in [*per_student, *own]:
        n, m = heaviest.get(r["due_date"], (0, 0))
        heaviest[r["due_date"]] = (max(n, r["n"]), max(m, r["m"]))
    out = []
    day, end = date.fromisoformat(a), date.fromisoformat(b)
    while day <= end:
        n, m = heaviest.get(day.isoformat(), (0, 0))
        out.append({"date": day.isoformat(), "count": n, "minutes": m})
        day += timedelta(days=1)
    return out
