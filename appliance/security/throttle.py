"""Login throttling, per account and per address.

Per account: the first `free_failures` consecutive failures cost nothing; each further
one makes the next attempt wait 2^(n - free) seconds, up to `max_delay`. While the wait
runs, attempts are refused without checking the password (the web answers 429 with
Retry-After). With the defaults (5 free, then 1, 2, 4 … 900 s) at most about 20 attempts
an hour are ever checked on one account, far below ASVS's 100. Nobody can be locked out
for good: once the wait has passed, the right password works and clears the counter.

Per address: more than `ip_limit` failures within `ip_window` seconds make that address
wait until the window ends. A whole class behind one NAT shares an address, hence a
generous default.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass

from appliance.db import one, transaction


@dataclass(frozen=True)
class ThrottleSettings:
    """Limits, from the `security.*` config keys."""

    free_failures: int = 5
    max_delay: float = 900.0
    ip_limit: int = 100
    ip_window: float = 600.0


def account_key(login: str) -> str:
    return "acct:" + (login or "").strip().lower()


def address_key(ip: str | None) -> str:
    return "ip:" + (ip or "?")


def retry_after(
    conn: sqlite3.Connection, login: str, ip: str | None, now: float | None = None
) -> int:
    """Seconds to wait before an attempt on `login` from `ip` may be checked (0: go ahead)."""
    now = time.time() if now is None else now
    wait = 0.0
    for key in (account_key(login), address_key(ip)):
        row = one(conn, "SELECT blocked_until FROM login_throttle WHERE key = ?", (key,))
        if row and row["blocked_until"] > now:
            wait = max(wait, row["blocked_until"] - now)
    return math.ceil(wait)


def record_failure(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None,
    settings: ThrottleSettings,
    now: float | None = None,
) -> int:
    """Count a failed attempt; return the seconds the next attempt will have to wait."""
    now = time.time() if now is None else now
    with transaction(conn):
        acct = _bump(conn, account_key(login), now, window=None)
        blocked = 0.0
        if acct["failures"] >= settings.free_failures:
            delay = min(2.0 ** (acct["failures"] - settings.free_failures), settings.max_delay)
            blocked = now + delay
        conn.execute(
            "UPDATE login_throttle SET blocked_until = ? WHERE key = ?",
            (blocked, account_key(login)),
        )
        addr = _bump(conn, address_key(ip), now, window=settings.ip_window)
        ip_blocked = 0.0
        if addr["window_failures"] >= settings.ip_limit:
            ip_blocked = addr["window_start"] + settings.ip_window
        conn.execute(
            "UPDATE login_throttle SET blocked_until = ? WHERE key = ?",
            (ip_blocked, address_key(ip)),
        )
    return math.ceil(max(blocked, ip_blocked) - now) if max(blocked, ip_blocked) > now else 0


def _bump(conn: sqlite3.Connection, key: str, now: float, window: float | None) -> dict:
    row = one(conn, "SELECT * FROM login_throttle WHERE key = ?", (key,))
    if row is None:
        conn.execute(
            "INSERT INTO login_throttle (key, failures, window_start, window_failures, "
            "last_failure_at) VALUES (?, 1, ?, 1, ?)",
            (key, now, now),
        )
        return {"failures": 1, "window_start": now, "window_failures": 1}
    start, in_window = row["window_start"], row["window_failures"] + 1
    if window is not None and now - start >= window:
        start, in_window = now, 1
    conn.execute(
        "UPDATE login_throttle SET failures = failures + 1, window_start = ?, "
        "window_failures = ?, last_failure_at = ? WHERE key = ?",
        (start, in_window, now, key),
    )
    return {"failures": row["failures"] + 1, "window_start": start, "window_failures": in_window}


def record_success(conn: sqlite3.Connection, login: str) -> None:
    """A right password clears the account's counter (the address keeps its window)."""
    key = account_key(login)
    if one(conn, "SELECT 1 AS x FROM login_throttle WHERE key = ?", (key,)):
        with transaction(conn):
            conn.execute("DELETE FROM login_throttle WHERE key = ?", (key,))


def purge_old(conn: sqlite3.Connection, older_than: float = 86400.0) -> int:
    """Forget counters idle for longer than `older_than` seconds; return how many."""
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM login_throttle WHERE last_failure_at < ? AND blocked_until < ?",
            (time.time() - older_than, time.time()),
        )
    return cur.rowcount
