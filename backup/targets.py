"""From a registered repository to something borg can use right now (`open_target`).

Resolves the location (mounting a removable disk if needed and checking it holds the
expected repository), reads the passphrase, refuses an SSH repository whose host key is
not pinned, breaks stale borg locks left by this server's dead processes, and checks
free space.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backup.commands import break_lock_argv
from backup.context import BackupContext
from backup.disks import mounted_repository, read_repo_id
from backup.errors import N_, HostKeyError, NotEnoughSpace, RepositoryUnavailable
from backup.fsutil import free_bytes, human_size
from backup.locking import find_stale_locks, lock_places
from backup.passphrase import Secret, read_passphrase_file
from backup.repos import Repository, parse_location
from backup.runner import Borg, default_host_id
from backup.sshkeys import host_pattern, pinned_host_keys, verify_host_key

log = logging.getLogger("cartable.backup")


@dataclass(frozen=True)
class Target:
    """A repository ready for borg: `location` is borg's URL or path; `local_path` is set
    for local and removable repositories; `relocated_ok` for removable disks, whose mount
    point may change (their identity is checked by repository id instead)."""

    label: str
    kind: str
    location: str
    local_path: Path | None
    passphrase: Secret
    repo_id: str | None
    relocated_ok: bool = False


def _passphrase(repo: Repository, given: Secret | None) -> Secret:
    if given is not None:
        return given
    if not repo.passphrase_file:
        raise RepositoryUnavailable(
            N_("Le dépôt « %(label)s » n'a pas de fichier de phrase de passe enregistré."),
            label=repo.label,
        )
    return read_passphrase_file(repo.passphrase_file)


@contextmanager
def open_target(
    ctx: BackupContext, repo: Repository, *, passphrase: Secret | None = None
) -> Iterator[Target]:
    """Yield the `Target` for `repo` (unmounting a disk mounted for it afterwards).

    Raises RepositoryUnavailable (`skippable` for an absent removable disk), HostKeyError
    (SSH host key not pinned) or BackupError (passphrase file unreadable).
    """
    loc = parse_location(repo.url)
    secret = _passphrase(repo, passphrase)
    if loc.kind == "removable":
        with mounted_repository(
            loc.fs_uuid or "",
            loc.path,
            mount_dir=ctx.mount_dir(repo.label),
            expected_repo_id=repo.repo_id,
            automount=ctx.automount,
            by_uuid_dir=ctx.by_uuid_dir,
            mounts_file=ctx.mounts_file,
        ) as path:
            yield Target(repo.label, "removable", str(path), path, secret, repo.repo_id, True)
        return
    if loc.kind == "ssh":
        if not pinned_host_keys(ctx.known_hosts, loc.host or "", loc.port):
            raise HostKeyError(
                N_(
                    "La clé SSH du serveur %(host)s n'a pas été "
                    "confirmée : affichez son empreinte, comparez-la avec celle de l'hébergeur "
                    "et confirmez-la (« cartable backup trust-host ») avant d'utiliser ce dépôt."
                ),
                host=host_pattern(loc.host or "", loc.port),
            )
        yield Target(repo.label, "ssh", loc.borg_url, None, secret, repo.repo_id)
        return
    path = Path(loc.path)
    if repo.repo_id and path.exists():
        found = read_repo_id(path)
        if found and found != repo.repo_id:
            raise RepositoryUnavailable(
                N_(
                    "%(path)s contient un autre dépôt que celui enregistré pour « %(label)s ». "
                    "Vérifiez le chemin (disque remplacé ?)."
                ),
                path=path,
                label=repo.label,
            )
    yield Target(repo.label, "local", str(path), path, secret, repo.repo_id)


def transient_repository(url: str, label: str = "restauration") -> Repository:
    """A repository not in the registry (the dead-server restore), for `open_target`."""
    loc = parse_location(url)
    return Repository(label=label, url=loc.url, kind=loc.kind)


def clear_stale_locks(borg: Borg, target: Target) -> list[str]:
    """Break borg locks of `target` left by dead processes of this server; returns notes.

    Call it only while holding the job lock (no other borg of ours can be running).
    """
    cache = borg.base_dir / ".cache" / "borg" / target.repo_id if target.repo_id else None
    host_id = borg.host_id or default_host_id(borg.state_dir)
    stale = find_stale_locks(lock_places(target.local_path, cache), host_id)
    if not stale:
        return []
    pids = sorted({s.pid for s in stale})
    borg.run(break_lock_argv(target.location), relocated_ok=target.relocated_ok)
    note = (
        f"Verrou borg périmé supprimé sur « {target.label} » (laissé par le processus "
        f"{', '.join(map(str, pids))} de ce serveur, qui n'existe plus)."
    )
    log.warning(note)
    return [note]


def check_space(target: Target, needed: int, margin: int) -> None:
    """Raise NotEnoughSpace when `target`'s disk has less than `needed` + `margin` free.

    Remote repositories cannot be measured from here; borg reports a full disk itself.
    """
    if target.local_path is None:
        return
    free = free_bytes(target.local_path)
    if needed + margin > free:
        raise NotEnoughSpace(
            N_(
                "Pas assez de place sur le disque du dépôt « %(label)s » : la sauvegarde "
                "demande environ %(need)s, il reste %(free)s. "
                "Rien n'a été écrit ; les archives précédentes restent intactes. Libérez de la "
                "place, réduisez la rétention ou changez de disque."
            ),
            label=target.label,
            need=human_size(needed + margin),
            free=human_size(free),
        )


def connection_failure_cause(
    ctx: BackupContext, repo: Repository, exit_code: int | None
) -> str | None:
    """Name the cause of a failed connection to an SSH repository, when it is a changed host
    key: borg often reports only "connection closed" (codes 80-87) and ssh's own words are
    lost. Returns a plain message, or None when the pinned key is still the one presented
    (or the repository is not remote, or the server can't be reached at all)."""
    if exit_code is None or not 80 <= exit_code <= 87:
        return None
    loc = parse_location(repo.url)
    if loc.kind != "ssh":
        return None
    try:
        verify_host_key(ctx.known_hosts, loc.host or "", loc.port)
    except HostKeyError as exc:
        return f"{exc.message} Rien n'a été envoyé."
    except Exception:  # noqa: BLE001 - the cause stays borg's own message
        return None
    return None
