"""The values of a timetable line: day, time, duration, codes; read strictly.

A malformed day, time or duration is an error of its line (the lesson can't be placed);
a code or a room is stripped of control and invisible characters (with a warning), and
one longer than `CODE_MAX` is an error (the file is damaged there).
"""

from __future__ import annotations

import re
import unicodedata

from appliance.directory.textsafe import strip_text
from appliance.i18n import N_
from appliance.schoollife.imports.records import ParsedTimetable
from appliance.schoollife.year import WEEKDAYS
from backup.errors import Phrase

CODE_MAX = 60
# The longest lesson a timetable holds (a morning of exams, a day out is not a lesson).
MAX_MINUTES = 10 * 60

_CLOCK = re.compile(r"^(\d{1,2})\s*[:hH.]\s*(\d{2})$|^(\d{1,2})(\d{2})$")
_DAY_WORDS = {"lundi": 1, "mardi": 2, "mercredi": 3, "jeudi": 4, "vendredi": 5, "samedi": 6}

DAY_NAMES = WEEKDAYS[:6]  # « lundi » … « samedi », for messages


def minutes(text: str | None) -> int | None:
    """Minutes after midnight of "0830", "830", "08:30" or "8h30"; None when malformed."""
    m = _CLOCK.match((text or "").strip())
    if not m:
        return None
    hours_text, mins_text = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    hours, mins = int(hours_text), int(mins_text)
    if hours > 23 or mins > 59:
        return None
    return hours * 60 + mins


def day_number(text: str | None) -> int | None:
    """1 (Monday) to 6 (Saturday), from a digit or a French day name; None otherwise."""
    value = (text or "").strip()
    if value.isdigit() and 1 <= int(value) <= 6 and len(value) <= 2:
        return int(value)
    folded = unicodedata.normalize("NFKD", value.lower())
    return _DAY_WORDS.get("".join(c for c in folded if not unicodedata.combining(c)))


def lesson_times(
    pt: ParsedTimetable,
    line: int | None,
    day_text: str,
    start_text: str,
    duration_text: str,
    *,
    csv: bool,
) -> tuple[int, int, int] | None:
    """(day, start, end) of a lesson, or None after recording the error of its line."""
    example_time = (
        Phrase(N_("HH:MM, par exemple 08:30")) if csv else Phrase(N_("HHMM, par exemple 0830"))
    )
    example_duration = (
        Phrase(N_("HH:MM, par exemple 00:55")) if csv else Phrase(N_("HHMM, par exemple 0055"))
    )
    ok = True
    day = day_number(day_text)
    if day is None and not day_text.strip():
        pt.error(N_("Le jour du cours manque : il va de 1 (lundi) à 6 (samedi)."), line)
        ok = False
    elif day is None:
        pt.error(
            N_("Jour « %(value)s » invalide : le jour va de 1 (lundi) à 6 (samedi)."),
            line,
            value=day_text.strip(),
        )
        ok = False
    start = minutes(start_text)
    if start is None and not start_text.strip():
        pt.error(
            N_("L'heure de début du cours manque : écrivez-la %(expected)s."),
            line,
            expected=example_time,
        )
        ok = False
    elif start is None:
        pt.error(
            N_("Heure de début « %(value)s » invalide : écrivez-la %(expected)s."),
            line,
            value=start_text.strip(),
            expected=example_time,
        )
        ok = False
    duration = minutes(duration_text)
    if duration is None and not duration_text.strip():
        pt.error(
            N_("La durée du cours manque : écrivez-la %(expected)s."),
            line,
            expected=example_duration,
        )
        ok = False
    elif duration is None or duration == 0 or duration > MAX_MINUTES:
        pt.error(
            N_(
                "Durée « %(value)s » invalide : écrivez-la %(expected)s (plus de zéro minute, "
                "%(max)s heures au plus)."
            ),
            line,
            value=duration_text.strip(),
            expected=example_duration,
            max=MAX_MINUTES // 60,
        )
        ok = False
    if not ok:
        return None
    assert day is not None and start is not None and duration is not None  # checked above
    if start + duration > 24 * 60:
        pt.error(
            N_("Le cours commence à %(start)s et dure %(duration)s : il finirait après minuit."),
            line,
            start=start_text.strip(),
            duration=duration_text.strip(),
        )
        return None
    return day, start, start + duration


def code(pt: ParsedTimetable, line: int | None, value: str | None) -> str:
    """A code (class, group, subject, room, teacher id) made safe: unsafe characters
    removed with a warning, an overlong one an error."""
    raw = (value or "").strip()
    clean, changed = strip_text(raw)
    if changed:
        pt.warn(
            N_("Caractères de contrôle ou invisibles retirés de « %(value)s »."),
            line,
            value=clean[:60],
        )
    if len(clean) > CODE_MAX:
        pt.error(
            N_(
                "« %(value)s… » fait %(length)s caractères (%(max)s au plus pour un code) : le "
                "fichier est sans doute abîmé à cette ligne."
            ),
            line,
            value=clean[:30],
            length=len(clean),
            max=CODE_MAX,
        )
    return clean if changed else raw
