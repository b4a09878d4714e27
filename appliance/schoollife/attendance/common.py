"""What the attendance modules share: the office's functions, the alert's threshold, the
half-day split of the configuration, and days, months and clock times read from what
people type."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from appliance import timefmt
from appliance.errors import CartableError
from appliance.i18n import N_

# The vie scolaire in the policy's words: CPE (EDU), assistants d'éducation (AED), direction.
OFFICE = ("staff:EDU", "staff:AED", "staff:DIR")
OFFICE_FUNCTIONS = tuple(who.partition(":")[2] for who in OFFICE)
# Four complete half-days without an admissible reason in a calendar month oblige the
# school to act (Code de l'éducation, L131-8): the vie scolaire must see it coming.
ALERT_THRESHOLD = 4
DEFAULT_SPLIT = "12:30"
# How far back the vie scolaire's day looks for excuses waiting.
EXCUSE_DAYS = 60
# The longest text a family or the office types (an excuse, a comment).
TEXT_MAX = 2000

_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:hH]([0-5]\d)$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Controls, zero-width and bidirectional characters (as appliance.directory.textsafe),
# but new lines and tabs: an excuse has paragraphs.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)

_split = DEFAULT_SPLIT


def check_split(value: Any) -> None:
    """The configuration's check of `attendance.half_day_split`: raises ValueError (in
    French) unless it is a time of day between 10:00 and 15:00."""
    text = value if isinstance(value, str) else ""
    m = _CLOCK.match(text.strip())
    if not m or not ("10:00" <= f"{int(m.group(1)):02d}:{m.group(2)}" <= "15:00"):
        raise ValueError(
            f"heure « {value} » invalide : écrivez HH:MM, entre 10:00 et 15:00 (ex. 12:30)"
        )


def use_split(value: str) -> None:
    """Make `value` the half-day split used when a caller gives none (`open_box` sets the
    box's `attendance.half_day_split`, as it sets the zone)."""
    global _split
    check_split(value)
    _split = clock(value, "half_day_split")


def half_day_split(given: str | None = None) -> str:
    """`given` ("HH:MM") when given, else the process's split (the configuration's)."""
    return clock(given, "half_day_split") if given else _split


def clock(value: str | None, field: str) -> str:
    """A time of day as typed ("8:05", "08h05", "08:05") as "HH:MM"; CartableError naming
    `field` otherwise."""
    m = _CLOCK.match((value or "").strip())
    if not m:
        raise CartableError(
            N_("Heure « %(value)s » invalide : écrivez HH:MM (par exemple 08:05)."),
            field=field,
            value=(value or "").strip(),
        )
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def day(value: date | str | None, field: str) -> date:
    """A day as a `date`, "AAAA-MM-JJ" or "JJ/MM/AAAA"; CartableError naming `field`
    (the school year's `parse_day`)."""
    from appliance.schoollife.year import parse_day  # the manifest imports this module early

    return parse_day(value, field)


def month(value: str | None, field: str = "month") -> tuple[date, date]:
    """The first and last day of a month given as "AAAA-MM"; the current month (in the
    school's zone) when `value` is empty. CartableError naming `field` otherwise."""
    text = (value or "").strip()
    if not text:
        return month(this_month(), field)
    m = _MONTH.match(text)
    if not m or not (1 <= int(m.group(2)) <= 12) or not (1900 <= int(m.group(1)) <= 9998):
        raise CartableError(
            N_("Mois « %(value)s » invalide : écrivez AAAA-MM (par exemple 2026-11)."),
            field=field,
            value=text,
        )
    first = date(int(m.group(1)), int(m.group(2)), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def month_of(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def local_now() -> datetime:
    """Now in the school's zone (`school.timezone`)."""
    return datetime.now(timefmt.zone())


def today() -> date:
    return local_now().date()


def this_month() -> str:
    return month_of(today())


def plain_text(value: str | None, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    """A text typed by a person: control, zero-width and bidirectional characters removed
    (new lines kept), spaces trimmed; CartableError when required and empty, or longer
    than `limit`."""
    text = _UNSAFE.sub("", (value or "").replace("\r\n", "\n")).strip()
    if required and not text:
        raise CartableError(N_("Ce champ est obligatoire."), field=field)
    if len(text) > limit:
        raise CartableError(
            N_("Texte trop long : %(limit)s caractères au plus."), field=field, limit=limit
        )
    return text


def person_thing(person: dict[str, Any]) -> dict[str, Any]:
    """A person as the policy's target (`kind` "person")."""
    return {**person, "kind": "person"}
