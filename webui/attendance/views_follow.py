"""Following absences: a student's page (their month in half-days, their absences and
lateness), one absence (its lessons, its excuses; the guardian's excuse form, the vie
scolaire's settlement and decisions), the excuse's document, and the vie scolaire's
list of absences to settle."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from appliance import blobs
from appliance.directory import people
from appliance.errors import CartableError, Conflict, NotFound
from appliance.i18n import N_
from appliance.schoollife.attendance import common, events, excuses, halfdays, planned, reasons
from appliance.schoollife.attendance.common import person_thing
from webui import paging
from webui.access import actor, ask, box, conn, requires
from webui.attendance import PAGE_SIZE, bp, day_arg, month_arg, month_links
from webui.messages import error_text

STUDENT_PAGE_SIZE = 20


def _split() -> str:
    return str(box().config["attendance.half_day_split"])


# --- a student's page -------------------------------------------------------------------------


def _student(person_id: int) -> dict:
    found = people.get_person(conn(), person_id)
    if found["profile"] != "student":
        raise NotFound(N_("Aucun élève n'a le numéro %(id)s."), id=person_id)
    return person_thing(found)


@bp.route("/eleves/<int:person_id>", endpoint="student")
@requires("attendance.events.view", target=_student)
def student(person_id: int):
    pupil = g.target
    which = month_arg()
    first, last = common.month(which)
    summary = halfdays.summary(conn(), pupil["id"], first, last, split=_split())
    total = events.count_for_student(conn(), pupil["id"])
    page, pages = paging.clamp(paging.page_arg(), total, STUDENT_PAGE_SIZE)
    found = events.for_student(
        conn(),
        pupil["id"],
        newest_first=True,
        limit=STUDENT_PAGE_SIZE,
        offset=(page - 1) * STUDENT_PAGE_SIZE,
    )
    return render_template(
        "attendance/student.html",
        pupil=pupil,
        month=which,
        months=month_links(which),
        summary=summary,
        threshold=common.ALERT_THRESHOLD,
        found=found,
        total=total,
        page=page,
        pages=pages,
        coming=planned.for_student(conn(), pupil["id"], common.today()),
        kinds=events.KINDS,
        planned_kinds=planned.KINDS,
        statuses=excuses.STATUSES,
        office=ask("attendance.planned.edit"),
    )


# --- one absence ------------------------------------------------------------------------------


def _event(event_id: int) -> dict:
    return events.target(conn(), event_id)


def _event_page(target: dict, error: str | None = None, status: int = 200, form=None):
    event = target["event"]
    sent = excuses.of_event(conn(), event["id"])
    waiting = any(x["status"] == "pending" for x in sent)
    return render_template(
        "attendance/event.html",
        target=target,
        event=event,
        lessons=events.lessons_of(conn(), event["id"]),
        excuses=sent,
        reasons=reasons.list_reasons(conn(), active_only=True),
        may_excuse=ask("attendance.excuse.send", target) and not event["justified"] and not waiting,
        may_settle=ask("attendance.justify", target),
        may_document=ask("attendance.excuse.document", target),
        kinds=events.KINDS,
        statuses=excuses.STATUSES,
        error=error,
        form=form or {},
        max_mb=excuses.MAX_DOCUMENT_BYTES // (1024 * 1024),
    ), status


@bp.route("/absences/<int:event_id>", endpoint="event")
@requires("attendance.events.view", target=_event)
def event_page(event_id: int):
    return _event_page(g.target)


@bp.route("/absences/<int:event_id>/justificatif", methods=["POST"], endpoint="excuse_send")
@requires("attendance.excuse.send", target=_event)
def excuse_send(event_id: int):
    upload = request.files.get("document")
    try:
        document = None
        if upload is not None and upload.filename:
            document = blobs.write(
                box().config.files_dir,
                upload.stream,
                max_bytes=excuses.MAX_DOCUMENT_BYTES,
                field="document",
            )
        excuses.send(
            conn(),
            event_id,
            text=request.form.get("text", ""),
            reason_code=request.form.get("reason_code") or None,
            document=document,
            document_name=upload.filename if document is not None and upload else None,
            actor=actor(),
        )
    except CartableError as exc:
        status = 409 if isinstance(exc, Conflict) else 400
        return _event_page(g.target, error_text(exc), status, form=request.form)
    flash(_("Justificatif envoyé : la vie scolaire va l'étudier."), "success")
    return redirect(url_for("attendance.event", event_id=event_id))


@bp.route("/absences/<int:event_id>/motif", methods=["POST"], endpoint="event_settle")
@requires("attendance.justify", target=_event)
def event_settle(event_id: int):
    try:
        events.settle(
            conn(),
            event_id,
            reason_code=request.form.get("reason_code") or None,
            justified=request.form.get("justified") == "1",
            comment=request.form.get("comment", ""),
            actor=actor(),
        )
    except CartableError as exc:
        return _event_page(g.target, error_text(exc), 400, form=request.form)
    flash(_("Absence mise à jour."), "success")
    return redirect(url_for("attendance.event", event_id=event_id))


def _excuse(excuse_id: int) -> dict:
    return excuses.target(conn(), excuse_id)


@bp.route("/justificatifs/<int:excuse_id>", methods=["POST"], endpoint="excuse_decide")
@requires("attendance.justify", target=_excuse)
def excuse_decide(excuse_id: int):
    decision = request.form.get("decision")
    if decision not in ("accept", "refuse"):
        return _event_page(g.target, _("Choisissez : accepter ou refuser le justificatif."), 400)
    try:
        excuses.decide(
            conn(),
            excuse_id,
            accept=decision == "accept",
            reason_code=request.form.get("reason_code") or None,
            comment=request.form.get("comment", ""),
            actor=actor(),
        )
    except CartableError as exc:
        return _event_page(g.target, error_text(exc), 400, form=request.form)
    flash(
        _("Justificatif accepté : l'absence est justifiée.")
        if decision == "accept"
        else _("Justificatif refusé : l'absence reste à justifier."),
        "success",
    )
    return redirect(url_for("attendance.event", event_id=g.target["event"]["id"]))


@bp.route("/justificatifs/<int:excuse_id>/document", endpoint="excuse_document")
@requires("attendance.excuse.document", target=_excuse)
def excuse_document(excuse_id: int):
    try:
        blob, name = excuses.document_of(conn(), excuse_id)
        stream = blobs.open_read(box().config.files_dir, blob.sha256)
    except (NotFound, FileNotFoundError):
        abort(404)
    response = send_file(
        stream,
        mimetype=blob.mime,
        as_attachment=not blobs.inline_type(blob.mime),
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the vie scolaire's list ------------------------------------------------------------------


@bp.route("/absences", endpoint="events")
@requires("attendance.office")
def events_list():
    last = day_arg("au")
    first = day_arg("du") if request.args.get("du") else last - timedelta(days=6)
    if first > last:
        first, last = last, first
    state = request.args.get("etat", "a_regler")
    kind = request.args.get("type") or None
    filters = {
        "unsettled": state in ("a_regler", "justificatif"),
        "excuse_pending": state == "justificatif",
        "kind": kind if kind in events.KINDS else None,
    }
    asked = paging.page_arg()
    found, total = events.office_list(
        conn(), first, last, **filters, limit=PAGE_SIZE, offset=(asked - 1) * PAGE_SIZE
    )
    page, pages = paging.clamp(asked, total, PAGE_SIZE)
    if page != asked:
        found, total = events.office_list(
            conn(), first, last, **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    return render_template(
        "attendance/events.html",
        first=first,
        last=last,
        state=state,
        kind=filters["kind"],
        found=found,
        total=total,
        page=page,
        pages=pages,
        kinds=events.KINDS,
        statuses=excuses.STATUSES,
    )
