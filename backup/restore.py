"""Whole restores: the dead-server rebuild (`restore_to_data_dir`), the whole school back
to an earlier archive (`restore_school`), and the monthly restore drill (`restore_drill`).

All extract into a working folder first, check the databases (integrity, row counts)
and every file's checksum against the manifest, and only then put things in place.
Nothing existing is ever overwritten silently.
"""

from __future__ import annotations

import os
import shutil
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

from backup.archives import PRE_RESTORE_PREFIX, ArchiveInfo, resolve_archive
from backup.context import BackupContext
from backup.errors import N_, BackupError, NotEnoughSpace, RepositoryUnavailable
from backup.fsutil import free_bytes, human_size
from backup.jobs import backup_locked, record
from backup.locking import job_lock
from backup.passphrase import PassphraseSource, resolve_passphrase
from backup.repos import Repository, RunRecord
from backup.runner import Borg
from backup.snapshot import BackupSources
from backup.steps import (
    RestoreReport,
    StepFailed,
    extract_and_verify,
    move_into_place,
    restored_items,
    run_step,
    space_message,
)
from backup.targets import Target, clear_stale_locks, open_target, transient_repository

IGNORED_IN_DATA_DIR = {"lost+found"}


def _repository(ctx: BackupContext, repo: str) -> Repository:
    for known in ctx.registry.all():
        if repo in (known.label, known.url):
            return known
    return transient_repository(repo)


def _check_space(folder: Path, info: ArchiveInfo, margin: int) -> str:
    need = int(info.original_size or 0) + margin
    free = free_bytes(folder)
    if need > free:
        raise NotEnoughSpace(
            N_(
                "Pas assez de place dans %(folder)s : %(free)s libres pour environ %(need)s "
                "à restaurer. Libérez de la place ou choisissez un autre disque."
            ),
            folder=folder,
            free=human_size(free),
            need=human_size(need),
        )
    return space_message(free, need)


def restore_to_data_dir(
    ctx: BackupContext,
    repo: str,
    archive: str,
    data_dir: Path,
    passphrase_source: PassphraseSource,
    *,
    config_dir: Path | None = None,
    now: datetime | None = None,
) -> RestoreReport:
    """Rebuild a data folder (and the config) from scratch out of a repository.

    Given a repository (registered label, or URL/path/removable://… for a new server),
    an archive name or "latest", the empty data folder to fill, the passphrase (a
    `Secret` or a file) and where the config files go (default `data_dir/configuration`;
    an existing file there is renamed `NAME.avant-restauration-DATE`, never overwritten).
    Returns a RestoreReport listing every step; `failed_step` says where and why.
    Never raises for a restore problem; JobBusy when another job runs.
    """
    now = now or datetime.now().astimezone()
    data_dir = Path(data_dir).absolute()
    config_dir = Path(config_dir) if config_dir else data_dir / "configuration"
    report = RestoreReport()
    t0 = time.monotonic()
    state: dict = {}
    work = data_dir / f".restauration-en-cours-{now:%Y%m%d-%H%M%S}"
    with job_lock(ctx.state_dir, "restore") as lock, ExitStack() as stack:
        borg = ctx.borg.holding(lock.fd)

        def passphrase() -> str:
            state["secret"] = resolve_passphrase(passphrase_source)
            return "Phrase de passe lue."

        def connect() -> str:
            state["repo"] = repository = _repository(ctx, repo)
            target: Target = stack.enter_context(
                open_target(ctx, repository, passphrase=state["secret"])
            )
            state["target"] = target
            notes = clear_stale_locks(borg, target)
            info = resolve_archive(borg, target, archive)
            state["info"] = info
            report.archive = info.name
            return (
                f"Dépôt {repository.url} ouvert ; archive {info.name} du {info.time} "
                f"({info.nfiles} fichiers, {human_size(info.original_size or 0)}). "
                + " ".join(notes)
            ).strip()

        def destination() -> str:
            data_dir.mkdir(parents=True, exist_ok=True)
            busy = _occupied(ctx, data_dir)
            if busy:
                raise BackupError(
                    N_(
                        "Le dossier de données %(data_dir)s n'est pas vide (%(busy)s) : "
                        "rien ne sera écrasé. Choisissez un dossier vide, ou déplacez ce contenu."
                    ),
                    data_dir=data_dir,
                    busy=", ".join(busy[:5]),
                )
            return _check_space(data_dir, state["info"], ctx.margin_bytes)

        def install() -> str:
            moved = _install(state["manifest"], work, data_dir, config_dir, now)
            shutil.rmtree(work, ignore_errors=True)
            return moved

        try:
            run_step(report, "passphrase", "Phrase de passe", passphrase)
            run_step(report, "repository", "Accès au dépôt", connect)
            run_step(report, "destination", "Dossier de données", destination)
            state["manifest"], _ = extract_and_verify(
                report, borg, state["target"], state["info"].name, work
            )
            run_step(report, "install", "Mise en place", install)
            report.ok = True
        except StepFailed:
            shutil.rmtree(work, ignore_errors=True)
    if "repo" in state:
        _record_restore(ctx, state["repo"], report, "restore-full", t0)
    return report


def _occupied(ctx: BackupContext, data_dir: Path) -> list[str]:
    """Entries of `data_dir` that a restore could collide with (the state folder, when it
    lives inside the data folder, and lost+found do not count)."""
    state = Path(ctx.state_dir).absolute()
    busy = []
    for entry in sorted(os.listdir(data_dir)):
        path = data_dir / entry
        if entry in IGNORED_IN_DATA_DIR or entry.startswith(".restauration-en-cours-"):
            continue
        if state == path or state.is_relative_to(path):
            continue
        busy.append(entry)
    return busy


def _install(manifest: dict, work: Path, data_dir: Path, config_dir: Path, now: datetime) -> str:
    for kind, src in restored_items(work, manifest):
        if kind != "config" and (data_dir / src.name).exists():
            raise BackupError(
                N_("%(name)s existe déjà : rien n'a été écrasé."), name=data_dir / src.name
            )
    kept = []
    for kind, src in restored_items(work, manifest):
        if kind == "config":
            dest = config_dir / src.name
            if dest.exists():
                aside = dest.with_name(f"{dest.name}.avant-restauration-{now:%Y%m%d-%H%M%S}")
                os.replace(dest, aside)
                kept.append(str(aside))
        else:
            dest = data_dir / src.name
        move_into_place(src, dest)
    msg = f"Données installées dans {data_dir}, configuration dans {config_dir}."
    if kept:
        msg += f" Ancienne configuration gardée : {', '.join(kept)}."
    return msg


def _record_restore(
    ctx: BackupContext, repo: Repository, report: RestoreReport, job: str, t0: float
) -> None:
    if not any((r.label, r.url) == (repo.label, repo.url) for r in ctx.registry.all()):
        return  # a repository this server does not know (yet): no history to write
    failed = report.failed_step
    message = (
        f"Restauration de {report.archive} réussie et vérifiée."
        if report.ok
        else f"Échec à l'étape « {failed.title} » : {failed.message}"
        if failed
        else "Échec."
    )
    rec = RunRecord(
        repo.label,
        job,
        "ok" if report.ok else "error",
        message,
        archive=report.archive,
        duration=round(time.monotonic() - t0, 2),
        alert=not report.ok,
        details=[s.__dict__ for s in report.steps],
    )
    record(ctx, rec)


def restore_school(
    ctx: BackupContext,
    label: str,
    archive: str,
    sources: BackupSources,
    *,
    work_dir: Path | None = None,
    now: datetime | None = None,
) -> RestoreReport:
    """Put the whole school back to `archive` of repository `label`.

    The current state is first saved as an archive `avant-restauration-DATE` in the same
    repository; if that fails nothing changes. The archive is then extracted into
    `work_dir` (default: beside the first database), verified, and swapped in; the
    replaced files are kept in a `.remplace-DATE` folder. The caller must stop the web
    and worker services first (open connections would keep the old databases).
    Returns a RestoreReport; JobBusy when another job runs.
    """
    now = now or datetime.now().astimezone()
    repo = ctx.registry.get(label)
    first = Path(next(iter(sources.databases.values())))
    base = Path(work_dir) if work_dir else first.parent
    work = base / f".restauration-en-cours-{now:%Y%m%d-%H%M%S}"
    aside = base / f".remplace-{now:%Y%m%d-%H%M%S}"
    report, t0 = RestoreReport(), time.monotonic()
    state: dict[str, Any] = {}  # what each step hands to the next
    with job_lock(ctx.state_dir, "restore") as lock, ExitStack() as stack:
        borg = ctx.borg.holding(lock.fd)

        def connect() -> str:
            state["target"] = t = stack.enter_context(open_target(ctx, repo))
            state["info"] = info = resolve_archive(borg, t, archive)
            report.archive = info.name
            return f"Archive {info.name} du {info.time} choisie."

        def keep_current() -> str:
            rec = backup_locked(
                ctx,
                borg,
                [repo],
                sources,
                prefix=PRE_RESTORE_PREFIX,
                now=now,
                job="backup-before-restore",
            )[0]
            if not rec.ok:
                raise BackupError(
                    N_("L'état actuel n'a pas pu être sauvegardé ; rien n'a été changé. %(text)s"),
                    text=rec.message,
                )
            return f"État actuel gardé dans l'archive {rec.archive}."

        def swap() -> str:
            return _swap(state["manifest"], sources, work, aside)

        try:
            run_step(report, "repository", "Accès au dépôt", connect)
            run_step(
                report,
                "destination",
                "Place disponible",
                lambda: _check_space(base, state["info"], ctx.margin_bytes),
            )
            run_step(report, "keep-current", "Sauvegarde de l'état actuel", keep_current)
            state["manifest"], _ = extract_and_verify(
                report, borg, state["target"], state["info"].name, work
            )
            run_step(report, "install", "Remplacement des données", swap)
            report.ok = True
        except StepFailed:
            pass
        finally:
            shutil.rmtree(work, ignore_errors=True)
    _record_restore(ctx, repo, report, "restore-school", t0)
    return report


def _swap(manifest: dict, sources: BackupSources, work: Path, aside: Path) -> str:
    live = {("database", n): Path(p) for n, p in sources.databases.items()}
    live.update({("tree", Path(t).name): Path(t) for t in sources.trees})
    live.update({("config", n): Path(p) for n, p in sources.config_files.items()})
    items = restored_items(work, manifest)
    missing = [src.name for kind, src in items if (kind, src.name) not in live]
    if missing:
        raise BackupError(
            N_("L'archive contient %(missing)s, inconnu(s) de ce serveur."),
            missing=", ".join(missing),
        )
    aside.mkdir(parents=True, exist_ok=False, mode=0o700)
    for kind, src in items:
        dest = live[(kind, src.name)]
        olds = [dest]
        if kind == "database":  # the old WAL must never be replayed into the restored file
            olds += [Path(f"{dest}{suffix}") for suffix in ("-wal", "-shm", "-journal")]
        for old in olds:
            if old.exists():
                (aside / kind).mkdir(exist_ok=True)
                shutil.move(str(old), str(aside / kind / old.name))
        move_into_place(src, dest)
    return (
        f"Données remplacées. Les fichiers remplacés sont gardés dans {aside} (à supprimer "
        "quand tout est vérifié)."
    )


def restore_drill(
    ctx: BackupContext, scratch_dir: Path, *, labels: list[str] | None = None
) -> list[RunRecord]:
    """The restore drill: extract the latest archive of each repository into `scratch_dir`,
    verify it against its manifest, record the duration, then delete the copy.

    Returns one RunRecord per repository (job "drill"); a successful one is the
    repository's "last proven restore".
    """
    repos = ctx.registry.select(labels)
    out = []
    with job_lock(ctx.state_dir, "drill") as lock:
        borg = ctx.borg.holding(lock.fd)
        for repo in repos:
            out.append(_drill_one(ctx, borg, repo, Path(scratch_dir)))
    return out


def _drill_one(ctx: BackupContext, borg: Borg, repo: Repository, scratch: Path) -> RunRecord:
    t0 = time.monotonic()
    report = RestoreReport()
    state: dict[str, Any] = {}
    work = scratch / f"exercice-{repo.label}-{datetime.now():%Y%m%d-%H%M%S}"
    rec = RunRecord(repo.label, "drill", "error", "")
    try:
        with open_target(ctx, repo) as target:

            def connect() -> str:
                state["info"] = info = resolve_archive(borg, target, "latest")
                report.archive = info.name
                scratch.mkdir(parents=True, exist_ok=True)
                return _check_space(scratch, info, ctx.margin_bytes)

            run_step(report, "repository", "Accès au dépôt", connect)
            name = state["info"].name
            _, verification = extract_and_verify(report, borg, target, name, work)
            report.ok = True
            rec.outcome = "ok"
            rec.message = (
                f"Restauration prouvée : archive {report.archive} extraite et vérifiée en "
                f"{time.monotonic() - t0:.0f} s ({verification.summary()})"
            )
    except RepositoryUnavailable as exc:
        rec.outcome = "skipped" if exc.skippable else "error"
        rec.message, rec.alert = exc.message, not exc.skippable
    except BackupError as exc:
        rec.message, rec.alert = exc.message, True
    except StepFailed:
        failed = report.failed_step
        assert failed is not None  # StepFailed is raised by the step that failed
        rec.message = f"Exercice échoué à l'étape « {failed.title} » : {failed.message}"
        rec.alert = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rec.archive = report.archive
    if state.get("info"):
        rec.original_size, rec.nfiles = state["info"].original_size, state["info"].nfiles
    rec.details = [s.__dict__ for s in report.steps]
    rec.duration = round(time.monotonic() - t0, 2)
    return record(ctx, rec)
