"""Small file-system helpers: atomic writes, fsync, free space, sizes, checksums.

"Nothing is lost": every file written here goes to a temporary name in the same folder,
is fsynced, then renamed over the final name, and the folder is fsynced.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
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


def atomic_write_bytes(path: Path, data: bytes, *, mode: int = 0o644) -> Path:
    """Write `data` to `path` atomically with permissions `mode`; returns `path`.

    Raises OSError when the folder is missing or not writable (the old file is untouched).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    fsync_dir(path.parent)
    return path


def atomic_write_json(path: Path, obj: Any, *, mode: int = 0o644) -> Path:
    """Write `obj` as indented UTF-8 JSON to `path` atomically; returns `path`."""
    text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


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
