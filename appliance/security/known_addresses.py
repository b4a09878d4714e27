"""The addresses a person logged in from, kept on the server (never in a cookie).

A successful login records its address; an address seen within the last `days` days is
one of the owner's, and a stranger's failures from elsewhere can't lock it (see
`throttle`). Forgotten after `days` days by the housekeeping job.
"""

from __future__ import annotations

import sqlite3
import time

from appliance.db import scalar, transaction

DAY = 86400.0


def remember(conn: sqlite3.Connection, person_id: int, ip: str | None) -> None:
    """Record a successful login of `person_id` from `ip` (joins the caller's transaction)."""
    if not ip or ip == "?":
        return
    with transaction(conn):
        conn.execute(
            "INSERT INTO known_address (person_id, ip, last_login_at) VALUES (?, ?, ?) "
            "ON CONFLICT (person_id, ip) DO UPDATE SET last_login_at = excluded.last_login_at",
            (person_id, ip, time.time()),
        )


def is_known(conn: sqlite3.Connection, person_id: int | None, ip: str | None, days: int) -> bool:
    """True when `person_id` logged in from `ip` within the last `days` days."""
    if person_id is None or not ip:
        return False
    found = scalar(
        conn,
        "SELECT 1 FROM known_address WHERE person_id = ? AND ip = ? AND last_login_at > ?",
        (person_id, ip, time.time() - days * DAY),
    )
    return found is not None


def purge_old(conn: sqlite3.Connection, days: int) -> int:
    """Forget addresses not used for `days` days; return how many."""
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM known_address WHERE last_login_at < ?", (time.time() - days * DAY,)
        )
    return cur.rowcount
