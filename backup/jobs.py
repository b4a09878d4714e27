"""Job bodies the scheduler runs: the nightly backup (then prune, and compact when due),
the weekly repository check, and the time-budgeted `--verify-data`.

Prune runs after every nightly backup. `borg compact`, which gives the space of pruned
archives back to the disk, runs after a prune that deleted archives when the last
compaction (or the repository's creation) is `Retention.compact_every_days` old, and
at once, before the backup, when the repository's disk is too full for it.

Every job holds the job lock, runs on each selected repository in turn (one failing
repository never stops the others), records one `RunRecord` per repository in the
registry's history and returns them.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import datetime
from pathlib import Path

from backup.commands import (
    check_argv,
    compact_argv,
    create_argv,
    prune_argv,
)
from backup.context import BackupContext, Retention
from backup.errors import N_, BackupError, BorgError, NotEnoughSpace, RepositoryUnavailable
from backup.fsutil import human_size
from backup.locking import job_lock
from backup.repos import Repository, RunRecord, now_iso
from backup.runner import Borg, BorgResult
from backup.snapshot import BackupSources, Snapshot, build_snapshot
from backup.targets import (
    Target,
    check_space,
    clear_stale_locks,
    connection_failure_cause,
    open_target,
)

log = logging.getLogger("cartable.backup")

NIGHTLY_PREFIX = "cartable"


def record(ctx: BackupContext, rec: RunRecord) -> RunRecord:
    """Finish `rec` (end time) and append it to its repository's history; returns it."""
    rec.ended = now_iso()
    level = logging.INFO if rec.ok or rec.outcome == "skipped" else logging.ERROR
    log.log(level, "[%s] %s : %s — %s", rec.label, rec.job, rec.outcome, rec.message)
    try:
        ctx.registry.record_run(rec)
    except BackupError:
        pass  # a repository outside the registry (disaster restore) has no history
    return rec


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _overdue(ctx: BackupContext, repo: Repository) -> str | None:
    last = repo.last_run("backup", ok_only=True)
    since = last.started if last else repo.created
    days = (time.time() - _epoch(since)) / 86400
    if days <= ctx.removable_max_age_days:
        return None
    what = "Dernière sauvegarde réussie sur ce disque" if last else "Disque enregistré"
    return (
        f"{what} il y a {int(days)} jours (plus de {ctx.removable_max_age_days}) : "
        "branchez-le pour qu'il reçoive la prochaine sauvegarde."
    )


def _create(
    borg: Borg, target: Target, snap: Snapshot, prefix: str, now: datetime, compression: str
) -> tuple[BorgResult, str]:
    base = f"{prefix}-{now:%Y-%m-%dT%H:%M:%S}"
    for attempt in range(5):
        name = base if attempt == 0 else f"{base}.{attempt}"
        argv = create_argv(
            target.location, name, snap.paths, compression=compression, comment=snap.comment
        )
        try:
            res = borg.run(argv, passphrase=target.passphrase, relocated_ok=target.relocated_ok)
        except BorgError as exc:
            if exc.borg_exit_code == 30:  # archive name taken (two runs in one second)
                continue
            raise
        return res, name
    raise BackupError(N_("Impossible de trouver un nom d'archive libre."))


def pruned_count(res: BorgResult) -> int:
    """How many archives `borg prune --list --log-json` deleted (its « Pruning archive »
    lines)."""
    return sum(
        1
        for r in res.log
        if r.get("name") == "borg.output.list"
        and str(r.get("message", "")).startswith("Pruning archive")
    )


def compaction_due(
    repo: Repository, pruned_now: int, every_days: int, now: float | None = None
) -> bool:
    """True when `borg compact` should run now: archives were pruned since the last
    compaction (`pruned_now` of them tonight) and the last compaction, or the
    repository's creation, is at least `every_days` days old."""
    if not (pruned_now or repo.compaction_pending()):
        return False
    since = repo.last_compaction() or repo.created
    now = time.time() if now is None else now
    return now - _epoch(since) >= every_days * 86400


def _compact(borg: Borg, target: Target) -> None:
    borg.run(
        compact_argv(target.location),
        passphrase=target.passphrase,
        relocated_ok=target.relocated_ok,
    )


def _prune_compact(
    borg: Borg, target: Target, retention: Retention, prefix: str, repo: Repository, rec: RunRecord
) -> tuple[list[str], str]:
    """Prune, then compact when due (see the module doc); fills `rec.pruned` and
    `rec.compacted`. Returns (notes, "ok"|"warning")."""
    argv = prune_argv(
        target.location,
        keep_daily=retention.keep_daily,
        keep_weekly=retention.keep_weekly,
        keep_monthly=retention.keep_monthly,
        glob=f"{prefix}-*",
    )
    notes = []
    try:
        res = borg.run(argv, passphrase=target.passphrase, relocated_ok=target.relocated_ok)
        rec.pruned = pruned_count(res)
        if rec.pruned:
            notes.append(f"{rec.pruned} archive(s) ancienne(s) élaguée(s).")
        if not rec.compacted and compaction_due(repo, rec.pruned, retention.compact_every_days):
            _compact(borg, target)
            rec.compacted = True
            notes.append("Place des archives élaguées rendue au disque (compact).")
    except BorgError as exc:
        notes.append(f"L'archive est faite, mais le nettoyage (prune/compact) a échoué : {exc}")
        return notes, "warning"
    return notes, "ok"


def repository_size(res: BorgResult) -> int | None:
    """Bytes the archives of the repository hold, deduplicated and compressed, from
    `borg create --json` (cache stats); pruned archives count until compacted."""
    try:
        return int(res.json["cache"]["stats"]["unique_csize"])
    except (KeyError, TypeError, ValueError):
        return None


def _space(
    borg: Borg,
    target: Target,
    repo: Repository,
    needed: int,
    margin: int,
    retention: Retention | None,
    rec: RunRecord,
) -> list[str]:
    """Check the repository's free space; when short and pruned archives still take
    space, compact first and check again. Returns notes; raises NotEnoughSpace."""
    try:
        check_space(target, needed, margin)
        return []
    except NotEnoughSpace:
        if retention is None or not repo.compaction_pending():
            raise
    _compact(borg, target)
    rec.compacted = True
    check_space(target, needed, margin)
    return ["Disque du dépôt presque plein : place des archives élaguées rendue (compact)."]


def _created(rec: RunRecord, repo: Repository, res: BorgResult, name: str) -> str:
    """Fill `rec` from `borg create --json`; returns the message. Raises when the
    repository at that address is not the registered one."""
    found_id = (res.json or {}).get("repository", {}).get("id")
    if repo.repo_id and found_id and found_id != repo.repo_id:
        raise RepositoryUnavailable(
            N_(
                "Le dépôt à l'adresse de « %(label)s » n'est plus celui enregistré "
                "(identifiant différent). Vérifiez l'adresse."
            ),
            label=repo.label,
        )
    stats = (res.json or {}).get("archive", {}).get("stats", {})
    rec.archive = name
    rec.original_size = stats.get("original_size")
    rec.compressed_size = stats.get("compressed_size")
    rec.deduplicated_size = stats.get("deduplicated_size")
    rec.nfiles = stats.get("nfiles")
    rec.outcome = res.severity
    msg = (
        f"Archive {name} créée : {human_size(rec.original_size or 0)} sauvegardés, "
        f"{human_size(rec.deduplicated_size or 0)} nouveaux."
    )
    return f"{msg} {res.message}" if res.severity == "warning" else msg


def backup_one(
    ctx: BackupContext,
    borg: Borg,
    repo: Repository,
    snap: Snapshot,
    *,
    retention: Retention | None,
    prefix: str = NIGHTLY_PREFIX,
    now: datetime,
    job: str = "backup",
) -> RunRecord:
    """Back `snap` up to `repo` (the job lock must be held); records and returns the run.

    With a `retention`, prune follows, and compact when due (see the module doc). Never
    raises for a repository problem: the outcome and plain message are in the record.
    """
    t0 = time.monotonic()
    rec = RunRecord(repo.label, job, "error", "")
    try:
        with open_target(ctx, repo) as target:
            notes = clear_stale_locks(borg, target)
            last = repo.last_run("backup", ok_only=True)
            needed = snap.expected_new_bytes(_epoch(last.started) if last else None)
            notes += _space(borg, target, repo, needed, ctx.margin_bytes, retention, rec)
            res, name = _create(borg, target, snap, prefix, now, ctx.compression)
            msg = [_created(rec, repo, res, name)]
            rec.repository_size = repository_size(res)
            if retention is not None:
                more, outcome = _prune_compact(borg, target, retention, prefix, repo, rec)
                notes += more
                if outcome == "warning":
                    rec.outcome = "warning"
            rec.message = " ".join(msg + notes)
    except RepositoryUnavailable as exc:
        rec.message = exc.message
        if exc.skippable:
            rec.outcome = "skipped"
            overdue = _overdue(ctx, repo)
            if overdue:
                rec.alert = True
                rec.message += " " + overdue
        else:
            rec.alert = True
    except BackupError as exc:
        rec.message, rec.alert = exc.message, True
        if isinstance(exc, BorgError):
            rec.exit_code = exc.borg_exit_code
            rec.message = connection_failure_cause(ctx, repo, exc.borg_exit_code) or rec.message
    rec.duration = round(time.monotonic() - t0, 2)
    return record(ctx, rec)


def run_backup(
    ctx: BackupContext,
    sources: BackupSources,
    *,
    labels: list[str] | None = None,
    staging: Path | None = None,
    retention: Retention | None = None,
    now: datetime | None = None,
) -> list[RunRecord]:
    """The nightly backup to every repository (or those in `labels`).

    Given the sources (databases, folders, config, versions), the staging folder (default
    `state_dir/staging`) and the retention (default 7/4/12). Returns one RunRecord per
    repository. Raises JobBusy when another job runs, RegistryError for unknown labels.
    """
    repos = ctx.registry.select(labels)
    with job_lock(ctx.state_dir, "backup") as lock:
        borg = ctx.borg.holding(lock.fd)
        return backup_locked(
            ctx, borg, repos, sources, staging=staging, retention=retention or Retention(), now=now
        )


def backup_locked(
    ctx: BackupContext,
    borg: Borg,
    repos: list[Repository],
    sources: BackupSources,
    *,
    staging: Path | None = None,
    retention: Retention | None = None,
    prefix: str = NIGHTLY_PREFIX,
    now: datetime | None = None,
    job: str = "backup",
) -> list[RunRecord]:
    """`run_backup`'s body, for callers already holding the job lock."""
    now = now or datetime.now().astimezone()
    try:
        snap = build_snapshot(
            sources,
            staging or ctx.staging_dir,
            checksum_cache=ctx.checksum_cache,
            margin_bytes=ctx.margin_bytes,
            now=now,
        )
    except BackupError as exc:
        return [
            record(ctx, RunRecord(r.label, job, "error", exc.message, alert=True)) for r in repos
        ]
    try:
        return [
            backup_one(ctx, borg, r, snap, retention=retention, prefix=prefix, now=now, job=job)
            for r in repos
        ]
    finally:
        shutil.rmtree(snap.folder, ignore_errors=True)


def check_repositories(
    ctx: BackupContext, *, labels: list[str] | None = None, max_duration: int | None = None
) -> list[RunRecord]:
    """The weekly `borg check` of each repository (repository and archives).

    With `max_duration` (seconds) only a partial repository check is done, resumed where
    the previous one stopped. Returns one RunRecord per repository (job "check").
    """
    repos = ctx.registry.select(labels)
    out = []
    with job_lock(ctx.state_dir, "check") as lock:
        borg = ctx.borg.holding(lock.fd)
        for repo in repos:
            opts = {"repository_only": True, "max_duration": max_duration} if max_duration else {}
            out.append(_checked(ctx, borg, repo, "check", opts, None))
    return out


def verify_data(
    ctx: BackupContext, budget_minutes: float, *, labels: list[str] | None = None
) -> list[RunRecord]:
    """Decrypt and verify the stored data (`check --verify-data`) within a time budget.

    Borg 1.4 has no partial --verify-data, so borg is stopped when the budget is spent;
    the record then says how much was verified. Returns one RunRecord per repository.
    """
    repos = ctx.registry.select(labels)
    out = []
    with job_lock(ctx.state_dir, "verify-data") as lock:
        borg = ctx.borg.holding(lock.fd)
        for repo in repos:
            opts = {"archives_only": True, "verify_data": True, "progress": True}
            out.append(_checked(ctx, borg, repo, "verify-data", opts, budget_minutes * 60))
    return out


def _check_outcome(res: BorgResult, job: str, budget: float | None, pct: float) -> tuple:
    """(outcome, message) of a `borg check` run, stopped or not at the end of `budget`."""
    # Once borg is stopped at the end of the budget, what it says is about the stop.
    errors = [
        r
        for r in res.log
        if r.get("levelname") in ("ERROR", "CRITICAL")
        and (res.stopped_at is None or float(r.get("time", 0)) < res.stopped_at)
    ]
    if res.returncode == 0 or (res.timed_out and pct >= 100 and not errors):
        if job == "check":
            return "ok", "Contrôle terminé : aucune erreur."
        return "ok", "Vérification complète des données : aucune erreur."
    if res.timed_out and budget and not errors:
        return "ok", (
            f"Vérification partielle dans le budget de {_minutes(budget)} : {pct:.0f} % des "
            "données vérifiées, aucune erreur trouvée. Augmentez le budget pour tout vérifier."
        )
    # borg check reports the problems it found with the warning code (1)
    head = (
        "Le contrôle a trouvé des problèmes dans le dépôt."
        if res.returncode == 1
        else res.explanation.message
    )
    return "error", f"{head} (Détail technique : {res.detail})" if res.detail else head


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _checked(
    ctx: BackupContext,
    borg: Borg,
    repo: Repository,
    job: str,
    opts: dict,
    budget: float | None,
) -> RunRecord:
    t0 = time.monotonic()
    rec = RunRecord(repo.label, job, "error", "")
    progress = {"pct": 0.0}

    def on_log(r: dict) -> None:
        if r.get("type") != "progress_percent" or r.get("msgid") != "check.verify_data":
            return
        if r.get("finished"):
            progress["pct"] = 100.0
        elif r.get("total"):
            progress["pct"] = 100.0 * float(r.get("current", 0)) / float(r["total"])

    try:
        with open_target(ctx, repo) as target:
            notes = clear_stale_locks(borg, target)
            res = borg.run(
                check_argv(target.location, **opts),
                passphrase=target.passphrase,
                relocated_ok=target.relocated_ok,
                timeout=budget,
                check=False,
                on_log=on_log,
            )
            rec.exit_code = res.returncode
            rec.outcome, rec.message = _check_outcome(res, job, budget, progress["pct"])
            rec.alert = rec.outcome == "error"
            cause = connection_failure_cause(ctx, repo, res.returncode)
            rec.message = " ".join([cause or rec.message, *notes])
    except RepositoryUnavailable as exc:
        rec.message = exc.message
        rec.outcome = "skipped" if exc.skippable else "error"
        rec.alert = not exc.skippable
    except BackupError as exc:
        rec.message, rec.alert = exc.message, True
    rec.duration = round(time.monotonic() - t0, 2)
    return record(ctx, rec)
