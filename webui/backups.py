"""The technician's backups page (issue 4): per repository the last backup, the last
proven restore, sizes, next run, key sheet and history; run a backup now; browse an
archive and restore files beside the current ones; download and confirm the key sheet.

Every action goes through `appliance.backups` (audit-logged there). A backup started
here is a job of the queue (`appliance.backups.jobs`), run by the worker process: the page
shows it queued, running (with its progress) or ended, and refreshes itself meanwhile.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import backups, borg_install, jobqueue, labels
from appliance.backups import ArchiveNotFound, BackupError, human_size
from appliance.backups import jobs as backup_jobs
from appliance.backups import restore as backup_restore
from appliance.backups.schedule import next_backup_shown
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from webui.access import actor, box, requires
from webui.formats import datetime_fr
from webui.messages import error_text

log = logging.getLogger("cartable.web")

bp = Blueprint("backups", __name__, url_prefix="/admin/sauvegardes")


JOB_LABELS = labels.BACKUP_JOBS
OUTCOME_LABELS = labels.BACKUP_OUTCOMES
KIND_LABELS = {
    "local": N_("Disque local"),
    "ssh": N_("Hors site (SSH)"),
    "removable": N_("Disque amovible"),
}


# --- helpers ----------------------------------------------------------------------------


def _shown(job: dict | None) -> dict | None:
    """The backup job for the page: its message and error in the page's language."""
    if job is not None:
        for key in ("message", "error"):
            job[key] = error_text(job[key]) if job[key] is not None else None
    return job


@bp.app_template_filter("backup_time")
def backup_time(iso: str | None) -> str:
    """An ISO time (UTC, local or naive borg time) as « 29/11/2026 01:30 » in the school's
    zone; "" for None."""
    return datetime_fr(iso)


@bp.app_template_filter("backup_size")
def backup_size(n: int | None) -> str:
    return "—" if n is None else human_size(n)


def _label_arg() -> str:
    return (request.values.get("depot") or "").strip()[:40]


def _back_to_index(message: str):
    flash(message, "error")
    return redirect(url_for("backups.index"))


def _parent(path: str) -> str | None:
    if not path:
        return None
    parent = str(PurePosixPath(path).parent)
    return "" if parent == "." else parent


# --- pages ------------------------------------------------------------------------------


@bp.route("/")
@requires("admin.backups.view")
def index():
    config = box().config
    error = None
    try:
        found = backups.statuses(box())
        histories = {s.label: backups.history(box(), s.label, limit=20) for s in found}
    except BackupError as exc:
        found, histories, error = [], {}, error_text(exc)
    return render_template(
        "backups/index.html",
        repos=found,
        histories=histories,
        error=error,
        borg_missing=borg_install.unavailable(config),
        next_run=next_backup_shown(config),
        busy=backups.busy_with(config),
        background=_shown(backup_jobs.current_run(box())),
        active=jobqueue.ACTIVE,
        enabled=config["backup.enabled"],
        job_labels=JOB_LABELS,
        outcome_labels=OUTCOME_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.route("/lancer", methods=["POST"])
@requires("admin.backups.run")
def run_now():
    config = box().config
    label = _label_arg()
    if not backups.has_repositories(config):
        return _back_to_index(_("Aucun dépôt de sauvegarde n'est configuré."))
    running = backups.busy_with(config)
    if running:
        return _back_to_index(
            _("Une tâche de sauvegarde est déjà en cours : %(job)s.", job=running)
        )
    try:
        backup_jobs.request_run(box(), actor(), [label] if label else None)
    except CartableError as exc:
        return _back_to_index(error_text(exc))
    flash(
        _(
            "Sauvegarde lancée. Elle se fait en arrière-plan : cette page se met à jour "
            "pendant qu'elle avance."
        ),
        "success",
    )
    return redirect(url_for("backups.index"))


@bp.route("/annuler", methods=["POST"])
@requires("admin.backups.run")
def cancel_run():
    try:
        job_id = int(request.form.get("tache") or "")
        state = backup_jobs.cancel_run(box(), actor(), job_id)
    except ValueError:
        return _back_to_index(_("Choisissez la sauvegarde à annuler."))
    except CartableError as exc:
        return _back_to_index(error_text(exc))
    if state == "cancelled":
        flash(_("Sauvegarde annulée : elle ne démarrera pas."), "success")
    else:
        flash(_("Annulation demandée : la sauvegarde s'arrête dès qu'elle le peut."), "success")
    return redirect(url_for("backups.index"))


@bp.route("/archives")
@requires("admin.backups.view")
def archives():
    label = _label_arg()
    if not label:
        return _back_to_index(_("Choisissez un dépôt."))
    try:
        found = backups.list_archives(box(), label)
    except BackupError as exc:
        return _back_to_index(error_text(exc))
    return render_template("backups/archives.html", label=label, archives=found)


@bp.route("/parcourir")
@requires("admin.backups.restore")
def browse():
    label = _label_arg()
    # Cut past the longest valid name (200), so that a longer one is refused, not cut.
    archive = (request.args.get("archive") or "").strip()[:300]
    path = (request.args.get("chemin") or "").strip()[:1000]
    if not label or not archive:
        return _back_to_index(_("Choisissez un dépôt et une archive."))
    try:
        entries = backups.browse(box(), actor(), label, archive, path)
    except ArchiveNotFound as exc:
        return render_template("errors/error.html", code=404, message=error_text(exc)), 404
    except (BackupError, CartableError) as exc:
        if exc.field in ("archive", "path"):  # the address itself is wrong
            return render_template("errors/error.html", code=400, message=error_text(exc)), 400
        return _back_to_index(error_text(exc))
    return render_template(
        "backups/browse.html",
        label=label,
        archive=archive,
        path=path,
        parent=_parent(path),
        entries=entries,
        files_tree=backups.FILES_TREE,
    )


@bp.route("/restaurer", methods=["POST"])
@requires("admin.backups.restore")
def restore():
    label = _label_arg()
    archive = (request.form.get("archive") or "").strip()[:300]
    path = (request.form.get("chemin") or "").strip()[:1000]
    login = (request.form.get("login") or "").strip()[:100]
    back = url_for("backups.browse", depot=label, archive=archive, chemin=_parent(path) or "")
    if not label or not archive or not (path or login):
        return _back_to_index(_("Indiquez le dépôt, l'archive et ce qu'il faut restaurer."))
    try:
        if login:
            path = backup_restore.person_folder(box(), login)[1]
        out = backup_restore.restore_files(box(), actor(), label, archive, [path])
    except NotFound:
        flash(_("Aucun compte n'a l'identifiant « %(login)s ».", login=login), "error")
        return redirect(back)
    except (BackupError, CartableError) as exc:
        flash(error_text(exc), "error")
        return redirect(back)
    flash(
        _(
            "%(files)s fichier(s) restauré(s) dans %(folder)s, à côté des fichiers actuels "
            "(rien n'a été écrasé).",
            files=out.files,
            folder=str(out.folder),
        ),
        "success",
    )
    return redirect(back)


@bp.route("/fiche-de-cle", methods=["POST"])
@requires("admin.backups.key_sheet")
def key_sheet():
    label = _label_arg()
    if not label:
        return _back_to_index(_("Choisissez un dépôt."))
    try:
        pdf = backups.key_sheet_pdf(box(), actor(), label)
    except (BackupError, CartableError) as exc:
        return _back_to_index(error_text(exc))
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="fiche-de-cle-{label}.pdf"'},
    )


@bp.route("/fiche-de-cle/confirmer", methods=["POST"])
@requires("admin.backups.key_sheet")
def key_sheet_confirm():
    label = _label_arg()
    if not label:
        return _back_to_index(_("Choisissez un dépôt."))
    try:
        backups.confirm_key_sheet(box(), actor(), label)
    except (BackupError, CartableError) as exc:
        return _back_to_index(error_text(exc))
    flash(_("Fiche de clé de « %(label)s » notée comme rangée au coffre.", label=label), "success")
    return redirect(url_for("backups.index"))
