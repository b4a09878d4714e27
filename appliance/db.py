"""SQLite access: connections, short write transactions and numbered migrations.

Every connection sets `busy_timeout` first (so that a concurrent writer makes us wait
rather than fail), then WAL mode and foreign keys. Writes go through `transaction()`,
which opens `BEGIN IMMEDIATE` so the write lock is taken up front and a transaction
never has to be retried half-way. Reads need no transaction: WAL readers never block.

Migrations are numbered SQL files (`0001_name.sql`) in one package per database file
(`Schema`): for cartable.db, the package each feature of the manifest names
(`appliance/migrations/` for the platform); `appliance/health/migrations/` for metrics.db.
Each is applied in one transaction and recorded in that file's `schema_migrations`. A
database newer than the code refuses to start.
"""

from __future__ import annotations

import errno
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from appliance import features
from appliance.errors import (
    CartableError,
    DatabaseBusy,
    DatabaseVersionError,
    DiskFull,
    Unavailable,
)
from appliance.i18n import N_

log = logging.getLogger("cartable.db")

BUSY_TIMEOUT_MS = 10_000
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def now_iso() -> str:
    """Return the current UTC time as an ISO 8601 string with seconds precision."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the SQLite database at `path` with Cartable's settings.

    Given a file path; returns a connection in autocommit mode (`isolation_level=None`)
    whose rows are `sqlite3.Row`. Raises CartableError when the file can't be opened.
    """
    path = Path(path)
    try:
        if readonly:
            conn = sqlite3.connect(
                f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise CartableError(
            N_("Impossible d'ouvrir la base de données %(path)s : %(exc)s"), path=path, exc=exc
        ) from exc
    conn.row_factory = sqlite3.Row
    return conn


BUSY_MESSAGE = N_(
    "La base de données est occupée par une longue opération (un import, une restauration) : "
    "réessayez dans quelques secondes."
)
FULL_MESSAGE = N_(
    "Disque plein : Cartable ne peut plus rien enregistrer. Libérez de la place sur le disque "
    "des données (vieux fichiers, journaux), puis réessayez ; prévenez le technicien."
)
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_FULL = 5, 6, 13


def unavailable(exc: BaseException) -> Unavailable | None:
    """The plain-language form of an error that means "not now" rather than a bug.

    Given any exception; returns DatabaseBusy for SQLite's busy/locked, DiskFull for
    SQLite's "database or disk is full" or an OSError ENOSPC/EDQUOT, else None.
    """
    if isinstance(exc, Unavailable):
        return exc
    if isinstance(exc, sqlite3.OperationalError):
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        text = str(exc).lower()
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
            return DatabaseBusy(BUSY_MESSAGE)
        if code == _SQLITE_FULL or "disk is full" in text:
            return DiskFull(FULL_MESSAGE)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(FULL_MESSAGE)
    return None


def _rollback(conn: sqlite3.Connection, statement: str = "ROLLBACK") -> None:
    """Roll back if a transaction is still open: SQLite ends it by itself on some errors
    (a full disk, an I/O error), and a second ROLLBACK would hide the real error behind
    'cannot rollback - no transaction is active'."""
    if not conn.in_transaction:
        return
    try:
        conn.execute(statement)
    except sqlite3.Error:
        log.exception("annulation de la transaction impossible")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one write transaction opened with BEGIN IMMEDIATE.

    Commits when the block ends normally, rolls back on any exception (re-raised).
    Nested use joins the outer transaction through a savepoint. A busy database (the write
    lock not obtained within BUSY_TIMEOUT_MS) raises DatabaseBusy; a full disk DiskFull.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT nested")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                _rollback(conn, "ROLLBACK TO nested")
                _rollback(conn, "RELEASE nested")
            raise
        conn.execute("RELEASE nested")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise (unavailable(exc) or exc) from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        _rollback(conn)
        plain = unavailable(exc)
        if plain is not None and plain is not exc:
            raise plain from exc
        raise


def rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """Run a query and return its rows as plain dicts."""
    return [dict(r) for r in conn.execute(sql, params).fetchall()]


def one(conn: sqlite3.Connection, sql: str, params: Any = ()) -> dict[str, Any] | None:
    """Run a query and return the first row as a dict, or None."""
    r = conn.execute(sql, params).fetchone()
    return dict(r) if r is not None else None


def scalar(conn: sqlite3.Connection, sql: str, params: Any = ()) -> Any:
    """Run a query and return the first column of the first row, or None."""
    r = conn.execute(sql, params).fetchone()
    return r[0] if r is not None else None


# --- migrations -------------------------------------------------------------------------


@dataclass(frozen=True)
class Schema:
    """The numbered migrations of one database file, and how it speaks of a newer one.

    `package` holds the `0001_name.sql` files; `newer` is the N_ template (with
    %(have)s and %(code)s) of the error a database newer than the code raises; `adopt`,
    when given, looks at a database that has no `schema_migrations` table and returns the
    version its existing tables already are (0 when it is new): a file written before
    that database had migrations is marked, not rebuilt.
    """

    package: str
    newer: str
    adopt: Callable[[sqlite3.Connection], int] | None = None


CARTABLE = Schema(
    "appliance.migrations",
    N_(
        "La base de données est au schéma %(have)s, plus récent que ce logiciel "
        "(schéma %(code)s) : elle a été écrite par une version plus récente de "
        "Cartable. "
        "Installez cette version (ou plus récente) ; ne démarrez pas l'ancienne."
    ),
)


def available_migrations(schema: Schema = CARTABLE) -> list[tuple[int, str, str]]:
    """Return (number, name, sql) for every migration of `schema` shipped, in order. For
    cartable.db, the files of every feature's migrations package (`appliance.features`):
    numbers are shared by all features; one used twice raises ValueError."""
    packages = features.migration_packages() if schema is CARTABLE else [schema.package]
    found = []
    for package in packages:
        for entry in resources.files(package).iterdir():
            m = _MIGRATION_NAME.match(entry.name)
            if m:
                found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _name, _sql in found]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"two migrations share a number: {numbers}")
    return found


def code_schema_version(schema: Schema = CARTABLE) -> int:
    """The highest migration number of `schema` this code knows."""
    migs = available_migrations(schema)
    return migs[-1][0] if migs else 0


def _has_migrations_table(conn: sqlite3.Connection) -> bool:
    return bool(
        scalar(
            conn,
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'",
        )
    )


def current_version(conn: sqlite3.Connection, schema: Schema = CARTABLE) -> int:
    """The highest migration recorded in the database (0 for a new database).

    A database without `schema_migrations` is 0, or what `schema.adopt` says it is.
    Writes nothing (so it serves read-only connections too).
    """
    if not _has_migrations_table(conn):
        return schema.adopt(conn) if schema.adopt else 0
    return scalar(conn, "SELECT coalesce(max(version), 0) FROM schema_migrations") or 0


_migrate_lock = threading.Lock()


def migrate(conn: sqlite3.Connection, schema: Schema = CARTABLE) -> list[int]:
    """Apply the migrations of `schema` the database lacks; return the numbers applied.

    An adopted database (see Schema.adopt) gets its existing versions recorded first, in
    the same transaction as creating `schema_migrations`. Raises DatabaseVersionError,
    before writing anything, when the database is newer than the code.
    """
    with _migrate_lock:
        check_version(conn, schema)
        if not _has_migrations_table(conn):
            _record_existing(conn, schema)
        # The numbers recorded, not only the highest: a migration of a service merged
        # after a later-numbered one (a development database) is still applied.
        have = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        applied = []
        for number, name, sql in available_migrations(schema):
            if number in have:
                continue
            with transaction(conn):
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (number, name, now_iso()),
                )
            applied.append(number)
        return applied


def _record_existing(conn: sqlite3.Connection, schema: Schema) -> None:
    """Create `schema_migrations`, marking the versions an adopted database already has.

    Looked at again inside the write transaction: another process may have just done it.
    """
    with transaction(conn):
        if _has_migrations_table(conn):
            return
        adopted = current_version(conn, schema)
        conn.execute(
            "CREATE TABLE schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for number, name, _sql in available_migrations(schema):
            if number <= adopted:
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (number, f"{name} (adopted)", now_iso()),
                )
    if adopted:
        log.info("base %s adoptée au schéma %s", schema.package, adopted)


def check_version(conn: sqlite3.Connection, schema: Schema = CARTABLE) -> None:
    """Raise DatabaseVersionError if the database is newer than the code."""
    have, code = current_version(conn, schema), code_schema_version(schema)
    if have > code:
        raise DatabaseVersionError(schema.newer, have=have, code=code)


def _split_sql(sql: str) -> list[str]:
    """Split a migration file into statements (no semicolons inside our literals)."""
    statements, buf = [], []
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            continue
        buf.append(line)
        if line.rstrip().endswith(";") and sqlite3.complete_statement("\n".join(buf)):
            statements.append("\n".join(buf))
            buf = []
    if "".join(buf).strip():
        statements.append("\n".join(buf))
    return statements
