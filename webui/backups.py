"""The technician's backups page (issue 4): per repository the last backup, the last
proven restore, sizes, next run, key sheet and history; run a backup now; browse an
archive and restore files beside the current ones; download and confirm the key sheet.

Every action goes through `appliance.backups` (audit-logged there). A backup started
here runs in a background thread of the web process, so that no waitress thread waits
for borg; the page shows it as running until it ends.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import PurePosixPath

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import backup_restore, backups, borg_install, labels
from appliance.backup_schedule import next_backup_shown
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.portal import tiles
from appliance.security.audit import Actor
from backup.errors import ArchiveNotFound, BackupError
from backup.fsutil import human_size
from webui.access import actor, box, requires
from webui.formats import datetime_fr
from webui.messages import error_text

log = logging.getLogger("cartable.web")

bp = Blueprint("backups", __name__, url_prefix="/admin/sauvegardes")

tiles.register_endpoint("backups", "backups.index")


JOB_LABELS = labels.BACKUP_JOBS
OUTCOME_LABELS = labels.BACKUP_OUTCOMES
KIND_LABELS = {
    "local": N_("Disque local"),
    "ssh": N_("Hors site (SSH)"),
    "removable": N_("Disque amovible"),
}


# --- the background run ------------------------------------------------------------------

_RUNS: dict[str, dict] = {}
_RUNS_LOCK = threading.Lock()


def background_state(config) -> dict | None:
    """The backup started from this page in this process (running or finished), if any."""
    with _RUNS_LOCK:
        state = _RUNS.get(str(config.data_dir))
        return dict(state) if state else None


def _shown(state: dict | None) -> dict | None:
    """The background run's state for the page, its error in the page's language."""
    if state and state.get("error") is not None:
        state["error"] = error_text(state["error"])
    return state


def _start_background(the_box, actor: Actor, labels: list[str] | None) -> bool:
    """Start `backups.run` in a thread; False when one started here still runs."""
    key = str(the_box.config.data_dir)
    with _RUNS_LOCK:
        current = _RUNS.get(key)
        if current and current["running"]:
            return False
        state = {"running": True, "by": actor.login, "labels": labels, "records": []}
        state["started"] = datetime.now().astimezone().isoformat(timespec="seconds")
        state["error"] = None

        def work() -> None:
            try:
                records = backups.run(the_box, actor, labels)
                result = {"records": [r.to_dict() for r in records], "error": None}
            except (BackupError, CartableError) as exc:
                # Kept as the error: translated in the language of the page that shows it.
                result = {"records": [], "error": exc}
            except Exception:  # noqa: BLE001 - shown on the page, the traceback in the log
                log.exception("sauvegarde lancée depuis la page : erreur inattendue")
                result = {"records": [], "error": None, "unexpected": True}
            with _RUNS_LOCK:
                state.update(result, running=False)
                state["ended"] = datetime.now().astimezone().isoformat(timespec="seconds")

        state["thread"] = threading.Thread(target=work, name="backup-now", daemon=True)
        _RUNS[key] = state
        state["thread"].start()
    return True


# --- helpers ----------------------------------------------------------------------------


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
        background=_shown(background_state(config)),
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
    if not _start_background(box(), actor(), [label] if label else None):
        return _back_to_index(_("Une sauvegarde lancée depuis cette page est déjà en cours."))
    flash(
        _("Sauvegarde lancée. Elle se poursuit en arrière-plan : actualisez la page pour suivre."),
        "success",
    )
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
