"""The audit log: who did what, when, from where, to what, and with what outcome.

Logins, failed logins, admin actions and password resets are recorded. Details never
contain secrets (callers pass names of changed fields, not values of passwords).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, rows, scalar, transaction


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


def record(
    conn: sqlite3.Connection,
    actor: Actor,
    action: str,
    *,
    target: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry to the audit log (in the caller's transaction if one is open)."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO audit_log (at, actor_id, actor_login, ip, action, target, outcome, "
            "details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                now_iso(),
                actor.id,
                actor.login,
                actor.ip,
                action,
                target,
                outcome,
                json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None,
            ),
        )


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
