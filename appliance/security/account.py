"""A person's own account: password change, double authentication on and off, recovery
codes. The actor is the person (`Actor(id, login, ip)`).

Each change and its audit row are one transaction (`audit.audited`). A refused or failed
attempt (throttled, a wrong current password, a new password that breaks the rules) changes
nothing and is logged as such, coalesced (see `appliance.security.audit`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from appliance.db import transaction
from appliance.directory import people
from appliance.errors import CartableError
from appliance.security import auth, recovery_codes, throttle, totp
from appliance.security.audit import Actor, audited, record


@dataclass(frozen=True)
class PasswordChange:
    """What a password change gave. status: "ok", "throttled" (wait `retry_after`
    seconds), "wrong" (the current password is not right), "mismatch" (the two entries of
    the new one differ), "unchanged" (the new one is the current one), "rejected" (the
    rules refuse it: `error` says why)."""

    status: str
    retry_after: int = 0
    error: CartableError | None = None


def change_password(
    conn: sqlite3.Connection,
    actor: Actor,
    current: str,
    new: str,
    confirm: str,
    settings: throttle.ThrottleSettings,
) -> PasswordChange:
    """Check the current password (through the login throttle), then set the new one,
    ending every session of the person (the caller opens a fresh one)."""
    assert actor.id is not None  # a person, not the system
    proof = auth.check_proof(
        conn, actor.id, actor.login, current, actor.ip, settings, allow_code=False
    )
    if proof.status == "throttled" or proof.retry_after:
        record(conn, actor, "account.password_change", outcome="refused", coalesce=True)
        return PasswordChange("throttled", retry_after=proof.retry_after)
    change = PasswordChange("ok")
    if proof.status != "ok":
        change = PasswordChange("wrong")
    elif new != confirm:
        change = PasswordChange("mismatch")
    elif new == current:
        change = PasswordChange("unchanged")
    else:
        try:
            people.set_password(conn, actor.id, new, actor=actor)
        except CartableError as exc:
            change = PasswordChange("rejected", error=exc)
    if change.status != "ok":
        record(conn, actor, "account.password_change", outcome="failed", coalesce=True)
    return change


def enable_totp(conn: sqlite3.Connection, actor: Actor, code: str) -> bool:
    """Turn double authentication on if `code` proves the person's app has the pending
    secret, and give them new recovery codes (kept for one showing); return success."""
    assert actor.id is not None  # a person, not the system
    with transaction(conn):
        with audited(conn, actor, "account.totp_enable") as entry:
            enabled = totp.enable(conn, actor.id, code)
            if not enabled:
                entry.skip()  # a wrong code: nothing changed
        if enabled:
            renew_recovery_codes(conn, actor)
    return enabled


def disable_totp(conn: sqlite3.Connection, actor: Actor) -> None:
    """Turn the person's double authentication off (they gave their password or a code)."""
    assert actor.id is not None  # a person, not the system
    with audited(conn, actor, "account.totp_disable"):
        totp.disable(conn, actor.id)


def renew_recovery_codes(conn: sqlite3.Connection, actor: Actor) -> list[str]:
    """Replace the person's recovery codes with new ones (kept for one showing)."""
    assert actor.id is not None  # a person, not the system
    with audited(conn, actor, "account.recovery_codes") as entry:
        codes = recovery_codes.generate(conn, actor.id)
        entry.details["count"] = len(codes)
    return codes
