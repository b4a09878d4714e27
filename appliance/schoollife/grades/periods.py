"""The year's periods (trimesters or semesters): their days, end of entry, class council,
and the lock that closes them.

- `set_periods(conn, actor, kind, ranges)`: the year's periods, given as "FROM:TO" day
  ranges (3 trimesters or 2 semesters, in order, inside the school year). Setting the
  same kind again moves their days and keeps them (and what hangs on them); another kind
  is refused once marks or appraisals exist. Each assessment follows its date into the
  new periods (refused when one would fall outside all of them). Audited.
- `update_period(conn, actor, id, entry_end=, council_date=)`: the last day of entry of
  marks (default: the period's last day) and the class council's date (optional).
- `lock` / `unlock`: after the council the period is locked: its marks and appraisals
  can no longer change (`PeriodLocked`, the API's 409 `period_locked`). Audited.
- `list_periods`, `get_period`, `period_of_day`, `current_period`; `as_json` is the
  shape of `cartable periods show --json` (`{"id","name","from","to","locked"}`).
- `check_marks_open(period, today)` / `check_open(period)`: what writes ask first.

Days are the school's calendar days ("YYYY-MM-DD"), both ends included.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, one, rows, scalar
from appliance.errors import CartableError, Conflict, NotFound
from appliance.i18n import N_
from appliance.schoollife import year
from appliance.security.audit import Actor, audited
from backup.errors import Phrase

KINDS = {"trimester": 3, "semester": 2}
NAMES = {
    ("trimester", 1): N_("1er trimestre"),
    ("trimester", 2): N_("2e trimestre"),
    ("trimester", 3): N_("3e trimestre"),
    ("semester", 1): N_("1er semestre"),
    ("semester", 2): N_("2e semestre"),
}
KIND_WORDS = {"trimester": N_("trimestres"), "semester": N_("semestres")}
# The same names as values of a message, translated with it.
_NAME_PHRASES = {
    ("trimester", 1): Phrase(N_("1er trimestre")),
    ("trimester", 2): Phrase(N_("2e trimestre")),
    ("trimester", 3): Phrase(N_("3e trimestre")),
    ("semester", 1): Phrase(N_("1er semestre")),
    ("semester", 2): Phrase(N_("2e semestre")),
}


def name_of(period: dict[str, Any]) -> Phrase:
    """A period's name as a message's value (shown in the page's language)."""
    return _NAME_PHRASES[(period["kind"], period["position"])]


_COLUMNS = (
    "id, kind, position, from_date, to_date, entry_end, council_date, locked_at, locked_by, version"
)


class PeriodLocked(Conflict):
    """The period is locked: its marks and appraisals can no longer change."""

    api_code = "period_locked"


class EntryClosed(Conflict):
    """The period's entry of marks has ended (its `entry_end` is past)."""

    api_code = "entry_closed"


def _shown(day: str | date) -> str:
    return timefmt.fmt_date(day)


def _row(found: dict[str, Any]) -> dict[str, Any]:
    found["name"] = NAMES[(found["kind"], found["position"])]
    found["from"] = found["from_date"]
    found["to"] = found["to_date"]
    found["locked"] = found["locked_at"] is not None
    return found


def list_periods(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The periods in order, each with `name` (French), `from`, `to`, `entry_end`,
    `council_date`, `locked` (and `locked_at`, `locked_by`, `version`)."""
    return [_row(p) for p in rows(conn, f"SELECT {_COLUMNS} FROM grade_period ORDER BY position")]


def get_period(conn: sqlite3.Connection, period_id: int) -> dict[str, Any]:
    """One period; raises NotFound."""
    found = one(conn, f"SELECT {_COLUMNS} FROM grade_period WHERE id = ?", (period_id,))
    if found is None:
        raise NotFound(N_("Aucune période n'a le numéro %(id)s."), id=period_id)
    return _row(found)


@functools.cache
def period_sql(param: str) -> str:
    """A scalar subquery giving the period numbered `:param` as JSON text (NULL when there
    is none), for a caller that reads it in the same statement as other things (the
    grades API: one statement fewer per call); `from_json` reads it back."""
    fields = ", ".join(f"'{c}', {c}" for c in _COLUMNS.split(", "))
    return f"(SELECT json_object({fields}) FROM grade_period WHERE id = :{param})"


def from_json(text: str | None, period_id: int) -> dict[str, Any]:
    """The period of `period_sql`'s column, as `get_period` gives it; raises NotFound."""
    if text is None:
        raise NotFound(N_("Aucune période n'a le numéro %(id)s."), id=period_id)
    return _row(json.loads(text))


def as_json(period: dict[str, Any]) -> dict[str, Any]:
    """`{"id", "name", "from", "to", "locked"}` (the CLI's `periods show --json`)."""
    return {k: period[k] for k in ("id", "name", "from", "to", "locked")}


def period_of_day(conn: sqlite3.Connection, day: date | str) -> dict[str, Any] | None:
    """The period a day belongs to, or None."""
    text = day.isoformat() if isinstance(day, date) else day
    found = one(
        conn,
        f"SELECT {_COLUMNS} FROM grade_period WHERE from_date <= ? AND to_date >= ? "
        "ORDER BY position LIMIT 1",
        (text, text),
    )
    return _row(found) if found else None


def current_period(conn: sqlite3.Connection, today: date | None = None) -> dict[str, Any] | None:
    """The period of today, else the last one begun, else the first; None without periods."""
    found = list_periods(conn)
    if not found:
        return None
    day = (today or year.local_today()).isoformat()
    begun = [p for p in found if p["from"] <= day]
    return begun[-1] if begun else found[0]


# --- setting them -------------------------------------------------------------------------


def parse_range(text: str) -> tuple[date, date]:
    """ "AAAA-MM-JJ:AAAA-MM-JJ" (or with " au ", or JJ/MM/AAAA days); CartableError."""
    raw = (text or "").strip()
    for glue in (" au ", ":", " - ", " – "):
        first, sep, last = raw.partition(glue)
        if sep and first.strip() and last.strip():
            return year.parse_day(first.strip(), "periods"), year.parse_day(last.strip(), "periods")
    raise CartableError(
        N_(
            "Période « %(value)s » illisible : écrivez son premier et son dernier jour, par "
            "exemple 2026-09-01:2026-11-28 (ou 01/09/2026 au 28/11/2026)."
        ),
        field="periods",
        value=raw,
    )


def _validate(
    conn: sqlite3.Connection, kind: str, ranges: Sequence[str | tuple[date | str, date | str]]
) -> list[tuple[date, date]]:
    if kind not in KINDS:
        raise CartableError(
            N_("Type de périodes « %(kind)s » inconnu : trimester ou semester."),
            field="kind",
            kind=kind,
        )
    days = [
        parse_range(r)
        if isinstance(r, str)
        else (year.parse_day(r[0], "periods"), year.parse_day(r[1], "periods"))
        for r in ranges
    ]
    if len(days) != KINDS[kind]:
        raise CartableError(
            N_("Il faut %(n)s %(what)s : %(got)s donné(s)."),
            field="periods",
            n=KINDS[kind],
            what=KIND_WORDS[kind],
            got=len(days),
        )
    school_year = year.require_year(conn)
    previous: date | None = None
    for first, last in days:
        if last < first:
            raise CartableError(
                N_("Période du %(first)s au %(last)s : le dernier jour vient avant le premier."),
                field="periods",
                first=_shown(first),
                last=_shown(last),
            )
        if not (school_year.in_year(first) and school_year.in_year(last)):
            raise CartableError(
                N_(
                    "La période du %(first)s au %(last)s sort de l'année scolaire (du "
                    "%(start)s au %(end)s)."
                ),
                field="periods",
                first=_shown(first),
                last=_shown(last),
                start=_shown(school_year.start),
                end=_shown(school_year.end),
            )
        if previous is not None and first <= previous:
            raise CartableError(
                N_(
                    "Les périodes se suivent sans se chevaucher : celle qui commence le "
                    "%(first)s doit commencer après le %(previous)s."
                ),
                field="periods",
                first=_shown(first),
                previous=_shown(previous),
            )
        previous = last
    return days


def set_periods(
    conn: sqlite3.Connection,
    actor: Actor | None,
    kind: str,
    ranges: Sequence[str | tuple[date | str, date | str]],
) -> list[dict[str, Any]]:
    """Set the year's periods (see the module doc); returns `list_periods`. Raises
    CartableError (field "kind" or "periods"), YearNotSet, PeriodLocked (a period is
    locked: unlock it first)."""
    days = _validate(conn, kind, ranges)
    with audited(conn, actor, "grades.periods_set", target="grade_period") as entry:
        existing = list_periods(conn)
        locked = [p for p in existing if p["locked"]]
        if locked:
            raise PeriodLocked(
                N_(
                    "Le %(name)s est verrouillé : déverrouillez-le avant de changer les "
                    "périodes (cartable periods unlock %(id)s)."
                ),
                name=name_of(locked[0]),
                id=locked[0]["id"],
            )
        same = [p["kind"] for p in existing] == [kind] * len(days)
        if existing and not same:
            used = scalar(conn, "SELECT count(*) FROM assessment") or scalar(
                conn, "SELECT count(*) FROM grade_appraisal"
            )
            if used:
                raise CartableError(
                    N_(
                        "Des notes ou des appréciations existent déjà dans les périodes "
                        "actuelles : on peut changer leurs dates, pas passer de trimestres à "
                        "semestres (ou l'inverse)."
                    ),
                    field="kind",
                )
            conn.execute("DELETE FROM grade_period")
            existing = []
        for position, (first, last) in enumerate(days, start=1):
            if existing:
                conn.execute(
                    # An end of entry left at its default (the last day) follows it.
                    "UPDATE grade_period SET from_date = ?, to_date = ?, entry_end = CASE "
                    "WHEN entry_end = to_date THEN ? ELSE max(entry_end, ?) END "
                    "WHERE position = ?",
                    (
                        first.isoformat(),
                        last.isoformat(),
                        last.isoformat(),
                        first.isoformat(),
                        position,
                    ),
                )
            else:
                conn.execute(
                    "INSERT INTO grade_period (kind, position, from_date, to_date, entry_end) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (kind, position, first.isoformat(), last.isoformat(), last.isoformat()),
                )
        _reassign(conn)
        entry.details = {
            "kind": kind,
            "periods": [f"{f.isoformat()}:{t.isoformat()}" for f, t in days],
        }
    return list_periods(conn)


def _reassign(conn: sqlite3.Connection) -> None:
    """Each assessment into the period of its date; CartableError when one has none."""
    stray = one(
        conn,
        "SELECT a.id, a.title, a.date FROM assessment a WHERE NOT EXISTS (SELECT 1 FROM "
        "grade_period p WHERE a.date BETWEEN p.from_date AND p.to_date) ORDER BY a.date LIMIT 1",
    )
    if stray:
        raise CartableError(
            N_(
                "L'évaluation « %(title)s » du %(day)s ne serait plus dans aucune période : "
                "les périodes doivent couvrir les dates des évaluations."
            ),
            field="periods",
            title=stray["title"],
            day=_shown(stray["date"]),
        )
    conn.execute(
        "UPDATE assessment SET period_id = (SELECT p.id FROM grade_period p WHERE "
        "assessment.date BETWEEN p.from_date AND p.to_date ORDER BY p.position LIMIT 1) "
        "WHERE period_id IS NOT (SELECT p.id FROM grade_period p WHERE "
        "assessment.date BETWEEN p.from_date AND p.to_date ORDER BY p.position LIMIT 1)"
    )


def update_period(
    conn: sqlite3.Connection,
    actor: Actor | None,
    period_id: int,
    *,
    entry_end: str | date | None = None,
    council_date: str | date | None = None,
    clear_council: bool = False,
) -> dict[str, Any]:
    """Change a period's end of entry and class-council date (None: unchanged;
    `clear_council`: no council date). Both come after the period's first day. Audited."""
    period = get_period(conn, period_id)
    school_year = year.require_year(conn)
    values: dict[str, str | None] = {}
    for name, value in (("entry_end", entry_end), ("council_date", council_date)):
        if value in (None, ""):
            continue
        day = year.parse_day(value, name)
        if day.isoformat() < period["from"] or day > school_year.end:
            raise CartableError(
                N_(
                    "Le %(day)s ne va pas : cette date est entre le premier jour de la "
                    "période (%(first)s) et la fin de l'année (%(end)s)."
                ),
                field=name,
                day=_shown(day),
                first=_shown(period["from"]),
                end=_shown(school_year.end),
            )
        values[name] = day.isoformat()
    if clear_council:
        values["council_date"] = None
    with audited(conn, actor, "grades.period_edit", target=f"grade_period:{period_id}") as entry:
        if not values:
            entry.skip()
        else:
            sets = ", ".join(f"{k} = ?" for k in values)
            conn.execute(
                f"UPDATE grade_period SET {sets} WHERE id = ?", (*values.values(), period_id)
            )
            entry.details = dict(values)
    return get_period(conn, period_id)


def set_locked(
    conn: sqlite3.Connection, actor: Actor | None, period_id: int, locked: bool
) -> dict[str, Any]:
    """Lock (after the class council) or unlock a period; audited (`grades.period_lock`,
    `grades.period_unlock`). Locking a locked period changes nothing (no row)."""
    action = "grades.period_lock" if locked else "grades.period_unlock"
    with audited(conn, actor, action, target=f"grade_period:{period_id}") as entry:
        period = get_period(conn, period_id)
        if period["locked"] == locked:
            entry.skip()
        elif locked:
            conn.execute(
                "UPDATE grade_period SET locked_at = ?, locked_by = ? WHERE id = ?",
                (now_iso(), actor.login if actor else None, period_id),
            )
        else:
            conn.execute(
                "UPDATE grade_period SET locked_at = NULL, locked_by = NULL WHERE id = ?",
                (period_id,),
            )
        entry.details = {"period": period["name"]}
    return get_period(conn, period_id)


# --- what writes ask first --------------------------------------------------------------


def check_open(period: dict[str, Any]) -> None:
    """Raise PeriodLocked when the period is locked (no mark nor appraisal may change)."""
    if period["locked"]:
        raise PeriodLocked(
            N_(
                "Le %(name)s est verrouillé (conseil de classe passé) : ses notes et ses "
                "appréciations ne peuvent plus changer. La direction peut le déverrouiller."
            ),
            name=name_of(period),
        )


def check_marks_open(period: dict[str, Any], today: date | None = None) -> None:
    """Raise PeriodLocked, or EntryClosed once the period's end of entry is past."""
    check_open(period)
    day = (today or year.local_today()).isoformat()
    if day > period["entry_end"]:
        raise EntryClosed(
            N_(
                "La saisie des notes du %(name)s est close depuis le %(day)s. La direction "
                "peut repousser la date de fin de saisie."
            ),
            name=name_of(period),
            day=_shown(period["entry_end"]),
        )
