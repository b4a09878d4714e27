"""The school year: its first and last day, its holidays, and its A and B weeks.

A **school week** is a week (Monday to Sunday) with at least one day from Monday to
Friday inside the year and not in holidays: a week entirely in holidays does not count.
A and B alternate over the school weeks only (a holiday week does not flip the letter):
the A week is the one whose Monday `a_week` names, the first school week when none is
given. Holidays are ranges of days, both ends included (the Toussaint 2026 of zone C is
2026-10-18:2026-11-01), except when typed as the ministry's calendar gives them, from the
Saturday classes end to the Monday they start again (2026-10-17:2026-11-02, "fin des
cours" and "reprise"): a range from a Saturday to a Monday keeps those two days as class
days (`days_off`). Both ways mean the same holidays; the range is kept as typed.

`set_year` validates and stores the year (audited in the same transaction);
`load_year` returns it as a `SchoolYear` (None when not set), `require_year` raises
`YearNotSet`; `year_info` is the JSON shape of `cartable year show --json` and of
`GET /api/v1/year`: `{"start", "end", "holidays": [{"from", "to"}], "weeks": [{"monday",
"letter"}]}`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, one, transaction
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security import audit
from backup.errors import Phrase

# A school year lasts about ten months; more than a year is a typo (2072 for 2027).
MAX_DAYS = 366

DayLike = date | str

WEEKDAYS = (
    Phrase(N_("lundi")),
    Phrase(N_("mardi")),
    Phrase(N_("mercredi")),
    Phrase(N_("jeudi")),
    Phrase(N_("vendredi")),
    Phrase(N_("samedi")),
    Phrase(N_("dimanche")),
)

_DATE_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}")
_RANGE_GLUE = re.compile(r"^\s*(?::|-|–|—|au|à|to|\.\.|,)?\s*$", re.IGNORECASE)


class YearNotSet(NotFound):
    """No school year is set yet (`cartable year set`)."""


def local_today() -> date:
    """Today in the school's zone (`school.timezone`): `timefmt.today`."""
    return timefmt.today()


def monday_of(day: date) -> date:
    """The Monday of the week of `day`."""
    return day - timedelta(days=day.weekday())


def days_off(first: date, last: date) -> tuple[date, date]:
    """The first and last day without classes of a holiday range as typed: a range from a
    Saturday to a Monday is the ministry's "fin des cours" to "reprise" (both class days)."""
    if first.weekday() == 5 and last.weekday() == 0 and (last - first).days > 2:
        return first + timedelta(days=1), last - timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class SchoolYear:
    """A school year: `start` and `end` days (included), `holidays` as (first, last) day
    pairs (included) in order, and `a_week` the Monday of an A week (None: the first
    school week)."""

    start: date
    end: date
    a_week: date | None = None
    holidays: tuple[tuple[date, date], ...] = ()

    @cached_property
    def _holiday_days(self) -> frozenset[date]:
        days: set[date] = set()
        for typed_first, typed_last in self.holidays:
            first, last = days_off(typed_first, typed_last)
            day = max(first, self.start - timedelta(days=7))
            while day <= min(last, self.end + timedelta(days=7)):
                days.add(day)
                day += timedelta(days=1)
        return frozenset(days)

    def is_holiday(self, day: date) -> bool:
        """True for a day inside one of the holidays."""
        if self.start - timedelta(days=7) <= day <= self.end + timedelta(days=7):
            return day in self._holiday_days
        return any(off[0] <= day <= off[1] for off in (days_off(f, t) for f, t in self.holidays))

    def in_year(self, day: date) -> bool:
        return self.start <= day <= self.end

    def is_school_day(self, day: date) -> bool:
        """A day of the year, Monday to Saturday, not in holidays (a day lessons may be on)."""
        return self.in_year(day) and day.weekday() < 6 and not self.is_holiday(day)

    @cached_property
    def weeks(self) -> tuple[tuple[date, str], ...]:
        """(Monday, "A" or "B") of every school week, in order."""
        mondays = []
        monday = monday_of(self.start)
        while monday <= self.end:
            if any(self.is_school_day(monday + timedelta(days=i)) for i in range(5)):
                mondays.append(monday)
            monday += timedelta(days=7)
        origin = mondays.index(self.a_week) if self.a_week in mondays else 0
        return tuple((m, "A" if (i - origin) % 2 == 0 else "B") for i, m in enumerate(mondays))

    @cached_property
    def letters(self) -> dict[date, str]:
        """Monday → letter, for the school weeks."""
        return dict(self.weeks)

    def letter(self, day: date) -> str | None:
        """The letter ("A" or "B") of the week of `day`; None for a holiday week or outside."""
        return self.letters.get(monday_of(day))

    @property
    def a_monday(self) -> date | None:
        """The Monday of the A week the letters start from (the first school week when
        none was given); None for a year without school weeks."""
        return self.a_week or (self.weeks[0][0] if self.weeks else None)

    @property
    def first_calendar_year(self) -> int:
        """The year the school year is named by (2026 for 2026-2027)."""
        return self.start.year if self.start.month >= 7 else self.start.year - 1

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "a_week": self.a_monday.isoformat() if self.a_monday else None,
            "holidays": [{"from": f.isoformat(), "to": t.isoformat()} for f, t in self.holidays],
            "weeks": [{"monday": m.isoformat(), "letter": letter} for m, letter in self.weeks],
        }


# --- reading what people type ----------------------------------------------------------

_FIELD_NAMES = {
    "start": Phrase(N_("le premier jour")),
    "end": Phrase(N_("le dernier jour")),
    "a_week": Phrase(N_("le lundi de la semaine A")),
    "holidays": Phrase(N_("les vacances")),
    "from": Phrase(N_("la date de début (--from)")),
}


def read_day(text: str) -> date | None:
    """The day written "AAAA-MM-JJ" or "JJ/MM/AAAA", None for anything else (the callers
    word the error with their field)."""
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            y, m, d = (int(x) for x in text.split("-"))
            return date(y, m, d)
        if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", text):
            d, m, y = (int(x) for x in text.split("/"))
            return date(y, m, d)
    except ValueError:
        return None
    return None


def parse_day(value: DayLike | None, field: str) -> date:
    """A day given as a `date`, "AAAA-MM-JJ" or "JJ/MM/AAAA"; CartableError naming `field`."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    found = read_day(text)
    if found is not None:
        return found
    if field not in _FIELD_NAMES:  # a form's or an API's field, named by the error's field
        raise CartableError(
            N_("Date « %(value)s » invalide : écrivez AAAA-MM-JJ (ou JJ/MM/AAAA)."),
            field=field,
            value=text,
        )
    raise CartableError(
        N_("Date « %(value)s » invalide pour %(label)s : écrivez AAAA-MM-JJ (ou JJ/MM/AAAA)."),
        field=field,
        value=text,
        label=_FIELD_NAMES[field],
    )


def parse_holiday(text: str) -> tuple[date, date]:
    """One holiday as typed: "2026-10-18:2026-11-01", "18/10/2026 au 01/11/2026", or one day
    ("2026-11-11"). Raises CartableError (field "holidays")."""
    tokens = list(_DATE_TOKEN.finditer(text or ""))
    glue_ok = len(tokens) in (1, 2) and not (text[: tokens[0].start()].strip())
    if glue_ok:
        between = text[tokens[0].end() : tokens[1].start()] if len(tokens) == 2 else ""
        glue_ok = bool(_RANGE_GLUE.match(between)) and not text[tokens[-1].end() :].strip()
    if not glue_ok:
        raise CartableError(
            N_(
                "Vacances « %(value)s » illisibles : écrivez le premier et le dernier jour de "
                "vacances, par exemple 2026-10-18:2026-11-01 (ou 18/10/2026 au 01/11/2026)."
            ),
            field="holidays",
            value=(text or "").strip(),
        )
    first = parse_day(tokens[0].group(), "holidays")
    last = parse_day(tokens[-1].group(), "holidays")
    return first, last


def _shown(day: date) -> str:
    return timefmt.fmt_date(day)


def validate(
    start: DayLike,
    end: DayLike,
    a_week: DayLike | None = None,
    holidays: Iterable[tuple[DayLike, DayLike] | str] = (),
) -> SchoolYear:
    """The SchoolYear these values make, or CartableError naming the field at fault."""
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if last <= first:
        raise CartableError(
            N_("Le dernier jour (%(end)s) doit venir après le premier (%(start)s)."),
            field="end",
            end=_shown(last),
            start=_shown(first),
        )
    if (last - first).days > MAX_DAYS:
        raise CartableError(
            N_(
                "Une année scolaire dure au plus un an : du %(start)s au %(end)s, cela fait "
                "%(days)s jours. Vérifiez les années."
            ),
            field="end",
            start=_shown(first),
            end=_shown(last),
            days=(last - first).days + 1,
        )
    ranges: set[tuple[date, date]] = set()
    for item in holidays:
        if isinstance(item, str):
            h_first, h_last = parse_holiday(item)
        else:
            h_first, h_last = parse_day(item[0], "holidays"), parse_day(item[1], "holidays")
        if h_last < h_first:
            raise CartableError(
                N_("Vacances du %(first)s au %(last)s : le dernier jour vient avant le premier."),
                field="holidays",
                first=_shown(h_first),
                last=_shown(h_last),
            )
        if h_last < first or h_first > last:
            raise CartableError(
                N_(
                    "Les vacances du %(first)s au %(last)s sont en dehors de l'année scolaire "
                    "(du %(start)s au %(end)s)."
                ),
                field="holidays",
                first=_shown(h_first),
                last=_shown(h_last),
                start=_shown(first),
                end=_shown(last),
            )
        ranges.add((h_first, h_last))
    year = SchoolYear(first, last, None, tuple(sorted(ranges)))
    if not year.weeks:
        raise CartableError(
            N_("Avec ces vacances, l'année n'a plus aucune semaine de cours."), field="holidays"
        )
    if a_week not in (None, ""):
        monday = parse_day(a_week, "a_week")
        if monday.weekday() != 0:
            raise CartableError(
                N_(
                    "La semaine A se donne par son lundi : le %(day)s est un %(weekday)s "
                    "(le lundi de cette semaine est le %(monday)s)."
                ),
                field="a_week",
                day=_shown(monday),
                weekday=WEEKDAYS[monday.weekday()],
                monday=_shown(monday_of(monday)),
            )
        if monday not in year.letters:
            raise CartableError(
                N_(
                    "Le lundi %(day)s n'est pas une semaine de cours de l'année (hors de "
                    "l'année, ou en vacances) : choisissez le lundi d'une semaine de cours."
                ),
                field="a_week",
                day=_shown(monday),
            )
        year = SchoolYear(first, last, monday, year.holidays)
    return year


# --- storage ----------------------------------------------------------------------------


def set_year(
    conn: sqlite3.Connection,
    actor: audit.Actor,
    start: DayLike,
    end: DayLike,
    a_week: DayLike | None = None,
    holidays: Sequence[tuple[DayLike, DayLike] | str] = (),
) -> dict[str, Any]:
    """Set the school year: first and last day, the Monday of an A week (None: the first
    school week), holidays as (first, last) pairs or "FIRST:LAST" strings. Validated
    (CartableError naming the field: "start", "end", "a_week", "holidays"), stored and
    audited (`schoollife.year_set`) in one transaction. Returns `year_info`.

    Lessons already imported are not touched: import the timetable again if the weeks
    changed.
    """
    year = validate(start, end, a_week, holidays)
    with transaction(conn):
        conn.execute(
            "INSERT INTO school_year (id, start_date, end_date, a_week, updated_at, updated_by) "
            "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "start_date = excluded.start_date, end_date = excluded.end_date, "
            "a_week = excluded.a_week, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            (
                year.start.isoformat(),
                year.end.isoformat(),
                year.a_week.isoformat() if year.a_week else None,
                now_iso(),
                actor.login,
            ),
        )
        conn.execute("DELETE FROM school_holiday")
        conn.executemany(
            "INSERT INTO school_holiday (from_date, to_date) VALUES (?, ?)",
            [(f.isoformat(), t.isoformat()) for f, t in year.holidays],
        )
        # The weeks and holidays the pages show changed (lessons.bump_version: this module
        # is imported by that one).
        conn.execute("UPDATE timetable_version SET version = version + 1 WHERE id = 1")
        audit.record(
            conn,
            actor,
            "schoollife.year_set",
            target="school_year",
            details={
                "start": year.start.isoformat(),
                "end": year.end.isoformat(),
                "a_week": year.a_week.isoformat() if year.a_week else None,
                "holidays": len(year.holidays),
                "weeks": len(year.weeks),
            },
        )
    return info_of(year)


def load_year(conn: sqlite3.Connection) -> SchoolYear | None:
    """The school year as stored, or None when none is set.

    One query; the same stored year gives the same `SchoolYear` object (kept in memory,
    its weeks and holidays computed once): the home page and the week pages read it on
    every view.
    """
    row = one(
        conn,
        "SELECT start_date, end_date, a_week, (SELECT group_concat(h, ',') FROM "
        "(SELECT from_date || ':' || to_date AS h FROM school_holiday ORDER BY from_date, "
        "to_date)) AS holidays FROM school_year WHERE id = 1",
    )
    if row is None:
        return None
    key = (row["start_date"], row["end_date"], row["a_week"], row["holidays"] or "")
    found = _LOADED.get(key)
    if found is None:
        pairs = [h.split(":") for h in key[3].split(",")] if key[3] else []
        found = SchoolYear(
            date.fromisoformat(key[0]),
            date.fromisoformat(key[1]),
            date.fromisoformat(key[2]) if key[2] else None,
            tuple((date.fromisoformat(f), date.fromisoformat(t)) for f, t in pairs),
        )
        if len(_LOADED) > 16:
            _LOADED.clear()
        _LOADED[key] = found
    return found


# Stored years already read (a handful: the year changes a few times a year).
_LOADED: dict[tuple[str, str, str | None, str], SchoolYear] = {}


def require_year(conn: sqlite3.Connection) -> SchoolYear:
    """The school year; raises YearNotSet (a NotFound) saying how to set it."""
    year = load_year(conn)
    if year is None:
        raise YearNotSet(
            N_(
                "Aucune année scolaire n'est réglée : indiquez d'abord le premier et le dernier "
                "jour, les vacances et la semaine A (`cartable year set --start AAAA-MM-JJ "
                "--end AAAA-MM-JJ --holiday DEBUT:FIN …`, ou Administration → Année scolaire)."
            )
        )
    return year


def info_of(year: SchoolYear) -> dict[str, Any]:
    """The JSON shape of a year (see the module doc)."""
    data = year.to_json()
    return {k: data[k] for k in ("start", "end", "holidays", "weeks")}


def year_info(conn: sqlite3.Connection) -> dict[str, Any]:
    """`{"start", "end", "holidays": [{"from", "to"}], "weeks": [{"monday", "letter"}]}`
    (days as YYYY-MM-DD; weeks are the school weeks, in order). Raises YearNotSet."""
    return info_of(require_year(conn))
