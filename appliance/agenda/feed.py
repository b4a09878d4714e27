"""The one iCal feed of a person: the timetable's (`appliance.schoollife.ical`, same
secret address, same lessons) with the agenda's events added — the person's own and the
school events they read — that have an occurrence from the feed's first day to its last.

Each event is one VEVENT with a stable UID (`agenda-<id>@<domain>`), SUMMARY its title,
LOCATION its place, DESCRIPTION its text; a timed event's times are in the school's zone,
an all-day event's are dates (DTEND the day after its last, as iCal counts); a weekly
event carries `RRULE:FREQ=WEEKLY;UNTIL=…` (the end of its last day, in UTC, for a timed
one; its last day for an all-day one), and the calendar expands it.

    calendar(conn, person, today, *, gettext=…) -> bytes
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event

from appliance import timefmt
from appliance.agenda import events
from appliance.i18n import N_
from appliance.schoollife import ical

Gettext = Callable[[str], str]


def _same(text: str) -> str:
    return text


def calendar(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    today: date,
    *,
    gettext: Gettext = _same,
) -> bytes:
    """The person's feed: their lessons (a parent's: their children's) and their agenda."""

    def add_events(cal: Calendar, first: date, last: date, domain: str, stamp: datetime):
        for event in events.in_range(conn, person, first, last):
            cal.add_component(component(event, domain, stamp, gettext))

    return ical.calendar(conn, person, today, gettext=gettext, more=add_events)


def _at(day: str, clock: str) -> datetime:
    d = date.fromisoformat(day)
    hours, minutes = (int(x) for x in clock.split(":"))
    return datetime(d.year, d.month, d.day, hours, minutes, tzinfo=timefmt.zone())


def component(
    event: Mapping[str, Any], domain: str, stamp: datetime, gettext: Gettext = _same
) -> Event:
    """One event as a VEVENT (see the module doc)."""
    out = Event()
    out.add("uid", f"agenda-{event['id']}@{domain}")
    out.add("dtstamp", stamp)
    if event["all_day"]:
        out.add("dtstart", date.fromisoformat(event["start_day"]))
        out.add("dtend", date.fromisoformat(event["end_day"]) + timedelta(days=1))
    else:
        out.add("dtstart", _at(event["start_day"], event["start_time"]))
        out.add("dtend", _at(event["end_day"], event["end_time"]))
    if event["repeat_until"]:
        until: date | datetime = date.fromisoformat(event["repeat_until"])
        if not event["all_day"]:
            until = _at(event["repeat_until"], "23:59").astimezone(UTC)
        out.add("rrule", {"freq": "weekly", "until": until})
    out.add("summary", event["title"])
    if event["place"]:
        out.add("location", event["place"])
    lines = [event["description"]] if event["description"] else []
    if event["kind"] == "school":
        lines.append(gettext(N_("Calendrier de l'établissement")))
    if lines:
        out.add("description", "\n".join(lines))
    out.add("categories", [gettext(N_("Établissement")) if event["kind"] == "school"
                           else gettext(N_("Personnel"))])  # fmt: skip
    out.add("transp", "TRANSPARENT" if event["all_day"] else "OPAQUE")
    return out
