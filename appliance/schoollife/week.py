"""A week of a timetable as the pages show it: its days, their lessons, what was moved
away from them, holidays, and the A/B letter of the week.

    week_view(conn, day, today, *, person_id=… | class_id=… | group_id=… | room=…) -> dict

gives, for the week (Monday to Sunday) of `day`:

    {"monday": date, "sunday": date, "previous": date, "next": date, "this_week": date,
     "letter": "A" | "B" | None, "year_set": bool,
     "holiday_week": bool, "outside_year": bool,
     "days": [{"date": date, "today": bool, "holiday": bool, "outside_year": bool,
               "lessons": [lesson...], "moved_away": [lesson...],
               "entries": [{"moved_away": bool, "at": "HH:MM", "lesson": lesson}, ...]}, ...]}

Monday to Friday always; Saturday and Sunday only when a lesson (or a lesson moved away)
falls on them. Lessons are those of `lessons.lessons_between` with `teacher_names`
added (« Marie Curie », in the order of `teachers`); a day's `entries` are its lessons
and the lessons moved away from it (at their old time) in time order. It asks no policy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from appliance.db import rows
from appliance.schoollife import lessons
from appliance.schoollife.year import load_year, monday_of, parse_day

_CHUNK = 500


def week_start(value: str | None, today: date) -> date:
    """The Monday of the week asked for ("YYYY-MM-DD" of any of its days; this week when
    empty). CartableError (field "week") for a malformed day."""
    return monday_of(parse_day(value, "week") if value else today)


def teacher_names(conn: sqlite3.Connection, logins: Iterable[str]) -> dict[str, str]:
    """login → « Prénom Nom » of the given logins (those that exist)."""
    wanted = sorted(set(logins))
    names: dict[str, str] = {}
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        for r in rows(
            conn,
            f"SELECT login, first_name, last_name FROM person WHERE login IN "
            f"({','.join('?' * len(chunk))})",
            chunk,
        ):
            names[r["login"]] = f"{r['first_name']} {r['last_name']}"
    return names


def with_names(conn: sqlite3.Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lessons, each with `teacher_names` beside `teachers` (one query for all)."""
    names = teacher_names(conn, (t for lesson in found for t in lesson["teachers"]))
    return [
        {**lesson, "teacher_names": [names.get(t, t) for t in lesson["teachers"]]}
        for lesson in found
    ]


def week_view(
    conn: sqlite3.Connection,
    day: date,
    today: date,
    *,
    person_id: int | None = None,
    class_id: int | None = None,
    group_id: int | None = None,
    room: str | None = None,
) -> dict[str, Any]:
    """The week of `day` of one person, class, group or room (see the module doc)."""
    year = load_year(conn)
    monday = monday_of(day)
    sunday = monday + timedelta(days=6)
    found = lessons.lessons_between(
        conn, monday, sunday, person_id=person_id, class_id=class_id, group_id=group_id, room=room
    )
    away = lessons.moved_away_between(
        conn, monday, sunday, person_id=person_id, class_id=class_id, group_id=group_id, room=room
    )
    named = with_names(conn, found + away)
    found, away = named[: len(found)], named[len(found) :]
    days: list[dict[str, Any]] = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        iso = current.isoformat()
        on_day = [x for x in found if x["date"] == iso]
        moved = [x for x in away if x["moved_from"]["date"] == iso]
        if offset >= 5 and not on_day and not moved:
            continue
        entries = [{"moved_away": False, "at": x["start"], "lesson": x} for x in on_day] + [
            {"moved_away": True, "at": x["moved_from"]["start"], "lesson": x} for x in moved
        ]
        entries.sort(key=lambda e: e["at"])
        days.append(
            {
                "date": current,
                "today": current == today,
                "holiday": bool(year and year.is_holiday(current)),
                "outside_year": bool(year and not year.in_year(current)),
                "lessons": on_day,
                "moved_away": moved,
                "entries": entries,
            }
        )
    weekdays = [d for d in days if d["date"].weekday() < 5]
    return {
        "monday": monday,
        "sunday": sunday,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "this_week": monday_of(today),
        "letter": year.letter(monday) if year else None,
        "year_set": year is not None,
        "holiday_week": bool(year) and all(d["holiday"] for d in weekdays),
        "outside_year": bool(year) and all(d["outside_year"] for d in weekdays),
        "days": days,
    }
