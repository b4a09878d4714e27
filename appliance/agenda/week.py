"""A week of the agenda as the page shows it: the timetable's week
(`appliance.schoollife.week.week_view`, the lessons of the person followed) with the
person's events and the school events they read beside the lessons.

    agenda_week(conn, person, day, today, *, lessons_of=None) -> dict

gives `week_view`'s dict for the week of `day` (Monday to Sunday), where each day also has

    "all_day": [occurrence, ...]       # all-day events and events over several days
    "entries": [{"at": "HH:MM", "moved_away": bool, "lesson": lesson} |
                {"at": "HH:MM", "event": occurrence}, ...]    # in time order

and Saturday and Sunday are there when a lesson or an event falls on them. `lessons_of`
is the person whose lessons show (oneself, a parent's chosen child), None for none: the
caller asked the policy. Occurrences are those of `occurrences.between`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from appliance.agenda import occurrences
from appliance.schoollife.week import week_view
from appliance.schoollife.year import load_year, monday_of


def agenda_week(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    day: date,
    today: date,
    *,
    lessons_of: int | None = None,
) -> dict[str, Any]:
    """The agenda's week of `day` (see the module doc)."""
    monday = monday_of(day)
    sunday = monday + timedelta(days=6)
    view = week_view(
        conn, monday, today, person_id=person["id"] if lessons_of is None else lessons_of
    )
    if lessons_of is None:
        for d in view["days"]:
            d["lessons"], d["moved_away"], d["entries"] = [], [], []
    found = occurrences.between(conn, person, monday, sunday)
    year = load_year(conn)
    by_day = {d["date"]: d for d in view["days"]}
    days = []
    for offset in range(7):
        current = monday + timedelta(days=offset)
        iso = current.isoformat()
        on_day = [o for o in found if o["day"] <= iso <= o["until_day"]]
        shown = by_day.get(current)
        if shown is None:
            if not on_day:
                continue
            shown = {
                "date": current,
                "today": current == today,
                "holiday": bool(year and year.is_holiday(current)),
                "outside_year": bool(year and not year.in_year(current)),
                "lessons": [],
                "moved_away": [],
                "entries": [],
            }
        timed = [o for o in on_day if not o["all_day"] and o["day"] == o["until_day"]]
        shown["all_day"] = [o for o in on_day if o not in timed]
        shown["entries"] = sorted(
            [*shown["entries"], *({"at": o["start_time"], "event": o} for o in timed)],
            key=lambda e: (e["at"], "event" not in e),
        )
        days.append(shown)
    view["days"] = days
    view["events"] = len(found)
    return view
