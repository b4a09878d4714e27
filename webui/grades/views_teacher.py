"""A teacher's pages: a class or group in a subject (its assessments and averages), a new
assessment, the entry grid, the assessment's settings, the subject's appraisals."""

from __future__ import annotations

from datetime import datetime

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import timefmt
from appliance.errors import CartableError, Conflict
from appliance.schoollife import year
from appliance.schoollife.grades import assessments, numbers, periods, reading, report_cards
from webui.access import actor, ask, conn, current_person, requires
from webui.grades import bp
from webui.grades.common import (
    KIND_WORDS,
    assessment_thing,
    audience_thing,
    audience_url,
    chosen_period,
    period_links,
    settings,
)
from webui.messages import error_text

AUDIENCE = "/notes/<kind>/<int:audience_id>/<subject_code>"


@bp.route(AUDIENCE, endpoint="audience")
@requires("grades.assessment.view", target=audience_thing)
def audience(kind: str, audience_id: int, subject_code: str):
    thing = g.target
    period = chosen_period()
    table = None
    if period is not None:
        table = reading.audience_table(conn(), thing["audience"], subject_code, period, settings())
    return render_template(
        "grades/audience.html",
        audience=thing["audience"],
        subject=thing["subject"],
        word=kind,
        period=period,
        period_links=period_links(period),
        table=table,
        may_write=ask("grades.assessment.write", thing),
    )


def _local_parts(publish_at: str | None) -> tuple[str, str]:
    if not publish_at:
        return "", ""
    local = timefmt.to_local(publish_at)
    assert isinstance(local, datetime)
    return local.date().isoformat(), local.strftime("%H:%M")


def _form_values(a: dict | None = None) -> dict:
    if request.method == "POST":
        return {
            k: (request.form.get(k) or "").strip()
            for k in ("title", "date", "out_of", "coefficient", "publish_date", "publish_time")
        }
    if a is None:
        return {
            "title": "",
            "date": year.local_today().isoformat(),
            "out_of": "20",
            "coefficient": "1",
            "publish_date": "",
            "publish_time": "",
        }
    day, time = _local_parts(a["publish_at"])
    return {
        "title": a["title"],
        "date": a["date"],
        "out_of": str(a["out_of"]),
        "coefficient": numbers.mark_shown(a["coefficient_hundredths"]),
        "publish_date": day,
        "publish_time": time,
    }


def _publish_at(form: dict) -> str | None:
    """The publication time typed (a day, and a time or 00:00); None: now."""
    if not form["publish_date"]:
        return None
    return f"{form['publish_date']}T{form['publish_time'] or '00:00'}"


@bp.route(AUDIENCE + "/nouvelle", methods=["GET", "POST"], endpoint="assessment_new")
@requires("grades.assessment.write", target=audience_thing)
def assessment_new(kind: str, audience_id: int, subject_code: str):
    thing = g.target
    form = _form_values()
    error = error_field = None
    status = 200
    if request.method == "POST":
        try:
            a = assessments.create(
                conn(),
                actor(),
                teacher_id=current_person()["id"],
                audience=thing["audience"],
                subject_code=thing["subject"]["code"],
                title=form["title"],
                day=form["date"],
                out_of=form["out_of"],
                coefficient=form["coefficient"],
                publish_at=_publish_at(form),
            )
        except CartableError as exc:
            error, error_field = error_text(exc), exc.field
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            flash(_("Évaluation créée : saisissez les notes."), "success")
            return redirect(url_for("grades.assessment", assessment_id=a["id"]))
    return render_template(
        "grades/assessment_form.html",
        audience=thing["audience"],
        subject=thing["subject"],
        word=kind,
        assessment=None,
        form=form,
        error=error,
        error_field=error_field,
    ), status


def _grid_page(
    a: dict,
    typed: dict | None = None,
    problems: dict | None = None,
    error: str | None = None,
    status: int = 200,
):
    lines = assessments.roster(conn(), a)
    for line in lines:
        line["typed"] = (typed or {}).get(
            line["id"], numbers.mark_shown(line["mark"]) if line["mark"] is not None else ""
        )
        line["problem"] = (problems or {}).get(line["id"])
    period = periods.get_period(conn(), a["period_id"])
    return render_template(
        "grades/assessment.html",
        a=a,
        word=KIND_WORDS[a["audience_kind"]],
        lines=lines,
        period=period,
        figures=assessments.stats(conn(), a, settings().nr_counts_zero),
        published=assessments.is_published(a),
        may_write=ask("grades.assessment.write", assessments.target_of(a)),
        error=error,
        code_words=numbers.CODE_WORDS,
    ), status


@bp.route("/notes/evaluations/<int:assessment_id>", endpoint="assessment")
@requires("grades.assessment.view", target=assessment_thing)
def assessment(assessment_id: int):
    return _grid_page(g.target["assessment"])


@bp.route(
    "/notes/evaluations/<int:assessment_id>/notes", methods=["POST"], endpoint="assessment_marks"
)
@requires("grades.assessment.write", target=assessment_thing)
def assessment_marks(assessment_id: int):
    a = g.target["assessment"]
    typed = {}
    for line in assessments.roster(conn(), a):
        field = f"mark-{line['id']}"
        if field in request.form:
            typed[line["id"]] = request.form[field]
    try:
        changed = assessments.set_marks(conn(), actor(), a, typed)
    except assessments.MarksRefused as exc:
        problems = {sid: error_text(p) for sid, p in exc.problems.items()}
        message = _("Rien n'a été enregistré : corrigez les notes signalées, puis enregistrez.")
        return _grid_page(a, typed, problems, message, 400)
    except Conflict as exc:
        return _grid_page(a, typed, None, error_text(exc), 409)
    flash(_("Notes enregistrées (%(n)s changée(s)).", n=changed), "success")
    return redirect(url_for("grades.assessment", assessment_id=a["id"]))


@bp.route(
    "/notes/evaluations/<int:assessment_id>/modifier",
    methods=["GET", "POST"],
    endpoint="assessment_edit",
)
@requires("grades.assessment.write", target=assessment_thing)
def assessment_edit(assessment_id: int):
    a = g.target["assessment"]
    form = _form_values(a)
    error = error_field = None
    status = 200
    if request.method == "POST":
        try:
            assessments.update(
                conn(),
                actor(),
                a,
                title=form["title"],
                day=form["date"],
                out_of=form["out_of"],
                coefficient=form["coefficient"],
                publish_at=_publish_at(form),
            )
        except CartableError as exc:
            error, error_field = error_text(exc), exc.field
            status = 409 if isinstance(exc, Conflict) else 400
        else:
            flash(_("Évaluation modifiée."), "success")
            return redirect(url_for("grades.assessment", assessment_id=a["id"]))
    audience = {
        "kind": a["audience_kind"],
        "id": a["audience_id"],
        "code": a["audience_code"],
        "name": a["audience_name"],
    }
    return render_template(
        "grades/assessment_form.html",
        audience=audience,
        subject={"code": a["subject_code"], "name": a["subject"]},
        word=KIND_WORDS[a["audience_kind"]],
        assessment=a,
        form=form,
        error=error,
        error_field=error_field,
    ), status


@bp.route(AUDIENCE + "/appreciations", methods=["GET", "POST"], endpoint="appraisals")
@requires("grades.assessment.write", target=audience_thing)
def appraisals(kind: str, audience_id: int, subject_code: str):
    thing = g.target
    period = chosen_period()
    if period is None:
        return redirect(url_for("grades.index"))
    table = reading.audience_table(conn(), thing["audience"], subject_code, period, settings())
    students = [
        s
        for s in table["students"]
        if ask("grades.appraisal.subject", reading.subject_target(s, subject_code))
    ]
    texts = report_cards.appraisals_of(conn(), period["id"], [s["id"] for s in students])
    error, problems, status = None, {}, 200
    typed = {s["id"]: texts[s["id"]].get(subject_code, "") for s in students}
    if request.method == "POST":
        typed.update(
            {s["id"]: request.form.get(f"appraisal-{s['id']}", typed[s["id"]]) for s in students}
        )
        entries = [({**s, "profile": "student"}, subject_code, typed[s["id"]]) for s in students]
        try:
            report_cards.set_many(
                conn(), actor(), period, entries, author_id=current_person()["id"]
            )
        except report_cards.AppraisalsRefused as exc:
            problems = {sid: error_text(p) for sid, p in exc.problems.items()}
            error = _("Rien n'a été enregistré : corrigez les appréciations signalées.")
            status = 400
        except Conflict as exc:
            error, status = error_text(exc), 409
        else:
            flash(_("Appréciations enregistrées."), "success")
            return redirect(
                audience_url(
                    "grades.appraisals",
                    thing["audience"]["kind"],
                    audience_id,
                    subject_code,
                    periode=period["id"],
                )
            )
    return render_template(
        "grades/appraisals.html",
        audience=thing["audience"],
        subject=thing["subject"],
        word=kind,
        period=period,
        period_links=period_links(period),
        students=students,
        typed=typed,
        problems=problems,
        error=error,
        limit=report_cards.SUBJECT_MAX,
    ), status


@bp.route(
    "/notes/evaluations/<int:assessment_id>/supprimer",
    methods=["POST"],
    endpoint="assessment_delete",
)
@requires("grades.assessment.write", target=assessment_thing)
def assessment_delete(assessment_id: int):
    a = g.target["assessment"]
    back = audience_url(
        "grades.audience",
        a["audience_kind"],
        a["audience_id"],
        a["subject_code"],
        periode=a["period_id"],
    )
    try:
        count = assessments.delete(conn(), actor(), a)
    except Conflict as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("grades.assessment", assessment_id=a["id"]))
    flash(
        _("Évaluation « %(title)s » supprimée, avec ses %(n)s note(s).", title=a["title"], n=count),
        "success",
    )
    return redirect(back)
