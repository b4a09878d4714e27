"""The class's mark book of a period: every student's subject averages, the class's
figures, each assessment's own, computed once and kept while nothing changed.

A student's page shows their averages beside the class's average, min and max of each
subject and each assessment's class average: figures over the whole class. At 8:00 the
whole class opens the page; the figures are computed once per class, period and
visibility (every mark, or the published ones only) and kept in memory, checked on each
use against the period's `version` (changed by the database's triggers with every write
to its assessments and marks and to the classes' members) and, for the published
figures, from the last publication they count to the next one. Several processes each
keep their own.

`get_book(conn, cohort, period, published_only=, settings=)` → `Book`; a cohort is
("class", class_id), or ("student", student_id) for a student without a class.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from appliance.db import rows
from appliance.schoollife.grades import numbers
from appliance.schoollife.grades.config_keys import GradeSettings

Cohort = tuple[str, int]
Figures = tuple[Fraction | None, ...]
MAX_BOOKS = 512


@dataclass
class Book:
    """Every figure of a cohort's period (see the module doc)."""

    cohort: Cohort
    period_id: int
    published_only: bool
    version: str
    valid_until: str | None
    members: tuple[int, ...]
    valid_from: str = ""
    # subject code → student id → average (None: nothing counted)
    averages: dict[str, dict[int, Fraction | None]] = field(default_factory=dict)
    subject_figures: dict[str, Figures] = field(default_factory=dict)
    overall: dict[int, Fraction | None] = field(default_factory=dict)
    overall_figures: Figures = (None, None, None)
    # assessment id → {"average", "min", "max", "count"} on its scale, over all its marks
    assessment_figures: dict[int, dict[str, Any]] = field(default_factory=dict)
    # student id → {subject code: name} of the subjects they have marks in (shown ones)
    subjects_of: dict[int, dict[str, str]] = field(default_factory=dict)
    # Answers built from these figures (`reading.student_grades_json`), valid as long as
    # the book is: (student id, what the viewer sees) → the API's answer.
    answers: dict[tuple, Any] = field(default_factory=dict)

    def average(self, subject_code: str, student_id: int) -> Fraction | None:
        return self.averages.get(subject_code, {}).get(student_id)

    def figures(self, subject_code: str) -> Figures:
        return self.subject_figures.get(subject_code, (None, None, None))


_BOOKS: OrderedDict[tuple, Book] = OrderedDict()
_LOCK = threading.Lock()


def _now_text(now: datetime | None) -> str:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0).isoformat()


def members_of(conn: sqlite3.Connection, cohort: Cohort) -> tuple[int, ...]:
    """The students of a cohort: a class's (but disabled accounts), or the one student."""
    kind, cohort_id = cohort
    if kind == "student":
        return (cohort_id,)
    return tuple(
        r["id"]
        for r in rows(
            conn,
            "SELECT p.id FROM class_membership m JOIN person p ON p.id = m.person_id "
            "WHERE m.class_id = ? AND p.profile = 'student' AND p.state != 'disabled' "
            "ORDER BY p.id",
            (cohort_id,),
        )
    )


def build(
    conn: sqlite3.Connection,
    cohort: Cohort,
    period: dict[str, Any],
    *,
    published_only: bool,
    settings: GradeSettings,
    now: datetime | None = None,
) -> Book:
    """Compute a cohort's book (no cache)."""
    now_text = _now_text(now)
    members = members_of(conn, cohort)
    found = rows(
        conn,
        "SELECT gm.student_id, gm.assessment_id, gm.value, a.subject_code, a.out_of, "
        "a.coefficient, a.publish_at, coalesce(s.name, a.subject_code) AS subject "
        "FROM grade_mark gm JOIN assessment a ON a.id = gm.assessment_id "
        "LEFT JOIN subject s ON s.code = a.subject_code "
        "WHERE a.period_id = ? AND gm.student_id IN (SELECT value FROM json_each(?))",
        (period["id"], json.dumps(members)),
    )
    later = [r["publish_at"] for r in found if r["publish_at"] > now_text]
    if published_only:
        found = [r for r in found if r["publish_at"] <= now_text]
    book = Book(
        cohort,
        period["id"],
        published_only,
        period["version"],
        min(later) if later and published_only else None,
        members,
        # The published figures hold from the last publication they count to the next one.
        valid_from=max((r["publish_at"] for r in found), default="") if published_only else "",
    )
    coefficients: dict[str, int] = {}
    per_student: dict[tuple[str, int], list[tuple[numbers.Mark, int, int]]] = {}
    for r in found:
        book.subjects_of.setdefault(r["student_id"], {})[r["subject_code"]] = r["subject"]
        coefficient = coefficients.get(r["coefficient"])
        if coefficient is None:
            coefficient = coefficients[r["coefficient"]] = numbers.parse_coefficient(
                r["coefficient"]
            )
        per_student.setdefault((r["subject_code"], r["student_id"]), []).append(
            (numbers.loaded(r["value"]), r["out_of"], coefficient)
        )
    for code in sorted({r["subject_code"] for r in found}):
        book.averages[code] = {
            sid: numbers.subject_average(per_student.get((code, sid), ()), settings.nr_counts_zero)
            for sid in members
        }
        book.subject_figures[code] = numbers.spread(book.averages[code].values())
    for sid in members:
        book.overall[sid] = numbers.weighted_mean(
            {code: avgs[sid] for code, avgs in book.averages.items()},
            settings.subject_coefficients,
        )
    book.overall_figures = numbers.spread(book.overall.values())
    visible = sorted({r["assessment_id"] for r in found})
    marks: dict[int, list[numbers.Mark]] = {}
    for r in rows(
        conn,
        "SELECT assessment_id, value FROM grade_mark "
        "WHERE assessment_id IN (SELECT value FROM json_each(?))",
        (json.dumps(visible),),
    ):
        marks.setdefault(r["assessment_id"], []).append(numbers.loaded(r["value"]))
    book.assessment_figures = {
        aid: numbers.assessment_stats(marks.get(aid, ()), settings.nr_counts_zero)
        for aid in visible
    }
    return book


def get_book(
    conn: sqlite3.Connection,
    cohort: Cohort,
    period: dict[str, Any],
    *,
    published_only: bool,
    settings: GradeSettings,
    now: datetime | None = None,
) -> Book:
    """The cohort's book, from memory while still valid, else computed and kept.

    `period` must be as read now (`periods.get_period`): its `version` says whether a
    kept book is still the truth."""
    key = (cohort, period["id"], published_only, settings.key)
    now_text = _now_text(now)
    with _LOCK:
        kept = _BOOKS.get(key)
        if kept is not None:
            if (
                kept.version == period["version"]
                and kept.valid_from <= now_text
                and (kept.valid_until is None or now_text < kept.valid_until)
            ):
                _BOOKS.move_to_end(key)
                return kept
            del _BOOKS[key]
    book = build(conn, cohort, period, published_only=published_only, settings=settings, now=now)
    with _LOCK:
        _BOOKS[key] = book
        while len(_BOOKS) > MAX_BOOKS:
            _BOOKS.popitem(last=False)
    return book
