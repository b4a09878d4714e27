"""A class's pages for its head teacher and the direction: every student's averages in
every subject, the general appraisals, the class's report cards as one PDF (made by the
worker: the page follows its job)."""

from __future__ import annotations

import re

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import jobqueue
from appliance.errors import Conflict, NotFound
from appliance.schoollife.grades import printing, reading, report_cards
from webui.access import actor, ask, box, conn, current_person, requires
from webui.directory.common import attachment
from webui.grades import bp
from webui.grades.common import chosen_period, class_thing, period_links, settings
from webui.messages import error_text

REFRESH_SECONDS = 2


def _class_page(
    the_class: dict,
    period: dict | None,
    *,
    typed: dict | None = None,
    problems: dict | None = None,
    error: str | None = None,
    status: int = 200,
):
    table = reading.class_table(conn(), the_class, period, settings()) if period else None
    may_general = ask("grades.appraisal.general", the_class)
    texts: dict = {}
    if table is not None:
        saved = report_cards.appraisals_of(
            conn(), period["id"], [s["id"] for s in table["students"]]
        )
        texts = {sid: t.get("", "") for sid, t in saved.items()}
        texts.update(typed or {})
    return render_template(
        "grades/class.html",
        the_class=the_class,
        period=period,
        period_links=period_links(period),
        table=table,
        may_general=may_general,
        texts=texts,
        problems=problems or {},
        error=error,
        limit=report_cards.GENERAL_MAX,
    ), status


@bp.route("/notes/classes/<int:class_id>", endpoint="class_table")
@requires("grades.class.view", target=class_thing)
def class_table(class_id: int):
    return _class_page(g.target, chosen_period())


@bp.route(
    "/notes/classes/<int:class_id>/appreciations",
    methods=["POST"],
    endpoint="general_appraisals",
)
@requires("grades.appraisal.general", target=class_thing)
def general_appraisals(class_id: int):
    the_class, period = g.target, chosen_period()
    if period is None:
        return redirect(url_for("grades.class_table", class_id=class_id))
    students = [
        {**s, "kind": "person"}
        for s in reading.students_of_class(conn(), class_id)
        if f"appraisal-{s['id']}" in request.form
    ]
    students = [s for s in students if ask("grades.appraisal.general", s)]
    typed = {s["id"]: request.form[f"appraisal-{s['id']}"] for s in students}
    try:
        report_cards.set_many(
            conn(),
            actor(),
            period,
            [(s, None, typed[s["id"]]) for s in students],
            author_id=current_person()["id"],
        )
    except report_cards.AppraisalsRefused as exc:
        problems = {sid: error_text(p) for sid, p in exc.problems.items()}
        message = _("Rien n'a été enregistré : corrigez les appréciations signalées.")
        return _class_page(
            the_class, period, typed=typed, problems=problems, error=message, status=400
        )
    except Conflict as exc:
        return _class_page(the_class, period, typed=typed, error=error_text(exc), status=409)
    flash(_("Appréciations générales enregistrées."), "success")
    return redirect(url_for("grades.class_table", class_id=class_id, periode=period["id"]))


@bp.route("/notes/classes/<int:class_id>/bulletins", methods=["POST"], endpoint="class_pdf")
@requires("grades.class.view", target=class_thing)
def class_pdf(class_id: int):
    period = chosen_period()
    if period is None:
        return redirect(url_for("grades.class_table", class_id=class_id))
    job_id = printing.request_class_pdf(box(), actor(), period["id"], class_id)
    return redirect(url_for("grades.job", report_job_id=job_id))


def _job(report_job_id: int) -> dict:
    return printing.get_job(box(), report_job_id)


@bp.route("/notes/taches/<int:report_job_id>", endpoint="job")
@requires("job.view", target=_job)
def job(report_job_id: int):
    job = g.target
    percent = None
    if job["total"]:
        percent = max(0, min(100, (job["done"] or 0) * 100 // job["total"]))
    the_class = None
    try:
        the_class = class_thing(job["params"]["class_id"])
    except NotFound:
        pass
    return render_template(
        "grades/job.html",
        job=job,
        the_class=the_class,
        active=job["state"] in jobqueue.ACTIVE,
        refresh=REFRESH_SECONDS,
        percent=percent,
        message=error_text(job["message"]) if job["message"] else None,
        error=error_text(job["error"]) if job["error"] else None,
        ready=printing.available(box(), job),
        may_download=ask("job.result", job),
    )


@bp.route("/notes/taches/<int:report_job_id>/bulletins.pdf", endpoint="job_download")
@requires("job.result", target=_job)
def job_download(report_job_id: int):
    job = g.target
    try:
        pdf = printing.pdf_of(box(), job)
    except NotFound:
        abort(404)
    the_class = job["params"].get("class_id")
    name = re.sub(
        r"[^a-z0-9-]+",
        "-",
        f"bulletins-classe-{the_class}-periode-{job['params'].get('period_id')}",
    )
    return attachment(pdf, f"{name}.pdf", "application/pdf")
