"""The vie scolaire's pages: the monthly alerts (signalements; head teachers see those of
their classes), the list of reasons, and the planned absences."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.directory import people
from appliance.errors import CartableError, NotFound
from appliance.schoollife.attendance import alerts, common, planned, reasons
from webui import paging
from webui.access import actor, ask, box, conn, current_person, requires
from webui.attendance import PAGE_SIZE, bp, month_arg, month_links
from webui.messages import error_text


@bp.route("/signalements", endpoint="alerts")
@requires("attendance.alerts.view")
def alerts_page():
    which = month_arg()
    person = current_person()
    found = alerts.visible(
        conn(), person, which, split=str(box().config["attendance.half_day_split"])
    )
    page, pages = paging.clamp(paging.page_arg(), len(found), PAGE_SIZE)
    everyone = ask("attendance.alerts.all")
    return render_template(
        "attendance/alerts.html",
        month=which,
        months=month_links(which),
        found=found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(found),
        page=page,
        pages=pages,
        threshold=common.ALERT_THRESHOLD,
        everyone=everyone,
        classes=[] if everyone else alerts.head_classes(conn(), person),
    )


# --- reasons ----------------------------------------------------------------------------------


def _reasons_page(error: str | None = None, status: int = 200, form=None):
    return render_template(
        "attendance/reasons.html",
        reasons=reasons.list_reasons(conn()),
        error=error,
        form=form or {},
    ), status


@bp.route("/motifs", endpoint="reasons")
@requires("attendance.reasons.edit")
def reasons_page():
    return _reasons_page()


@bp.route("/motifs", methods=["POST"], endpoint="reason_create")
@requires("attendance.reasons.edit")
def reason_create():
    try:
        made = reasons.create_reason(
            conn(),
            request.form.get("label", ""),
            request.form.get("admissible") == "1",
            actor=actor(),
        )
    except CartableError as exc:
        return _reasons_page(error_text(exc), 400, form=request.form)
    flash(_("Motif « %(label)s » ajouté.", label=made["label"]), "success")
    return redirect(url_for("attendance.reasons"))


@bp.route("/motifs/<reason_code>", methods=["POST"], endpoint="reason_update")
@requires("attendance.reasons.edit")
def reason_update(reason_code: str):
    try:
        changed = reasons.update_reason(
            conn(),
            reason_code,
            label=request.form.get("label", ""),
            admissible=request.form.get("admissible") == "1",
            active=request.form.get("active") == "1",
            actor=actor(),
        )
    except NotFound:
        return _reasons_page(_("Ce motif n'existe pas."), 404)
    except CartableError as exc:
        return _reasons_page(error_text(exc), 400)
    flash(_("Motif « %(label)s » enregistré.", label=changed["label"]), "success")
    return redirect(url_for("attendance.reasons"))


# --- planned absences -------------------------------------------------------------------------


def _planned_page(error: str | None = None, status: int = 200, form=None):
    today = common.today()
    asked = paging.page_arg()
    found, total = planned.list_current(
        conn(), today, limit=PAGE_SIZE, offset=(asked - 1) * PAGE_SIZE
    )
    page, pages = paging.clamp(asked, total, PAGE_SIZE)
    if page != asked:
        found, total = planned.list_current(
            conn(), today, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    defaults = {"login": request.args.get("login", ""), "first": today.isoformat()}
    return render_template(
        "attendance/planned.html",
        found=found,
        total=total,
        page=page,
        pages=pages,
        kinds=planned.KINDS,
        reasons=reasons.list_reasons(conn(), active_only=True),
        subjects=planned.subjects(conn()),
        error=error,
        form=form or defaults,
    ), status


@bp.route("/absences-prevues", endpoint="planned")
@requires("attendance.planned.edit")
def planned_page():
    return _planned_page()


@bp.route("/absences-prevues", methods=["POST"], endpoint="planned_create")
@requires("attendance.planned.edit")
def planned_create():
    form = request.form
    try:
        try:
            pupil = people.get_by_login(conn(), form.get("login", ""))
        except NotFound as exc:
            raise CartableError(exc.template, field="login", **exc.params) from None
        made = planned.create(
            conn(),
            student_id=pupil["id"],
            kind=form.get("kind", ""),
            first=form.get("first", ""),
            last=form.get("last") or None,
            start=form.get("start") or None,
            end=form.get("end") or None,
            subject_code=form.get("subject_code") or None,
            reason_code=form.get("reason_code") or None,
            comment=form.get("comment", ""),
            actor=actor(),
        )
    except CartableError as exc:
        return _planned_page(error_text(exc), 400, form=form)
    flash(
        _(
            "Absence prévue enregistrée pour %(name)s.",
            name=f"{made['first_name']} {made['last_name']}",
        ),
        "success",
    )
    return redirect(url_for("attendance.planned"))


def _planned(planned_id: int) -> dict:
    return planned.get(conn(), planned_id)


@bp.route(
    "/absences-prevues/<int:planned_id>/supprimer", methods=["POST"], endpoint="planned_delete"
)
@requires("attendance.planned.edit", target=_planned)
def planned_delete(planned_id: int):
    planned.delete(conn(), g.target["id"], actor=actor())
    flash(_("Absence prévue supprimée."), "success")
    return redirect(url_for("attendance.planned"))
