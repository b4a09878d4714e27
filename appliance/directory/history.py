"""Import history and the audit entries of the directory's bulk operations.

The audit log records counts and identifiers of operations, never personal content
(no names, no passwords), so that it can be kept longer than the data it talks about.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from appliance.db import now_iso, one, rows
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.security.audit import SYSTEM, Actor, record


def audit(
    conn: sqlite3.Connection,
    action: str,
    *,
    actor: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    outcome: str = "ok",
) -> None:
    """Write one audit_log row (inside the caller's transaction, if any) through the one
    audit module; `actor` is a login (or "console:<user>" for the CLI)."""
    record(
        conn,
        Actor(None, actor or SYSTEM.login, None),
        action,
        target=target,
        outcome=outcome,
        details=details,
    )


def insert_import_run(
    conn: sqlite3.Connection,
    *,
    effective_date: str,
    actor: str | None,
    full: bool,
    files: list[dict[str, Any]],
    counts: dict[str, Any],
    warnings: int,
    created: int,
) -> int:
    """Record an applied import; returns its number (N of `--new-since-import N`)."""
    kept = [
        {k: f.get(k) for k in ("file", "kind", "sha256", "uai", "year", "encoding")} for f in files
    ]
    cur = conn.execute(
        "INSERT INTO import_run (applied_at, effective_date, actor, full_import, files, counts, "
        "warnings, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            now_iso(),
            effective_date,
            actor,
            int(full),
            json.dumps(kept, ensure_ascii=False),
            json.dumps(counts, sort_keys=True),
            warnings,
            created,
        ),
    )
    assert cur.lastrowid is not None  # an INSERT sets it
    return int(cur.lastrowid)


def _decode(run: dict[str, Any]) -> dict[str, Any]:
    run["files"] = json.loads(run["files"])
    run["counts"] = json.loads(run["counts"])
    run["full_import"] = bool(run["full_import"])
    return run


def list_imports(conn: sqlite3.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """The latest applied imports, newest first, with their files and counts decoded."""
    return [
        _decode(r)
        for r in rows(conn, "SELECT * FROM import_run ORDER BY id DESC LIMIT ?", (limit,))
    ]


def get_import(conn: sqlite3.Connection, import_id: int) -> dict[str, Any]:
    """One applied import; raises NotFound."""
    run = one(conn, "SELECT * FROM import_run WHERE id = ?", (import_id,))
    if run is None:
        raise NotFound(N_("Aucun import n'a le numéro %(import_id)s."), import_id=import_id)
    return _decode(run)
