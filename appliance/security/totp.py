"""TOTP two-factor authentication (RFC 6238, 30-second steps, 6 digits) with pyotp.

A code is accepted for the current step and one step either side (clock drift), and
never twice: the last accepted step is stored, so a code seen over a shoulder can't be
replayed.
"""

from __future__ import annotations

import io
import sqlite3
import time

import pyotp
import segno

from appliance.db import one, transaction

VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh base32 secret for enrolment."""
    return pyotp.random_base32()


def provisioning_uri(secret: str, login: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=issuer)


def qr_svg(uri: str) -> bytes:
    """The QR code of `uri` as an SVG document (served from the box, no JavaScript)."""
    buf = io.BytesIO()
    segno.make(uri, error="m").save(buf, kind="svg", scale=5, border=2, xmldecl=True)
    return buf.getvalue()


def _matching_step(secret: str, code: str, now: float) -> int | None:
    code = "".join(ch for ch in code or "" if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step_now = int(now // totp.interval)
    for delta in range(-VALID_WINDOW, VALID_WINDOW + 1):
        step = step_now + delta
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def check_code(secret: str, code: str, now: float | None = None) -> bool:
    """True when `code` is valid for `secret` now (no replay protection: enrolment only)."""
    return _matching_step(secret, code, time.time() if now is None else now) is not None


def verify_for_person(
    conn: sqlite3.Connection, person_id: int, code: str, now: float | None = None
) -> bool:
    """Check a code for an enrolled person, refusing a step already used; record the step."""
    row = one(conn, "SELECT totp_secret, totp_last_step FROM person WHERE id = ?", (person_id,))
    if not row or not row["totp_secret"]:
        return False
    step = _matching_step(row["totp_secret"], code, time.time() if now is None else now)
    if step is None or step <= row["totp_last_step"]:
        return False
    with transaction(conn):
        cur = conn.execute(
            "UPDATE person SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
            (step, person_id, step),
        )
    return cur.rowcount == 1


def enable(conn: sqlite3.Connection, person_id: int, secret: str, code: str) -> bool:
    """Turn TOTP on for a person if `code` proves their app has `secret`; return success."""
    step = _matching_step(secret, code, time.time())
    if step is None:
        return False
    with transaction(conn):
        conn.execute(
            "UPDATE person SET totp_secret = ?, totp_enabled = 1, totp_last_step = ? WHERE id = ?",
            (secret, step, person_id),
        )
    return True


def disable(conn: sqlite3.Connection, person_id: int) -> None:
    """Turn TOTP off (the technician does this for someone who lost their phone)."""
    with transaction(conn):
        conn.execute(
            "UPDATE person SET totp_secret = NULL, totp_enabled = 0, totp_last_step = 0 "
            "WHERE id = ?",
            (person_id,),
        )
