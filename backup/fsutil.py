"""Small file-system helpers: atomic writes, fsync, free space, sizes, checksums.

"Nothing is lost": every file written here goes to a temporary name in the same folder,
is fsynced, then renamed over the final name, and the folder is fsynced.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

CHUNK = 1024 * 1024


def fsync_dir(path: Path) -> None:
    """fsync the folder `path` so a rename inside it survives a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o644, dir_fd: int | None = None
) -> Path:
    """Write `data` (str is written as UTF-8) to `path` atomically with permissions `mode`;
    returns `path`. The one way Cartable writes a file over another.

    The bytes go to a new temporary name beside `path` (never following a link planted
    there), are fsynced, renamed over `path`, then the folder is fsynced: after a crash or
    a full disk the old file or the new one is there, whole, never a mix. With `dir_fd`,
    `path` is a bare name inside that already opened folder (whose checks the caller made).
    Raises OSError when the folder is missing, not writable or full (the old file is
    untouched and no temporary file is left).
    """
    body = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    if dir_fd is not None and path.name != str(path):
        raise ValueError(f"with dir_fd, {path} must be a bare file name")
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY) if dir_fd is None else dir_fd
    try:
        _write_and_rename(folder, path.name, body, mode)
        os.fsync(folder)
    finally:
        if dir_fd is None:
            os.close(folder)
    return path


def _write_and_rename(folder: int, name: str, body: bytes, mode: int) -> None:
    """Write `body` to a fresh temporary file in the open `folder`, fsync, rename to `name`."""
    tmp = f".{name}.{secrets.token_hex(4)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, 0o600, dir_fd=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)  # exactly `mode`, whatever the umask
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=folder)
        except OSError:
            pass
        raise


def atomic_write_json(path: Path, obj: Any, *, mode: int = 0o644) -> Path:
    """Write `obj` as indented UTF-8 JSON to `path` atomically; returns `path`."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return atomic_write(path, text, mode=mode)


def fsync_file(path: Path) -> None:
    """fsync the file at `path` (its data and size)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def free_bytes(path: Path) -> int:
    """Free bytes usable by this process on the file system holding `path`.

    When `path` does not exist yet, its nearest existing parent is measured.
    """
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    st = os.statvfs(p)
    return st.f_bavail * st.f_frsize


def tree_size(path: Path) -> int:
    """Total size in bytes of the regular files under `path` (0 when it does not exist)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            if not os.path.islink(os.path.join(root, name)):
                total += st.st_size
    return total


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file at `path`."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def human_size(n: float) -> str:
    """A byte count in French units (« 1,5 Go »)."""
    units = ["o", "Ko", "Mo", "Go", "To"]
    value = float(n)
    for unit in units:
        if abs(value) < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit == "o" else f"{value:.1f}"
            return f"{text.replace('.', ',')} {unit}"
        value /= 1024
    return f"{n} o"
