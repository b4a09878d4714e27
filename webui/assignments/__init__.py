"""Devoirs à rendre in the web UI: the lists (a teacher's works given, a student's works to
hand in, a parent's child's), the form that gives one, one work's page (the student's
hand-in form and status, the parent's read-only status, the teacher's follow-up table
with extensions, comments and corrected files), the files and the ZIP of every hand-in.

Views parse the form, ask the policy (`requires`, `ask`) and call the services of
`appliance.files.assignments`; they hold no SQL. Every page works without JavaScript and
on a phone (a plain form with a file field).
"""

from __future__ import annotations

import tempfile
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from appliance import blobs, timefmt
from appliance.directory import people
from appliance.errors import CartableError, NotFound
from appliance.files import quota
from appliance.files.assignments import handins, works
from appliance.i18n import N_
from appliance.schoollife.diary import audiences
from webui import paging
from webui.access import actor, ask, box, conn, current_person, requires, selected_child
from webui.messages import error_text

bp = Blueprint("assignments", __name__, url_prefix="/devoirs-a-rendre")

PAGE_SIZE = 20


# --- targets ----------------------------------------------------------------------------------


def work_target(assignment_id: int, **_others: Any) -> dict[str, Any]:
    """A work as the policy's target (`works.target`; the work in "item"), whatever else
    the URL names (a student, a login: the view reads them)."""
    return works.target(works.get(conn(), assignment_id))


def attachment_target(assignment_id: int, attachment_id: int) -> dict[str, Any]:
    found = works.get_attachment(conn(), attachment_id)
    if found["assignment_id"] != assignment_id:
        raise NotFound(N_("Aucun fichier n'a le numéro %(id)s."), id=attachment_id)
    return {**work_target(assignment_id), "file": found}


def person_thing(person: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "person", "id": person["id"], "profile": person.get("profile", "student")}


def may_see_hand_in(target: dict[str, Any], student_id: int) -> bool:
    """A hand-in is seen by the work's teachers (`assignments.follow`), the student
    themselves and their parents (`assignments.status`): never by another student."""
    return ask("assignments.follow", target) or ask(
        "assignments.status", {"kind": "person", "id": student_id, "profile": "student"}
    )


def handed_file_target(assignment_id: int, file_id: int) -> dict[str, Any]:
    found = handins.get_file(conn(), file_id)
    if found["assignment_id"] != assignment_id:
        raise NotFound(N_("Aucun fichier n'a le numéro %(id)s."), id=file_id)
    target = work_target(assignment_id)
    if not may_see_hand_in(target, found["student_id"]):
        raise NotFound(N_("Aucun fichier n'a le numéro %(id)s."), id=file_id)
    return {**target, "file": found}


def returned_target(assignment_id: int, student_id: int) -> dict[str, Any]:
    target = work_target(assignment_id)
    if not may_see_hand_in(target, student_id):
        raise NotFound(N_("Aucun élève n'a le numéro %(id)s."), id=student_id)
    sub = handins.of_student(conn(), assignment_id, student_id)
    if sub is None or sub["returned"] is None:
        raise NotFound(N_("Aucun fichier corrigé pour cet élève."))
    return {**target, "submission": sub}


def _send(sha256: str, mime: str, name: str):
    try:
        stream = blobs.open_read(box().config.files_dir, sha256)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        stream,
        mimetype=mime,
        as_attachment=not blobs.inline_type(mime),
        download_name=name,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _uploads(field: str = "file") -> list[tuple[Any, str]]:
    return [(f.stream, f.filename or "") for f in request.files.getlist(field) if f and f.filename]


def _student_of_page() -> tuple[dict[str, Any] | None, dict[str, Any] | None, Any]:
    """(whose works the page shows, the child when a parent follows one, a redirect when
    a parent must first choose a child)."""
    me = current_person()
    if ask("assignments.mine"):
        return me, None, None
    if ask("child.select"):
        children = people.children_of(conn(), me["id"])
        child = selected_child(children)
        if child is None:
            if children:
                choose = url_for("portal.select_child", next="assignments.index")
                return None, None, redirect(choose)
            return None, None, None
        if not ask("assignments.status", person_thing(child)):
            abort(404)
        return child, child, None
    return None, None, None


# --- the lists ----------------------------------------------------------------------------------


@bp.route("/", endpoint="index")
@requires("assignments.open")
def index():
    me = current_person()
    page = paging.page_arg()
    if ask("assignments.give"):
        total = works.count_by_author(conn(), me["id"])
        page, pages = paging.clamp(page, total, PAGE_SIZE)
        found = works.by_author(conn(), me["id"], limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        for w in found:
            w["counts"] = handins.counts(conn(), w)
        return render_template(
            "assignments/given.html", found=found, total=total, page=page, pages=pages
        )
    student, child, away = _student_of_page()
    if away is not None:
        return away
    if student is None:
        return render_template("assignments/todo.html", no_child=True, found=[], child=None,
                               total=0, page=1, pages=1)  # fmt: skip
    total = works.count_for_student(conn(), student["id"])
    page, pages = paging.clamp(page, total, PAGE_SIZE)
    found = works.for_audiences(
        conn(), student["id"], limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    for w in found:
        w["status"] = handins.status(conn(), w, student["id"])
    return render_template(
        "assignments/todo.html",
        no_child=False,
        child=child,
        found=found,
        total=total,
        page=page,
        pages=pages,
        labels=handins.STATE_LABELS,
    )


# --- giving a work ------------------------------------------------------------------------------


def _new_page(form: dict[str, Any] | None = None, error: str | None = None, status: int = 200):
    me = current_person()
    return render_template(
        "assignments/new.html",
        form=form or {},
        error=error,
        options=[
            (
                f"{a['kind']}:{a['id']}:{code}",
                f"{a['name']} · {audiences.subject_label(conn(), code)}",
            )
            for a in audiences.taught_by(conn(), me["id"])
            for code in a["subjects"]
        ],
        max_mb=int(box().config["files.max_upload_mb"]),
    ), status


@bp.route("/nouveau", endpoint="new")
@requires("assignments.give")
def new():
    form = {}
    if request.args.get("audience"):
        form["audience"] = request.args["audience"]
    return _new_page(form)


@bp.route("/nouveau", methods=["POST"], endpoint="create")
@requires("assignments.give")
def create():
    form = request.form.to_dict()
    me = current_person()
    try:
        kind, _sep, rest = (form.get("audience") or "").partition(":")
        audience_id, _sep, subject_code = rest.partition(":")
        if not audience_id.isdigit():
            raise CartableError(N_("Choisissez la classe ou le groupe."), field="audience")
        audience = audiences.get(conn(), kind, int(audience_id))
        if not ask("assignments.write", audiences.target(audience, subject_code)):
            raise CartableError(
                N_("Vous n'enseignez pas cette matière dans cette classe ou ce groupe."),
                field="audience",
            )
        due = f"{form.get('due_date', '').strip()}T{form.get('due_time', '').strip() or '23:59'}"
        if not form.get("due_date", "").strip():
            due = ""
        cfg = box().config
        files = works.store_files(
            cfg.files_dir,
            _uploads("files"),
            max_bytes=works.max_upload_bytes(cfg),
            room=quota.usage(conn(), cfg, me).free,
        )
        item = works.create(
            conn(),
            cfg,
            actor(),
            me,
            audience=audience,
            subject_code=subject_code,
            title=form.get("title"),
            instructions=form.get("instructions"),
            due=due,
            late_allowed=form.get("late_allowed") == "1",
            files=files,
        )
    except CartableError as exc:
        code = 413 if isinstance(exc, quota.QuotaExceeded | blobs.TooLarge) else 422
        return _new_page(form, error_text(exc), code)
    flash(_("Devoir donné à %(who)s.", who=item["audience"]["name"]), "success")
    return redirect(url_for("assignments.show", assignment_id=item["id"]))


# --- one work -----------------------------------------------------------------------------------


def _show(target: dict[str, Any], error: str | None = None, status: int = 200):
    item = target["item"]
    if ask("assignments.follow", target):
        return render_template(
            "assignments/follow.html",
            item=item,
            table=handins.follow_up(conn(), item),
            labels=handins.STATE_LABELS,
            error=error,
            max_mb=int(box().config["files.max_upload_mb"]),
        ), status
    student, child, away = _student_of_page()
    if away is not None:
        return away
    if student is None or not ask("assignments.view", target):
        abort(404)
    me = current_person()
    return render_template(
        "assignments/show.html",
        item=item,
        child=child,
        student=student,
        status=handins.status(conn(), item, student["id"]),
        labels=handins.STATE_LABELS,
        may_hand_in=ask("assignments.hand_in", target) and student["id"] == me["id"],
        usage=quota.usage(conn(), box().config, me) if student["id"] == me["id"] else None,
        error=error,
        max_mb=int(box().config["files.max_upload_mb"]),
    ), status


@bp.route("/<int:assignment_id>", endpoint="show")
@requires("assignments.view", target=work_target)
def show(assignment_id: int):
    return _show(g.target)


@bp.route("/<int:assignment_id>/fichiers/<int:attachment_id>", endpoint="attachment")
@requires("assignments.view", target=attachment_target)
def attachment(assignment_id: int, attachment_id: int):
    f = g.target["file"]
    return _send(f["sha256"], f["mime"], f["name"])


@bp.route("/<int:assignment_id>/rendre", methods=["POST"], endpoint="hand_in")
@requires("assignments.hand_in", target=work_target)
def hand_in(assignment_id: int):
    me = current_person()
    item = g.target["item"]
    cfg = box().config
    try:
        files = handins.store_uploads(conn(), cfg, cfg.files_dir, me, item, _uploads("file"))
        handins.hand_in(conn(), cfg, actor(), me, item, files)
    except CartableError as exc:
        code = 413 if isinstance(exc, quota.QuotaExceeded | blobs.TooLarge) else 422
        if isinstance(exc, handins.DeadlinePassed):
            code = 409
        return _show(g.target, error_text(exc), code)
    flash(_("Devoir rendu."), "success")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.route("/<int:assignment_id>/rendus/<int:file_id>", endpoint="handed_file")
@requires("assignments.view", target=handed_file_target)
def handed_file(assignment_id: int, file_id: int):
    f = g.target["file"]
    return _send(f["sha256"], f["mime"], f["name"])


@bp.route("/<int:assignment_id>/eleves/<int:student_id>/corrige", endpoint="returned_file")
@requires("assignments.view", target=returned_target)
def returned_file(assignment_id: int, student_id: int):
    r = g.target["submission"]["returned"]
    return _send(r["sha256"], r["mime"], r["name"])


# --- the teacher's side -------------------------------------------------------------------------


def _student_id(form_value: str | None) -> int:
    try:
        return people.get_by_login(conn(), (form_value or "").strip())["id"]
    except NotFound:
        raise NotFound(
            N_("Cet élève n'est pas de la classe ou du groupe de ce devoir."), field="login"
        ) from None


@bp.route("/<int:assignment_id>/prolonger", methods=["POST"], endpoint="extend")
@requires("assignments.follow", target=work_target)
def extend(assignment_id: int):
    item = g.target["item"]
    form = request.form
    try:
        student_id = _student_id(form.get("login"))
        due = f"{form.get('due_date', '').strip()}T{form.get('due_time', '').strip() or '23:59'}"
        handins.extend(conn(), actor(), item, student_id, due if form.get("due_date") else "")
    except CartableError as exc:
        return _show(g.target, error_text(exc), 422)
    flash(_("Délai prolongé."), "success")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


@bp.route(
    "/<int:assignment_id>/eleves/<int:student_id>/correction",
    methods=["POST"],
    endpoint="give_back",
)
@requires("assignments.follow", target=work_target)
def give_back(assignment_id: int, student_id: int):
    item = g.target["item"]
    me = current_person()
    cfg = box().config
    try:
        uploads = _uploads("corrected")
        corrected = None
        if uploads:
            corrected = works.store_files(
                cfg.files_dir,
                uploads[:1],
                max_bytes=works.max_upload_bytes(cfg),
                room=quota.usage(conn(), cfg, me).free,
            )[0]
        handins.give_back(conn(), cfg, actor(), me, item, student_id,
                          comment=request.form.get("comment"), corrected=corrected)  # fmt: skip
    except CartableError as exc:
        code = 413 if isinstance(exc, quota.QuotaExceeded | blobs.TooLarge) else 422
        return _show(g.target, error_text(exc), code)
    flash(_("Correction rendue à l'élève."), "success")
    return redirect(url_for("assignments.show", assignment_id=assignment_id))


def zip_response(item: dict[str, Any]):
    """Every hand-in of the work as a ZIP written to a temporary file (on disk, deleted
    once sent), streamed to the browser."""
    spool = tempfile.TemporaryFile(dir=box().config.data_dir)  # noqa: SIM115 (send_file closes it)
    handins.write_zip(conn(), box().config.files_dir, item, spool)
    spool.seek(0)
    response = send_file(
        spool,
        mimetype="application/zip",
        as_attachment=True,
        download_name=handins.zip_name(item),
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:assignment_id>/rendus.zip", endpoint="zip")
@requires("assignments.follow", target=work_target)
def zip_all(assignment_id: int):
    return zip_response(g.target["item"])


@bp.route("/<int:assignment_id>/supprimer", methods=["POST"], endpoint="delete")
@requires("assignments.follow", target=work_target)
def delete(assignment_id: int):
    item = g.target["item"]
    if request.form.get("confirm") != "oui":
        return render_template(
            "confirm.html",
            question=_(
                "Supprimer le devoir « %(title)s » et les %(n)s rendu(s) des élèves ?",
                title=item["title"],
                n=handins.counts(conn(), item)["handed_in"],
            ),
            action=url_for("assignments.delete", assignment_id=assignment_id),
            back=url_for("assignments.show", assignment_id=assignment_id),
            button=_("Supprimer le devoir"),
        )
    works.delete(conn(), actor(), assignment_id)
    flash(_("Devoir supprimé."), "success")
    return redirect(url_for("assignments.index"))


@bp.app_template_filter("due_words")
def due_words(value: str) -> str:
    """« 12/12/2026 à 18:00 » in the school's zone."""
    return _("%(day)s à %(time)s", day=timefmt.fmt_date(value), time=timefmt.fmt_time(value))


@bp.app_template_filter("file_size")
def file_size(nbytes: int) -> str:
    """« 12 Ko », « 3,4 Mo »."""
    return quota.human_size(int(nbytes or 0))
