"""Imports in the web UI: upload, preview, apply, abandon, history; credentials slips.

The plan (the preview) and the apply are jobs of the queue that the worker runs
(`appliance.directory.import_jobs`), and so are the slips PDFs (`slips_jobs`): these
views queue them and send the technician to the job's page (`views_jobs`), which follows
it and then shows the preview, the applied import or the PDF's link.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import jobqueue
from appliance.directory import browse, history, import_actions, import_jobs, slips_jobs, uploads
from appliance.directory import jobs as directory_jobs
from appliance.directory.people import PROFILES
from appliance.errors import CartableError, NotFound
from appliance.school import get_school
from webui.access import actor, box, conn, requires
from webui.directory import bp, preview
from webui.directory.common import int_field
from webui.messages import error_text

SLIP_PROFILES = [p for p in PROFILES if p != "admin"]


def _data_dir():
    return box().config.data_dir


def _pending(token: str) -> uploads.PendingImport:
    try:
        return uploads.load(_data_dir(), token)
    except NotFound:
        abort(404)


def upload_page(error: str | None = None, status: int = 200):
    return render_template(
        "directory/imports.html", error=error, recent=history.list_imports(conn(), limit=5)
    ), status


def preview_page(token: str, data: dict, full: bool, *, notice: str | None = None,
                 status: int = 200):  # fmt: skip
    """The preview of the plan `data` (as `import_jobs.preview` gives it) of upload `token`."""
    data = {
        **data,
        "problems": [
            {**p, "message": error_text(import_jobs.problem_message(p))} for p in data["problems"]
        ],
    }
    return render_template(
        "directory/preview.html",
        token=token,
        plan=data,
        full=full,
        count_rows=preview.count_rows(data),
        columns=preview.COLUMNS,
        rollover=preview.rollover(data),
        problems=preview.problems(data),
        details=preview.details(data),
        notice=notice,
    ), status


def refusal_notice(reason: str) -> str:
    """Why an apply was refused, in words: "errors" or "changed"."""
    if reason == "errors":
        return _(
            "Cet import a des erreurs : rien n'a été appliqué. Corrigez les fichiers "
            "(voir les problèmes ci-dessous), puis envoyez-les à nouveau."
        )
    return _(
        "L'annuaire a changé depuis l'aperçu que vous avez lu (un autre import, un "
        "compte créé ou modifié) : rien n'a été appliqué. Voici l'aperçu à jour ; "
        "relisez-le, puis appliquez-le."
    )


def _active_job(token: str) -> int | None:
    """The upload's latest job while it is queued or runs, else None."""
    job_id = import_jobs.latest_job(box(), token)
    if job_id is None:
        return None
    job = directory_jobs.get(box(), job_id)
    return job_id if job["state"] in jobqueue.ACTIVE else None


@bp.route("/annuaire/imports", endpoint="imports")
@requires("directory.import")
def imports_page():
    return upload_page()


@bp.route("/annuaire/imports", methods=["POST"], endpoint="import_upload")
@requires("directory.import")
def import_upload():
    files = request.files.getlist("files")
    full = request.form.get("full") == "1"
    try:
        pending = import_actions.upload(
            conn(),
            _data_dir(),
            [(f.filename or "", f.stream) for f in files],
            full=full,
            actor=actor(),
        )
    except CartableError as exc:
        return upload_page(error_text(exc), 400)
    job_id = import_jobs.request_plan(box(), actor(), pending)
    return redirect(url_for("directory.job", job_id=job_id))


@bp.route("/annuaire/imports/apercu/<token>")
@requires("directory.import")
def import_preview(token: str):
    pending = _pending(token)
    job_id = import_jobs.latest_job(box(), token)
    data = import_jobs.preview(box(), token)
    if job_id is not None and (data is None or _active_job(token)):
        return redirect(url_for("directory.job", job_id=job_id))
    if data is None:
        abort(404)
    return preview_page(token, data, pending.full)


@bp.route("/annuaire/imports/apercu/<token>/appliquer", methods=["POST"])
@requires("directory.import")
def import_apply(token: str):
    pending = _pending(token)
    running = _active_job(token)
    data = import_jobs.preview(box(), token)
    if running is not None or data is None:
        return redirect(url_for("directory.import_preview", token=token))
    digest = request.form.get("digest") or ""
    reason = None
    if not data["applicable"]:
        reason = "errors"
    elif digest != data["digest"]:
        reason = "changed"  # posted from an older preview than the one kept
    if reason is not None:
        import_actions.refuse_apply(conn(), actor(), reason=reason, errors=data["errors"])
        status = 409 if reason == "changed" else 400
        return preview_page(token, data, pending.full, notice=refusal_notice(reason),
                            status=status)  # fmt: skip
    job_id = import_jobs.request_apply(box(), actor(), pending, digest)
    return redirect(url_for("directory.job", job_id=job_id))


@bp.route("/annuaire/imports/apercu/<token>/abandonner", methods=["POST"])
@requires("directory.import")
def import_cancel(token: str):
    _pending(token)
    running = _active_job(token)
    if running is not None:  # its page cancels it (an apply may be past the point of no return)
        return redirect(url_for("directory.job", job_id=running))
    import_actions.abandon(conn(), _data_dir(), token, actor=actor())
    flash(_("Import abandonné : les fichiers envoyés ont été effacés du serveur."), "info")
    return redirect(url_for("directory.imports"))


@bp.route("/annuaire/imports/historique")
@requires("directory.import")
def import_history():
    return render_template("directory/history.html", runs=history.list_imports(conn(), 200))


@bp.route("/annuaire/imports/historique/<int:import_id>")
@requires("directory.import")
def import_detail(import_id: int):
    try:
        run = history.get_import(conn(), import_id)
    except NotFound:
        abort(404)
    latest = history.list_imports(conn(), limit=1)
    return render_template(
        "directory/import_detail.html",
        run=run,
        count_rows=preview.count_rows({"counts": run["counts"]}),
        columns=preview.COLUMNS,
        is_latest=bool(latest) and latest[0]["id"] == import_id,
    )


def _portal_url() -> str:
    school = get_school(conn()) or {}
    return (box().config["web.public_url"] or school.get("portal_url") or request.host_url).rstrip(
        "/"
    )


@bp.route("/annuaire/fiches", methods=["GET", "POST"])
@requires("directory.credentials")
def credentials_page():
    classes = [c for c in browse.list_classes(conn()) if not c["retired_at"]]
    form = {
        "class_code": request.form.get("class_code") or None,
        "profile": request.form.get("profile") or None,
        "new_since_import": int_field("new_since_import"),
    }
    page = {
        "classes": classes,
        "profiles": SLIP_PROFILES,
        "runs": history.list_imports(conn(), limit=20),
        "form": form,
    }
    if request.method == "GET":
        return render_template("directory/credentials.html", **page)
    error = None
    if form["profile"] not in (None, *SLIP_PROFILES):
        error = _("Profil inconnu : choisissez dans la liste.")
    elif form["class_code"] and form["class_code"] not in {c["code"] for c in classes}:
        error = _("Classe inconnue : choisissez dans la liste.")
    elif request.form.get("confirm") != "1":
        error = _(
            "Cochez la case de confirmation : imprimer ces fiches remplace les mots de passe "
            "actuels des comptes choisis."
        )
    if error:
        return render_template("directory/credentials.html", error=error, **page), 400
    try:
        job_id = slips_jobs.request_slips(box(), actor(), **form, portal_url=_portal_url())
    except CartableError as exc:
        return render_template("directory/credentials.html", error=error_text(exc), **page), 400
    return redirect(url_for("directory.job", job_id=job_id))
