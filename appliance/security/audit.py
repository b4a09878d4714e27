"""The audit log: who did what, when, from where, to what, and with what outcome.

Logins, failed logins, admin actions and password resets are recorded. Details never
contain secrets (callers pass names of changed fields, not values of passwords).

An action that writes is audited by the service function that writes, never by its caller
(a view, a command): `with audited(conn, actor, action) as entry:` opens the write
transaction (or joins the caller's), the block does the writes and may complete the entry
(`entry.target`, `entry.details`, `entry.outcome`), and the row is written inside the same
transaction just before it commits; an exception rolls back the action and its row
together. A refused or failed attempt (a wrong password, a plan with errors, a directory
that changed since its preview) is not an action: nothing was written, so its service logs
it with `record(..., outcome="refused" | "failed")` in a transaction of its own once the
attempt has been rolled back.

Repetitive entries (refused and failed logins) are coalesced: one row per action, actor,
address, outcome and minute, with a `count`, so that a flood of posts costs a few rows,
not megabytes. Entries older than `security.audit_retention_days` are purged every night.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, rows, scalar, transaction

PURGE_BATCH = 5000


@dataclass(frozen=True)
class Actor:
    """Who acts: a person (id, login) or the system/CLI, and from which address."""

    id: int | None
    login: str
    ip: str | None = None


SYSTEM = Actor(None, "système", None)


def cli_actor() -> Actor:
    """The actor for a command typed by the technician on the server (login = Unix user)."""
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    return Actor(None, f"console:{user}", "local")


@dataclass
class AuditEntry:
    """The row an `audited` block writes when it ends; the block may complete its target,
    outcome and details (who acts and the action are the block's own)."""

    actor: Actor
    action: str
    target: str | None = None
    outcome: str = "ok"
    details: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    def skip(self) -> None:
        """The action turned out to change nothing (a wrong code): no row is written."""
        self.skipped = True


@contextmanager
def audited(
    conn: sqlite3.Connection,
    actor: Actor | None,
    action: str,
    *,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> Iterator[AuditEntry]:
    """Run the block in one write transaction (joining the caller's if one is open) and
    write its audit row in it, just before the commit.

    Yields the AuditEntry the block may complete. An exception in the block rolls back
    its writes and the row together (and propagates). `actor` None: the action is one step
    of a larger one that is audited as a whole (an import creating people): no row.
    """
    entry = AuditEntry(actor or SYSTEM, action, target, details=dict(details or {}))
    with transaction(conn):
        yield entry
        if actor is not None and not entry.skipped:
            record(
                conn,
                actor,
                action,
                target=entry.target,
                outcome=entry.outcome,
                details=entry.details,
            )


def record(
    conn: sqlite3.Connection,
    actor: Actor,
    action: str,
    *,
    target: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    coalesce: bool = False,
) -> None:
    """Append one entry to the audit log (in the caller's transaction if one is open).

    For an action that writes, use `audited` in the service that writes; `record` is for
    what is not such an action: a refused or failed attempt, or an action that writes
    nothing in this database (an export, a support bundle: the row is written once the
    data is built, so that the write lock is not held meanwhile).

    `coalesce`: when the same entry (action, actor, address, target, outcome, details)
    was already written this minute, add one to its count instead of writing a row.
    """
    at = now_iso()
    text = json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None
    with transaction(conn):
        if coalesce:
            cur = conn.execute(
                "UPDATE audit_log SET count = count + 1 WHERE id = (SELECT id FROM audit_log "
                "WHERE at >= ? AND action = ? AND actor_login IS ? AND ip IS ? "
                "AND target IS ? AND outcome = ? AND details IS ? ORDER BY id DESC LIMIT 1)",
                (at[:16], action, actor.login, actor.ip, target, outcome, text),
            )
            if cur.rowcount:
                return
        conn.execute(
            "INSERT INTO audit_log (at, actor_id, actor_login, ip, action, target, outcome, "
            "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, actor.id, actor.login, actor.ip, action, target, outcome, text),
        )


def purge(conn: sqlite3.Connection, retention_days: int, actor: Actor = SYSTEM) -> int:
    """Delete entries older than `retention_days` days; return how many.

    Deleted in batches (each its own short transaction, so logins don't wait behind one
    long write); the last batch writes the `audit.purge` entry that reports the run.
    """
    cutoff = (datetime.now(UTC) - timedelta(days=retention_days)).replace(microsecond=0)
    before, deleted = cutoff.isoformat(), 0
    while True:
        with transaction(conn):
            cur = conn.execute(
                "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? LIMIT ?)",
                (before, PURGE_BATCH),
            )
            deleted += cur.rowcount
            if cur.rowcount < PURGE_BATCH:
                record(
                    conn,
                    actor,
                    "audit.purge",
                    details={"deleted": deleted, "before": before, "days": retention_days},
                )
                return deleted


def search(
    conn: sqlite3.Connection,
    *,
    actor: str = "",
    action: str = "",
    target: str = "",
    since: str = "",
    until: str = "",
    outcome: str = "",
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Entries matching the filters, newest first, and the total count.

    `since`/`until` are days (YYYY-MM-DD, in the school's zone, both included) or ISO
    times; text filters are substrings.
    """
    clauses, params = [], []
    for column, value in (("actor_login", actor), ("action", action), ("target", target)):
        if value:
            clauses.append(f"{column} LIKE ?")
            params.append(f"%{value}%")
    if outcome:
        clauses.append("outcome = ?")
        params.append(outcome)
    if since:
        clauses.append("at >= ?")
        params.append(_bound(since, 0))
    if until:
        clauses.append("at < ?")
        params.append(_bound(until, 1))
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    total = int(scalar(conn, f"SELECT count(*) FROM audit_log {where}", params))
    found = rows(
        conn,
        f"SELECT * FROM audit_log {where} ORDER BY id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    for entry in found:
        entry["details"] = json.loads(entry["details"]) if entry["details"] else {}
    return found, total


def _bound(value: str, days_after: int) -> str:
    """A filter bound as a stored UTC time: a day begins at midnight in the school's zone."""
    if timefmt.is_day(value):
        try:
            return timefmt.day_start_utc(value, days_after=days_after)
        except ValueError:
            pass  # not a real day: compared as text, it matches what it matches
    return value


def actions(conn: sqlite3.Connection) -> list[str]:
    """The distinct action names present, for the filter menu."""
    return [r["action"] for r in rows(conn, "SELECT DISTINCT action FROM audit_log ORDER BY 1")]
