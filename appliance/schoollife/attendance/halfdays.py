"""Counting absences in half-days, as the law does.

A school day has two half-days, split at `attendance.half_day_split` (12:30): a lesson
belongs to the morning when it starts before the split, to the afternoon when it ends
after it (a lesson across the split belongs to both). The student's lessons of a day are
those of their timetable (the lessons of their classes and groups, not cancelled) and
those a roll call marked them absent in. A half-day **has an absence** when the student
was absent in one of its lessons; it is **complete** when they were absent in every one
of them (a lesson whose roll call was not taken is not missed: the vie scolaire
completes it first, "appels non faits"). A complete half-day is **without an admissible
reason** when one of its absences is not justified with an admissible reason
(`reasons`). Lateness never makes a half-day.

    summaries(conn, first, last, split=None, student_ids=None) -> {student_id: Summary}
    month_summary(conn, student_id, "AAAA-MM") -> the JSON API's shape
    absences_summary_for_report(conn, student_id, first, last)
        -> {"half_days", "unjustified", "late"}  (the report cards, #13)

`summaries` reads a whole school's month in a few queries (the alerts of a 3,000-student
lycée: docs/benchmarks.md).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from appliance.schoollife.attendance import reasons
from appliance.schoollife.attendance.common import day, half_day_split, month

_CHUNK = 500


@dataclass
class Summary:
    """A student's absences over some days, counted."""

    half_days: int = 0  # half-days with an absence
    complete_half_days: int = 0
    complete_unjustified: int = 0  # complete, of which without an admissible reason
    unjustified_half_days: int = 0  # with an absence without an admissible reason
    late_count: int = 0
    late_minutes: int = 0


def halves(start: str, end: str, split: str) -> tuple[bool, bool]:
    """(in the morning, in the afternoon) of a lesson from `start` to `end` ("HH:MM")."""
    return start < split, end > split


def _chunks(values: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _memberships(
    conn: sqlite3.Connection, student_ids: list[int]
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    classes: dict[int, list[int]] = defaultdict(list)
    groups: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(student_ids):
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(
            f"SELECT person_id, class_id FROM class_membership WHERE person_id IN ({marks})", chunk
        ):
            classes[r[0]].append(r[1])
        for r in conn.execute(
            f"SELECT person_id, group_id FROM group_membership WHERE person_id IN ({marks})", chunk
        ):
            groups[r[0]].append(r[1])
    return classes, groups


def _timetable(
    conn: sqlite3.Connection, first: str, last: str, class_ids: set[int], group_ids: set[int]
) -> tuple[dict[tuple[str, int], list[tuple]], dict[tuple[str, int], list[tuple]]]:
    """The lessons (id, start, end) not cancelled from `first` to `last` of the classes
    and groups, by (day, class id) and (day, group id)."""
    by_class: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    by_group: dict[tuple[str, int], list[tuple]] = defaultdict(list)
    for column, wanted, out in (
        ("class_id", class_ids, by_class),
        ("group_id", group_ids, by_group),
    ):
        ids = sorted(wanted)
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            for r in conn.execute(
                f"SELECT id, date, start_time, end_time, {column} FROM lesson "
                f"WHERE {column} IN ({marks}) AND date BETWEEN ? AND ? AND status != 'cancelled'",
                (*chunk, first, last),
            ):
                out[(r[1], r[4])].append((r[0], r[2], r[3]))
    return by_class, by_group


def summaries(
    conn: sqlite3.Connection,
    first: date,
    last: date,
    *,
    split: str | None = None,
    student_ids: Iterable[int] | None = None,
) -> dict[int, Summary]:
    """The summary of each student with an absence or a lateness from `first` to `last`
    (both included), or of each of `student_ids` (every one of them in the answer)."""
    cut = half_day_split(split)
    a, b = first.isoformat(), last.isoformat()
    only = None if student_ids is None else sorted(set(student_ids))
    out: dict[int, Summary] = {sid: Summary() for sid in only or ()}
    if only is not None and not only:
        return out
    admissible = reasons.admissible_codes(conn)
    chunks: Iterable[list[int] | None] = [None] if only is None else _chunks(only)
    # (student, day) → {lesson id: (start, end, admissible absence?)}
    missed: dict[tuple[int, str], dict[int, tuple[str, str, bool]]] = defaultdict(dict)
    for chunk in chunks:
        params: list[Any] = [a, b]
        scope = ""
        if chunk is not None:
            scope = f" AND v.student_id IN ({','.join('?' * len(chunk))})"
            params += chunk
        for sid, kind, minutes, justified, reason, lesson_id, d, start, end in conn.execute(
            "SELECT v.student_id, v.kind, v.minutes, v.justified, v.reason_code, e.lesson_id, "
            "l.date, l.start_time, l.end_time FROM attendance_event v "
            "LEFT JOIN roll_entry e ON e.event_id = v.id AND v.kind = 'absence' "
            "LEFT JOIN lesson l ON l.id = e.lesson_id AND l.status != 'cancelled' "
            f"WHERE v.date BETWEEN ? AND ?{scope}",
            params,
        ):
            summary = out.setdefault(sid, Summary())
            if kind == "late":
                summary.late_count += 1
                summary.late_minutes += minutes or 0
            elif lesson_id is not None and d is not None:
                ok = bool(justified) and reason in admissible
                missed[(sid, d)][lesson_id] = (start, end, ok)
    if not missed:
        return out
    students = sorted({sid for sid, _d in missed})
    classes, groups = _memberships(conn, students)
    by_class, by_group = _timetable(
        conn,
        a,
        b,
        {c for sid in students for c in classes.get(sid, ())},
        {g for sid in students for g in groups.get(sid, ())},
    )
    for (sid, d), absent in missed.items():
        timetable = _day_lessons(sid, d, classes, groups, by_class, by_group)
        lessons_of_day = {lid: (s, e) for lid, s, e in timetable}
        lessons_of_day.update({lid: (s, e) for lid, (s, e, _ok) in absent.items()})
        _count_day(out[sid], lessons_of_day, absent, cut)
    return out


def _day_lessons(sid, d, classes, groups, by_class, by_group) -> list[tuple]:
    found: list[tuple] = []
    for c in classes.get(sid, ()):
        found += by_class.get((d, c), ())
    for g in groups.get(sid, ()):
        found += by_group.get((d, g), ())
    return found


def _count_day(
    summary: Summary,
    lessons_of_day: dict[int, tuple[str, str]],
    absent: dict[int, tuple[str, str, bool]],
    cut: str,
) -> None:
    for index in (0, 1):  # the morning, then the afternoon
        inside = [lid for lid, (s, e) in lessons_of_day.items() if halves(s, e, cut)[index]]
        away = [lid for lid in inside if lid in absent]
        if not away:
            continue
        summary.half_days += 1
        unjustified = any(not absent[lid][2] for lid in away)
        summary.unjustified_half_days += unjustified
        if len(away) == len(inside):
            summary.complete_half_days += 1
            summary.complete_unjustified += unjustified


def summary(
    conn: sqlite3.Connection, student_id: int, first: date, last: date, *, split: str | None = None
) -> Summary:
    """One student's summary from `first` to `last` (both included)."""
    return summaries(conn, first, last, split=split, student_ids=[student_id])[student_id]


def month_summary(
    conn: sqlite3.Connection, student_id: int, which: str | None, *, split: str | None = None
) -> dict[str, int]:
    """A student's month ("AAAA-MM"; the current one when empty) as the JSON API gives it:
    {"half_days", "complete_half_days", "complete_unjustified", "late_count",
    "late_minutes"}. CartableError for a malformed month."""
    first, last = month(which)
    found = asdict(summary(conn, student_id, first, last, split=split))
    found.pop("unjustified_half_days")
    return found


def absences_summary_for_report(
    conn: sqlite3.Connection, student_id: int, first: date | str, last: date | str
) -> dict[str, int]:
    """A student's absences from `first` to `last` (days, both included) for the report
    card: {"half_days": half-days with an absence, "unjustified": of those, the ones
    with an absence not justified with an admissible reason, "late": how many times
    late}. The half-day split is the configuration's (`attendance.half_day_split`)."""
    found = summary(conn, student_id, day(first, "from"), day(last, "to"))
    return {
        "half_days": found.half_days,
        "unjustified": found.unjustified_half_days,
        "late": found.late_count,
    }
