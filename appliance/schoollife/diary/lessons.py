"""The lessons the cahier de textes hangs on: one lesson with its class or group (the
policy's target), and the next lesson of a class in a subject ("for the next lesson").

The timetable's own read service (`appliance.schoollife.lessons`) gives the lessons as
families see them; this module adds what the cahier needs: the directory's class or group
of a lesson, and the resolution of a due date from the timetable.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from appliance.db import one, rows
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife import lessons as timetable_lessons
from appliance.schoollife import year as school_year
from appliance.schoollife.diary import audiences
from appliance.timefmt import fmt_date

# How many lessons ahead the next-lesson search looks at before giving up (a subject
# cancelled for weeks, holidays): far more than any real gap.
_LOOKAHEAD = 200


def get(conn: sqlite3.Connection, lesson_id: int) -> dict[str, Any]:
    """One lesson in the timetable's shape (`lessons.get_lesson`) with `audience_id` (the
    directory's class or group, None for a group the directory does not know) and
    `target` (the policy's target: that class or group in the lesson's subject). Raises
    NotFound."""
    lesson = timetable_lessons.get_lesson(conn, lesson_id)
    ids = one(conn, "SELECT class_id, group_id FROM lesson WHERE id = ?", (lesson_id,))
    assert ids is not None
    kind = lesson["audience"]["kind"]
    audience_id = ids["class_id"] if kind == "class" else ids["group_id"]
    lesson["audience_id"] = audience_id
    lesson["target"] = (
        {"kind": kind, "id": audience_id, "subject_code": lesson["subject_code"] or None}
        if audience_id is not None
        # A lesson of a group the directory does not know: nobody writes in it.
        else {"kind": "unknown"}
    )
    return lesson


def audience_of(conn: sqlite3.Connection, lesson: dict[str, Any]) -> dict[str, Any]:
    """The class or group of a lesson (`get`'s shape); NotFound when the directory does
    not know it."""
    if lesson.get("audience_id") is None:
        raise NotFound(
            N_("Le groupe %(code)s de ce cours n'est pas dans l'annuaire."),
            code=lesson["audience"]["code"],
        )
    return audiences.get(conn, lesson["audience"]["kind"], lesson["audience_id"])


def next_lesson(
    conn: sqlite3.Connection, audience: dict[str, Any], subject_code: str, after: date
) -> dict[str, Any]:
    """The next lesson of `audience` in `subject_code` on a day after `after` that takes
    place: a cancelled lesson is skipped, so is a lesson on a holiday of the school year
    (a lesson moved to another day counts on its new day). Returns {"id", "date", "start"};
    raises CartableError when the timetable has none (the teacher then gives a date)."""
    column = audiences.column(audience["kind"])
    year = school_year.load_year(conn)
    found = rows(
        conn,
        f"SELECT id, date, start_time FROM lesson WHERE {column} = ? AND subject_code = ? "
        "AND date > ? AND status != 'cancelled' ORDER BY date, start_time, id LIMIT ?",
        (audience["id"], subject_code, after.isoformat(), _LOOKAHEAD),
    )
    for r in found:
        day = date.fromisoformat(r["date"])
        if year is not None and year.is_holiday(day):
            continue
        return {"id": r["id"], "date": r["date"], "start": r["start_time"]}
    raise CartableError(
        N_(
            "L'emploi du temps n'a pas de prochain cours de %(subject)s pour %(audience)s "
            "après le %(day)s : donnez une date."
        ),
        field="due",
        subject=audiences.subject_label(conn, subject_code),
        audience=audience["code"],
        day=fmt_date(after),
    )


def of_audience(
    conn: sqlite3.Connection, audience: dict[str, Any], first: date, last: date
) -> list[dict[str, Any]]:
    """The lessons of a class or group from `first` to `last`, in time order."""
    if audience["kind"] == "class":
        return timetable_lessons.lessons_between(conn, first, last, class_id=audience["id"])
    return timetable_lessons.lessons_between(conn, first, last, group_id=audience["id"])


def of_teacher(conn: sqlite3.Connection, teacher_id: int, first: date, last: date) -> list[dict]:
    """The lessons a teacher teaches (`lesson_teacher`) from `first` to `last`."""
    ids = {
        r["lesson_id"]
        for r in rows(
            conn,
            "SELECT t.lesson_id FROM lesson_teacher t JOIN lesson l ON l.id = t.lesson_id "
            "WHERE t.person_id = ? AND l.date BETWEEN ? AND ?",
            (teacher_id, first.isoformat(), last.isoformat()),
        )
    }
    found = timetable_lessons.lessons_between(conn, first, last, person_id=teacher_id)
    return [lesson for lesson in found if lesson["id"] in ids]
