"""Logging in: throttling, password check, rehash, state checks, audit, session.

The web UI and the benchmark call `authenticate` then `complete_login`; the TOTP step, when
the person has it, sits between the two.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from appliance.db import now_iso, one, transaction
from appliance.security import audit, passwords, sessions, throttle
from appliance.security.audit import Actor


@dataclass(frozen=True)
class LoginResult:
    """What a login attempt gave.

    status: "ok" (password right; `totp` tells whether a code is still needed),
    "bad" (wrong login or password), "throttled" (wait `retry_after` seconds before trying),
    "disabled" (right password, but the account is disabled or expired).
    """

    status: str
    person_id: int | None = None
    retry_after: int = 0
    totp: bool = False
    must_change_password: bool = False


def authenticate(
    conn: sqlite3.Connection,
    login: str,
    password: str,
    ip: str | None,
    settings: throttle.ThrottleSettings,
) -> LoginResult:
    """Check a login and password, with throttling and an audit entry for each outcome."""
    login = (login or "").strip().lower()[:100]
    wait = throttle.retry_after(conn, login, ip)
    if wait:
        audit.record(conn, Actor(None, login, ip), "login.throttled", outcome="refused")
        return LoginResult("throttled", retry_after=wait)
    row = one(
        conn,
        "SELECT id, password_hash, state, profile, expires_on, totp_enabled, "
        "must_change_password FROM person WHERE login = ?",
        (login,),
    )
    ok, new_hash = passwords.verify_password(row["password_hash"] if row else None, password)
    if not ok:
        wait = throttle.record_failure(conn, login, ip, settings)
        audit.record(
            conn,
            Actor(row["id"] if row else None, login, ip),
            "login.failed",
            outcome="failed",
            details={"unknown_login": row is None} if row is None else None,
        )
        return LoginResult("bad", retry_after=wait)
    throttle.record_success(conn, login)
    if new_hash:
        with transaction(conn):
            conn.execute("UPDATE person SET password_hash = ? WHERE id = ?", (new_hash, row["id"]))
    expired = row["expires_on"] and row["expires_on"] < date.today().isoformat()
    if row["state"] == "disabled" or expired:
        audit.record(conn, Actor(row["id"], login, ip), "login.disabled", outcome="refused")
        return LoginResult("disabled", person_id=row["id"])
    return LoginResult(
        "ok",
        person_id=row["id"],
        totp=bool(row["totp_enabled"]),
        must_change_password=bool(row["must_change_password"]),
    )


def complete_login(
    conn: sqlite3.Connection, person_id: int, ip: str | None, user_agent: str | None
) -> str:
    """Open a session for a person who passed every step; return the session token."""
    with transaction(conn):  # one short write: session, last login, audit entry
        token = sessions.open_session(conn, person_id, ip, user_agent)
        conn.execute("UPDATE person SET last_login_at = ? WHERE id = ?", (now_iso(), person_id))
        login = conn.execute("SELECT login FROM person WHERE id = ?", (person_id,)).fetchone()[0]
        audit.record(conn, Actor(person_id, login, ip), "login")
    return token
