"""The page of a directory job of the queue (#10): an import's plan or apply, a slips PDF.

While the job is queued or runs, the page shows its step and percentage and reloads
itself (`<meta http-equiv="refresh">`: no script, the CSP); it can be cancelled there.
Once it has ended: a plan shows its preview, an apply the import it made (or, refused,
the new preview and why), a slips PDF its download link, for whoever asked only; a
failure says what went wrong in words. Who may see it is the policy's (`job.view`,
`job.result`).
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from appliance import jobqueue, timefmt
from appliance.directory import import_jobs, slips_jobs, uploads
from appliance.directory import jobs as directory_jobs
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from webui.access import actor, ask, box, requires
from webui.directory import bp
from webui.directory.common import attachment
from webui.directory.views_imports import preview_page, refusal_notice, upload_page
from webui.messages import error_text

TITLES = {
    import_jobs.PLAN: N_("Préparation de l'aperçu de l'import"),
    import_jobs.APPLY: N_("Application de l'import"),
    slips_jobs.KIND: N_("Fiches de connexion"),
}
REFRESH_SECONDS = 2


def _job(job_id: int) -> dict:
    return directory_jobs.get(box(), job_id)


def _percent(job: dict) -> int | None:
    if not job["total"]:
        return None
    return max(0, min(100, (job["done"] or 0) * 100 // job["total"]))


def _preview_url(job: dict) -> str | None:
    """The preview to go back to after a failed apply, while its files are there."""
    token = job["params"].get("token")
    if job["kind"] != import_jobs.APPLY or not token:
        return None
    try:
        uploads.load(box().config.data_dir, token)
    except NotFound:
        return None
    return url_for("directory.import_preview", token=token)


def _status_page(job: dict, status: int = 200):
    return render_template(
        "directory/job.html",
        job=job,
        title=_(TITLES[job["kind"]]),
        active=job["state"] in jobqueue.ACTIVE,
        refresh=REFRESH_SECONDS,
        percent=_percent(job),
        message=error_text(job["message"]) if job["message"] else None,
        error=error_text(job["error"]) if job["error"] else None,
        slips_ready=job["state"] == "done" and slips_jobs.available(box(), job),
        may_download=ask("job.result", job),
        preview_url=_preview_url(job),
    ), status


def _plan_ended(job: dict):
    token = job["params"]["token"]
    if job["state"] == "done":
        return redirect(url_for("directory.import_preview", token=token))
    if job["state"] == "cancelled":
        flash(_("Aperçu annulé : les fichiers envoyés ont été effacés du serveur."), "info")
        return redirect(url_for("directory.imports"))
    # Failed (files that can't be read, removed with the upload): the upload form again,
    # with the reason, answered 400 as the upload itself would have been.
    message = error_text(job["error"]) if job["error"] else _("L'aperçu n'a pas pu être fait.")
    return upload_page(message, 400)


def _apply_ended(job: dict):
    token, result = job["params"]["token"], job["result"] or {}
    if job["state"] == "done" and result.get("import_id"):
        flash(_("Import n° %(n)s appliqué.", n=result["import_id"]), "success")
        return redirect(url_for("directory.import_detail", import_id=result["import_id"]))
    try:
        pending = uploads.load(box().config.data_dir, token)
        data = import_jobs.preview(box(), token)
    except NotFound:
        return _status_page(job)
    if job["state"] == "cancelled":
        flash(_("Application annulée : rien n'a été modifié dans l'annuaire."), "info")
        return redirect(url_for("directory.import_preview", token=token))
    if job["state"] == "done" and data is not None:
        reason = result.get("refused", "changed")
        status = 409 if reason == "changed" else 400
        return preview_page(token, data, pending.full, notice=refusal_notice(reason),
                            status=status)  # fmt: skip
    return _status_page(job)


@bp.route("/annuaire/taches/<int:job_id>", endpoint="job")
@requires("job.view", target=_job)
def job_page(job_id: int):
    job = g.target
    if job["state"] in jobqueue.ACTIVE:
        return _status_page(job)
    if job["kind"] == import_jobs.PLAN:
        return _plan_ended(job)
    if job["kind"] == import_jobs.APPLY:
        return _apply_ended(job)
    return _status_page(job)


@bp.route("/annuaire/taches/<int:job_id>/annuler", methods=["POST"], endpoint="job_cancel")
@requires("job.view", target=_job)
def job_cancel(job_id: int):
    try:
        state = directory_jobs.cancel(box(), actor(), g.target)
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("directory.job", job_id=job_id))
    if state == "cancelled":
        flash(_("Tâche annulée : elle ne démarrera pas."), "success")
    else:
        flash(_("Annulation demandée : la tâche s'arrête à sa prochaine étape."), "success")
    return redirect(url_for("directory.job", job_id=job_id))


@bp.route("/annuaire/taches/<int:job_id>/fiches.pdf", endpoint="job_download")
@requires("job.result", target=_job)
def job_download(job_id: int):
    job = g.target
    try:
        pdf = slips_jobs.take_pdf(box(), actor(), job)
    except NotFound:
        abort(404)
    params = job["params"]
    number = params.get("new_since_import")
    what = (
        params.get("class_code")
        or params.get("profile")
        or (f"import-{number}" if number else "tous")
    )
    return attachment(pdf, f"fiches-connexion-{what}-{timefmt.today()}.pdf", "application/pdf")
