"""Logging in: throttling, password check, rehash, state checks, audit, session.

The web UI and the benchmark call `authenticate` then `complete_login`; the TOTP step, when
the person has it, sits between the two (`check_second_factor`). `check_proof` asks a
logged-in person for their password or a code again (password change, TOTP settings).
Every check is reserved in the throttle before it is made (see `throttle`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from appliance.db import now_iso, one, transaction
from appliance.security import (
    audit,
    known_addresses,
    passwords,
    recovery_codes,
    sessions,
    throttle,
    totp,
)
from appliance.security.audit import Actor


@dataclass(frozen=True)
class LoginResult:
    """What a login attempt gave.

    status: "ok" (password right; `totp` tells whether a code is still needed),
    "bad" (wrong login, password or code), "throttled" (wait `retry_after` seconds before
    trying), "disabled" (right password, but the account is disabled or expired).
    `reason` says why a throttled attempt was refused: "address" (this address tried too
    often) or "account" (the account's hourly cap for unknown addresses: a TOTP code, or
    one of the owner's usual addresses, still gets through).
    """

    status: str
    person_id: int | None = None
    retry_after: int = 0
    totp: bool = False
    must_change_password: bool = False
    reason: str = ""


def authenticate(
    conn: sqlite3.Connection,
    login: str,
    password: str,
    ip: str | None,
    settings: throttle.ThrottleSettings,
    code: str = "",
) -> LoginResult:
    """Check a login and password, with throttling and an audit entry for each outcome.

    `code`: a TOTP code given with the password, which lifts the cap on unknown addresses
    for a person who has TOTP (it is then checked first, and the TOTP step is skipped).
    """
    login = throttle.normal_login(login)
    row = one(
        conn,
        "SELECT id, password_hash, state, profile, expires_on, totp_enabled, "
        "must_change_password FROM person WHERE login = ?",
        (login,),
    )
    person_id = row["id"] if row else None
    actor = Actor(person_id, login, ip)
    known = known_addresses.is_known(conn, person_id, ip, settings.known_days)
    slot = throttle.reserve(conn, login, ip, settings, known=known)
    with_code = False
    if not slot.allowed and slot.reason == "account" and code and row and row["totp_enabled"]:
        slot = throttle.reserve(conn, login, ip, settings, known=True)
        with_code = slot.allowed
    if not slot.allowed:
        audit.record(conn, actor, "login.throttled", outcome="refused", coalesce=True)
        return LoginResult("throttled", retry_after=slot.wait, reason=slot.reason)
    if with_code and row is not None and not totp.verify_for_person(conn, row["id"], code):
        audit.record(conn, actor, "login.totp_failed", outcome="failed", coalesce=True)
        return LoginResult("bad", retry_after=slot.next_wait)
    ok, new_hash = passwords.verify_password(row["password_hash"] if row else None, password)
    if not ok:
        details = {"unknown_login": True} if row is None else None
        audit.record(conn, actor, "login.failed", outcome="failed", details=details, coalesce=True)
        return LoginResult("bad", retry_after=slot.next_wait)
    assert row is not None  # verify_password fails for a missing hash
    throttle.release(conn, login, ip, settings)
    if new_hash:
        with transaction(conn):
            conn.execute("UPDATE person SET password_hash = ? WHERE id = ?", (new_hash, row["id"]))
    if row["state"] == "disabled" or sessions.account_expired(row["expires_on"]):
        audit.record(conn, actor, "login.disabled", outcome="refused")
        return LoginResult("disabled", person_id=row["id"])
    return LoginResult(
        "ok",
        person_id=row["id"],
        totp=bool(row["totp_enabled"]) and not with_code,
        must_change_password=bool(row["must_change_password"]),
    )


def check_second_factor(
    conn: sqlite3.Connection,
    person_id: int,
    login: str,
    ip: str | None,
    settings: throttle.ThrottleSettings,
    *,
    code: str = "",
    recovery: str = "",
) -> LoginResult:
    """The TOTP step: a current code, or one of the person's single-use recovery codes.

    Throttled like the password (the slot is reserved first); every outcome is audited.
    """
    actor = Actor(person_id, login, ip)
    slot = throttle.reserve(conn, login, ip, settings, known=True)
    if not slot.allowed:
        audit.record(conn, actor, "login.throttled", outcome="refused", coalesce=True)
        return LoginResult("throttled", retry_after=slot.wait, reason=slot.reason)
    if recovery:
        with audit.audited(conn, actor, "login.recovery_code") as entry:  # the code is spent
            used = recovery_codes.use(conn, person_id, recovery)
            if used:
                entry.details["remaining"] = recovery_codes.remaining(conn, person_id)
            else:
                entry.skip()  # logged below as failed, coalesced
        if used:
            throttle.release(conn, login, ip, settings)
            return LoginResult("ok", person_id=person_id)
        audit.record(conn, actor, "login.recovery_code", outcome="failed", coalesce=True)
        return LoginResult("bad", retry_after=slot.next_wait)
    if totp.verify_for_person(conn, person_id, code):
        throttle.release(conn, login, ip, settings)
        return LoginResult("ok", person_id=person_id)
    audit.record(conn, actor, "login.totp_failed", outcome="failed", coalesce=True)
    return LoginResult("bad", retry_after=slot.next_wait)


def check_proof(
    conn: sqlite3.Connection,
    person_id: int,
    login: str,
    proof: str,
    ip: str | None,
    settings: throttle.ThrottleSettings,
    *,
    allow_code: bool = True,
) -> LoginResult:
    """A logged-in person proves it is them again: their password, or (when they have TOTP
    and `allow_code`) a current code. Throttled and counted like a login (a wrong answer
    makes the next one wait, answered 429 by the web); a failure is audited."""
    proof = proof or ""
    if not proof.strip():
        return LoginResult("bad")
    row = one(conn, "SELECT password_hash, totp_enabled FROM person WHERE id = ?", (person_id,))
    actor = Actor(person_id, login, ip)
    slot = throttle.reserve(conn, login, ip, settings, known=True)
    if not slot.allowed:
        audit.record(conn, actor, "account.proof", outcome="refused", coalesce=True)
        return LoginResult("throttled", retry_after=slot.wait, reason=slot.reason)
    digits = "".join(ch for ch in proof if not ch.isspace())
    if allow_code and row and row["totp_enabled"] and digits.isdigit() and len(digits) == 6:
        ok = totp.verify_for_person(conn, person_id, digits)
    else:
        ok = passwords.verify_password(row["password_hash"] if row else None, proof)[0]
    if not ok:
        audit.record(conn, actor, "account.proof", outcome="failed", coalesce=True)
        return LoginResult("bad", retry_after=slot.next_wait)
    throttle.release(conn, login, ip, settings)
    return LoginResult("ok", person_id=person_id)


def logout(conn: sqlite3.Connection, token: str | None, actor: Actor) -> None:
    """End the session of `token` (the person logs out), with the `logout` audit row."""
    with audit.audited(conn, actor, "logout"):
        sessions.close(conn, token)


def complete_login(
    conn: sqlite3.Connection, person_id: int, ip: str | None, user_agent: str | None
) -> str:
    """Open a session for a person who passed every step; return the session token.

    The address becomes one of the person's known ones (see `known_addresses`).
    """
    with transaction(conn):  # one short write: session, last login, address, audit entry
        token = sessions.open_session(conn, person_id, ip, user_agent)
        conn.execute("UPDATE person SET last_login_at = ? WHERE id = ?", (now_iso(), person_id))
        known_addresses.remember(conn, person_id, ip)
        login = conn.execute("SELECT login FROM person WHERE id = ?", (person_id,)).fetchone()[0]
        audit.record(conn, Actor(person_id, login, ip), "login")
    return token
