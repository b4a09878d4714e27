"""Report cards printed: a student's PDF at once, a class's through the job queue.

- `student_pdf(conn, actor, student, period, settings)` → bytes (a page or two);
- `class_pdf(conn, actor, the_class, period, settings, progress=)` → (bytes, count): every
  student of the class, one after the other (`cartable report-cards` and the job);
- `request_class_pdf(box, actor, period_id, class_id)` → the job's id
  (`grades.report_cards_pdf`); the worker writes `<data>/report-cards/job-<id>.pdf`
  (folder 0700, file 0600, temporary name, fsync, rename); `pdf_of(box, job)` reads it
  for whoever asked (the policy's `job.result`), as often as they like, for a day:
  `purge_old(data_dir)` (the hourly `grades.housekeeping`) deletes it then.

Each PDF made is recorded in the audit log (who printed whose report cards).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance import jobqueue
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.school import get_school
from appliance.schoollife import year
from appliance.schoollife.grades import periods, reading, report_cards, report_pdf
from appliance.schoollife.grades.config_keys import GradeSettings, settings_of
from appliance.security import audit
from appliance.security.audit import Actor
from backup.fsutil import atomic_write

KIND = "grades.report_cards_pdf"
FOLDER = "report-cards"
KEEP_HOURS = 24


def year_label(conn: sqlite3.Connection) -> str:
    """ "2026-2027", or "" without a school year."""
    school_year = year.load_year(conn)
    if school_year is None:
        return ""
    first = school_year.first_calendar_year
    return f"{first}-{first + 1}"


def _render(conn: sqlite3.Connection, cards: list[dict[str, Any]]) -> bytes:
    school = get_school(conn) or {}
    return report_pdf.render(cards, school=school, year_label=year_label(conn))


def student_pdf(
    conn: sqlite3.Connection,
    actor: Actor | None,
    student: dict[str, Any],
    period: dict[str, Any],
    settings: GradeSettings,
) -> bytes:
    """One student's report card as a PDF; recorded (`grades.report_card_pdf`)."""
    pdf = _render(conn, [report_cards.report_card(conn, student, period, settings)])
    if actor is not None:
        audit.record(
            conn,
            actor,
            "grades.report_card_pdf",
            target=f"person:{student['id']}",
            details={"period": period["id"]},
        )
    return pdf


def class_pdf(
    conn: sqlite3.Connection,
    actor: Actor | None,
    the_class: dict[str, Any],
    period: dict[str, Any],
    settings: GradeSettings,
    *,
    progress: Callable[..., None] | None = None,
) -> tuple[bytes, int]:
    """Every report card of a class for a period, as one PDF, and how many; recorded
    (`grades.report_cards_pdf`)."""
    students = reading.students_of_class(conn, the_class["id"])
    cards = []
    for n, student in enumerate(students):
        if progress is not None:
            progress(
                n,
                len(students) + 1,
                N_("Bulletin %(n)s sur %(total)s"),
                n=n + 1,
                total=len(students),
            )
        cards.append(report_cards.report_card(conn, student, period, settings))
    if progress is not None:
        progress(len(students), len(students) + 1, N_("Mise en page du PDF"))
    pdf = _render(conn, cards)
    if actor is not None:
        audit.record(
            conn,
            actor,
            "grades.report_cards_pdf",
            target=f"class:{the_class['id']}",
            details={"period": period["id"], "count": len(cards)},
        )
    return pdf, len(cards)


def class_by_code(conn: sqlite3.Connection, code: str) -> dict[str, Any]:
    """A class by its code; NotFound."""
    found = conn.execute(
        "SELECT id, code, name FROM school_class WHERE code = ?", ((code or "").strip(),)
    ).fetchone()
    if found is None:
        raise NotFound(N_("Aucune classe n'a le code « %(value)s »."), value=code)
    return dict(found)


# --- through the job queue ----------------------------------------------------------------


def folder(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def pdf_path(data_dir: Path, job_id: int) -> Path:
    return folder(data_dir) / f"job-{int(job_id)}.pdf"


def request_class_pdf(box: Any, actor: Actor, period_id: int, class_id: int) -> int:
    """Queue the report cards of a class for a period; returns the job's id."""
    periods.get_period(box.conn(), period_id)
    params = {"period_id": int(period_id), "class_id": int(class_id)}
    return jobqueue.enqueue(box.conn(), KIND, params, actor=actor)


def _make(box: Any, job: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """`grades.report_cards_pdf`: the class's report cards, kept for whoever asked."""
    conn, params = box.conn(), job["params"]
    period = periods.get_period(conn, params["period_id"])
    found = conn.execute(
        "SELECT id, code, name FROM school_class WHERE id = ?", (params["class_id"],)
    ).fetchone()
    if found is None:
        raise NotFound(N_("Aucune classe n'a le numéro %(id)s."), id=params["class_id"])
    pdf, count = class_pdf(
        conn, job["actor"], dict(found), period, settings_of(box.config), progress=report
    )
    root = folder(box.config.data_dir)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    atomic_write(pdf_path(box.config.data_dir, job["id"]), pdf, mode=0o600)
    return {"count": count, "bytes": len(pdf)}


def available(box: Any, job: dict[str, Any]) -> bool:
    """True while the PDF of the finished job waits to be taken."""
    return (
        job["kind"] == KIND
        and job["state"] == "done"
        and pdf_path(box.config.data_dir, job["id"]).is_file()
    )


def pdf_of(box: Any, job: dict[str, Any]) -> bytes:
    """The PDF of the finished job; NotFound when it is not (or no longer) there."""
    if not available(box, job):
        raise NotFound(
            N_("Ce PDF n'est plus sur le serveur (il y reste un jour) : demandez-le à nouveau.")
        )
    return pdf_path(box.config.data_dir, job["id"]).read_bytes()


def get_job(box: Any, job_id: int) -> dict[str, Any]:
    """A job of this feature; NotFound for another kind or an unknown id."""
    job = jobqueue.get(box.conn(), job_id)
    if job is None or job["kind"] != KIND:
        raise NotFound(N_("Aucune tâche n'a le numéro %(id)s."), id=job_id)
    return job


def purge_old(data_dir: Path, *, max_age_hours: float = KEEP_HOURS) -> int:
    """Delete the report-card PDFs older than `max_age_hours`; return how many."""
    return jobqueue.purge_outputs(folder(data_dir), max_age_hours=max_age_hours)


HANDLERS = {KIND: _make}
