"""Importing the timetable: a plan, then an apply in one transaction.

`plan(conn, path, effective_from=…)` reads the file (`appliance.schoollife.imports`),
checks it against the school (UAI) and the directory (classes, groups, subjects,
teachers), and expands each weekly lesson into **dated lessons** over the school year:
on each Monday of its alternance when the file gives alternances, else on each school
week of the calendar set in Cartable (every week for `H`, the A or B weeks for `A`/`B`),
plus `day - 1` days, from `effective_from` (default: today in the school's zone) to the
year's last day, never before its first day nor on a holiday. It returns a
`TimetablePlan`: the dated lessons to create, how many earlier lessons it replaces, and
every problem with file and line.

Errors (nothing can be applied): another school's UAI, a malformed day, time or duration,
a lesson of an alternance the file does not define, a truncated or unsafe file. Warnings
(the lesson is kept): a class, group, subject or teacher the directory does not know (an
unknown teacher is left off the lesson; a lesson of an unknown group stays in its
teachers' and room's timetable), a lesson outside the school day, the same teacher,
class (or group) or room twice at once.

`apply(conn, plan, actor)` writes it in ONE transaction with its audit row and its
`timetable_import` row: the lessons an import made from `effective_from` on are deleted
and the new ones inserted. Lessons before `effective_from` are never touched, nor lessons
a person added by hand (`origin = 'manual'`), nor a lesson that something hangs on: any
table with a foreign key to `lesson(id)` (roll calls, cahier de textes entries) keeps its
lessons — the new file's same lesson on the same day (same `source_key`) is then not
created again. Such a table should index its `lesson_id` column.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from appliance.db import now_iso, rows, scalar, transaction
from appliance.directory.imports.records import ERROR, WARNING, Problem
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.school import get_school
from appliance.schoollife import imports
from appliance.schoollife.imports.fields import DAY_NAMES
from appliance.schoollife.imports.records import (
    KIND_LABELS,
    ParsedTimetable,
    TeacherRef,
    WeeklyLesson,
    clock,
)
from appliance.schoollife.lessons import bump_version
from appliance.schoollife.year import SchoolYear, local_today, parse_day, require_year
from appliance.security import audit
from appliance.timefmt import fmt_date

# When the file says nothing of the school day (a CSV, an EDT without HORAIRES), a lesson
# outside these hours is reported.
DEFAULT_DAY = (7 * 60, 20 * 60)
# Tables that belong to the lesson itself, not things hanging on it.
_OWN_TABLES = {"lesson", "lesson_teacher"}


class PlanHasErrors(CartableError):
    """The plan has errors: nothing can be applied."""


@dataclass(slots=True)
class PlannedLesson:
    """A weekly lesson resolved against the directory, with the days it falls on."""

    weekly: WeeklyLesson
    kind: str
    class_id: int | None
    group_id: int | None
    subject_label: str
    teacher_ids: tuple[int, ...]
    dates: list[str]


@dataclass
class TimetablePlan:
    """What importing a timetable file would do (see the module doc)."""

    file: dict[str, Any]
    effective_from: date
    year: SchoolYear
    lessons: list[PlannedLesson] = field(default_factory=list)
    replaced: int = 0
    kept: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def applicable(self) -> bool:
        return not self.errors

    @property
    def dated_count(self) -> int:
        return sum(len(p.dates) for p in self.lessons)

    @property
    def weeks(self) -> int:
        return _week_count({d for p in self.lessons for d in p.dates})

    def counts(self) -> dict[str, int]:
        """`{"lessons": dated lessons created, "replaced": earlier ones deleted, "weeks":
        school weeks that get lessons}`."""
        return {"lessons": self.dated_count, "replaced": self.replaced, "weeks": self.weeks}

    def sorted_problems(self) -> list[Problem]:
        """Errors first, then warnings, each in line order."""
        return sorted(self.problems, key=lambda p: (p.severity != ERROR, p.line or 0))

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "problems": [p.to_json() for p in self.sorted_problems()],
            "file": self.file,
            "from": self.effective_from.isoformat(),
            "weekly_lessons": len(self.lessons),
            "kept": self.kept,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "digest": self.digest,
        }

    @property
    def digest(self) -> str:
        """A fingerprint of what the plan would do (a preview applied later is compared)."""
        data = json.dumps(
            [self.file.get("sha256"), self.effective_from.isoformat(), self.counts(), self.kept],
            sort_keys=True,
        )
        return hashlib.sha256(data.encode()).hexdigest()[:16]

    def by_audience(self) -> list[dict[str, Any]]:
        """Weekly lessons and dated lessons per class or group, for the preview."""
        out: dict[tuple[str, str], dict[str, Any]] = {}
        for p in self.lessons:
            key = (p.kind, p.weekly.code)
            entry = out.setdefault(
                key,
                {
                    "kind": p.kind,
                    "code": p.weekly.code,
                    "known": (p.class_id or p.group_id) is not None,
                    "weekly": 0,
                    "lessons": 0,
                },
            )
            entry["weekly"] += 1
            entry["lessons"] += len(p.dates)
        return [out[k] for k in sorted(out, key=lambda k: (k[0] != "class", k[1]))]


@dataclass(frozen=True)
class ApplyResult:
    import_id: int
    lessons: int
    replaced: int
    kept: int
    weeks: int


def _monday(day: str) -> str:
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def _week_count(days: set[str]) -> int:
    """How many weeks (Mondays) the days fall in."""
    return len({_monday(d) for d in days})


# --- the directory, as the plan needs it -------------------------------------------------


def _fold(code: str) -> str:
    return "".join(code.split()).casefold()


class _Codes:
    """Codes of one kind of thing → id: exact first, then ignoring case and spaces when
    that is unambiguous ("6A" for "6 A")."""

    def __init__(self, pairs: Iterable[tuple[str, int]]):
        self.exact: dict[str, int] = {}
        folded: dict[str, set[int]] = defaultdict(set)
        for code, ident in pairs:
            self.exact[code] = ident
            folded[_fold(code)].add(ident)
        self.folded = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}

    def get(self, code: str) -> int | None:
        found = self.exact.get(code)
        return found if found is not None else self.folded.get(_fold(code))


@dataclass
class _Directory:
    classes: _Codes
    groups: _Codes
    subjects: dict[str, str]
    people: dict[tuple[str, str], int]
    names: dict[int, str]

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> _Directory:
        classes = _Codes(
            (r["code"], r["id"])
            for r in rows(conn, "SELECT id, code FROM school_class WHERE retired_at IS NULL")
        )
        groups = _Codes(
            (r["code"], r["id"])
            for r in rows(conn, "SELECT id, code FROM teaching_group WHERE retired_at IS NULL")
        )
        subjects = {r["code"]: r["name"] for r in rows(conn, "SELECT code, name FROM subject")}
        people: dict[tuple[str, str], int] = {}
        for r in rows(
            conn,
            "SELECT source, value, person_id FROM external_id WHERE source IN ('sts', 'csv')",
        ):
            people[(r["source"], r["value"])] = r["person_id"]
        names: dict[int, str] = {}
        for r in rows(
            conn,
            "SELECT id, login, first_name, last_name FROM person "
            "WHERE profile IN ('teacher', 'staff')",
        ):
            people[("login", r["login"])] = r["id"]
            names[r["id"]] = f"{r['first_name']} {r['last_name']}"
        return cls(classes, groups, subjects, people, names)

    def teacher(self, ref: TeacherRef) -> int | None:
        for key in ref.keys:
            found = self.people.get(key)
            if found is not None:
                return found
        return None


# --- planning -----------------------------------------------------------------------------


def plan(
    conn: sqlite3.Connection, path: Path, *, effective_from: date | str | None = None
) -> TimetablePlan:
    """What importing the timetable file at `path` would do, from `effective_from`
    (default: today in the school's zone) on. Writes nothing.

    Raises YearNotSet when no school year is set, CartableError (field "from") for a
    malformed day or one after the year's end, UnreadableFile when the file can't be read
    at all or is no timetable.
    """
    year = require_year(conn)
    start = parse_day(effective_from, "from") if effective_from else local_today()
    if start > year.end:
        raise CartableError(
            N_(
                "Le %(day)s est après le dernier jour de l'année scolaire (%(end)s) : aucun "
                "cours ne serait créé. Réglez d'abord la nouvelle année (`cartable year set`)."
            ),
            field="from",
            day=fmt_date(start),
            end=fmt_date(year.end),
        )
    parsed = imports.read(Path(path))
    return plan_parsed(conn, parsed, year, start)


def plan_parsed(
    conn: sqlite3.Connection, parsed: ParsedTimetable, year: SchoolYear, effective_from: date
) -> TimetablePlan:
    """The plan of an already parsed file (see `plan`)."""
    result = TimetablePlan(
        file={
            "file": parsed.label,
            "kind": parsed.kind,
            "kind_label": KIND_LABELS.get(parsed.kind, parsed.kind),
            "encoding": parsed.encoding,
            "uai": parsed.uai,
            "year": parsed.year,
            "sha256": parsed.sha256,
        },
        effective_from=effective_from,
        year=year,
    )
    _check_school(conn, parsed, year)
    directory = _Directory.load(conn)
    result.lessons = _resolve(parsed, directory)
    _expand(parsed, result, year, effective_from)
    _check_school_day(parsed, result)
    _check_clashes(parsed, result, directory)
    replace, keep = _replaceable_where(conn)
    day = effective_from.isoformat()
    result.replaced = int(scalar(conn, f"SELECT count(*) FROM lesson WHERE {replace}", (day,)))
    kept = _kept(conn, keep, day)
    result.kept = len(kept)
    if kept:
        for p in result.lessons:
            p.dates = [d for d in p.dates if (p.weekly.key, d) not in kept]
    result.problems = list(parsed.problems)
    return result


def _check_school(conn: sqlite3.Connection, parsed: ParsedTimetable, year: SchoolYear) -> None:
    school = get_school(conn)
    if school is None:
        parsed.error(
            N_(
                "Aucun établissement n'est configuré dans la box (UAI inconnu) : lancez "
                "d'abord `cartable init`, puis recommencez l'import."
            ),
            1,
        )
    elif parsed.uai and parsed.uai != (school["uai"] or "").strip().upper():
        parsed.error(
            N_(
                "Ce fichier est celui de l'établissement %(uai)s, pas du vôtre "
                "(%(school_uai)s) : il a été exporté pour un autre établissement. "
                "Demandez l'export de votre établissement."
            ),
            parsed.uai_line or 1,
            uai=parsed.uai,
            school_uai=school["uai"],
        )
    if parsed.year is not None and parsed.year != year.first_calendar_year:
        parsed.warn(
            N_(
                "Ce fichier est l'emploi du temps de %(year)s-%(next_year)s, alors que l'année "
                "scolaire réglée dans Cartable va du %(start)s au %(end)s : vérifiez que c'est "
                "le bon fichier."
            ),
            1,
            year=parsed.year,
            next_year=parsed.year + 1,
            start=fmt_date(year.start),
            end=fmt_date(year.end),
        )


def _audience_text(kind: str, code: str) -> str:
    return f"{'classe' if kind == 'class' else 'groupe'} {code}"


def _resolve(parsed: ParsedTimetable, directory: _Directory) -> list[PlannedLesson]:
    """Each weekly lesson with its directory ids; unknown things reported once per code
    (with the first line and how many lessons)."""
    unknown: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    out = []
    for w in parsed.lessons:
        class_id = group_id = None
        if w.kind == "group":
            group_id = directory.groups.get(w.code)
            if group_id is None:  # a group the directory has as a class
                class_id = directory.classes.get(w.code)
        else:
            class_id = directory.classes.get(w.code)
            if class_id is None:  # a division the directory has as a group
                group_id = directory.groups.get(w.code)
        if class_id is not None:
            kind = "class"
        elif group_id is not None:
            kind = "group"
        else:
            unknown[(w.kind or "?", w.code)].append(w.line)
            kind = w.kind or "group"  # timetable software invents groups ("AP", "soutien")
        if w.subject_code and w.subject_code not in directory.subjects:
            unknown[("subject", w.subject_code)].append(w.line)
        teacher_ids = []
        for ref in w.teachers:
            found = directory.teacher(ref)
            if found is None:
                unknown[("teacher", ref.shown)].append(w.line)
            elif found not in teacher_ids:
                teacher_ids.append(found)
        out.append(
            PlannedLesson(
                w,
                kind,
                class_id,
                group_id,
                directory.subjects.get(w.subject_code, w.subject_code),
                tuple(teacher_ids),
                [],
            )
        )
    for (what, code), lines in unknown.items():
        first = min((n for n in lines if n is not None), default=None)
        count = len(lines)
        if what == "class":
            parsed.warn(
                N_(
                    "La classe « %(code)s » est inconnue de l'annuaire (%(count)s cours, le "
                    "premier à cette ligne) : ses cours restent dans l'emploi du temps de "
                    "leurs enseignants et de leurs salles, mais aucun élève ne les voit. "
                    "Importez d'abord SIECLE (cartable import)."
                ),
                first,
                code=code,
                count=count,
            )
        elif what in ("group", "?"):
            parsed.warn(
                N_(
                    "Le groupe « %(code)s » est inconnu de l'annuaire (%(count)s cours, le "
                    "premier à cette ligne) : ses cours restent dans l'emploi du temps de "
                    "leurs enseignants et de leurs salles, mais aucun élève ne les voit."
                ),
                first,
                code=code,
                count=count,
            )
        elif what == "subject":
            parsed.warn(
                N_(
                    "La matière %(code)s est inconnue de l'annuaire (%(count)s cours, le premier "
                    "à cette ligne) : ces cours portent son code au lieu de son nom."
                ),
                first,
                code=code,
                count=count,
            )
        else:
            parsed.warn(
                N_(
                    "L'enseignant %(code)s est inconnu de l'annuaire (%(count)s cours, le "
                    "premier à cette ligne) : ces cours sont importés sans lui. Importez "
                    "d'abord STS-Web (cartable import)."
                ),
                first,
                code=code,
                count=count,
            )
    return out


def _expand(
    parsed: ParsedTimetable, result: TimetablePlan, year: SchoolYear, effective_from: date
) -> None:
    """Give each planned lesson its days; undefined alternances are errors."""
    first_day = max(effective_from, year.start)
    school_weeks = [m for m, _letter in year.weeks]
    by_letter = {
        letter: [m for m, week_letter in year.weeks if week_letter == letter] for letter in "AB"
    }
    mondays_of: dict[str, list[date] | None] = {}
    if parsed.alternances is not None:
        for code, alt in parsed.alternances.items():
            mondays_of[code] = sorted(alt.mondays)
            _report_odd_weeks(parsed, alt.code, alt.line, alt.mondays, year)
    else:
        mondays_of = {"H": school_weeks, "A": by_letter["A"], "B": by_letter["B"]}
    cache: dict[tuple[str, int], list[str]] = {}
    undefined: dict[str, list[int | None]] = defaultdict(list)
    for p in result.lessons:
        code = p.weekly.alternance
        if not code and parsed.alternances is not None and "H" not in parsed.alternances:
            mondays = school_weeks  # no alternance given, none called H: every school week
            code = "*"
        else:
            code = code or "H"
            mondays = mondays_of.get(code)  # type: ignore[assignment]
        if mondays is None:
            undefined[code].append(p.weekly.line)
            continue
        key = (code, p.weekly.day)
        if key not in cache:
            offset = timedelta(days=p.weekly.day - 1)
            cache[key] = [
                d.isoformat()
                for d in (m + offset for m in mondays)
                if first_day <= d <= year.end and not year.is_holiday(d)
            ]
        p.dates = cache[key]
    known = ", ".join(sorted(parsed.alternances)) if parsed.alternances else ""
    for code, lines in undefined.items():
        first = min((n for n in lines if n is not None), default=None)
        if parsed.alternances is not None:
            parsed.error(
                N_(
                    "Cours de l'alternance « %(code)s », que le fichier ne définit pas "
                    "(alternances définies : %(known)s) : %(count)s cours, le premier à cette "
                    "ligne. Refaites l'export avec ses alternances."
                ),
                first,
                code=code,
                known=known,
                count=len(lines),
            )
        else:
            parsed.error(
                N_(
                    "Semaines « %(code)s » inconnues (%(count)s cours, le premier à cette "
                    "ligne) : sans alternances dans le fichier, un cours a lieu chaque semaine "
                    "de cours (H), les semaines A (A) ou les semaines B (B)."
                ),
                first,
                code=code,
                count=len(lines),
            )


def _report_odd_weeks(
    parsed: ParsedTimetable,
    code: str,
    line: int | None,
    mondays: frozenset[date],
    year: SchoolYear,
) -> None:
    """Warn when an alternance lists weeks outside the year, or holiday weeks of the
    calendar set in Cartable: no lesson is created those weeks."""
    outside = sorted(m for m in mondays if m + timedelta(days=5) < year.start or m > year.end)
    holiday = sorted(m for m in mondays if m not in year.letters and m not in outside)
    if outside:
        parsed.warn(
            N_(
                "L'alternance « %(code)s » cite %(count)s semaine(s) hors de l'année scolaire "
                "réglée dans Cartable (du %(start)s au %(end)s), par exemple celle du "
                "%(monday)s : aucun cours ces semaines-là."
            ),
            line,
            code=code,
            count=len(outside),
            start=fmt_date(year.start),
            end=fmt_date(year.end),
            monday=fmt_date(outside[0]),
        )
    if holiday:
        parsed.warn(
            N_(
                "L'alternance « %(code)s » cite %(count)s semaine(s) de vacances d'après le "
                "calendrier réglé dans Cartable (%(mondays)s) : aucun cours ces semaines-là. "
                "Vérifiez les vacances (`cartable year show`)."
            ),
            line,
            code=code,
            count=len(holiday),
            mondays=", ".join(fmt_date(m) for m in holiday[:5]),
        )


def _check_school_day(parsed: ParsedTimetable, result: TimetablePlan) -> None:
    for p in result.lessons:
        w = p.weekly
        if parsed.school_day and w.day not in parsed.school_day:
            parsed.warn(
                N_(
                    "Cours le %(weekday)s de %(start)s à %(end)s, un jour sans cours d'après les "
                    "horaires du fichier (HORAIRES) : il est importé, vérifiez-le."
                ),
                w.line,
                weekday=DAY_NAMES[w.day - 1],
                start=clock(w.start),
                end=clock(w.end),
            )
            continue
        day_start, day_end = parsed.school_day.get(w.day, DEFAULT_DAY)
        if w.start < day_start or w.end > day_end:
            parsed.warn(
                N_(
                    "Cours hors des horaires de l'établissement : le %(weekday)s de %(start)s à "
                    "%(end)s, pour une journée de %(day_start)s à %(day_end)s. Il est importé, "
                    "vérifiez-le."
                ),
                w.line,
                weekday=DAY_NAMES[w.day - 1],
                start=clock(w.start),
                end=clock(w.end),
                day_start=clock(day_start),
                day_end=clock(day_end),
            )


def _lesson_text(p: PlannedLesson) -> str:
    return f"{_audience_text(p.kind, p.weekly.code)}, {p.subject_label or '?'}"


def _check_clashes(parsed: ParsedTimetable, result: TimetablePlan, directory: _Directory) -> None:
    """The same teacher, class or group, or room in two lessons at once (on a day both
    take place): a warning on the later line, naming the other."""
    by: dict[tuple[str, str], list[PlannedLesson]] = defaultdict(list)
    for p in result.lessons:
        if not p.dates:
            continue
        for ref in p.weekly.teachers:
            by[("teacher", ref.shown)].append(p)
        by[("audience", f"{p.kind}:{p.weekly.code}")].append(p)
        if p.weekly.room:
            by[("room", p.weekly.room)].append(p)
    date_sets: dict[int, frozenset[str]] = {}

    def days(p: PlannedLesson) -> frozenset[str]:
        found = date_sets.get(id(p.dates))
        if found is None:
            found = date_sets[id(p.dates)] = frozenset(p.dates)
        return found

    for (what, who), lessons in by.items():
        lessons.sort(key=lambda p: (p.weekly.day, p.weekly.start, p.weekly.line or 0))
        for i, later in enumerate(lessons):
            j = i - 1
            while j >= 0 and lessons[j].weekly.day == later.weekly.day:
                earlier = lessons[j]
                j -= 1
                if earlier.weekly.end > later.weekly.start and days(earlier) & days(later):
                    _clash(parsed, what, who, earlier, later, directory)
                    break


def _clash(
    parsed: ParsedTimetable,
    what: str,
    who: str,
    earlier: PlannedLesson,
    later: PlannedLesson,
    directory: _Directory,
) -> None:
    line = later.weekly.line
    weekday, time = DAY_NAMES[later.weekly.day - 1], clock(later.weekly.start)
    first, second = _lesson_text(earlier), _lesson_text(later)
    first_line = earlier.weekly.line
    if what == "teacher":
        ident = next((directory.teacher(r) for r in later.weekly.teachers if r.shown == who), None)
        name = directory.names.get(ident) if ident is not None else None
        parsed.warn(
            N_(
                "L'enseignant %(teacher)s a deux cours en même temps le %(weekday)s à %(time)s : "
                "%(first)s (ligne %(first_line)s) et %(second)s. Les deux sont importés."
            ),
            line,
            teacher=f"{name} ({who})" if name else who,
            weekday=weekday,
            time=time,
            first=first,
            first_line=first_line,
            second=second,
        )
    elif what == "audience":
        parsed.warn(
            N_(
                "La %(audience)s a deux cours en même temps le %(weekday)s à %(time)s : "
                "%(first)s (ligne %(first_line)s) et %(second)s. Les deux sont importés."
            ),
            line,
            audience=_audience_text(later.kind, later.weekly.code),
            weekday=weekday,
            time=time,
            first=first,
            first_line=first_line,
            second=second,
        )
    else:
        parsed.warn(
            N_(
                "La salle %(room)s accueille deux cours en même temps le %(weekday)s à "
                "%(time)s : %(first)s (ligne %(first_line)s) et %(second)s. Les deux sont "
                "importés."
            ),
            line,
            room=who,
            weekday=weekday,
            time=time,
            first=first,
            first_line=first_line,
            second=second,
        )


# --- what the import replaces ---------------------------------------------------------------


def dependent_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to `lesson(id)` from a table that hangs on
    lessons (everything but the lesson's own tables)."""
    found = []
    for (table,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall():
        if table in _OWN_TABLES:
            continue
        for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")').fetchall():
            if fk["table"] == "lesson":
                found.append((table, fk["from"]))
    return found


def _replaceable_where(conn: sqlite3.Connection) -> tuple[str, str]:
    """SQL conditions on `lesson` of the lessons an import may replace from a day on, and
    of those it must keep (something hangs on them)."""
    hangs = " OR ".join(
        f'EXISTS (SELECT 1 FROM "{t}" WHERE "{t}"."{c}" = lesson.id)'
        for t, c in dependent_columns(conn)
    )
    base = "date >= ? AND origin = 'import'"
    if not hangs:
        return base, "0"
    return f"{base} AND NOT ({hangs})", f"{base} AND ({hangs})"


def _kept(conn: sqlite3.Connection, keep: str, day: str) -> set[tuple[str, str]]:
    """(source_key, date) of the lessons from `day` on that the import must keep."""
    if keep == "0":
        return set()
    return {
        (r["source_key"], r["date"])
        for r in rows(conn, f"SELECT source_key, date FROM lesson WHERE {keep}", (day,))
    }


# --- applying -----------------------------------------------------------------------------


def apply(conn: sqlite3.Connection, plan: TimetablePlan, actor: audit.Actor) -> ApplyResult:
    """Carry out `plan` in one transaction (see the module doc); returns what was done.

    Raises PlanHasErrors when the plan has errors (nothing is written).
    """
    if not plan.applicable:
        raise PlanHasErrors(
            N_(
                "Le plan d'import de l'emploi du temps a %(count)s erreur(s) : rien n'est appliqué."
            ),
            count=len(plan.errors),
        )
    day = plan.effective_from.isoformat()
    stamp = now_iso()
    with transaction(conn):
        replace, keep = _replaceable_where(conn)
        kept = _kept(conn, keep, day)
        cur = conn.execute(
            "INSERT INTO timetable_import (applied_at, actor, effective_from, file_name, kind, "
            "sha256, encoding, uai, year, weekly_lessons, warnings) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                stamp,
                actor.login,
                day,
                plan.file["file"],
                plan.file["kind"],
                plan.file["sha256"],
                plan.file["encoding"],
                plan.file["uai"],
                plan.file["year"],
                len(plan.lessons),
                len(plan.warnings),
            ),
        )
        import_id = int(cur.lastrowid or 0)
        replaced = conn.execute(f"DELETE FROM lesson WHERE {replace}", (day,)).rowcount
        next_id = int(scalar(conn, "SELECT coalesce(max(id), 0) FROM lesson") or 0) + 1
        lesson_rows: list[tuple] = []
        teacher_rows: list[tuple[int, int]] = []
        days: set[str] = set()
        for p in plan.lessons:
            w = p.weekly
            key = w.key
            fixed = (
                clock(w.start),
                clock(w.end),
                w.subject_code,
                p.subject_label,
                p.kind,
                w.code,
                p.class_id,
                p.group_id,
                w.room,
                import_id,
                key,
                w.line,
                stamp,
            )
            for d in p.dates:
                if kept and (key, d) in kept:
                    continue
                lesson_rows.append((next_id, d, *fixed))
                teacher_rows.extend((next_id, t) for t in p.teacher_ids)
                next_id += 1
            days.update(p.dates)
        conn.executemany(
            "INSERT INTO lesson (id, date, start_time, end_time, subject_code, subject_label, "
            "audience_kind, audience_code, class_id, group_id, room, import_id, source_key, "
            "source_line, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            lesson_rows,
        )
        conn.executemany(
            "INSERT INTO lesson_teacher (lesson_id, person_id) VALUES (?, ?)", teacher_rows
        )
        weeks = _week_count({r[1] for r in lesson_rows}) if kept else _week_count(days)
        conn.execute(
            "UPDATE timetable_import SET lessons = ?, replaced = ?, kept = ?, weeks = ? "
            "WHERE id = ?",
            (len(lesson_rows), replaced, len(kept), weeks, import_id),
        )
        bump_version(conn)
        audit.record(
            conn,
            actor,
            "schoollife.timetable_import",
            target=f"timetable_import:{import_id}",
            details={
                "file": plan.file["file"],
                "sha256": plan.file["sha256"],
                "from": day,
                "lessons": len(lesson_rows),
                "replaced": replaced,
                "kept": len(kept),
                "weeks": weeks,
                "warnings": len(plan.warnings),
            },
        )
    return ApplyResult(import_id, len(lesson_rows), replaced, len(kept), weeks)


def run_import(
    conn: sqlite3.Connection,
    path: Path,
    *,
    actor: audit.Actor,
    effective_from: date | str | None = None,
    dry_run: bool = False,
) -> tuple[TimetablePlan, ApplyResult | None]:
    """Plan, then apply unless `dry_run` or the plan has errors: what `cartable timetable
    import` does. Returns (plan, result or None); the exit code is `exit_code(plan)`."""
    made = plan(conn, path, effective_from=effective_from)
    if dry_run or not made.applicable:
        return made, None
    return made, apply(conn, made, actor)


def exit_code(plan: TimetablePlan) -> int:
    """0 when the plan is applicable (applied, or could be), 1 when it has errors."""
    return 0 if plan.applicable else 1


# --- history --------------------------------------------------------------------------------


def list_imports(
    conn: sqlite3.Connection, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """The applied timetable imports, newest first (`limit` of them from `offset`)."""
    return rows(
        conn, "SELECT * FROM timetable_import ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)
    )


def count_imports(conn: sqlite3.Connection) -> int:
    """How many timetable imports were applied."""
    return int(scalar(conn, "SELECT count(*) FROM timetable_import") or 0)
