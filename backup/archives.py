"""Archives of a repository: list them, pick "latest", browse one, restore a few paths.

A partial restore (a file, a folder, one person's folder) never overwrites anything: it
goes into a new dated folder `restauration-ARCHIVE-DATE/` beside the current files,
keeping the paths as they are in the archive.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path, PurePosixPath

from backup.commands import (
    ARCHIVE_NAME_RULE,
    check_archive_name,
    extract_argv,
    info_argv,
    list_archives_argv,
    list_items_argv,
)
from backup.context import BackupContext
from backup.errors import N_, ArchiveNotFound, BackupError, BorgError
from backup.fsutil import human_size
from backup.jobs import record
from backup.locking import job_lock
from backup.repos import RunRecord
from backup.runner import Borg
from backup.targets import Target, open_target

READ_LOCK_WAIT = 10
PRE_RESTORE_PREFIX = "avant-restauration"


@dataclass(frozen=True)
class ArchiveInfo:
    """One archive: name, start time (server local time), sizes in bytes, file count."""

    name: str
    time: str
    end: str | None = None
    duration: float | None = None
    original_size: int | None = None
    compressed_size: int | None = None
    deduplicated_size: int | None = None
    nfiles: int | None = None
    comment: str = ""

    @property
    def kind(self) -> str:
        """ "nightly", "pre-restore" (kept before a whole-school restore) or "other"."""
        if self.name.startswith(PRE_RESTORE_PREFIX + "-"):
            return "pre-restore"
        return "nightly" if self.name.startswith("cartable-") else "other"

    def to_dict(self) -> dict:
        return {**asdict(self), "kind": self.kind}

    @classmethod
    def from_borg(cls, a: dict) -> ArchiveInfo:
        stats = a.get("stats") or {}
        return cls(
            name=a["name"],
            time=a.get("start") or a.get("time") or "",
            end=a.get("end"),
            duration=a.get("duration"),
            original_size=stats.get("original_size"),
            compressed_size=stats.get("compressed_size"),
            deduplicated_size=stats.get("deduplicated_size"),
            nfiles=stats.get("nfiles"),
            comment=a.get("comment") or "",
        )


@dataclass(frozen=True)
class ArchiveEntry:
    """One item of an archive: path, type ("d" folder, "-" file, "l" link), size, mtime."""

    path: str
    type: str
    size: int
    mtime: str


def archives_of(borg: Borg, target: Target) -> list[ArchiveInfo]:
    """Every archive of `target` with its stats, oldest first (`borg info --json`)."""
    res = borg.run(
        info_argv(target.location, all_archives=True),
        passphrase=target.passphrase,
        relocated_ok=target.relocated_ok,
    )
    return [ArchiveInfo.from_borg(a) for a in (res.json or {}).get("archives", [])]


LATEST = "latest"
_NO_SUCH_ARCHIVE = 31  # borg 1.4's modern exit code for Archive.DoesNotExist


def checked_archive_name(archive: str) -> str:
    """`archive` ("latest" or a name borg can only read as a name); raises BackupError
    (field "archive") naming the rule otherwise."""
    if archive == LATEST:
        return archive
    try:
        return check_archive_name(archive)
    except ValueError:
        shown = repr(archive[:80]) if isinstance(archive, str) else repr(archive)
        raise BackupError(
            N_(
                "Nom d'archive invalide : %(name)s. Un nom d'archive s'écrit avec %(rule)s ; "
                "« latest » désigne la plus récente. La liste : « cartable backup list »."
            ),
            field="archive",
            name=shown,
            rule=ARCHIVE_NAME_RULE,
        ) from None


def _run_on_archive(borg: Borg, target: Target, argv: tuple, archive: str, **kw):
    """`borg.run(argv)` where borg's "no such archive" becomes ArchiveNotFound."""
    try:
        return borg.run(argv, passphrase=target.passphrase, relocated_ok=target.relocated_ok, **kw)
    except BorgError as exc:
        if exc.borg_exit_code == _NO_SUCH_ARCHIVE:
            raise ArchiveNotFound(
                N_(
                    "L'archive « %(archive)s » n'existe pas dans le dépôt « %(label)s ». "
                    "La liste : « cartable backup list » ou la page Archives."
                ),
                field="archive",
                archive=archive,
                label=target.label,
            ) from exc
        raise


def resolve_archive(borg: Borg, target: Target, archive: str, *, stats: bool = True) -> ArchiveInfo:
    """The archive named `archive`, or the newest one for "latest"; with its sizes when
    `stats` (`borg info`, else `borg list`). Raises BackupError for a malformed name or
    an empty repository, ArchiveNotFound when there is no such archive.
    """
    archive = checked_archive_name(archive)
    if archive == LATEST:
        argv = (
            info_argv(target.location, last=1)
            if stats
            else list_archives_argv(target.location, last=1)
        )
        res = borg.run(argv, passphrase=target.passphrase, relocated_ok=target.relocated_ok)
        found = (res.json or {}).get("archives") or []
        if not found:
            raise BackupError(
                N_("Le dépôt « %(label)s » ne contient encore aucune archive."), label=target.label
            )
        return ArchiveInfo.from_borg(found[-1])
    res = _run_on_archive(borg, target, info_argv(target.location, archive), archive)
    return ArchiveInfo.from_borg((res.json or {})["archives"][0])


def _reader(ctx: BackupContext) -> Borg:
    # Pages and commands that only read must not wait 10 minutes behind a backup.
    return replace(ctx.borg, lock_wait=READ_LOCK_WAIT, timeout=3600)


def list_archives(ctx: BackupContext, label: str) -> list[ArchiveInfo]:
    """The archives of repository `label`, newest first.

    Raises BackupError (repository unreachable, locked by a running backup, …).
    """
    repo = ctx.registry.get(label)
    with open_target(ctx, repo) as target:
        return list(reversed(archives_of(_reader(ctx), target)))


def _clean_path(path: str) -> str:
    p = PurePosixPath(path.strip().lstrip("/"))
    if any(part == ".." for part in p.parts):
        raise BackupError(N_("Chemin refusé : %(path)s."), field="path", path=repr(path))
    return "" if str(p) == "." else str(p)


def browse_archive(
    ctx: BackupContext, label: str, archive: str, path: str = "", *, recursive: bool = False
) -> list[ArchiveEntry]:
    """The items of `archive` directly under `path` ("" = top), or all below it.

    Raises BackupError when the repository or archive cannot be read or the name is
    malformed, ArchiveNotFound when there is no such archive.
    """
    prefix = _clean_path(path)
    archive = checked_archive_name(archive)
    repo = ctx.registry.get(label)
    borg = _reader(ctx)
    with open_target(ctx, repo) as target:
        name = (
            resolve_archive(borg, target, archive, stats=False).name
            if archive == LATEST
            else archive
        )
        argv = list_items_argv(target.location, name, [prefix] if prefix else [])
        res = _run_on_archive(borg, target, argv, name)
    out = []
    for item in res.json or []:
        p = item.get("path", "")
        parent = str(PurePosixPath(p).parent)
        if p == prefix or not (recursive or parent == (prefix or ".")):
            continue
        out.append(ArchiveEntry(p, item.get("type", "?"), item.get("size", 0), item.get("mtime")))
    return out


@dataclass(frozen=True)
class RestoredPaths:
    """Where a partial restore put things, and how many files it wrote."""

    folder: Path
    archive: str
    paths: tuple[str, ...]
    files: int
    size: int


def _new_folder(parent: Path, name: str) -> Path:
    """Create and return a folder `name` (or `name-2`, `name-3`…) that did not exist."""
    parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        folder = parent / (name if n == 1 else f"{name}-{n}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise BackupError(N_("Trop de dossiers de restauration dans %(parent)s."), parent=parent)


def restore_paths(
    ctx: BackupContext,
    label: str,
    archive: str,
    paths: list[str],
    dest_dir: Path,
    *,
    now: datetime | None = None,
) -> RestoredPaths:
    """Restore `paths` of `archive` ("latest" allowed) into a new dated folder of `dest_dir`.

    Nothing existing is overwritten. Returns where and what was restored. Raises
    BackupError (nothing matched, repository problem) or JobBusy.
    """
    wanted = [_clean_path(p) for p in paths]
    if not wanted or "" in wanted:
        raise BackupError(N_("Indiquez le fichier ou le dossier à restaurer."), field="path")
    archive = checked_archive_name(archive)
    now = now or datetime.now().astimezone()
    t0 = time.monotonic()
    repo = ctx.registry.get(label)
    with job_lock(ctx.state_dir, "restore") as lock, open_target(ctx, repo) as target:
        borg = ctx.borg.holding(lock.fd)
        info = resolve_archive(borg, target, archive)
        folder = _new_folder(Path(dest_dir), f"restauration-{info.name}-{now:%Y%m%d-%H%M%S}")
        borg.run(
            extract_argv(target.location, info.name, wanted),
            passphrase=target.passphrase,
            relocated_ok=target.relocated_ok,
            cwd=folder,
        )
    files = size = 0
    for dirpath, _dirs, names in os.walk(folder):
        for n in names:
            files += 1
            size += os.lstat(os.path.join(dirpath, n)).st_size
    if files == 0 and not any(folder.iterdir()):
        folder.rmdir()
        raise BackupError(
            N_("Rien à restaurer : %(wanted)s n'existe pas dans l'archive %(name)s."),
            wanted=", ".join(wanted),
            name=info.name,
        )
    record(
        ctx,
        RunRecord(
            label,
            "restore-paths",
            "ok",
            f"{files} fichier(s) ({human_size(size)}) de l'archive {info.name} restaurés dans "
            f"{folder} : {', '.join(wanted)}.",
            archive=info.name,
            duration=round(time.monotonic() - t0, 2),
        ),
    )
    return RestoredPaths(folder, info.name, tuple(wanted), files, size)
