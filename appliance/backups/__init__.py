"""Backups in the product: the one service the CLI, the web pages and the scheduled jobs
call (issue 4). The borg side lives in `backup/`; this module builds its inputs from the
configuration and records every action in the audit log.

- `backup_context(config)`: a `backup.context.BackupContext` whose state folder is
  `DATA_DIR/backup` (registry, passphrases, SSH keys, borg's cache, staging);
- `backup_sources(config)`: what a backup holds (cartable.db, metrics.db when present,
  the files area, the config file, the product and schema versions);
- actions, each given the opened Box and the acting `Actor`: `run`, `check`, `drill`,
  `browse`, `init`, `trust_host`, `key_sheet`, `confirm_key_sheet`, `break_lock`, …;
- restores are in `appliance.backups.restore` (files beside the current ones, the whole
  school, the dead-server rebuild).

Backup errors are `backup.errors.BackupError` (not CartableError): callers show
`exc.message`. A person's files are the folder `files/people/<person id>` of the files
area (`person_files_path`).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance import db, timefmt
from appliance.config import Config
from appliance.core import VERSION
from appliance.errors import CartableError
from appliance.security import audit
from appliance.security.audit import Actor
from backup import archives, setup
from backup import jobs as borg_jobs
from backup import restore as borg_restore
from backup.context import MIB, BackupContext, Retention

# What the web pages need of backup/ comes through here (explicit re-exports): webui
# never imports backup/ itself.
from backup.errors import ArchiveNotFound as ArchiveNotFound
from backup.errors import BackupError as BackupError
from backup.fsutil import human_size as human_size
from backup.passphrase import PassphraseSource
from backup.repos import RunRecord, parse_location
from backup.snapshot import BackupSources
from backup.sshkeys import HostKey, authorized_keys_line, generate_identity
from backup.status import RepoStatus, repository_status

log = logging.getLogger("cartable.backup")

STATE_DIR_NAME = "backup"
FILES_TREE = "files"  # the files area's name inside an archive


# --- what the backup side is given -----------------------------------------------------


def state_dir(config: Config) -> Path:
    return Path(config.data_dir) / STATE_DIR_NAME


def _borg_bin(name: str) -> str:
    """`backup.borg_path`, or the borg installed beside this Python when not in PATH."""
    if "/" in name or shutil.which(name):
        return name
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else name


def backup_context(config: Config) -> BackupContext:
    """The BackupContext of this server, from the `backup.*` keys."""
    state = state_dir(config)
    key_file = config["backup.ssh_key_file"]
    return BackupContext(
        state_dir=state,
        borg_bin=_borg_bin(config["backup.borg_path"]),
        lock_wait_seconds=config["backup.lock_wait_seconds"],
        job_timeout_seconds=config["backup.job_timeout_hours"] * 3600.0,
        ssh_identity=Path(key_file) if key_file else state / "ssh" / "id_ed25519",
        remote_path=config["backup.remote_borg_path"] or None,
        automount=config["backup.automount_removable"],
        removable_max_age_days=config["backup.removable_max_age_days"],
        margin_bytes=config["backup.free_space_margin_mb"] * MIB,
        compression=config["backup.compression"],
    )


def backup_sources(config: Config) -> BackupSources:
    """The databases (metrics.db only when present), the files area and the config file."""
    databases = {"cartable.db": config.db_path}
    if config.metrics_db_path.exists():
        databases["metrics.db"] = config.metrics_db_path
    files = {"cartable.toml": config.file} if config.file and Path(config.file).exists() else {}
    config.files_dir.mkdir(parents=True, exist_ok=True)
    return BackupSources(
        databases=databases,
        trees=[config.files_dir],
        config_files=files,
        product_version=VERSION,
        schema_version=db.code_schema_version(),
    )


def retention(config: Config) -> Retention:
    return Retention(
        keep_daily=config["backup.keep_daily"],
        keep_weekly=config["backup.keep_weekly"],
        keep_monthly=config["backup.keep_monthly"],
        compact_every_days=config["backup.compact_every_days"],
    )


def drill_scratch_dir(config: Config) -> Path:
    """Where the restore drill extracts (`backup.drill_scratch_dir`, else in the state)."""
    given = config["backup.drill_scratch_dir"]
    return Path(given) if given else state_dir(config) / "exercice"


def person_files_path(person_id: int) -> str:
    """The folder of one person's files, as it is named inside an archive."""
    return f"{FILES_TREE}/people/{int(person_id)}"


# --- audit ----------------------------------------------------------------------------


def _audit(box, actor: Actor, action: str, target: str | None, outcome: str, details: dict):
    try:
        audit.record(box.conn(), actor, action, target=target, outcome=outcome, details=details)
    except Exception:  # noqa: BLE001 - a full audit disk must not hide the backup's outcome
        log.exception("audit impossible pour %s", action)


@contextmanager
def audited(box, actor: Actor, action: str, target: str | None = None) -> Iterator[dict]:
    """Record `action` once the block ends: "ok", or "error" with the plain message.

    The block may fill the yielded dict (details) and set details["outcome"].
    """
    details: dict[str, Any] = {}
    try:
        yield details
    except (BackupError, CartableError) as exc:
        _audit(box, actor, action, target, "error", {**details, "message": exc.message})
        raise
    outcome = details.pop("outcome", "ok")
    _audit(box, actor, action, target, outcome, details)


def _outcome(records: list[RunRecord]) -> str:
    if any(r.outcome == "error" for r in records):
        return "error"
    return "warning" if any(r.outcome == "warning" for r in records) else "ok"


def _summary(records: list[RunRecord]) -> dict:
    return {
        "outcome": _outcome(records),
        "repositories": {r.label: r.outcome for r in records},
        "archives": [r.archive for r in records if r.archive],
    }


# --- the jobs ---------------------------------------------------------------------------


def run(box, actor: Actor, labels: list[str] | None = None) -> list[RunRecord]:
    """The backup (then prune, and compact when due) to every repository or those in
    `labels`."""
    config = box.config
    with audited(box, actor, "backup.run", ",".join(labels or []) or None) as details:
        records = borg_jobs.run_backup(
            backup_context(config),
            backup_sources(config),
            labels=labels,
            retention=retention(config),
        )
        details.update(_summary(records))
    return records


def check(
    box, actor: Actor, labels: list[str] | None = None, *, verify_data: bool = False
) -> list[RunRecord]:
    """`borg check` of the repositories; with `verify_data`, the time-budgeted
    `--verify-data` (`backup.verify_data_max_minutes`) instead."""
    ctx = backup_context(box.config)
    action = "backup.verify_data" if verify_data else "backup.check"
    with audited(box, actor, action, ",".join(labels or []) or None) as details:
        if verify_data:
            budget = box.config["backup.verify_data_max_minutes"]
            records = borg_jobs.verify_data(ctx, budget, labels=labels)
        else:
            records = borg_jobs.check_repositories(ctx, labels=labels)
        details.update(_summary(records))
    return records


def drill(box, actor: Actor, labels: list[str] | None = None) -> list[RunRecord]:
    """The restore drill: the latest archive of each repository extracted and verified."""
    ctx = backup_context(box.config)
    with audited(box, actor, "backup.drill", ",".join(labels or []) or None) as details:
        records = borg_restore.restore_drill(ctx, drill_scratch_dir(box.config), labels=labels)
        details.update(_summary(records))
    return records


# --- reading ----------------------------------------------------------------------------


def statuses(box) -> list[RepoStatus]:
    """The status of each repository (from the registry: no borg call)."""
    zone = timefmt.zone(box.config["school.timezone"])  # the days its alerts name
    return repository_status(backup_context(box.config), now=datetime.now(zone))


def history(box, label: str, limit: int = 30) -> list[RunRecord]:
    """The newest `limit` runs of repository `label`, newest first."""
    repo = backup_context(box.config).registry.get(label)
    return list(reversed(repo.runs()))[:limit]


def list_archives(box, label: str) -> list[archives.ArchiveInfo]:
    """The archives of `label`, newest first (borg is asked)."""
    return archives.list_archives(backup_context(box.config), label)


def browse(
    box, actor: Actor, label: str, archive: str = "latest", path: str = ""
) -> list[archives.ArchiveEntry]:
    """The items of `archive` directly under `path`; audit-logged (file names are seen)."""
    with audited(box, actor, "backup.browse", f"{label}:{archive}") as details:
        details["path"] = path
        return archives.browse_archive(backup_context(box.config), label, archive, path)


def last_backup_time(box) -> float | None:
    """When the newest successful backup ended (epoch), over every repository; None when
    none ever succeeded or no repository is set up."""
    try:
        found = statuses(box)
    except BackupError as exc:
        log.warning("état des sauvegardes illisible : %s", exc.message)
        return None
    ends = [
        datetime.fromisoformat(s.last_good_backup["ended"]).timestamp()
        for s in found
        if s.last_good_backup and s.last_good_backup.get("ended")
    ]
    return max(ends) if ends else None


def has_repositories(config: Config) -> bool:
    """True when at least one repository is registered (and the registry is readable)."""
    try:
        return bool(backup_context(config).registry.all())
    except BackupError:
        return True  # unreadable registry: monitored, so that someone looks at it


def busy_with(config: Config) -> str | None:
    """What backup job runs right now ("backup (depuis …)"), or None when none.

    Probes the job lock with a shared non-blocking flock released at once.
    """
    path = state_dir(config) / "job.lock"
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                info = json.loads(path.read_text() or "{}")
            except (OSError, ValueError):
                info = {}
            return f"{info.get('job', '?')} (depuis {info.get('since', '?')})"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def wait_until_free(config: Config, seconds: float, poll: float = 5.0) -> bool:
    """Wait up to `seconds` for the running backup job (if any) to end; True when free."""
    deadline = time.monotonic() + seconds
    while busy_with(config) is not None:
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)
    return True


# --- setting up -------------------------------------------------------------------------


def host_keys(url: str) -> list[HostKey]:
    """The SSH host keys the server of `url` presents (to show their fingerprints)."""
    return setup.host_keys(url)


def pinned_key(config: Config, url: str) -> HostKey | None:
    """The key already pinned for the server of `url`, if any."""
    from backup.sshkeys import pinned_host_keys

    loc = parse_location(url)
    keys = pinned_host_keys(backup_context(config).known_hosts, loc.host or "", loc.port)
    return keys[0] if keys else None


def trust_host(box, actor: Actor, url: str, key: HostKey) -> None:
    """Pin `key`, confirmed by the technician, for the server of `url`."""
    loc = parse_location(url)
    with audited(box, actor, "backup.trust_host", f"{loc.host}:{loc.port}") as details:
        details["fingerprint"] = key.fingerprint
        setup.pin_host(backup_context(box.config), url, key)


def ssh_public_key(config: Config, url: str | None = None) -> tuple[str, str]:
    """This server's SSH public key (made on first use) and the authorized_keys line for
    the off-site account: `borg serve` restricted to the repository's folder, append-only."""
    ctx = backup_context(config)
    public = generate_identity(Path(ctx.ssh_identity or ctx.default_identity))
    path = parse_location(url).path if url else "/chemin/du/depot"
    remote_borg = config["backup.remote_borg_path"] or "borg"
    return public, authorized_keys_line(public, path, borg_path=remote_borg, append_only=True)


def init(
    box,
    actor: Actor,
    label: str,
    url: str,
    *,
    passphrase_file: PassphraseSource | None = None,
) -> setup.InitResult:
    """Create (or join, with a given passphrase) repository `url` under `label`."""
    ctx = backup_context(box.config)
    with audited(box, actor, "backup.init", label) as details:
        details["repository"] = parse_location(url).url
        result = setup.init_repository(ctx, label, url, passphrase_source=passphrase_file)
        details["created"] = result.created
    return result


def _school_name(box) -> str:
    from appliance.school import get_school

    given = box.config["backup.school_name"]
    if given:
        return given
    school = get_school(box.conn())
    return school["name"] if school else "Établissement"


def key_sheet(box, actor: Actor, label: str, dest: Path) -> Path:
    """Write the key sheet PDF of `label` to `dest` (0600); audit-logged."""
    ctx = backup_context(box.config)
    with audited(box, actor, "backup.key_sheet", label) as details:
        details["file"] = str(dest)
        return setup.write_key_sheet(
            ctx,
            label,
            Path(dest),
            school_name=_school_name(box),
            data_dir=str(box.config.data_dir),
            now=datetime.now(timefmt.zone(box.config["school.timezone"])),  # printed on it
        )


def key_sheet_pdf(box, actor: Actor, label: str) -> bytes:
    """The key sheet PDF of `label` as bytes (for a download); no copy is left on disk."""
    ctx = backup_context(box.config)
    ctx.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(dir=ctx.state_dir) as tmp:
        path = key_sheet(box, actor, label, Path(tmp) / "fiche.pdf")
        return path.read_bytes()


def confirm_key_sheet(box, actor: Actor, label: str) -> None:
    """Record that the key sheet of `label` is printed and stored in the safe."""
    with audited(box, actor, "backup.key_sheet_confirm", label):
        setup.confirm_key_sheet(backup_context(box.config), label)


def break_lock(box, actor: Actor, label: str) -> str:
    with audited(box, actor, "backup.break_lock", label):
        return setup.break_lock(backup_context(box.config), label)


def accept_relocation(box, actor: Actor, label: str, new_url: str | None = None) -> str:
    """Accept that repository `label` moved (to `new_url` when given)."""
    ctx = backup_context(box.config)
    with audited(box, actor, "backup.accept", label) as details:
        if new_url:
            details["repository"] = setup.change_location(ctx, label, new_url).url
        return setup.accept_relocation(ctx, label)


# --- file owners ------------------------------------------------------------------------


def fix_ownership(config: Config, paths: list[Path] | None = None) -> None:
    """When root runs a command, give what it wrote to the owner of the data folder, so
    that the services (user `cartable`) can go on using it: `paths`, or by default the
    state folder and the repositories on this server's disks (local, removable mounted)."""
    if os.geteuid() != 0:
        return
    try:
        st = Path(config.data_dir).stat()
    except OSError:
        return
    if st.st_uid == 0:
        return
    for top in paths if paths is not None else [state_dir(config), *_repository_paths(config)]:
        top = Path(top)
        if not top.exists():
            continue
        os.lchown(top, st.st_uid, st.st_gid)
        if top.is_dir() and not top.is_symlink():
            for dirpath, dirnames, filenames in os.walk(top):
                for name in dirnames + filenames:
                    os.lchown(os.path.join(dirpath, name), st.st_uid, st.st_gid)


def _repository_paths(config: Config) -> list[Path]:
    """The folders of the local repositories, and of removable ones that are mounted."""
    from backup.disks import locate_filesystem

    out = []
    try:
        repos = backup_context(config).registry.all()
    except BackupError:
        return []
    for repo in repos:
        loc = parse_location(repo.url)
        if loc.kind == "local":
            out.append(Path(loc.path))
        elif loc.kind == "removable" and loc.fs_uuid:
            mounted = locate_filesystem(loc.fs_uuid).mountpoint
            if mounted is not None:
                out.append(mounted / loc.path.lstrip("/"))
    return out
