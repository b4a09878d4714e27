"""Single-use recovery codes for the TOTP step (a technician whose phone is lost).

Ten codes of 10 characters from a 31-letter alphabet (about 50 bits each), shown once and
stored as SHA-256: with that much entropy and the login throttle in front, a slow hash
would add nothing. A code is spent atomically, so two tries with it can't both succeed.
Between their creation and the page that shows them, the plain codes wait in
`recovery_code_reveal` (the cookie is signed, not encrypted); showing them deletes them.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time

from appliance.db import now_iso, one, scalar, transaction
from appliance.security.passwords import generate_initial_password

COUNT = 10
REVEAL_SECONDS = 600.0


def _hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def normalise(code: str) -> str:
    """Lower case, without spaces or dashes (people type them as they like)."""
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def generate(conn: sqlite3.Connection, person_id: int) -> list[str]:
    """Replace the person's codes with `COUNT` new ones (joins the caller's transaction);
    return them in plain text and keep them for one showing (`reveal`)."""
    codes = [generate_initial_password(10) for _ in range(COUNT)]
    with transaction(conn):
        conn.execute("DELETE FROM recovery_code WHERE person_id = ?", (person_id,))
        conn.executemany(
            "INSERT INTO recovery_code (person_id, code_hash, created_at) VALUES (?, ?, ?)",
            [(person_id, _hash(c), now_iso()) for c in codes],
        )
        conn.execute(
            "INSERT INTO recovery_code_reveal (person_id, codes, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (person_id) DO UPDATE SET codes = excluded.codes, "
            "created_at = excluded.created_at",
            (person_id, json.dumps(codes), time.time()),
        )
    return codes


def reveal(conn: sqlite3.Connection, person_id: int) -> list[str]:
    """The codes just generated, once (an empty list afterwards or after 10 minutes)."""
    with transaction(conn):
        row = one(
            conn,
            "SELECT codes, created_at FROM recovery_code_reveal WHERE person_id = ?",
            (person_id,),
        )
        conn.execute("DELETE FROM recovery_code_reveal WHERE person_id = ?", (person_id,))
    if row is None or time.time() - row["created_at"] > REVEAL_SECONDS:
        return []
    return json.loads(row["codes"])


def use(conn: sqlite3.Connection, person_id: int, code: str) -> bool:
    """Spend one code of the person; True when it was valid and unused."""
    if len(normalise(code)) != 10:
        return False
    with transaction(conn):
        cur = conn.execute(
            "UPDATE recovery_code SET used_at = ? "
            "WHERE person_id = ? AND code_hash = ? AND used_at IS NULL",
            (now_iso(), person_id, _hash(code)),
        )
    return cur.rowcount == 1


def remaining(conn: sqlite3.Connection, person_id: int) -> int:
    """How many unused codes the person has."""
    return int(
        scalar(
            conn,
            "SELECT count(*) FROM recovery_code WHERE person_id = ? AND used_at IS NULL",
            (person_id,),
        )
    )


def purge_reveals(conn: sqlite3.Connection) -> int:
    """Forget plain codes never shown within `REVEAL_SECONDS`; return how many."""
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM recovery_code_reveal WHERE created_at < ?",
            (time.time() - REVEAL_SECONDS,),
        )
    return cur.rowcount
