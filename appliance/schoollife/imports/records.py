"""What a timetable file brings, as plain records, with the problems found in it.

A reader turns one file into a `ParsedTimetable`: the school day per weekday (HORAIRES),
the file's alternances (the Mondays each one runs) when it gives them, and its **weekly
lessons**: audience (a class or a group code), subject code, teachers (as the file names
them), day 1–6, start and end (minutes after midnight), room and alternance code. Every
problem has the file, the line and a French message (a marked template and its values,
like the directory's import problems). Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from appliance.directory.imports.records import ERROR, WARNING, Problem
from backup.errors import Phrase, fill, identity

EDT = "edt"  # the timetable software's EDT_STS export
CSV = "csv"  # our CSV template

KIND_LABELS = {EDT: "EDT_STS (logiciel d'emploi du temps)", CSV: "CSV Cartable (emploi du temps)"}


def clock(minutes: int) -> str:
    """Minutes after midnight as "HH:MM"."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class TeacherRef:
    """A teacher as the file names them: `shown` for messages ("epp-8000", a CSV cell) and
    the directory keys it may match, in order: (source, value) of `external_id`, or
    ("login", login)."""

    shown: str
    keys: tuple[tuple[str, str], ...]


@dataclass(slots=True)
class WeeklyLesson:
    """One lesson of the weekly pattern. `kind` is "class", "group", or "" when the file
    does not say (the CSV's `class_or_group`: the directory decides). `day` 1 (Monday) to
    6 (Saturday); `start` and `end` minutes after midnight; `alternance` the file's code
    ("" or "H": every school week)."""

    line: int | None
    kind: str
    code: str
    subject_code: str
    day: int
    start: int
    end: int
    room: str
    alternance: str
    teachers: list[TeacherRef] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The file's key of this weekly lesson: the same lesson of the same file has the
        same key in every import (`lesson.source_key`)."""
        return (
            f"{self.kind or '?'}:{self.code}|{self.subject_code}|{self.day}|"
            f"{clock(self.start)}-{clock(self.end)}|{self.alternance or 'H'}|{self.room}"
        )


@dataclass(slots=True)
class Alternance:
    """A week pattern of the file: its code, label, the Mondays it runs, and its line."""

    code: str
    label: str
    mondays: frozenset[date]
    line: int | None


@dataclass
class ParsedTimetable:
    """Everything one timetable file brought. `alternances` is None when the file defines
    none (the calendar set in Cartable then says which weeks are A or B); `school_day`
    maps a day 1–6 to its (first, last) minute, empty when the file does not say."""

    label: str
    kind: str
    sha256: str | None = None
    encoding: str | None = None
    uai: str | None = None
    uai_line: int | None = None
    year: int | None = None
    school_day: dict[int, tuple[int, int]] = field(default_factory=dict)
    alternances: dict[str, Alternance] | None = None
    lessons: list[WeeklyLesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def error(self, message: str, line: int | None = None, **params: object) -> None:
        """Record an error: `message` a template marked with N_(), `params` its values."""
        self.problems.append(_problem(self.label, line, ERROR, message, params))

    def warn(self, message: str, line: int | None = None, **params: object) -> None:
        """Record a warning: `message` a template marked with N_(), `params` its values."""
        self.problems.append(_problem(self.label, line, WARNING, message, params))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


def _problem(label: str, line: int | None, severity: str, template: str, params: dict) -> Problem:
    if isinstance(template, Phrase) and not params:
        phrase = template
        template, params = phrase.template, phrase.params
    return Problem(label, line, severity, fill(template, params, identity), None, template, params)
