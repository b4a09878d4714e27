"""TOTP two-factor authentication (RFC 6238, 30-second steps, 6 digits) with pyotp.

A code is accepted for the current step and one step either side (clock drift), and
never twice: the last accepted step is stored, so a code seen over a shoulder can't be
replayed.

The secret of an enrolment in progress is kept in `totp_enrolment`, on the server: the
session cookie is signed, not encrypted, and anyone who saw it could read the secret.
Recovery codes (10, single-use) live in `recovery_codes`.
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


def pending_secret(conn: sqlite3.Connection, person_id: int) -> str:
    """The secret of the person's enrolment in progress, created on first call."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO totp_enrolment (person_id, secret, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (person_id) DO NOTHING",
            (person_id, new_secret(), time.time()),
        )
        row = one(conn, "SELECT secret FROM totp_enrolment WHERE person_id = ?", (person_id,))
    assert row is not None  # inserted just above if it was missing
    return row["secret"]


def enable(conn: sqlite3.Connection, person_id: int, code: str, secret: str | None = None) -> bool:
    """Turn TOTP on if `code` proves the person's app has the pending secret (or `secret`);
    return success. The pending enrolment is then forgotten."""
    if secret is None:
        row = one(conn, "SELECT secret FROM totp_enrolment WHERE person_id = ?", (person_id,))
        if row is None:
            return False
        secret = row["secret"]
    step = _matching_step(secret, code, time.time())
    if step is None:
        return False
    with transaction(conn):
        conn.execute(
            "UPDATE person SET totp_secret = ?, totp_enabled = 1, totp_last_step = ? WHERE id = ?",
            (secret, step, person_id),
        )
        conn.execute("DELETE FROM totp_enrolment WHERE person_id = ?", (person_id,))
    return True


def disable(conn: sqlite3.Connection, person_id: int) -> None:
    """Turn TOTP off and drop the recovery codes (the technician does this for someone who
    lost their phone; the person themself after giving a code or their password)."""
    with transaction(conn):
        conn.execute(
            "UPDATE person SET totp_secret = NULL, totp_enabled = 0, totp_last_step = 0 "
            "WHERE id = ?",
            (person_id,),
        )
        conn.execute("DELETE FROM recovery_code WHERE person_id = ?", (person_id,))


def purge_stale_enrolments(conn: sqlite3.Connection, older_than: float = 86400.0) -> int:
    """Forget enrolments left unfinished for `older_than` seconds; return how many."""
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM totp_enrolment WHERE created_at < ?", (time.time() - older_than,)
        )
    return cur.rowcount
