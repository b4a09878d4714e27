"""The monthly alerts ("signalements"): a student with four or more complete half-days
without an admissible reason in a calendar month (`halfdays`) obliges the school to act
(the educational team, then a report to the DASEN). The vie scolaire sees every such
student, a head teacher those of their classes (`visible`); both are told once, when the
student reaches the threshold (`check`, after each roll call and settlement, and daily
by the worker), and the alert goes when accepted reasons bring the count below it.

    month_alerts(conn, "AAAA-MM", class_ids=None) -> [{"student_id", "login",
        "first_name", "last_name", "classes", "class", "complete_unjustified",
        "complete_half_days", "half_days"}]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from appliance.db import now_iso, rows, transaction
from appliance.schoollife.attendance import halfdays, notify
from appliance.schoollife.attendance.common import ALERT_THRESHOLD, month
from appliance.security import policy

_CHUNK = 500


def _people(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in rows(
            conn,
            "SELECT p.id, p.login, p.first_name, p.last_name, "
            "(SELECT group_concat(c.code, ', ') FROM class_membership m JOIN school_class c "
            " ON c.id = m.class_id WHERE m.person_id = p.id) AS classes "
            f"FROM person p WHERE p.id IN ({marks})",
            chunk,
        ):
            out[r["id"]] = r
    return out


def _students_of(conn: sqlite3.Connection, class_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(class_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [
        r["person_id"]
        for r in rows(
            conn,
            f"SELECT DISTINCT person_id FROM class_membership WHERE class_id IN ({marks})",
            ids,
        )
    ]


def month_alerts(
    conn: sqlite3.Connection,
    which: str | None,
    *,
    class_ids: Iterable[int] | None = None,
    split: str | None = None,
) -> list[dict[str, Any]]:
    """The students of the month ("AAAA-MM", the current one when empty) at or past the
    threshold, of every class or of `class_ids` only, by class then name. CartableError
    for a malformed month."""
    first, last = month(which)
    students = None if class_ids is None else _students_of(conn, class_ids)
    if students is not None and not students:
        return []
    found = halfdays.summaries(conn, first, last, split=split, student_ids=students)
    hit = {sid: s for sid, s in found.items() if s.complete_unjustified >= ALERT_THRESHOLD}
    people = _people(conn, sorted(hit))
    out = []
    for sid, s in hit.items():
        person = people[sid]
        classes = person["classes"] or ""
        out.append(
            {
                "student_id": sid,
                "login": person["login"],
                "first_name": person["first_name"],
                "last_name": person["last_name"],
                "classes": classes,
                "class": classes.split(", ")[0] if classes else None,
                "complete_unjustified": s.complete_unjustified,
                "complete_half_days": s.complete_half_days,
                "half_days": s.half_days,
            }
        )
    out.sort(
        key=lambda a: (
            a["class"] or "",
            a["last_name"].casefold(),
            a["first_name"].casefold(),
            a["login"],
        )
    )
    return out


def head_classes(conn: sqlite3.Connection, person: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The classes whose alerts `person` follows as their head teacher (the policy's
    `attendance.alerts.class` on each class they head)."""
    found = rows(
        conn,
        "SELECT DISTINCT c.id, c.code FROM teaching t JOIN school_class c ON c.id = t.class_id "
        "WHERE t.teacher_id = ? AND t.head_teacher = 1 ORDER BY c.code",
        (person["id"],),
    )
    return [
        c
        for c in found
        if policy.may(person, "attendance.alerts.class", {"kind": "class", "id": c["id"]}, conn)
    ]


def visible(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    which: str | None,
    *,
    split: str | None = None,
) -> list[dict[str, Any]]:
    """The month's alerts `person` may see: every one for the vie scolaire and the
    direction (`attendance.alerts.all`), those of the classes they head for a teacher."""
    if policy.may(person, "attendance.alerts.all", None, conn):
        return month_alerts(conn, which, split=split)
    return month_alerts(
        conn, which, class_ids=[c["id"] for c in head_classes(conn, person)], split=split
    )


def check(
    conn: sqlite3.Connection,
    student_ids: Iterable[int] | None,
    which: str,
    *,
    split: str | None = None,
) -> tuple[list[int], list[int]]:
    """Compare the month's counts of `student_ids` (None: every student) with the alerts
    already told (`attendance_alert_notice`): tell the vie scolaire and the head teacher
    of each student who reached the threshold, forget those now below it. Runs in the
    caller's transaction (or its own). Returns (raised, cleared) student ids."""
    first, last = month(which)
    ids = None if student_ids is None else sorted(set(student_ids))
    if ids is not None and not ids:
        return [], []
    counts = halfdays.summaries(conn, first, last, split=split, student_ids=ids)
    told = {
        r["student_id"]
        for r in rows(
            conn, "SELECT student_id FROM attendance_alert_notice WHERE month = ?", (which,)
        )
    }
    scope = set(counts) | (told if ids is None else told & set(ids))
    reached = {
        sid
        for sid in scope
        if sid in counts and counts[sid].complete_unjustified >= ALERT_THRESHOLD
    }
    raised, cleared = sorted(reached - told), sorted((scope & told) - reached)
    if not raised and not cleared:
        return [], []
    people = _people(conn, raised)
    with transaction(conn):
        stamp = now_iso()
        for sid in raised:
            n = counts[sid].complete_unjustified
            conn.execute(
                "INSERT INTO attendance_alert_notice (student_id, month, notified_at, "
                "complete_unjustified) VALUES (?, ?, ?, ?)",
                (sid, which, stamp, n),
            )
            notify.alert_raised(conn, people[sid], n, which)
        conn.executemany(
            "DELETE FROM attendance_alert_notice WHERE student_id = ? AND month = ?",
            [(sid, which) for sid in cleared],
        )
    return raised, cleared
