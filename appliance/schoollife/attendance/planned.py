"""Planned absences: a trip, a PE exemption, a work placement… entered by the vie scolaire
beforehand. They pre-fill the roll calls of the lessons they cover (the student shows as
absent, with the planned reason, until the teacher says otherwise) and give the absence
the roll call makes its reason, already justified. Nothing is written on the lessons: a
new timetable is not held back by a planned absence, and its lessons are covered the
same way.

A planned absence covers a lesson of its student when the lesson's day is between its
first and last day (both included), its hours overlap the lesson (all day when none are
given), and the lesson is of its subject when one is given (a PE exemption: PE only).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from appliance.db import now_iso, one, rows, scalar
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife.attendance import reasons
from appliance.schoollife.attendance.common import clock, day, plain_text
from appliance.security.audit import Actor, audited

KINDS = {
    "trip": N_("Sortie ou voyage scolaire"),
    "pe_exemption": N_("Dispense d'EPS"),
    "placement": N_("Stage"),
    "other": N_("Autre absence prévue"),
}
# The reason a planned absence gives when none is chosen (codes seeded by 0060).
DEFAULT_REASONS = {"trip": "sortie_scolaire", "pe_exemption": "dispense_eps", "placement": "stage"}
MAX_DAYS = 366
COMMENT_MAX = 500

_COLUMNS = (
    "a.id, a.student_id, a.kind, a.reason_code, a.first_date, a.last_date, a.start_time, "
    "a.end_time, a.subject_code, a.comment, a.created_at, a.created_by, p.login, "
    "p.first_name, p.last_name, r.label AS reason_label, s.name AS subject_name"
)
_FROM = (
    "FROM planned_absence a JOIN person p ON p.id = a.student_id "
    "LEFT JOIN attendance_reason r ON r.code = a.reason_code "
    "LEFT JOIN subject s ON s.code = a.subject_code"
)


def create(
    conn: sqlite3.Connection,
    *,
    student_id: int,
    kind: str,
    first: date | str,
    last: date | str | None = None,
    start: str | None = None,
    end: str | None = None,
    subject_code: str | None = None,
    reason_code: str | None = None,
    comment: str = "",
    actor: Actor | None,
) -> dict[str, Any]:
    """Record a planned absence of a student; return it. CartableError (naming the field)
    for an unknown kind, a person who is not a student, days in the wrong order or over
    more than a year, one time without the other, a PE exemption without its subject, an
    unknown subject or reason."""
    if kind not in KINDS:
        raise CartableError(
            N_("Type d'absence prévue inconnu : %(kind)s."), field="kind", kind=kind
        )
    student = one(conn, "SELECT id, profile FROM person WHERE id = ?", (student_id,))
    if student is None or student["profile"] != "student":
        raise CartableError(N_("Choisissez un élève."), field="login")
    first_day = day(first, "first_date")
    last_day = day(last, "last_date") if last else first_day
    if last_day < first_day:
        raise CartableError(
            N_("Le dernier jour est avant le premier : vérifiez les dates."), field="last_date"
        )
    if last_day - first_day > timedelta(days=MAX_DAYS):
        raise CartableError(
            N_("Une absence prévue dure au plus un an : vérifiez les dates."), field="last_date"
        )
    start_time = clock(start, "start_time") if (start or "").strip() else None
    end_time = clock(end, "end_time") if (end or "").strip() else None
    if (start_time is None) != (end_time is None) or (
        start_time is not None and end_time is not None and start_time >= end_time
    ):
        raise CartableError(
            N_("Donnez l'heure de début et l'heure de fin (la fin après le début), ou aucune."),
            field="end_time" if start_time else "start_time",
        )
    subject = (subject_code or "").strip() or None
    if subject and not scalar(conn, "SELECT 1 FROM subject WHERE code = ?", (subject,)):
        raise CartableError(
            N_("Matière « %(subject)s » inconnue."), field="subject_code", subject=subject
        )
    if kind == "pe_exemption" and not subject:
        raise CartableError(
            N_("Une dispense d'EPS porte sur la matière EPS : choisissez-la."),
            field="subject_code",
        )
    reason = reasons.choice(conn, reason_code) or DEFAULT_REASONS.get(kind)
    text = plain_text(comment, "comment", required=False, limit=COMMENT_MAX)
    with audited(conn, actor, "attendance.planned_create") as entry:
        cur = conn.execute(
            "INSERT INTO planned_absence (student_id, kind, reason_code, first_date, last_date, "
            "start_time, end_time, subject_code, comment, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                student_id,
                kind,
                reason,
                first_day.isoformat(),
                last_day.isoformat(),
                start_time,
                end_time,
                subject,
                text,
                now_iso(),
                actor.id if actor else None,
            ),
        )
        planned_id = int(cur.lastrowid or 0)
        entry.target = f"planned_absence:{planned_id}"
        entry.details = {
            "student_id": student_id,
            "kind": kind,
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
        }
    return get(conn, planned_id)


def get(conn: sqlite3.Connection, planned_id: int) -> dict[str, Any]:
    found = one(conn, f"SELECT {_COLUMNS} {_FROM} WHERE a.id = ?", (planned_id,))
    if found is None:
        raise NotFound(N_("Aucune absence prévue n'a le numéro %(id)s."), id=planned_id)
    return found


def delete(conn: sqlite3.Connection, planned_id: int, *, actor: Actor | None) -> None:
    """Remove a planned absence (the roll calls it pre-filled keep what was saved)."""
    found = get(conn, planned_id)
    with audited(
        conn, actor, "attendance.planned_delete", target=f"planned_absence:{planned_id}"
    ) as entry:
        conn.execute("DELETE FROM planned_absence WHERE id = ?", (planned_id,))
        entry.details = {"student_id": found["student_id"], "kind": found["kind"]}


def list_current(
    conn: sqlite3.Connection, since: date, *, limit: int, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """The planned absences not over on `since` (their last day from it on), the soonest
    first, one page of them, and how many there are."""
    total = int(
        scalar(
            conn, "SELECT count(*) FROM planned_absence WHERE last_date >= ?", (since.isoformat(),)
        )
    )
    found = rows(
        conn,
        f"SELECT {_COLUMNS} {_FROM} WHERE a.last_date >= ? "
        "ORDER BY a.first_date, p.last_name, p.first_name, a.id LIMIT ? OFFSET ?",
        (since.isoformat(), limit, offset),
    )
    return found, total


def for_student(conn: sqlite3.Connection, student_id: int, since: date) -> list[dict[str, Any]]:
    """A student's planned absences not over on `since`, the soonest first."""
    return rows(
        conn,
        f"SELECT {_COLUMNS} {_FROM} WHERE a.student_id = ? AND a.last_date >= ? "
        "ORDER BY a.first_date, a.id",
        (student_id, since.isoformat()),
    )


def covers(planned: Mapping[str, Any], lesson: Mapping[str, Any]) -> bool:
    """Whether `planned` covers `lesson` (a lesson with `date`, `start`, `end`,
    `subject_code`)."""
    if not planned["first_date"] <= lesson["date"] <= planned["last_date"]:
        return False
    if planned["subject_code"] and planned["subject_code"] != lesson["subject_code"]:
        return False
    if planned["start_time"] is None:
        return True
    return planned["start_time"] < lesson["end"] and lesson["start"] < planned["end_time"]


def covering(
    conn: sqlite3.Connection, lesson: Mapping[str, Any], student_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """The planned absence covering `lesson` of each of `student_ids` that has one (the
    first entered when several do)."""
    wanted = set(student_ids)
    if not wanted:
        return {}
    found: dict[int, dict[str, Any]] = {}
    for planned in rows(
        conn,
        f"SELECT {_COLUMNS} {_FROM} WHERE a.first_date <= ? AND a.last_date >= ? ORDER BY a.id",
        (lesson["date"], lesson["date"]),
    ):
        sid = planned["student_id"]
        if sid in wanted and sid not in found and covers(planned, lesson):
            found[sid] = planned
    return found


def subjects(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The school's subjects (code, name), for the form's choice of a PE exemption's."""
    return rows(conn, "SELECT code, name FROM subject ORDER BY name, code")
