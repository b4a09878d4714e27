"""The occurrences of events in a range of days: a weekly event once a week (same weekday,
same local time, whatever the change of clocks), up to its `repeat_until` day.

    expand(event, first, last) -> [occurrence, ...]
    between(conn, person, first, last) -> [occurrence, ...]     # in start order

An occurrence is the event (`events` shape) with, for that one time:

    {"day": "YYYY-MM-DD" (its first day), "until_day": "YYYY-MM-DD" (its last day),
     "start": "YYYY-MM-DDTHH:MM" | "YYYY-MM-DD" (all day), "end": the same (an all-day
     event's last day, included), "repeats": bool}

Times are the school's local ones. An occurrence is in the range when one of its days is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from appliance.agenda import events


def expand(event: Mapping[str, Any], first: date, last: date) -> list[dict[str, Any]]:
    """The occurrences of `event` with a day between `first` and `last` (included)."""
    start = date.fromisoformat(event["start_day"])
    span = date.fromisoformat(event["end_day"]) - start
    until = date.fromisoformat(event["repeat_until"]) if event["repeat_until"] else start
    # The first week whose occurrence may reach `first`.
    k = max(0, (first - start - span).days // 7)
    out = []
    while True:
        day = start + timedelta(days=7 * k)
        if day > until or day > last:
            break
        end = day + span
        if end >= first:
            out.append(_occurrence(event, day, end))
        k += 1
    return out


def _occurrence(event: Mapping[str, Any], day: date, end: date) -> dict[str, Any]:
    if event["all_day"]:
        start_text, end_text = day.isoformat(), end.isoformat()
    else:
        start_text = f"{day.isoformat()}T{event['start_time']}"
        end_text = f"{end.isoformat()}T{event['end_time']}"
    return {
        **event,
        "day": day.isoformat(),
        "until_day": end.isoformat(),
        "start": start_text,
        "end": end_text,
        "repeats": bool(event["repeat_until"]),
    }


def between(
    conn: sqlite3.Connection, person: Mapping[str, Any], first: date, last: date
) -> list[dict[str, Any]]:
    """Every occurrence of the person's events and of the school events they read, with a
    day between `first` and `last`, in start order (all-day ones first on their day)."""
    found = [
        occurrence
        for event in events.in_range(conn, person, first, last)
        for occurrence in expand(event, first, last)
    ]
    found.sort(key=lambda o: (o["day"], not o["all_day"], o["start_time"] or "", o["id"]))
    return found
