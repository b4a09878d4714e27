"""A person's timetable as an iCal feed for their phone's calendar: a secret address
(`/ical/<secret>.ics`) read without logging in.

- `create(conn, person_id, actor=)` makes a new secret (the old one stops at once) and
  returns it: it is shown once, only its SHA-256 is kept (`ical_feed`);
- `revoke(conn, person_id, actor=)` stops the feed (True if there was one);
- `state(conn, person_id)`: `{"created_at", "last_fetched_at"}` or None;
- `owner(conn, secret)`: the active person a secret belongs to, or None (a stopped,
  unknown or malformed secret; a disabled account);
- `calendar(conn, person, today, more=)`: the feed's bytes: the person's lessons (a parent's:
  each of their children's, the first name before the subject) from 7 days before
  `today` to the last day of the school year, one VEVENT per lesson with a stable UID,
  SUMMARY the subject (and the change in words), LOCATION the room, STATUS:CANCELLED for
  a cancelled lesson, times in the school's zone with its VTIMEZONE; `more` adds the
  agenda's events (`appliance.agenda.feed.calendar` is the feed the address serves).

The web view throttles unknown secrets like failed logins (`appliance.security.throttle`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event, Timezone

from appliance import timefmt
from appliance.db import now_iso, one, rows, transaction
from appliance.i18n import N_
from appliance.school import get_school
from appliance.schoollife import lessons
from appliance.schoollife.week import teacher_names
from appliance.schoollife.year import load_year
from appliance.security.audit import Actor, audited

# 32 random bytes, URL-safe: 43 characters.
_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
PAST_DAYS = 7
# Without a school year, how far the feed looks ahead.
_NO_YEAR_DAYS = 120
# A fetch refreshes `last_fetched_at` at most this often (a phone polls every few minutes).
_FETCH_MARK_SECONDS = 3600

Gettext = Callable[[str], str]

_STATUS_WORDS = {
    "cancelled": N_("annulé"),
    "moved": N_("déplacé"),
    "replaced": N_("remplacé"),
    "added": N_("ajouté"),
}


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(conn: sqlite3.Connection, person_id: int, *, actor: Actor | None) -> str:
    """A new secret for the person's feed (replacing any earlier one); returns it."""
    secret = secrets.token_urlsafe(32)
    with audited(conn, actor, "schoollife.ical_create", target=f"person:{person_id}") as entry:
        replaced = one(conn, "SELECT 1 FROM ical_feed WHERE person_id = ?", (person_id,))
        conn.execute(
            "INSERT INTO ical_feed (person_id, secret_hash, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT(person_id) DO UPDATE SET secret_hash = excluded.secret_hash, "
            "created_at = excluded.created_at, last_fetched_at = NULL",
            (person_id, _hash(secret), now_iso()),
        )
        entry.details = {"replaced": replaced is not None}
    return secret


def revoke(conn: sqlite3.Connection, person_id: int, *, actor: Actor | None) -> bool:
    """Stop the person's feed; True if there was one (nothing is audited otherwise)."""
    with audited(conn, actor, "schoollife.ical_revoke", target=f"person:{person_id}") as entry:
        gone = conn.execute("DELETE FROM ical_feed WHERE person_id = ?", (person_id,)).rowcount
        if not gone:
            entry.skip()
    return bool(gone)


def state(conn: sqlite3.Connection, person_id: int) -> dict[str, Any] | None:
    """When the person's feed was made and last read, or None without a feed."""
    return one(
        conn,
        "SELECT created_at, last_fetched_at FROM ical_feed WHERE person_id = ?",
        (person_id,),
    )


def well_formed(secret: str) -> bool:
    """True for a string shaped like a secret `create` makes."""
    return bool(_SECRET.match(secret or ""))


def owner(conn: sqlite3.Connection, secret: str) -> dict[str, Any] | None:
    """The active person whose feed this secret opens, or None; marks the fetch."""
    if not well_formed(secret):
        return None
    found = one(
        conn,
        "SELECT p.id, p.login, p.profile, p.state, p.function, p.first_name, p.last_name, "
        "p.locale, f.last_fetched_at FROM ical_feed f JOIN person p ON p.id = f.person_id "
        "WHERE f.secret_hash = ? AND p.state != 'disabled'",
        (_hash(secret),),
    )
    if found is None:
        return None
    last = found.pop("last_fetched_at")
    now = datetime.now(UTC)
    if last is None or (now - datetime.fromisoformat(last)).total_seconds() > _FETCH_MARK_SECONDS:
        with transaction(conn):
            conn.execute(
                "UPDATE ical_feed SET last_fetched_at = ? WHERE person_id = ?",
                (now_iso(), found["id"]),
            )
    return found


def _same(text: str) -> str:
    return text


def _followed(conn: sqlite3.Connection, person: Mapping[str, Any]) -> list[tuple[int, str | None]]:
    """(person id, first name shown before the subject or None) of the timetables the feed
    lists: the person's own, and a legal guardian's children's."""
    children = rows(
        conn,
        "SELECT p.id, p.first_name FROM guardian_link g JOIN person p ON p.id = g.student_id "
        "WHERE g.guardian_id = ? AND g.level = 1 AND p.state != 'disabled' "
        "ORDER BY p.first_name, p.id",
        (person["id"],),
    )
    return [(int(person["id"]), None)] + [(int(c["id"]), c["first_name"]) for c in children]


# What another service adds to the feed: given the calendar, its first and last day, the
# UIDs' domain and the DTSTAMP, it adds its components (the agenda's events).
MoreEvents = Callable[[Calendar, date, date, str, datetime], None]


def calendar(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    today: date,
    *,
    gettext: Gettext = _same,
    more: MoreEvents | None = None,
) -> bytes:
    """The iCal feed of `person` (see the module doc), texts through `gettext`; `more`
    adds other components (`appliance.agenda.feed`: one feed with the
    lessons and the agenda's events)."""
    year = load_year(conn)
    first = today - timedelta(days=PAST_DAYS)
    last = year.end if year else today + timedelta(days=_NO_YEAR_DAYS)
    school = get_school(conn) or {}
    domain = f"{(school.get('uai') or 'cartable').lower()}.cartable"
    zone = timefmt.zone()
    cal = Calendar()
    cal.add("prodid", "-//Cartable//Emploi du temps//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    title = gettext(N_("Emploi du temps")) + (f" · {school['name']}" if school.get("name") else "")
    cal.add("x-wr-calname", title)
    cal.add("x-wr-timezone", str(zone))
    if last >= first:
        cal.add_component(
            Timezone.from_tzinfo(zone, first_date=first, last_date=last + timedelta(days=1))
        )
    stamp = datetime.now(UTC).replace(microsecond=0)
    found: list[tuple[dict[str, Any], int, str | None]] = []
    for followed_id, first_name in _followed(conn, person):
        found.extend(
            (lesson, followed_id, first_name)
            for lesson in lessons.lessons_between(conn, first, last, person_id=followed_id)
        )
    names = teacher_names(conn, (t for lesson, _, _ in found for t in lesson["teachers"]))
    for lesson, followed_id, first_name in found:
        cal.add_component(
            _event(lesson, followed_id, first_name, person, names, domain, zone, stamp, gettext)
        )
    if more is not None:
        more(cal, first, last, domain, stamp)
    return cal.to_ical()


def _event(
    lesson: Mapping[str, Any],
    followed_id: int,
    first_name: str | None,
    person: Mapping[str, Any],
    names: Mapping[str, str],
    domain: str,
    zone: Any,
    stamp: datetime,
    gettext: Gettext,
) -> Event:
    day = date.fromisoformat(lesson["date"])

    def at(clock: str) -> datetime:
        hours, minutes = (int(x) for x in clock.split(":"))
        return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone)

    event = Event()
    own = followed_id == person["id"]
    event.add("uid", f"lesson-{lesson['id']}" + ("" if own else f"-{followed_id}") + f"@{domain}")
    event.add("dtstamp", stamp)
    event.add("dtstart", at(lesson["start"]))
    event.add("dtend", at(lesson["end"]))
    summary = lesson["subject"] or lesson["subject_code"] or gettext(N_("Cours"))
    word = _STATUS_WORDS.get(lesson["status"])
    if word:
        summary = f"{summary} ({gettext(word)})"
    if first_name:
        summary = f"{first_name} · {summary}"
    event.add("summary", summary)
    if lesson["room"]:
        event.add("location", lesson["room"])
    event.add("status", "CANCELLED" if lesson["status"] == "cancelled" else "CONFIRMED")
    lines = [lesson["audience"]["code"]]
    if lesson["teachers"]:
        lines.append(", ".join(names.get(t, t) for t in lesson["teachers"]))
    if lesson["note"]:
        lines.append(lesson["note"])
    moved = lesson["moved_from"]
    if moved:
        lines.append(
            gettext(N_("Prévu à l'origine le %(day)s de %(start)s à %(end)s"))
            % {"day": timefmt.fmt_date(moved["date"]), "start": moved["start"], "end": moved["end"]}
        )
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT" if lesson["status"] == "cancelled" else "OPAQUE")
    return event
