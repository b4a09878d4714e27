"""Import files waiting between their preview and their apply.

The web UI stores the files a technician uploads in a private folder of the data
directory, `<data>/imports/pending/<token>/` (folders 0700, files 0600, safe names), shows
the plan, and re-plans from the very same files when the technician applies it. The
folder goes away once the import is applied or abandoned, and a folder left behind is
removed after `STALE_HOURS`: these files hold personal data. Another import (the
timetable's) keeps its files in a folder of its own (`root`, relative to the data folder).

The job queue's import jobs (`appliance.directory.import_jobs`) keep their state beside
the files (`keep` / `kept`): the plan shown as the preview and the upload's latest job,
as dot-files that no uploaded file's safe name can take.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from backup.fsutil import atomic_write

PENDING_DIR = Path("imports") / "pending"
STALE_HOURS = 24
MAX_FILES = 10
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_META = "import.json"
STATES = ("plan", "job")  # kept as ".<name>.json" (a safe name never starts with a dot)


@dataclass(frozen=True)
class PendingImport:
    """Files stored for one import: their paths, the `full` flag, who uploaded them."""

    token: str
    files: list[Path]
    full: bool
    actor: str
    created_at: float


def pending_root(data_dir: Path, root: Path = PENDING_DIR) -> Path:
    return Path(data_dir) / root


def safe_name(name: str, taken: Iterable[str] = ()) -> str:
    """A file name safe to create in the pending folder, close to `name`.

    Keeps the last path component, folds accents, keeps letters, digits, dot, dash and
    underscore, never starts with a dot, and adds a number when it is already `taken`.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")[:100] or "fichier"
    if base == _META:
        base = "fichier_" + base
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    candidate, n = base, 1
    taken = set(taken)
    while candidate in taken:
        n += 1
        candidate = f"{stem}_{n}.{ext}" if ext else f"{stem}_{n}"
    return candidate


def save(
    data_dir: Path,
    uploads: list[tuple[str, BinaryIO]],
    *,
    full: bool,
    actor: str,
    root: Path = PENDING_DIR,
) -> PendingImport:
    """Store uploaded files under a new random token and return them.

    Given the data folder, (original name, readable binary stream) pairs, the `full` flag
    and the uploader's login. Empty parts (no file chosen) are skipped. Raises
    CartableError when no file is left or there are too many. Also removes stale folders.
    """
    uploads = [(name, stream) for name, stream in uploads if name]
    if not uploads:
        raise CartableError(
            N_(
                "Aucun fichier reçu : choisissez au moins un fichier d'export (SIECLE, STS-Web "
                "ou CSV), puis recommencez."
            ),
            field="files",
        )
    if len(uploads) > MAX_FILES:
        raise CartableError(
            N_("Trop de fichiers (%(count)s) : un import en prend au plus %(maximum)s."),
            field="files",
            count=len(uploads),
            maximum=MAX_FILES,
        )
    purge_stale(data_dir, root=root)
    folder_root = pending_root(data_dir, root)
    folder_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder_root, 0o700)
    token = secrets.token_urlsafe(24)
    folder = folder_root / token
    folder.mkdir(mode=0o700)
    names: list[str] = []
    try:
        for original, stream in uploads:
            name = safe_name(original, names)
            names.append(name)
            _write_private(folder / name, stream)
        meta = {"files": names, "full": bool(full), "actor": actor, "created_at": time.time()}
        _write_private(folder / _META, json.dumps(meta).encode())
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return load(data_dir, token, root=root)


def load(data_dir: Path, token: str, *, root: Path = PENDING_DIR) -> PendingImport:
    """The stored import of `token`; raises NotFound when it is unknown or gone."""
    folder = _folder(data_dir, token, root)
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise NotFound(
            N_(
                "Ces fichiers ne sont plus disponibles (import déjà appliqué, abandonné ou trop "
                "ancien) : envoyez-les à nouveau."
            )
        ) from exc
    files = [folder / n for n in meta["files"]]
    return PendingImport(token, files, bool(meta["full"]), meta["actor"], meta["created_at"])


def keep(data_dir: Path, token: str, name: str, obj: Any) -> None:
    """Store `obj` (JSON-able) as the state `name` (one of STATES) of the upload `token`,
    atomically (0600). Raises NotFound when the upload is gone."""
    if name not in STATES:
        raise ValueError(name)
    body = json.dumps(obj, ensure_ascii=False, default=str)
    atomic_write(_folder(data_dir, token) / f".{name}.json", body, mode=0o600)


def kept(data_dir: Path, token: str, name: str) -> Any | None:
    """The state `name` of the upload `token` (see `keep`), None when there is none.
    Raises NotFound when the upload is gone."""
    if name not in STATES:
        raise ValueError(name)
    try:
        return json.loads((_folder(data_dir, token) / f".{name}.json").read_text("utf-8"))
    except FileNotFoundError:
        return None


def discard(data_dir: Path, token: str, *, root: Path = PENDING_DIR) -> None:
    """Delete the stored files of `token` (nothing happens if they are already gone)."""
    try:
        folder = _folder(data_dir, token, root)
    except NotFound:
        return
    shutil.rmtree(folder, ignore_errors=True)


def purge_stale(
    data_dir: Path, *, max_age_hours: float = STALE_HOURS, root: Path = PENDING_DIR
) -> int:
    """Remove pending folders older than `max_age_hours`; return how many were removed."""
    folder_root = pending_root(data_dir, root)
    if not folder_root.is_dir():
        return 0
    limit = time.time() - max_age_hours * 3600
    removed = 0
    for folder in folder_root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _folder(data_dir: Path, token: str, root: Path = PENDING_DIR) -> Path:
    if not _TOKEN.match(token or ""):
        raise NotFound(N_("Import en attente inconnu."))
    folder = pending_root(data_dir, root) / token
    if not folder.is_dir():
        raise NotFound(
            N_(
                "Ces fichiers ne sont plus disponibles (import déjà appliqué, abandonné ou trop "
                "ancien) : envoyez-les à nouveau."
            )
        )
    return folder


def _write_private(path: Path, source: BinaryIO | bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        if isinstance(source, bytes):
            fh.write(source)
        else:
            shutil.copyfileobj(source, fh, 1024 * 1024)
        fh.flush()
        os.fsync(fh.fileno())
