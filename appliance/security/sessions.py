"""Server-side sessions: a random id in the cookie, its SHA-256 in the database.

A session ends after `idle` seconds without a request, after `absolute` seconds whatever
happens, at logout, when the person's password changes or the account is disabled
(those delete every row of the person), and as soon as the account's expiry date (a
guest's) has passed, without waiting for the nightly lifecycle job. `last_seen_at` is
written at most once a minute, so that a page view does not cost a write.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass

from appliance import timefmt
from appliance.db import one, transaction

TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class SessionLimits:
    idle: float = 30 * 60.0
    absolute: float = 12 * 3600.0


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    conn: sqlite3.Connection, person_id: int, ip: str | None, user_agent: str | None
) -> str:
    """Create a session for the person; return the token to put in the cookie."""
    token = secrets.token_urlsafe(32)
    now = time.time()
    with transaction(conn):
        conn.execute(
            "INSERT INTO web_session (id_hash, person_id, created_at, last_seen_at, ip, "
            "user_agent) VALUES (?, ?, ?, ?, ?, ?)",
            (_hash(token), person_id, now, now, ip, (user_agent or "")[:200]),
        )
    return token


def account_expired(expires_on: str | None, now: float | None = None) -> bool:
    """Whether an account whose last day is `expires_on` ("YYYY-MM-DD", or None: never) is
    out at `now` (default: now): from the next day in the school's zone. The one rule of a
    login, a session and a bearer token."""
    return bool(expires_on and expires_on < timefmt.today(now).isoformat())


def resolve_row(
    conn: sqlite3.Connection,
    token: str | None,
    limits: SessionLimits,
    now: float | None = None,
    person_columns: str = "",
) -> dict | None:
    """The session's row if it is live, else None (an expired session is deleted).

    `person_columns` (SQL over the table `person`) are read in the same query, so that a
    page view costs one query for the session and the person.
    """
    if not token:
        return None
    now = time.time() if now is None else now
    token_hash = _hash(token)
    extra = f", {person_columns}" if person_columns else ""
    row = one(
        conn,
        "SELECT s.person_id, s.created_at AS session_created_at, "
        f"s.last_seen_at AS session_seen_at, person.state AS person_state, "
        f"person.expires_on AS person_expires_on{extra} "
        "FROM web_session s JOIN person ON person.id = s.person_id WHERE s.id_hash = ?",
        (token_hash,),
    )
    if row is None:
        return None
    seen, created = row.pop("session_seen_at"), row.pop("session_created_at")
    expires_on = row.pop("person_expires_on")
    expired = (
        now - seen > limits.idle
        or now - created > limits.absolute
        or row.pop("person_state") == "disabled"
        or account_expired(expires_on, now)
    )
    if expired:
        close(conn, token)
        return None
    if now - seen > TOUCH_EVERY:
        with transaction(conn):
            conn.execute(
                "UPDATE web_session SET last_seen_at = ? WHERE id_hash = ?", (now, token_hash)
            )
    return row


def close(conn: sqlite3.Connection, token: str | None) -> None:
    """End one session (logout)."""
    if token:
        with transaction(conn):
            conn.execute("DELETE FROM web_session WHERE id_hash = ?", (_hash(token),))


def end_sessions(conn: sqlite3.Connection, *person_ids: int) -> int:
    """End every session of the given people; return how many sessions were ended.

    The one place that does it (password changed or reset, account disabled, departed or
    expired). Inside the caller's transaction it joins it, so the change that ends the
    sessions, its audit row and the deletion commit or roll back together.
    """
    if not person_ids:
        return 0
    with transaction(conn):
        cur = conn.executemany(
            "DELETE FROM web_session WHERE person_id = ?", [(i,) for i in person_ids]
        )
    return cur.rowcount


def purge_expired(conn: sqlite3.Connection, limits: SessionLimits) -> int:
    """Delete sessions past their idle or absolute limit; return how many."""
    now = time.time()
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM web_session WHERE last_seen_at < ? OR created_at < ?",
            (now - limits.idle, now - limits.absolute),
        )
    return cur.rowcount
