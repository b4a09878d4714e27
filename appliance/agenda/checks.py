"""What a person types for an agenda event, checked (`events.create` and `update` call
these): `fields(values)` gives the row's columns or raises CartableError naming the field
(`title`, `place`, `description`, `start_day`, `start_time`, `end_day`, `end_time`,
`repeat_until`); `check_audience(conn, targets)` the school event's audience, sorted."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from appliance import timefmt
from appliance.db import one
from appliance.directory import textsafe
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.schoollife.year import parse_day
from appliance.security.rules import PROFILES

TITLE_MAX = 200
PLACE_MAX = 200
DESCRIPTION_MAX = 2000
# An event lasts at most a year; a weekly one repeats for at most two.
MAX_SPAN_DAYS = 366
MAX_REPEAT_DAYS = 731
TARGETS_MAX = 60

# "14:30", "14h30", "14h".
_CLOCK = re.compile(r"^([01]?\d|2[0-3])(?:[:hH]([0-5]\d)|[hH])$")
_TARGET = re.compile(r"^(students|parents|teachers):(class|group):(.{1,40})$")
# Controls, zero-width and bidirectional characters, but new lines and tabs (a
# description has paragraphs).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)


def _clock(value: Any, field: str) -> str:
    m = _CLOCK.match(str(value or "").strip())
    if not m:
        raise CartableError(
            N_("Heure « %(value)s » invalide : écrivez HH:MM (ex. 14:30)."),
            field=field,
            value=value or "",
        )
    return f"{int(m.group(1)):02d}:{m.group(2) or '00'}"


def _text(value: Any, field: str, max_len: int) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").strip()
    if _UNSAFE.search(text):
        raise CartableError(
            N_("Le texte contient un caractère de contrôle ou invisible : retapez-le."),
            field=field,
        )
    if len(text) > max_len:
        raise CartableError(
            N_("Texte trop long (%(length)s caractères, %(max)s au plus)."),
            field=field,
            length=len(text),
            max=max_len,
        )
    return text


# The years an event may fall in (beyond, a wrong key: and times near year 1 or 9999
# would not convert between zones).
_YEARS = (1970, 2999)


def _day(value: Any, field: str) -> date:
    day = parse_day(value or None, field)
    if not _YEARS[0] <= day.year <= _YEARS[1]:
        raise CartableError(
            N_("Date « %(value)s » hors des années possibles (%(first)s à %(last)s)."),
            field=field,
            value=day.isoformat(),
            first=_YEARS[0],
            last=_YEARS[1],
        )
    return day


def _utc(day: date, clock: str) -> str:
    hours, minutes = (int(x) for x in clock.split(":"))
    local = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=timefmt.zone())
    return local.astimezone(UTC).isoformat()


def last_day_of(start_day: date, end_day: date, repeat_until: date | None) -> date:
    """The last day of the last occurrence of an event."""
    if repeat_until is None:
        return end_day
    weeks = (repeat_until - start_day).days // 7
    return end_day + timedelta(days=7 * weeks)


def fields(values: Mapping[str, Any]) -> dict[str, Any]:
    title = textsafe.clean_text(values.get("title"), "title", TITLE_MAX)
    if not title:
        raise CartableError(N_("Donnez un titre à l'événement."), field="title")
    place = textsafe.clean_text(values.get("place"), "place", PLACE_MAX)
    description = _text(values.get("description"), "description", DESCRIPTION_MAX)
    all_day = bool(values.get("all_day"))
    start_day = _day(values.get("start_day"), "start_day")
    end_day = _day(values.get("end_day") or start_day, "end_day")
    start_at = end_at = None
    if all_day:
        if end_day < start_day:
            raise CartableError(N_("Le dernier jour doit venir après le premier."), field="end_day")
    else:
        start_clock = _clock(values.get("start_time"), "start_time")
        end_clock = _clock(values.get("end_time"), "end_time")
        if (end_day, end_clock) <= (start_day, start_clock):
            raise CartableError(N_("La fin doit venir après le début."), field="end_time")
        start_at, end_at = _utc(start_day, start_clock), _utc(end_day, end_clock)
    if (end_day - start_day).days > MAX_SPAN_DAYS:
        raise CartableError(
            N_("Un événement dure au plus %(days)s jours."), field="end_day", days=MAX_SPAN_DAYS
        )
    until_raw = values.get("repeat_until")
    if until_raw == "":
        raise CartableError(N_("Donnez le jour de la dernière répétition."), field="repeat_until")
    repeat_until = _day(until_raw, "repeat_until") if until_raw else None
    if repeat_until is not None:
        if repeat_until < start_day:
            raise CartableError(
                N_("La répétition doit finir après le premier jour de l'événement."),
                field="repeat_until",
            )
        if (repeat_until - start_day).days > MAX_REPEAT_DAYS:
            raise CartableError(N_("Une répétition dure au plus deux ans."), field="repeat_until")
        if (end_day - start_day).days >= 7:
            raise CartableError(
                N_("Un événement de plus d'une semaine ne peut pas se répéter chaque semaine."),
                field="repeat_until",
            )
    return {
        "title": title,
        "place": place,
        "description": description,
        "all_day": int(all_day),
        "start_day": start_day.isoformat(),
        "end_day": end_day.isoformat(),
        "start_at": start_at,
        "end_at": end_at,
        "repeat": "weekly" if repeat_until else None,
        "repeat_until": repeat_until.isoformat() if repeat_until else None,
        "last_day": last_day_of(start_day, end_day, repeat_until).isoformat(),
    }


def _known_code(conn: sqlite3.Connection, kind: str, code: str) -> bool:
    table = "school_class" if kind == "class" else "teaching_group"
    return (
        one(conn, f"SELECT 1 FROM {table} WHERE code = ? AND retired_at IS NULL", (code,))
        is not None
    )


def check_audience(conn: sqlite3.Connection, targets: Iterable[str]) -> list[str]:
    """The audience targets cleaned, sorted; CartableError (field "audience") for an
    unknown one (a class or group that does not exist)."""
    cleaned = sorted({str(t or "").strip() for t in targets} - {""})
    if len(cleaned) > TARGETS_MAX:
        raise CartableError(
            N_("Au plus %(max)s publics pour un événement."), field="audience", max=TARGETS_MAX
        )
    for target in cleaned:
        if target == "all":
            continue
        if target.startswith("profile:"):
            if target.partition(":")[2] not in PROFILES:
                raise CartableError(
                    N_("Public « %(target)s » inconnu."), field="audience", target=target
                )
            continue
        m = _TARGET.match(target)
        if not m or not _known_code(conn, m.group(2), m.group(3)):
            raise CartableError(
                N_("Public « %(target)s » inconnu : la classe ou le groupe n'existe pas."),
                field="audience",
                target=target,
            )
    return cleaned
