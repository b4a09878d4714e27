"""Restores, for the CLI and the web page (issue 4): files or a person's folder beside the
current files (`restore_files`), the whole school back to an earlier archive
(`restore_school`), and the dead-server rebuild into an empty data folder
(`disaster_restore`). Each is audit-logged; the borg side is `backup.archives` and
`backup.restore`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from appliance import backups, db
from appliance.config import Config
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security import audit
from appliance.security.audit import Actor
from backup import archives, restore
from backup.passphrase import PassphraseSource
from backup.repos import parse_location
from backup.steps import RestoreReport

log = logging.getLogger("cartable.backup")


def _files_path(path: str) -> str:
    clean = path.strip().strip("/")
    if clean != backups.FILES_TREE and not clean.startswith(backups.FILES_TREE + "/"):
        raise CartableError(
            N_(
                "Seuls les fichiers de l'espace « %(value)s/ » se restaurent à côté des "
                "fichiers actuels (%(path)s n'en fait pas partie). Pour les bases de données, "
                "restaurez tout l'établissement (cartable backup restore-school)."
            ),
            field="path",
            value=backups.FILES_TREE,
            path=repr(path),
        )
    return clean


def person_folder(box, login: str) -> tuple[dict, str]:
    """The person `login` and the archive path of their files; NotFound when unknown."""
    from appliance.directory import people

    person = people.get_by_login(box.conn(), login)
    return person, backups.person_files_path(person["id"])


def restore_files(
    box, actor: Actor, label: str, archive: str, paths: list[str]
) -> archives.RestoredPaths:
    """Restore files or folders of the files area into a new dated folder beside the
    current files (`files/restauration-ARCHIVE-DATE/...`); nothing is overwritten."""
    wanted = [_files_path(p) for p in paths]
    with backups.audited(box, actor, "backup.restore_files", f"{label}:{archive}") as details:
        details["paths"] = wanted
        out = archives.restore_paths(
            backups.backup_context(box.config), label, archive, wanted, box.config.files_dir
        )
        details["folder"] = str(out.folder)
        details["files"] = out.files
    backups.fix_ownership(box.config, [out.folder])
    return out


def restore_school(box, actor: Actor, label: str, archive: str) -> RestoreReport:
    """The whole school back to `archive`; the current state is archived first. The web
    and worker services must be stopped (the CLI says so)."""
    config = box.config
    with backups.audited(box, actor, "backup.restore_school", f"{label}:{archive}") as details:
        report = restore.restore_school(
            backups.backup_context(config), label, archive, backups.backup_sources(config)
        )
        details.update(outcome="ok" if report.ok else "error", archive=report.archive)
        if report.failed_step:
            details["failed_step"] = report.failed_step.name
            details["message"] = report.failed_step.message
    if report.ok:
        backups.fix_ownership(config, [config.db_path, config.metrics_db_path, config.files_dir])
        # The connection of this process still reads the replaced file: record it anew.
        _audit_fresh(config, actor, "backup.restore_school", label, report)
    return report


def _audit_fresh(
    config: Config, actor: Actor, action: str, target: str, report: RestoreReport
) -> None:
    try:
        conn = db.connect(config.db_path)
        try:
            audit.record(conn, actor, action, target=target, details={"archive": report.archive})
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - the restore is done; the log says why not
        log.warning("restauration faite, mais non inscrite au journal d'audit : %s", exc)


def disaster_restore(
    config: Config,
    actor: Actor,
    repo: str,
    archive: str,
    passphrase: PassphraseSource,
    *,
    config_dir: Path | None = None,
) -> RestoreReport:
    """Rebuild `config.data_dir` (which must be empty) from `repo` on a new server.

    Given the repository (path, ssh:// URL or removable://…), the archive name or
    "latest", the passphrase (a Secret or a file) and where the config files go (default
    `DATA_DIR/configuration`); an SSH host key must be pinned first. On success the
    restore is recorded in the restored audit log. Returns the report.
    """
    ctx = backups.backup_context(config)
    report = restore.restore_to_data_dir(
        ctx, repo, archive, Path(config.data_dir), passphrase, config_dir=config_dir
    )
    if report.ok:
        restored = [config.db_path, config.metrics_db_path, config.files_dir, ctx.state_dir]
        backups.fix_ownership(config, restored)
        _audit_fresh(config, actor, "backup.restore_full", parse_location(repo).url, report)
    return report
