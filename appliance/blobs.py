"""Stored contents: attachments, documents and hand-ins, content-addressed under `files/`.

A content is written once, whatever the number of times it is attached or shared: it is
streamed (never whole in memory) to a temporary name in `files/blobs/`, hashed on the way,
fsynced, then renamed to `files/blobs/<2 hex>/<sha256>`; a row of `blob` gives its size and
its type, found from the first bytes (never from the name a person gave it). A name is
only a label kept by the row that uses the content (`safe_name` makes it harmless to show
and to offer as a download name); it never reaches the disk.

What may be shown in the browser (`inline_type`) is a short list of types that cannot run
(PDF, images other than SVG, plain text); everything else is downloaded as an attachment.

Features name the columns that use a content (`Feature.blob_refs`, "table.column");
`collect_garbage` (run weekly) deletes the contents none of them uses, and the files a
rolled-back write left behind.
"""

from __future__ import annotations

import hashlib
import os
import queue
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from appliance import errors
from appliance.db import now_iso, rows, transaction
from appliance.i18n import N_
from backup.fsutil import fsync_dir

CHUNK = 1024 * 1024
# A content written but not (yet) used by any row is kept this long: the row may be in a
# transaction that has not committed yet.
ORPHAN_GRACE_S = 24 * 3600


class TooLarge(errors.TooLarge):
    """The content is larger than allowed (HTTP 413)."""

    code = "too_large"


@dataclass(frozen=True)
class Blob:
    sha256: str
    size: int
    mime: str


def root(files_dir: Path) -> Path:
    return Path(files_dir) / "blobs"


def path_of(files_dir: Path, sha256: str) -> Path:
    """Where the content `sha256` is stored (ValueError for anything but a SHA-256)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return root(files_dir) / sha256[:2] / sha256


# --- types from the content ---------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"PK\x03\x04", 0, "application/zip"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "application/x-ole-storage"),
    (b"ID3", 0, "audio/mpeg"),
    (b"OggS", 0, "audio/ogg"),
    (b"ftyp", 4, "video/mp4"),
    (b"\x7fELF", 0, "application/x-executable"),
    (b"MZ", 0, "application/x-msdownload"),
)
_ZIP_KINDS = (
    (b"word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (b"xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (b"ppt/", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    (b"mimetypeapplication/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text"),
    (
        b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.spreadsheet",
    ),
    (
        b"mimetypeapplication/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.presentation",
    ),
)
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|\?xml|a\s|img|div)", re.I)
# Shown in the page; anything else is offered as a download.
INLINE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain"}
)


def sniff(head: bytes) -> str:
    """The type of a content from its first bytes (up to a few kilobytes)."""
    for magic, offset, mime in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if mime == "application/zip":
                for marker, kind in _ZIP_KINDS:
                    if marker in head[:4096]:
                        return kind
            return mime
    sample = head[:4096]
    if _MARKUP.search(sample):
        return "image/svg+xml" if re.search(rb"<\s*svg", sample, re.I) else "text/html"
    if b"\x00" in sample:
        return "application/octet-stream"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a character cut at the end
            try:
                sample.decode("cp1252")
            except UnicodeDecodeError:
                return "application/octet-stream"
    return "text/plain"


def inline_type(mime: str) -> bool:
    """Whether a content of this type may be shown in the browser (it cannot run)."""
    return mime in INLINE_TYPES


# --- names ---------------------------------------------------------------------------------

_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.I)
MAX_NAME = 180


def safe_name(name: str | None, default: str = "document") -> str:
    """A harmless label for a file name a person gave: no folders, no control or
    invisible characters, no leading dots, no reserved device names, at most 180 characters
    (the extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        c for c in name if unicodedata.category(c)[0] != "C" and c not in '<>:"|?*'
    ).strip()
    name = name.lstrip(".").strip()
    if not name or name in {".", ".."}:
        name = default
    if _RESERVED.match(name):
        name = "_" + name
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME]
    return name


# --- writing and reading -------------------------------------------------------------------


PIPELINE_AFTER = 4 * 1024 * 1024
PIPELINE_DEPTH = 8


class _Discarded(Exception):
    """The writer was discarded while its thread still had chunks to write."""


class Writer:
    """A content being streamed into the store, one write of each byte: hashed, counted and
    its head kept on the way (`write`, file-like, so that a multipart parser can write a
    part straight into it: `webui.uploads`). Then `finish()` fsyncs it and gives its Blob,
    and `place()` renames it to its content-addressed name; `discard()` (or `close()`
    before `place()`) removes the temporary file: a refused or cut upload leaves nothing.

    Past `max_bytes` the writer stops writing and sets `overflowed` (the bytes that follow
    are counted, not kept): the caller raises TooLarge for it (`check()`)."""

    def __init__(self, files_dir: Path, *, max_bytes: int, field: str = "file"):
        self.files_dir = Path(files_dir)
        self.max_bytes = max_bytes
        self.field = field
        base = root(files_dir)
        base.mkdir(parents=True, exist_ok=True, mode=0o750)
        self.tmp = base / f".tmp-{secrets.token_hex(8)}"
        fd = os.open(self.tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
        self._out: BinaryIO | None = os.fdopen(fd, "wb")
        self._digest = hashlib.sha256()
        self.size = 0
        self._head = bytearray()
        self.overflowed = False
        self.blob: Blob | None = None
        self.placed = False
        # Past PIPELINE_AFTER bytes, hashing and writing go to a thread of their own:
        # both release the GIL, so a large upload is parsed on one core while it is
        # hashed and written on another (a bounded queue: a few MB at most in memory).
        self._queue: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # the file-like side, for a parser
    def write(self, chunk: bytes) -> int:
        self.size += len(chunk)
        if self.overflowed or self._out is None:
            return len(chunk)
        if self.size > self.max_bytes:
            self.overflowed = True
            self._quiet_stop()
            self._close_out()
            self.tmp.unlink(missing_ok=True)
            return len(chunk)
        if len(self._head) < 8192:
            self._head += chunk[: 8192 - len(self._head)]
        if self._queue is None and self.size <= PIPELINE_AFTER:
            self._digest.update(chunk)
            self._out.write(chunk)
            return len(chunk)
        if self._queue is None:
            self._queue = queue.Queue(maxsize=PIPELINE_DEPTH)
            self._thread = threading.Thread(target=self._drain, daemon=True)
            self._thread.start()
        if self._error is not None:
            raise self._error
        self._queue.put(bytes(chunk))
        return len(chunk)

    def _drain(self) -> None:
        assert self._queue is not None
        while True:
            chunk = self._queue.get()
            if chunk is None:
                return
            if self._error is not None or self._out is None:
                continue
            try:
                self._digest.update(chunk)
                self._out.write(chunk)
            except BaseException as exc:  # noqa: BLE001 - given back to the writing thread
                self._error = exc

    def _stop(self) -> None:
        """Wait for the hashing thread to have written everything given to it."""
        if self._thread is not None:
            assert self._queue is not None
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            if self._error is not None:
                error, self._error = self._error, None
                raise error

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0  # a parser rewinds a part it wrote; this one is read back from the store

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()

    def check(self) -> None:
        """Raise TooLarge (nothing kept) when the content passed `max_bytes`."""
        if self.overflowed:
            self.discard()
            raise TooLarge(
                N_("Le fichier %(name)s dépasse la taille permise (%(max)s Mo)."),
                field=self.field,
                name=self.field,
                max=max(1, self.max_bytes // (1024 * 1024)),
            )

    def finish(self) -> Blob:
        """Fsync the content and return its Blob (still under its temporary name)."""
        self.check()
        if self.blob is None:
            self._stop()
            out = self._out
            if out is None:
                raise ValueError("writer already discarded")
            out.flush()
            os.fsync(out.fileno())
            self._close_out()
            self.blob = Blob(self._digest.hexdigest(), self.size, sniff(bytes(self._head)))
        return self.blob

    def place(self) -> Blob:
        """Rename the content to its name in the store (or drop it: the same content is
        there already). Call it before the transaction that records it commits."""
        blob = self.finish()
        if not self.placed:
            final = path_of(self.files_dir, blob.sha256)
            final.parent.mkdir(exist_ok=True, mode=0o750)
            if final.exists():
                self.tmp.unlink(missing_ok=True)
            else:
                os.replace(self.tmp, final)
                fsync_dir(final.parent)
            self.placed = True
        return blob

    def _close_out(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def _quiet_stop(self) -> None:
        self._error = self._error or _Discarded()
        try:
            self._stop()
        except _Discarded:
            pass

    def discard(self) -> None:
        """Remove the temporary file (nothing of the content stays)."""
        self._quiet_stop()
        self._close_out()
        if not self.placed:
            self.tmp.unlink(missing_ok=True)

    def close(self) -> None:
        """Closing a writer that was not placed discards it (the request is over)."""
        self.discard()

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def write(files_dir: Path, stream: BinaryIO, *, max_bytes: int, field: str = "file") -> Blob:
    """Stream `stream` into the store; return the content's Blob (not yet recorded).

    Raises TooLarge (naming `field`) past `max_bytes`, leaving nothing behind. The caller
    records it with `record()` in the transaction of the row that uses it.
    """
    with Writer(files_dir, max_bytes=max_bytes, field=field) as writer:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            writer.write(chunk)
            writer.check()
        return writer.place()


def write_bytes(files_dir: Path, data: bytes, *, max_bytes: int, field: str = "file") -> Blob:
    import io

    return write(files_dir, io.BytesIO(data), max_bytes=max_bytes, field=field)


def record(conn: sqlite3.Connection, blob: Blob) -> None:
    """Record the content (in the caller's transaction: with the row that uses it)."""
    conn.execute(
        "INSERT OR IGNORE INTO blob (sha256, size, mime, created_at) VALUES (?, ?, ?, ?)",
        (blob.sha256, blob.size, blob.mime, now_iso()),
    )


def get(conn: sqlite3.Connection, sha256: str) -> Blob | None:
    found = rows(conn, "SELECT sha256, size, mime FROM blob WHERE sha256 = ?", (sha256,))
    return Blob(**found[0]) if found else None


def open_read(files_dir: Path, sha256: str) -> BinaryIO:
    return open(path_of(files_dir, sha256), "rb")  # noqa: SIM115 (the caller closes it)


# --- clean-up --------------------------------------------------------------------------------


def references() -> list[str]:
    """Every "table.column" that names a content, from the feature manifest."""
    from appliance import features

    return [ref for f in features.FEATURES for ref in f.blob_refs]


def collect_garbage(
    conn: sqlite3.Connection,
    files_dir: Path,
    refs: Iterable[str] | None = None,
    *,
    now: float | None = None,
) -> dict[str, int]:
    """Delete the contents no row uses (rows first, in one transaction, then the files)
    and the files older than a day that no row records. Returns counts and bytes freed."""
    refs = list(references() if refs is None else refs)
    used = " UNION ".join(
        f"SELECT {col} FROM {table} WHERE {col} IS NOT NULL"
        for table, col in (r.split(".", 1) for r in refs)
    )
    now = time.time() if now is None else now
    with transaction(conn):
        unused = rows(
            conn,
            "SELECT sha256, size FROM blob" + (f" WHERE sha256 NOT IN ({used})" if used else ""),
        )
        conn.executemany("DELETE FROM blob WHERE sha256 = ?", [(u["sha256"],) for u in unused])
    freed = 0
    removed = 0
    for u in unused:
        try:
            path_of(files_dir, u["sha256"]).unlink()
            freed += u["size"]
            removed += 1
        except FileNotFoundError:
            pass
    known = {r["sha256"] for r in rows(conn, "SELECT sha256 FROM blob")}
    strays = 0
    base = root(files_dir)
    if base.is_dir():
        for path in base.rglob("*"):
            if not path.is_file() or now - path.stat().st_mtime < ORPHAN_GRACE_S:
                continue
            if path.name.startswith(".tmp-") or path.name not in known:
                freed += path.stat().st_size
                path.unlink()
                strays += 1
    return {"removed": removed, "strays": strays, "bytes": freed}
