"""The stored usage statistics read back: the items of the API and the CLI, the page's
sums (per day, per service, per profile) and the activated vs imported accounts."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import Any

from appliance import timefmt
from appliance.db import rows
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.stats.taxonomy import PROFILE_OF, PROFILES, SERVICES

DEFAULT_DAYS = 30


def today() -> date:
    """Today in the school's zone: `timefmt.today`."""
    return timefmt.today()


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CartableError(
            N_("Date invalide « %(value)s » : écrivez AAAA-MM-JJ."), field=field, value=value
        ) from None


def period(first: str | None, last: str | None, *, now: date | None = None) -> tuple[date, date]:
    """The days asked for (`first`, `last` as AAAA-MM-JJ, both included): by default the
    last 30 days up to today, or 30 days from `first`, or the 30 days up to `last`.
    Raises CartableError for a day that is not one or `last` before `first`."""
    span = timedelta(days=DEFAULT_DAYS - 1)
    if first and last:
        start, end = _day(first, "from"), _day(last, "to")
    elif first:
        start = _day(first, "from")
        end = start + span
    else:
        end = _day(last, "to") if last else (now or today())
        start = end - span
    if end < start:
        raise CartableError(
            N_("La fin de la période (%(last)s) est avant son début (%(first)s)."),
            field="to",
            first=start.isoformat(),
            last=end.isoformat(),
        )
    return start, end


def items(
    conn: sqlite3.Connection,
    first: date,
    last: date,
    *,
    after: tuple[str, str, str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """[{"date", "service", "profile", "visits", "people"}] of the days, by date, service,
    profile; `after` a (date, service, profile) to start after, `limit` at most."""
    sql = (
        "SELECT day AS date, service, profile, visits, people FROM usage_stat "
        "WHERE day BETWEEN ? AND ?"
    )
    params: list[Any] = [first.isoformat(), last.isoformat()]
    if after is not None:
        sql += " AND (day, service, profile) > (?, ?, ?)"
        params += list(after)
    sql += " ORDER BY day, service, profile"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return rows(conn, sql, params)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def daily_visits(conn: sqlite3.Connection, first: date, last: date) -> list[tuple[date, int]]:
    """(day, visits of every service and profile) for each day, 0 for a day without any."""
    found = {
        r["day"]: r["visits"]
        for r in rows(
            conn,
            "SELECT day, sum(visits) AS visits FROM usage_stat WHERE day BETWEEN ? AND ? "
            "GROUP BY day",
            (first.isoformat(), last.isoformat()),
        )
    }
    return [(d, found.get(d.isoformat(), 0)) for d in days(first, last)]


def _totals(conn: sqlite3.Connection, column: str, first: date, last: date, names) -> list[dict]:
    """Visits and people-days per `column` (service or profile), every name of `names`
    listed (0 when none), with the average distinct people of the days it was used."""
    found = {
        r["name"]: r
        for r in rows(
            conn,
            f"SELECT {column} AS name, sum(visits) AS visits, sum(people) AS people, "  # noqa: S608 - our two column names
            "count(DISTINCT day) AS days FROM usage_stat WHERE day BETWEEN ? AND ? "
            f"GROUP BY {column}",
            (first.isoformat(), last.isoformat()),
        )
    }
    out = []
    for name in names:
        r = found.get(name)
        visits, people, used = (r["visits"], r["people"], r["days"]) if r else (0, 0, 0)
        out.append(
            {
                column: name,
                "visits": visits,
                "people_per_day": round(people / used, 1) if used else 0,
            }
        )
    return out


def by_service(conn: sqlite3.Connection, first: date, last: date) -> list[dict]:
    """[{"service", "visits", "people_per_day"}] for every service of the taxonomy."""
    return _totals(conn, "service", first, last, SERVICES)


def by_profile(conn: sqlite3.Connection, first: date, last: date) -> list[dict]:
    """[{"profile", "visits", "people_per_day"}] for every profile of the taxonomy."""
    return _totals(conn, "profile", first, last, PROFILES)


def accounts(conn: sqlite3.Connection) -> list[dict]:
    """[{"profile", "imported", "activated"}] per taxonomy profile: the open accounts
    (imported or created, not departed nor disabled) and those among them whose person
    has logged in at least once."""
    found = {
        r["profile"]: r
        for r in rows(
            conn,
            "SELECT profile, count(*) AS imported, count(last_login_at) AS activated "
            "FROM person WHERE state = 'active' GROUP BY profile",
        )
    }
    out = []
    for ours, theirs in PROFILE_OF.items():
        r = found.get(ours)
        out.append(
            {
                "profile": theirs,
                "imported": r["imported"] if r else 0,
                "activated": r["activated"] if r else 0,
            }
        )
    return out
