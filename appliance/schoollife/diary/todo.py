"""A student's "travail à faire": their homework by due day, today's and the next school
day's first, then the rest of the span; and the few items of the home page.

The next school day ("demain" in the pages) is the next day that is not a Sunday nor a
holiday of the school year, and not a Saturday unless the school has lessons that day.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from appliance.db import scalar
from appliance.schoollife import year as school_year
from appliance.schoollife.diary import reading

# The first page of the list: two weeks from today; the next pages are as long.
SPAN_DAYS = 14
HOME_ITEMS = 6


def next_school_day(conn: sqlite3.Connection, today: date) -> date:
    """The next day after `today` on which there are lessons (see the module doc)."""
    year = school_year.load_year(conn)
    day = today + timedelta(days=1)
    for _ in range(31):
        holiday = year is not None and year.is_holiday(day)
        saturday_off = day.weekday() == 5 and not scalar(
            conn, "SELECT 1 FROM lesson WHERE date = ? LIMIT 1", (day.isoformat(),)
        )
        if day.weekday() != 6 and not holiday and not saturday_off:
            return day
        day += timedelta(days=1)
    return today + timedelta(days=1)


def grouped(
    conn: sqlite3.Connection, student_id: int, first: date, today: date, days: int = SPAN_DAYS
) -> dict[str, Any]:
    """The student's homework due from `first` for `days` days, as
    {"first", "last", "today": [...], "next_day": date, "tomorrow": [...], "later":
    [{"date", "items"}], "count"}: when the span starts today, today's and the next
    school day's items come first ("today", "tomorrow"), the others by day in "later"."""
    last = first + timedelta(days=days - 1)
    items = reading.for_student(conn, student_id, first, last)
    following = next_school_day(conn, today)
    out: dict[str, Any] = {
        "first": first,
        "last": last,
        "today": [],
        "next_day": following,
        "tomorrow": [],
        "later": [],
        "count": len(items),
    }
    by_day: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if first == today and item["due"] == today.isoformat():
            out["today"].append(item)
        elif first == today and item["due"] == following.isoformat():
            out["tomorrow"].append(item)
        else:
            by_day.setdefault(item["due"], []).append(item)
    out["later"] = [{"date": day, "items": found} for day, found in sorted(by_day.items())]
    return out


def soon(
    conn: sqlite3.Connection, student_id: int, today: date, limit: int = HOME_ITEMS
) -> dict[str, Any]:
    """The home page's few items: the homework due from today to the next school day
    (and after, up to a week, when there is room), not done first; {"items", "more"}
    where `more` counts the others of the week."""
    found = soon_index(conn, student_id, today, limit)
    shown = reading.for_student_ids(conn, student_id, [i["id"] for i in found["chosen"]])
    return {"items": shown, "more": found["count"] - len(shown), "next_day": found["next_day"]}


def soon_index(
    conn: sqlite3.Connection, student_id: int, today: date, limit: int = HOME_ITEMS
) -> dict[str, Any]:
    """What `soon` shows before it reads the items whole: {"chosen": the index rows of
    the items shown (`reading.student_index`'s, in their order), "shown": their stored
    columns (`reading.shown_columns`'s), "count": how many in the week, "next_day"}."""
    following = next_school_day(conn, today)
    last = max(following, today + timedelta(days=6))
    # Sorted, cut and counted by SQLite on the light index; only the shown few are read.
    found = reading.student_soonest(conn, student_id, today, last, limit)
    return {**found, "next_day": following}
