"""Report cards (bulletins): per period and student, per subject the student's average,
the class's average, min and max, and the subject teacher's appraisal; the head
teacher's general appraisal; the period's absences and lateness.

- `set_appraisal(conn, actor, period, student, subject_code, text)`: a subject teacher's
  appraisal (≤ 300 characters) or, with `subject_code` None, the head teacher's general
  one (≤ 600); an empty text removes it. Refused in a locked period. Audited.
- `appraisals_of(conn, period_id, student_ids)`: {student_id: {subject_code or "": text}}.
- `report_card(conn, student, period, settings)`: the card's data, every mark counted.
- `absences_summary_for_report(conn, student_id, first, last)`: the period's absences.

Who may read or write a card is the policy's (`grades.report.*`, `grades.appraisal.*`);
families read their children's once the period is locked (the views and the API check
`may_read`).
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from datetime import date
from typing import Any

from appliance.db import now_iso, rows, scalar, transaction
from appliance.directory.textsafe import first_unsafe
from appliance.errors import CartableError, Conflict
from appliance.i18n import N_
from appliance.schoollife.grades import book, numbers, periods, reading
from appliance.schoollife.grades.config_keys import GradeSettings
from appliance.security import policy
from appliance.security.audit import Actor, audited

SUBJECT_MAX = 300
GENERAL_MAX = 600
HALF_DAY_SPLIT = "12:30"


class NotLockedYet(Conflict):
    """Families read a report card once its period is locked (after the class council)."""

    api_code = "period_not_locked"


def clean_appraisal(raw: str | None, limit: int) -> str:
    """An appraisal as typed: one paragraph (line breaks become spaces), no control or
    invisible character, at most `limit` characters; CartableError (field "text")."""
    text = " ".join(unicodedata.normalize("NFC", raw or "").split())
    bad = first_unsafe(text)
    if bad is not None:
        raise CartableError(
            N_("L'appréciation contient un caractère de contrôle ou invisible (%(bad)s)."),
            field="text",
            bad=bad,
        )
    if len(text) > limit:
        raise CartableError(
            N_("L'appréciation est trop longue : %(length)s caractères, %(max)s au plus."),
            field="text",
            length=len(text),
            max=limit,
        )
    return text


def set_appraisal(
    conn: sqlite3.Connection,
    actor: Actor | None,
    period: dict[str, Any],
    student: dict[str, Any],
    subject_code: str | None,
    text: str | None,
    *,
    author_id: int | None = None,
) -> str:
    """Write (or with an empty text remove) an appraisal; returns the text kept. Raises
    CartableError (too long, unknown subject), PeriodLocked."""
    periods.check_open(period)
    code = (subject_code or "").strip()
    if code and scalar(conn, "SELECT 1 FROM subject WHERE code = ?", (code,)) is None:
        raise CartableError(
            N_("Aucune matière n'a le code « %(value)s »."), field="subject_code", value=code
        )
    cleaned = clean_appraisal(text, SUBJECT_MAX if code else GENERAL_MAX)
    action = "grades.appraisal_set" if code else "grades.general_appraisal_set"
    with audited(conn, actor, action, target=f"person:{student['id']}") as entry:
        before = scalar(
            conn,
            "SELECT text FROM grade_appraisal WHERE period_id = ? AND student_id = ? "
            "AND subject_code = ?",
            (period["id"], student["id"], code),
        )
        if (before or "") == cleaned:
            entry.skip()
        elif cleaned:
            conn.execute(
                "INSERT INTO grade_appraisal (period_id, student_id, subject_code, text, "
                "author_id, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT "
                "(period_id, student_id, subject_code) DO UPDATE SET text = excluded.text, "
                "author_id = excluded.author_id, updated_at = excluded.updated_at",
                (period["id"], student["id"], code, cleaned, author_id, now_iso()),
            )
        else:
            conn.execute(
                "DELETE FROM grade_appraisal WHERE period_id = ? AND student_id = ? "
                "AND subject_code = ?",
                (period["id"], student["id"], code),
            )
        entry.details = {"period": period["id"], "subject": code or None, "length": len(cleaned)}
    return cleaned


class AppraisalsRefused(CartableError):
    """Some typed appraisals are refused: nothing was saved. `problems` maps each
    student id at fault to its explained error."""

    def __init__(
        self,
        message: str,
        *,
        problems: dict[int, CartableError],
        field: str | None = None,
        **params: object,
    ):
        super().__init__(message, field=field, **params)
        self.problems = problems


def set_many(
    conn: sqlite3.Connection,
    actor: Actor | None,
    period: dict[str, Any],
    entries: list[tuple[dict[str, Any], str | None, str | None]],
    *,
    author_id: int | None = None,
) -> None:
    """Several appraisals (student, subject code or None, text) of a grid page, all or
    nothing: AppraisalsRefused (nothing saved) when one is refused. PeriodLocked."""
    periods.check_open(period)
    problems: dict[int, CartableError] = {}
    for student, code, text in entries:
        try:
            clean_appraisal(text, SUBJECT_MAX if code else GENERAL_MAX)
        except CartableError as exc:
            problems[student["id"]] = exc
    if problems:
        first = next(iter(problems.values()))
        raise AppraisalsRefused(
            first.template, problems=problems, field=first.field, **first.params
        )
    with transaction(conn):
        for student, code, text in entries:
            set_appraisal(conn, actor, period, student, code, text, author_id=author_id)


def appraisals_of(
    conn: sqlite3.Connection, period_id: int, student_ids: list[int]
) -> dict[int, dict[str, str]]:
    """{student id: {subject code ("" for the general one): text}}."""
    out: dict[int, dict[str, str]] = {sid: {} for sid in student_ids}
    for r in rows(
        conn,
        "SELECT student_id, subject_code, text FROM grade_appraisal WHERE period_id = ? "
        "AND student_id IN (SELECT value FROM json_each(?))",
        (period_id, json.dumps(list(student_ids))),
    ):
        out.setdefault(r["student_id"], {})[r["subject_code"]] = r["text"]
    return out


def may_read(
    conn: sqlite3.Connection, person: dict[str, Any], student: dict[str, Any], period: dict
) -> bool:
    """True when `person` may read the student's card now; raises NotLockedYet for a
    family asking before the period is locked."""
    target = reading.subject_target(student)
    if policy.may(person, "grades.report.before_lock", target, conn):
        return True
    if not policy.may(person, "grades.report.view", target, conn):
        return False
    if not period["locked"]:
        raise NotLockedYet(
            N_(
                "Le bulletin du %(name)s sera disponible une fois la période verrouillée, après "
                "le conseil de classe."
            ),
            name=periods.name_of(period),
        )
    return True


def head_teachers_of(conn: sqlite3.Connection, class_id: int) -> list[str]:
    return [
        f"{r['first_name']} {r['last_name']}"
        for r in rows(
            conn,
            "SELECT DISTINCT p.first_name, p.last_name FROM teaching t JOIN person p "
            "ON p.id = t.teacher_id WHERE t.class_id = ? AND t.head_teacher = 1 "
            "ORDER BY p.last_name, p.first_name",
            (class_id,),
        )
    ]


def report_card(
    conn: sqlite3.Connection,
    student: dict[str, Any],
    period: dict[str, Any],
    settings: GradeSettings,
) -> dict[str, Any]:
    """The card of a student for a period (every mark counted, published or not):

    {"student", "class" (or None), "period", "head_teachers": [names],
     "subjects": [{"code", "name", "teachers", "average", "class_average", "min", "max",
                   "appraisal"}],
     "overall": avg, "class_overall": (mean, min, max), "general_appraisal",
     "absences": {"half_days", "unjustified", "late"}}
    """
    cohort, the_class, taught = reading.class_and_subjects(conn, student["id"])
    the_book = book.get_book(conn, cohort, period, published_only=False, settings=settings)
    texts = appraisals_of(conn, period["id"], [student["id"]])[student["id"]]
    codes = (
        set(taught)
        | {
            c
            for c, avgs in the_book.averages.items()
            if student["id"] in avgs and avgs[student["id"]] is not None
        }
        | (set(texts) - {""})
    )
    names: dict[str, str] = {c: t["name"] for c, t in taught.items()}
    missing = codes - set(names)
    if missing:
        for r in rows(
            conn,
            "SELECT code, name FROM subject WHERE code IN (SELECT value FROM json_each(?))",
            (json.dumps(sorted(missing)),),
        ):
            names[r["code"]] = r["name"]
    subjects = []
    for code in sorted(codes, key=lambda c: (names.get(c) or c).casefold()):
        mean, low, high = the_book.figures(code)
        subjects.append(
            {
                "code": code,
                "name": names.get(code) or code,
                "teachers": taught.get(code, {}).get("teachers", []),
                "average": the_book.average(code, student["id"]),
                "class_average": mean,
                "min": low,
                "max": high,
                "appraisal": texts.get(code, ""),
            }
        )
    first, last = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
    return {
        "student": student,
        "class": the_class,
        "period": period,
        "head_teachers": head_teachers_of(conn, the_class["id"]) if the_class else [],
        "subjects": subjects,
        "overall": numbers.weighted_mean(
            {s["code"]: s["average"] for s in subjects}, settings.subject_coefficients
        ),
        "class_overall": the_book.overall_figures,
        "general_appraisal": texts.get("", ""),
        "absences": absences_summary_for_report(conn, student["id"], first, last),
    }


def absences_summary_for_report(
    conn: sqlite3.Connection, student_id: int, first: date, last: date
) -> dict[str, int]:
    """The period's absences for the report card: {"half_days" (half-days with an
    absence), "unjustified" (of which without an admissible reason), "late" (lateness
    count)}, as the attendance service counts them (its half-day split, its reasons)."""
    from appliance.schoollife import attendance

    return attendance.absences_summary_for_report(conn, student_id, first, last)
