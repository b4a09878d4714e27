"""What people read: a student's marks and averages, a class's table, a teacher's class
in one subject, and who teaches what.

- `student_grades(conn, viewer, student, period, settings)`: per subject the student's
  marks with each assessment's class average, the student's average and the class's
  average, min and max; the overall average. Each subject only as far as the policy lets
  `viewer` see it (`grades.view`: a student their own, a parent their children's, a
  teacher the subjects they teach the student, the head teacher, the direction and the
  technician every subject), and marks only once published unless
  `grades.view_unpublished` holds (teachers of the subject, the head teacher, the
  direction: at once). The overall average is given only when every subject is shown.
- `class_table(conn, class, period, settings)`: every student × subject average of a
  class, with the class's figures (head teacher, direction).
- `audience_table(conn, audience, subject_code, period, settings)`: a class or group in
  one subject: its assessments with their figures, its students' averages.
- `teachings_of(conn, teacher_id)`: the classes and groups a teacher teaches, per subject.

Averages are exact (`numbers`); the pages and the API round them when shown.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from appliance.db import one, rows
from appliance.schoollife.grades import assessments, book, numbers, periods
from appliance.schoollife.grades.config_keys import GradeSettings
from appliance.security import policy


def subject_target(student: dict[str, Any], subject_code: str | None = None) -> dict[str, Any]:
    """What the policy is asked about: a student, in one subject when given."""
    thing = {"kind": "person", "id": student["id"], "profile": student.get("profile", "student")}
    if subject_code:
        thing["subject_code"] = subject_code
    return thing


_TAUGHT = (
    "SELECT t.subject_code AS code, coalesce(s.name, t.subject_code) AS name, "
    "p.first_name, p.last_name FROM teaching t "
    "LEFT JOIN subject s ON s.code = t.subject_code "
    "JOIN person p ON p.id = t.teacher_id "
    "WHERE t.subject_code IS NOT NULL AND p.state != 'disabled' AND ("
    " t.class_id IN (SELECT class_id FROM class_membership WHERE person_id = :s) OR "
    " t.group_id IN (SELECT group_id FROM group_membership WHERE person_id = :s)) "
    "ORDER BY p.last_name, p.first_name"
)


def class_and_subjects(
    conn: sqlite3.Connection, student_id: int
) -> tuple[book.Cohort, dict | None, dict[str, dict[str, Any]]]:
    """In one statement (asked on every grades page and API call): the student's cohort
    and class (their first class by code; the student alone without one), and the
    subjects taught to them through their classes and groups, code → {"code", "name",
    "teachers": [names]}, by teacher's name."""
    cohort, the_class, taught, _period = _class_subjects_period(conn, student_id, None)
    return cohort, the_class, taught


def _class_subjects_period(
    conn: sqlite3.Connection, student_id: int, period_id: int | None
) -> tuple[book.Cohort, dict | None, dict[str, dict[str, Any]], dict[str, Any] | None]:
    """`class_and_subjects`, and the period numbered `period_id` when given (NotFound
    when there is none), in the same statement."""
    params: dict[str, Any] = {"s": student_id}
    if period_id is not None:
        params["p"] = period_id
    found = one(conn, _class_subjects_sql(period_id is not None), params)
    assert found is not None  # a SELECT without FROM gives one row
    period = None if period_id is None else periods.from_json(found["period"], period_id)
    the_class = None
    cohort: book.Cohort = ("student", student_id)
    if found["the_class"] is not None:
        class_id, code, name = json.loads(found["the_class"])
        the_class = {"id": class_id, "code": code, "name": name}
        cohort = ("class", class_id)
    taught: dict[str, dict[str, Any]] = {}
    # By teacher's name (as the inner ORDER BY, whose order an aggregate need not keep).
    listed = sorted(json.loads(found["taught"]), key=lambda r: (r[3] or "", r[2] or ""))
    for code, name, first, last in listed:
        item = taught.setdefault(code, {"code": code, "name": name, "teachers": []})
        teacher = f"{first} {last}"
        if teacher not in item["teachers"]:
            item["teachers"].append(teacher)
    return cohort, the_class, taught, period


@functools.cache
def _class_subjects_sql(with_period: bool) -> str:
    """The statement of `_class_subjects_period` (written once: asked on every call)."""
    period_column = f", {periods.period_sql('p')} AS period" if with_period else ""
    return (
        "SELECT (SELECT json_array(c.id, c.code, c.name) FROM class_membership m "
        " JOIN school_class c ON c.id = m.class_id WHERE m.person_id = :s "
        " ORDER BY c.retired_at IS NOT NULL, c.code LIMIT 1) AS the_class, "
        "(SELECT json_group_array(json_array(code, name, first_name, last_name)) "
        f" FROM ({_TAUGHT})) AS taught{period_column}"
    )


def _own_marks(conn: sqlite3.Connection, student_id: int, period_id: int) -> list[dict[str, Any]]:
    return rows(
        conn,
        "SELECT gm.assessment_id, gm.value, a.title, a.date, a.out_of, a.coefficient, "
        "a.publish_at, a.subject_code FROM grade_mark gm "
        "JOIN assessment a ON a.id = gm.assessment_id "
        "WHERE gm.student_id = ? AND a.period_id = ? ORDER BY a.date, a.id",
        (student_id, period_id),
    )


@dataclass
class _Plan:
    """What a viewer sees of a student's period, before any mark is read: the subjects
    in order, each `None` (hidden), "published" or "all" (`visibility`)."""

    cohort: book.Cohort
    the_class: dict[str, Any] | None
    taught: dict[str, dict[str, Any]]
    names: dict[str, str]
    order: list[str]
    visibility: dict[str, str | None]

    @property
    def key(self) -> tuple:
        """What the answer depends on besides the marks (for the book's answers)."""
        return tuple(
            (
                c,
                self.names[c],
                tuple(self.taught.get(c, {}).get("teachers", ())),
                self.visibility[c],
            )
            for c in self.order
        )


def _seen(
    conn, viewer: dict[str, Any], student: dict[str, Any], code: str, memo: dict | None = None
) -> str | None:
    """How `viewer` sees a student's subject: None (hidden), "published" or "all".
    `memo`: one dict for the subjects of one student (`policy.may`)."""
    target = subject_target(student, code)
    if not policy.may(viewer, "grades.view", target, conn, memo=memo):
        return None
    if policy.may(viewer, "grades.view_unpublished", target, conn, memo=memo):
        return "all"
    return "published"


def _plan(
    conn: sqlite3.Connection,
    viewer: dict[str, Any],
    student: dict[str, Any],
    period_id: int,
    marked: dict[str, str] | None = None,
    known: tuple | None = None,
    memo: dict | None = None,
) -> _Plan:
    """The subjects taught to the student and those they have marks in (`marked`, code →
    name, when the caller has them; else read), each with how the viewer sees it
    (`known`: the cohort, class, taught subjects and their visibility already found;
    `memo`: the policy's answers kept for this student, `_seen`)."""
    memo = {} if memo is None else memo
    if known is None:
        cohort, the_class, taught = class_and_subjects(conn, student["id"])
        seen = {code: _seen(conn, viewer, student, code, memo) for code in taught}
    else:
        cohort, the_class, taught, seen = known
    names = {code: t["name"] for code, t in taught.items()}
    if marked is None:
        marked = {
            r["code"]: r["name"]
            for r in rows(
                conn,
                "SELECT DISTINCT a.subject_code AS code, coalesce(s.name, a.subject_code) AS name "
                "FROM grade_mark gm JOIN assessment a ON a.id = gm.assessment_id "
                "LEFT JOIN subject s ON s.code = a.subject_code "
                "WHERE gm.student_id = ? AND a.period_id = ?",
                (student["id"], period_id),
            )
        }
    for code, name in marked.items():
        names.setdefault(code, name)
    order = sorted(names, key=lambda c: (names[c].casefold(), c))
    visibility = {
        code: seen[code] if code in seen else _seen(conn, viewer, student, code, memo)
        for code in order
    }
    return _Plan(cohort, the_class, taught, names, order, visibility)


def student_grades(
    conn: sqlite3.Connection,
    viewer: dict[str, Any],
    student: dict[str, Any],
    period: dict[str, Any],
    settings: GradeSettings,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A student's period as `viewer` may see it (see the module doc):

    {"student", "class" (or None), "period", "complete" (every subject shown),
     "subjects": [{"subject_code", "subject", "teachers", "average", "class_average",
                   "min", "max", "all_marks" (unpublished ones shown too),
                   "marks": [{"assessment_id", "title", "date", "mark", "out_of",
                              "coefficient" (hundredths), "publish_at", "published",
                              "class_average", "class_min", "class_max"}]}],
     "overall_average"}
    """
    return _grades(conn, _plan(conn, viewer, student, period["id"]), student, period, settings,
                   now or datetime.now(UTC))  # fmt: skip


def _grades(
    conn: sqlite3.Connection,
    plan: _Plan,
    student: dict[str, Any],
    period: dict[str, Any],
    settings: GradeSettings,
    now: datetime,
) -> dict[str, Any]:
    now_text = now.astimezone(UTC).replace(microsecond=0).isoformat()
    marks = _own_marks(conn, student["id"], period["id"])
    books: dict[bool, book.Book] = {}

    def book_of(published_only: bool) -> book.Book:
        if published_only not in books:
            books[published_only] = book.get_book(
                conn, plan.cohort, period, published_only=published_only, settings=settings,
                now=now,
            )  # fmt: skip
        return books[published_only]

    subjects = []
    for code in plan.order:
        seen = plan.visibility[code]
        if seen is None:
            continue
        every = seen == "all"
        the_book = book_of(not every)
        mean, low, high = the_book.figures(code)
        shown = []
        for m in marks:
            published = m["publish_at"] <= now_text
            if m["subject_code"] != code or not (published or every):
                continue
            figures = the_book.assessment_figures.get(m["assessment_id"], {})
            shown.append(
                {
                    "assessment_id": m["assessment_id"],
                    "title": m["title"],
                    "date": m["date"],
                    "mark": numbers.loaded(m["value"]),
                    "out_of": m["out_of"],
                    "coefficient": numbers.parse_coefficient(m["coefficient"]),
                    "publish_at": m["publish_at"],
                    "published": published,
                    "class_average": figures.get("average"),
                    "class_min": figures.get("min"),
                    "class_max": figures.get("max"),
                }
            )
        subjects.append(
            {
                "subject_code": code,
                "subject": plan.names[code],
                "teachers": plan.taught.get(code, {}).get("teachers", []),
                "average": the_book.average(code, student["id"]),
                "class_average": mean,
                "min": low,
                "max": high,
                "all_marks": every,
                "marks": shown,
            }
        )
    complete = None not in plan.visibility.values()
    overall = None
    if complete:
        overall = numbers.weighted_mean(
            {s["subject_code"]: s["average"] for s in subjects}, settings.subject_coefficients
        )
    return {
        "student": student,
        "class": plan.the_class,
        "period": period,
        "complete": complete,
        "subjects": subjects,
        "overall_average": overall,
    }


def student_grades_json(
    conn: sqlite3.Connection,
    viewer: dict[str, Any],
    student: dict[str, Any],
    period: dict[str, Any] | int,
    settings: GradeSettings,
    *,
    now: datetime | None = None,
    keep: Callable[[dict[str, Any]], Any] = lambda answer: answer,
) -> Any:
    """`keep(grades_json(student_grades(...)))`, the API's answer (`keep` may turn it
    into what the caller sends, e.g. its JSON text). When the viewer reads every shown
    subject the same way (a family: published marks; a teacher, the head teacher, the
    direction: every mark), the answer is kept in that kept book: valid exactly as long
    as the book's figures are (the same marks, the same publications). `period`: the
    period, or its number (read in the same statement as the student's subjects; raises
    NotFound when there is none)."""
    now = now or datetime.now(UTC)
    if isinstance(period, int):
        cohort, the_class, taught, found = _class_subjects_period(conn, student["id"], period)
        assert found is not None  # asked for: raised NotFound otherwise
        period = found
    else:
        cohort, the_class, taught = class_and_subjects(conn, student["id"])
    # How the viewer sees the subjects taught to the student says which book to open; the
    # book names the subjects the student has marks in (no query for them).
    memo: dict = {}
    seen = {code: _seen(conn, viewer, student, code, memo) for code in taught}
    ways = set(seen.values()) - {None}
    if len(ways) == 1:
        the_book = book.get_book(conn, cohort, period, published_only=ways == {"published"},
                                 settings=settings, now=now)  # fmt: skip
        plan = _plan(conn, viewer, student, period["id"],
                     marked=the_book.subjects_of.get(student["id"], {}),
                     known=(cohort, the_class, taught, seen), memo=memo)  # fmt: skip
        if {v for v in plan.visibility.values() if v is not None} == ways:
            key = (student["id"], plan.key)
            kept = the_book.answers.get(key)
            if kept is None:
                kept = the_book.answers[key] = keep(
                    grades_json(_grades(conn, plan, student, period, settings, now))
                )
            return kept
    return keep(grades_json(student_grades(conn, viewer, student, period, settings, now=now)))


def grades_json(data: dict[str, Any]) -> dict[str, Any]:
    """`student_grades` as the API gives it (`GET /api/v1/grades`)."""
    return {
        "subjects": [
            {
                "subject_code": s["subject_code"],
                "subject": s["subject"],
                "average": numbers.as_number(s["average"]),
                "class_average": numbers.as_number(s["class_average"]),
                "min": numbers.as_number(s["min"]),
                "max": numbers.as_number(s["max"]),
                "marks": [
                    {
                        "assessment_id": m["assessment_id"],
                        "title": m["title"],
                        "date": m["date"],
                        "mark": numbers.mark_json(m["mark"]),
                        "out_of": m["out_of"],
                        "coefficient": numbers.mark_json(m["coefficient"]),
                        "class_average": numbers.as_number(m["class_average"]),
                    }
                    for m in s["marks"]
                ],
            }
            for s in data["subjects"]
        ],
        "overall_average": numbers.as_number(data["overall_average"]),
    }


def students_of_class(conn: sqlite3.Connection, class_id: int) -> list[dict[str, Any]]:
    """A class's students (but disabled accounts), by name."""
    return rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name, p.profile FROM class_membership m "
        "JOIN person p ON p.id = m.person_id WHERE m.class_id = ? AND p.profile = 'student' "
        "AND p.state != 'disabled' "
        "ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.login",
        (class_id,),
    )


def class_subjects(conn: sqlite3.Connection, class_id: int, codes: set[str]) -> list[dict]:
    """The subjects taught to a class or to groups of its students, with `codes` (those
    with marks), as {"code", "name"} by name."""
    found = rows(
        conn,
        "SELECT DISTINCT t.subject_code AS code, coalesce(s.name, t.subject_code) AS name "
        "FROM teaching t LEFT JOIN subject s ON s.code = t.subject_code "
        "WHERE t.subject_code IS NOT NULL AND (t.class_id = :c OR t.group_id IN ("
        " SELECT g.group_id FROM group_membership g JOIN class_membership m "
        " ON m.person_id = g.person_id WHERE m.class_id = :c)) "
        "UNION SELECT code, name FROM subject WHERE code IN (SELECT value FROM json_each(:k))",
        {"c": class_id, "k": json.dumps(sorted(codes))},
    )
    return sorted(found, key=lambda s: (s["name"].casefold(), s["code"]))


def class_table(
    conn: sqlite3.Connection,
    the_class: dict[str, Any],
    period: dict[str, Any],
    settings: GradeSettings,
) -> dict[str, Any]:
    """Every student × subject average of a class over a period, every mark counted:
    {"class", "period", "subjects": [{"code", "name", "class_average", "min", "max"}],
     "students": [{"id", "login", "first_name", "last_name", "averages": {code: avg},
                   "overall"}], "overall": (mean, min, max)}."""
    the_book = book.get_book(
        conn, ("class", the_class["id"]), period, published_only=False, settings=settings
    )
    subjects = class_subjects(conn, the_class["id"], set(the_book.averages))
    for s in subjects:
        s["class_average"], s["min"], s["max"] = the_book.figures(s["code"])
    students = students_of_class(conn, the_class["id"])
    for st in students:
        st["averages"] = {s["code"]: the_book.average(s["code"], st["id"]) for s in subjects}
        st["overall"] = the_book.overall.get(st["id"])
    return {
        "class": the_class,
        "period": period,
        "subjects": subjects,
        "students": students,
        "overall": the_book.overall_figures,
    }


def audience_table(
    conn: sqlite3.Connection,
    audience: dict[str, Any],
    subject_code: str,
    period: dict[str, Any],
    settings: GradeSettings,
) -> dict[str, Any]:
    """A class or group in one subject over a period, every mark counted:
    {"assessments": [assessment + "figures"], "students": [{"id", "login", "first_name",
     "last_name", "average"}], "figures": (mean, min, max)}: the students are the
    audience's (but disabled accounts) and anyone with a mark in its assessments."""
    found = assessments.of_audience(
        conn, audience["kind"], audience["id"], subject_code, period["id"]
    )
    membership = "class_membership" if audience["kind"] == "class" else "group_membership"
    column = "class_id" if audience["kind"] == "class" else "group_id"
    students = rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name FROM person p "
        "WHERE p.profile = 'student' AND ("
        f" (p.state != 'disabled' AND p.id IN (SELECT person_id FROM {membership} "
        f"  WHERE {column} = :aud)) OR p.id IN (SELECT student_id FROM grade_mark "
        "  WHERE assessment_id IN (SELECT value FROM json_each(:ids)))) "
        "ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.login",
        {"aud": audience["id"], "ids": json.dumps([a["id"] for a in found])},
    )
    per_student: dict[int, list[tuple[numbers.Mark, int, int]]] = {}
    per_assessment: dict[int, list[numbers.Mark]] = {}
    for r in rows(
        conn,
        "SELECT gm.student_id, gm.assessment_id, gm.value, a.out_of, a.coefficient "
        "FROM grade_mark gm JOIN assessment a ON a.id = gm.assessment_id "
        "WHERE a.period_id = :p AND a.subject_code = :s "
        "AND gm.student_id IN (SELECT value FROM json_each(:ids))",
        {"p": period["id"], "s": subject_code, "ids": json.dumps([s["id"] for s in students])},
    ):
        mark = numbers.loaded(r["value"])
        per_student.setdefault(r["student_id"], []).append(
            (mark, r["out_of"], numbers.parse_coefficient(r["coefficient"]))
        )
        per_assessment.setdefault(r["assessment_id"], []).append(mark)
    for a in found:
        a["figures"] = numbers.assessment_stats(
            per_assessment.get(a["id"], ()), settings.nr_counts_zero
        )
    averages: list[Fraction | None] = []
    for st in students:
        st["average"] = numbers.subject_average(
            per_student.get(st["id"], ()), settings.nr_counts_zero
        )
        averages.append(st["average"])
    return {"assessments": found, "students": students, "figures": numbers.spread(averages)}


def teachings_of(conn: sqlite3.Connection, teacher_id: int) -> list[dict[str, Any]]:
    """The classes, then groups, a teacher teaches in a subject: {"kind", "id", "code",
    "name", "subject_code", "subject"}, by code then subject."""
    found = rows(
        conn,
        "SELECT 'class' AS kind, c.id, c.code, c.name, t.subject_code, "
        "coalesce(s.name, t.subject_code) AS subject FROM teaching t "
        "JOIN school_class c ON c.id = t.class_id LEFT JOIN subject s ON s.code = t.subject_code "
        "WHERE t.teacher_id = :t AND t.subject_code IS NOT NULL AND c.retired_at IS NULL "
        "UNION SELECT 'group', g.id, g.code, g.name, t.subject_code, "
        "coalesce(s.name, t.subject_code) FROM teaching t "
        "JOIN teaching_group g ON g.id = t.group_id LEFT JOIN subject s ON s.code = t.subject_code "
        "WHERE t.teacher_id = :t AND t.subject_code IS NOT NULL AND g.retired_at IS NULL",
        {"t": teacher_id},
    )
    return sorted(found, key=lambda r: (r["kind"] != "class", r["code"].casefold(), r["subject"]))


def all_classes(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every open class, by code, with its number of students."""
    return rows(
        conn,
        "SELECT c.id, c.code, c.name, (SELECT count(*) FROM class_membership m JOIN person p "
        "ON p.id = m.person_id WHERE m.class_id = c.id AND p.profile = 'student' "
        "AND p.state != 'disabled') AS students FROM school_class c "
        "WHERE c.retired_at IS NULL ORDER BY c.code COLLATE NOCASE",
    )
