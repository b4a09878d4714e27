"""Removable disks, recognised by their file-system UUID wherever they are mounted.

`locate_filesystem` looks in /dev/disk/by-uuid and /proc/mounts first (udev), then asks
`findmnt` and `blkid` (which read the disks themselves, so it also works without udev).
A disk that is plugged in but not mounted can be mounted by `mounted_repository` in the
state folder for the time of a job, then unmounted.
"""

from __future__ import annotations

import configparser
import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backup.errors import N_, RepositoryUnavailable

log = logging.getLogger("cartable.backup.disks")

BY_UUID = Path("/dev/disk/by-uuid")
PROC_MOUNTS = Path("/proc/mounts")


@dataclass(frozen=True)
class DiskState:
    """Where a file system is: `present` (plugged in), its device, its mount point."""

    present: bool
    device: str | None = None
    mountpoint: Path | None = None


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as octal escapes.
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _mount_of_device(device: str, mounts_file: Path) -> Path | None:
    real = os.path.realpath(device)
    try:
        lines = Path(mounts_file).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("/") and os.path.realpath(parts[0]) == real:
            return Path(_unescape(parts[1]))
    return None


def _run(cmd: list[str]) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def locate_filesystem(
    fs_uuid: str, *, by_uuid_dir: Path = BY_UUID, mounts_file: Path = PROC_MOUNTS
) -> DiskState:
    """Find the file system `fs_uuid`: whether it is plugged in, and where it is mounted."""
    link = Path(by_uuid_dir) / fs_uuid
    if link.exists():
        device = os.path.realpath(link)
        return DiskState(True, device, _mount_of_device(device, mounts_file))
    out = _run(["findmnt", "-rn", "-o", "UUID,TARGET,SOURCE"])
    for line in (out or "").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0].lower() == fs_uuid.lower():
            return DiskState(True, _unescape(parts[2]), Path(_unescape(parts[1])))
    device = (_run(["blkid", "-U", fs_uuid]) or "").strip()
    if device:
        return DiskState(True, device, _mount_of_device(device, mounts_file))
    return DiskState(False)


def filesystem_uuid(path: Path) -> str | None:
    """The UUID of the file system holding `path` (None when it has none or is unknown)."""
    out = _run(["findmnt", "-n", "-o", "UUID,TARGET", "--target", str(path)])
    if not out or not out.split():
        return None
    uuid = out.split()[0]
    return uuid if uuid not in ("", "-") else None


def removable_url_for(path: Path) -> str:
    """`removable://UUID/relative/path` for a folder on a mounted disk.

    Raises RepositoryUnavailable when the disk's UUID cannot be found.
    """
    path = Path(path).absolute()
    out = _run(["findmnt", "-n", "-o", "UUID,TARGET", "--target", str(path)])
    parts = (out or "").split(maxsplit=1)
    if len(parts) != 2 or parts[0] in ("", "-"):
        raise RepositoryUnavailable(
            N_("Le disque qui contient %(path)s n'a pas d'UUID connu."), path=path
        )
    mount = Path(parts[1].strip())
    return f"removable://{parts[0]}/{path.relative_to(mount)}"


def read_repo_id(repo_path: Path) -> str | None:
    """The borg repository id written in `repo_path/config`, or None when not a repository."""
    parser = configparser.ConfigParser()
    try:
        parser.read_string((Path(repo_path) / "config").read_text())
        return parser.get("repository", "id")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None


def _mount(device: str, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    cmd = ["mount", "-o", "nodev,nosuid,noexec", device, str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RepositoryUnavailable(
            N_(
                "Le disque amovible est branché (%(device)s) mais n'a pas pu être monté : "
                "%(detail)s. Vérifiez le disque (page Santé)."
            ),
            device=device,
            detail=proc.stderr.strip() or proc.returncode,
        )


def _unmount(target: Path) -> None:
    os.sync()
    proc = subprocess.run(["umount", str(target)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        log.warning("Démontage de %s impossible : %s", target, proc.stderr.strip())
        return
    try:
        target.rmdir()
    except OSError:
        pass


@contextmanager
def mounted_repository(
    fs_uuid: str,
    path_on_disk: str,
    *,
    mount_dir: Path,
    expected_repo_id: str | None = None,
    automount: bool = True,
    by_uuid_dir: Path = BY_UUID,
    mounts_file: Path = PROC_MOUNTS,
) -> Iterator[Path]:
    """Yield the repository path on the removable disk `fs_uuid`, mounting it if needed.

    Given the path of the repository on the disk, where to mount it when nobody did, and
    the repository id it must hold. Raises RepositoryUnavailable (`skippable` True when
    the disk is simply absent). A disk mounted here is unmounted afterwards.
    """
    state = locate_filesystem(fs_uuid, by_uuid_dir=by_uuid_dir, mounts_file=mounts_file)
    if not state.present:
        raise RepositoryUnavailable(N_("Ignoré : disque absent (non branché)."), skippable=True)
    mounted_here = False
    mountpoint = state.mountpoint
    if mountpoint is None:
        if not automount or not state.device:
            raise RepositoryUnavailable(
                N_("Ignoré : le disque est branché mais pas monté."), skippable=True
            )
        mountpoint = Path(mount_dir)
        _mount(state.device, mountpoint)
        mounted_here = True
    try:
        repo_path = mountpoint / path_on_disk.lstrip("/")
        if expected_repo_id:
            found = read_repo_id(repo_path)
            if found != expected_repo_id:
                raise RepositoryUnavailable(
                    N_(
                        "Le disque %(fs_uuid)s est là, mais %(repo_path)s ne contient pas le dépôt "
                        "attendu (autre dépôt ou dossier vide). Vérifiez que c'est le bon disque."
                    ),
                    fs_uuid=fs_uuid,
                    repo_path=repo_path,
                )
        yield repo_path
    finally:
        if mounted_here:
            _unmount(mountpoint)
