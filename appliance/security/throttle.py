"""Login throttling: per account and address, per address, and a per-account hourly cap.

An attempt is *reserved* before its password is hashed, in one `BEGIN IMMEDIATE`
transaction that checks every limit and counts the attempt as if it failed: threads and
processes racing at the end of a wait are serialised by SQLite, so one slot gives exactly
one argon2 check. A right password then gives the slot back (`release`).

Per account and address (`pair:<login>|<address>`): the first `free_failures` consecutive
failures cost nothing; each further one makes the next attempt from that address wait
2^(n - free) seconds, up to `max_delay`. For one attacker that is about 20 checks the first
hour and 4 an hour after. The owner, from another address, is not slowed down by them.

Per address (`ip:<address>`): more than `ip_limit` failures within `ip_window` seconds,
on any accounts, make that address wait until the window ends (password spraying). A
class behind one NAT shares an address, hence a generous default.

Per account, over any rolling hour (`login_check` rows): at most `account_cap` checks
in all (100, ASVS); attempts from addresses that are not among the owner's known ones (a
successful login there in the last `known_days` days, see `known_addresses`) stop at
`stranger_cap`, so an attacker spread over many addresses can't use the owner's share.
"""

from __future__ import annotations

import math
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from appliance.db import one, scalar, transaction

HOUR = 3600.0


@dataclass(frozen=True)
class ThrottleSettings:
    """Limits, from the `security.*` config keys (see `settings_from`)."""

    free_failures: int = 5
    max_delay: float = 900.0
    ip_limit: int = 100
    ip_window: float = 600.0
    account_cap: int = 100
    stranger_cap: int = 60
    known_days: int = 60


def settings_from(config: Any) -> ThrottleSettings:
    """The throttle's limits from a Config (a stranger's cap never exceeds the total)."""
    total = config["security.account_checks_per_hour"]
    return ThrottleSettings(
        free_failures=config["security.throttle_free_failures"],
        max_delay=float(config["security.throttle_max_delay_seconds"]),
        ip_limit=config["security.ip_failures_per_window"],
        ip_window=config["security.ip_window_minutes"] * 60.0,
        account_cap=total,
        stranger_cap=min(total, config["security.stranger_checks_per_hour"]),
        known_days=config["security.known_address_days"],
    )


@dataclass(frozen=True)
class Reservation:
    """The answer to `reserve`.

    allowed: the password may be checked now. wait: seconds before trying again when not
    allowed. reason: what refused it ("address": this address on this account or on all,
    "account": the account's hourly cap). next_wait: the wait the next attempt will meet
    if this one turns out wrong.
    """

    allowed: bool
    wait: int = 0
    reason: str = ""
    next_wait: int = 0


def normal_login(login: str | None) -> str:
    return (login or "").strip().lower()[:100]


def account_key(login: str) -> str:
    return "acct:" + normal_login(login)


def address_key(ip: str | None) -> str:
    return "ip:" + (ip or "?")


def pair_key(login: str, ip: str | None) -> str:
    return f"pair:{normal_login(login)}|{ip or '?'}"


def reserve(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None,
    settings: ThrottleSettings,
    *,
    known: bool = False,
    now: float | None = None,
) -> Reservation:
    """Check every limit and, when none refuses, count the attempt, in one transaction.

    `known`: the address is one of the owner's (or the person proved a second factor).
    """
    now = time.time() if now is None else now
    with transaction(conn):
        wait, reason = _wait(conn, login, ip, settings, known, now)
        if wait:
            return Reservation(False, wait=wait, reason=reason)
        return Reservation(True, next_wait=_count(conn, login, ip, settings, known, now))


def retry_after(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None,
    now: float | None = None,
    *,
    known: bool = False,
    settings: ThrottleSettings | None = None,
) -> int:
    """Seconds to wait before an attempt on `login` from `ip` may be checked (0: go ahead).

    A read only: to check a password, `reserve` (which decides and counts atomically).
    """
    now = time.time() if now is None else now
    return _wait(conn, login, ip, settings or ThrottleSettings(), known, now)[0]


def address_wait(
    conn: sqlite3.Connection, name: str, ip: str | None, now: float | None = None
) -> int:
    """Seconds before `ip` may try a secret of kind `name` again (0: go ahead), from the
    address limits only: this address's failures on `name` and on everything. For a
    secret that names no account (an iCal feed's address): there is no owner whose hourly
    cap could be used up, and a right secret must not wait for strangers' wrong ones.
    Count a wrong one with `record_failure(conn, name, ip, settings)`."""
    now = time.time() if now is None else now
    wait = 0.0
    for key in (pair_key(name, ip), address_key(ip)):
        row = one(conn, "SELECT blocked_until FROM login_throttle WHERE key = ?", (key,))
        if row and row["blocked_until"] - now > wait:
            wait = row["blocked_until"] - now
    return math.ceil(wait) if wait > 0 else 0


def record_failure(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None,
    settings: ThrottleSettings,
    now: float | None = None,
) -> int:
    """Count a failed attempt without asking; return the seconds the next one will wait."""
    now = time.time() if now is None else now
    with transaction(conn):
        return _count(conn, login, ip, settings, False, now)


def release(
    conn: sqlite3.Connection, login: str, ip: str | None, settings: ThrottleSettings
) -> None:
    """A right answer: clear this address's counter on the account and give the address its
    failure back (the check itself still counts in the account's hourly cap)."""
    with transaction(conn):
        conn.execute("DELETE FROM login_throttle WHERE key = ?", (pair_key(login, ip),))
        conn.execute(
            "UPDATE login_throttle SET window_failures = max(window_failures - 1, 0), "
            "blocked_until = CASE WHEN window_failures - 1 < ? THEN 0 ELSE blocked_until END "
            "WHERE key = ?",
            (settings.ip_limit, address_key(ip)),
        )


def record_success(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None = None,
    settings: ThrottleSettings | None = None,
) -> None:
    """A right password from `ip` (see `release`)."""
    release(conn, login, ip, settings or ThrottleSettings())


def wait_columns(login: str, ip: str | None, now: float) -> tuple[str, tuple]:
    """What `wait_of` needs, as two SQL columns (`throttle_blocked`, `throttle_checked`)
    and their parameters, to be selected inside another query: a bearer token's check
    reads its limits and its token in one statement."""
    sql = (
        "(SELECT max(blocked_until) FROM login_throttle WHERE key IN (?, ?)) "
        "AS throttle_blocked, "
        "(SELECT count(*) FROM login_check WHERE account = ? AND at > ?) AS throttle_checked"
    )
    return sql, (pair_key(login, ip), address_key(ip), account_key(login), now - HOUR)


def wait_of(
    conn: sqlite3.Connection,
    row: dict[str, Any],
    login: str,
    settings: ThrottleSettings,
    known: bool,
    now: float,
) -> tuple[int, str]:
    """Seconds to wait and why ("address", "account"; (0, "") to go ahead) from a row
    holding the columns of `wait_columns`."""
    wait, reason = 0.0, ""
    blocked = row["throttle_blocked"]
    if blocked is not None and blocked - now > wait:
        wait, reason = blocked - now, "address"
    cap = settings.account_cap if known else settings.stranger_cap
    checked = row["throttle_checked"]
    if checked >= cap:
        # The slot frees when the check that filled it leaves the rolling hour.
        oldest = scalar(
            conn,
            "SELECT at FROM login_check WHERE account = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?",
            (account_key(login), now - HOUR, checked - cap),
        )
        if oldest + HOUR - now > wait:
            wait, reason = oldest + HOUR - now, "account"
    return (math.ceil(wait), reason) if wait > 0 else (0, "")


def _wait(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None,
    settings: ThrottleSettings,
    known: bool,
    now: float,
) -> tuple[int, str]:
    sql, params = wait_columns(login, ip, now)
    row = one(conn, f"SELECT {sql}", params)
    assert row is not None  # a SELECT without FROM gives one row
    return wait_of(conn, row, login, settings, known, now)


def _count(
    conn: sqlite3.Connection,
    login: str,
    ip: str | None,
    settings: ThrottleSettings,
    known: bool,
    now: float,
) -> int:
    """Count one attempt as failed (inside the caller's transaction); return the next wait."""
    pair = _bump(conn, pair_key(login, ip), now, window=None)
    blocked = 0.0
    if pair["failures"] >= settings.free_failures:
        blocked = now + min(2.0 ** (pair["failures"] - settings.free_failures), settings.max_delay)
    conn.execute(
        "UPDATE login_throttle SET blocked_until = ? WHERE key = ?", (blocked, pair_key(login, ip))
    )
    addr = _bump(conn, address_key(ip), now, window=settings.ip_window)
    ip_blocked = 0.0
    if addr["window_failures"] >= settings.ip_limit:
        ip_blocked = addr["window_start"] + settings.ip_window
    conn.execute(
        "UPDATE login_throttle SET blocked_until = ? WHERE key = ?", (ip_blocked, address_key(ip))
    )
    conn.execute(
        "INSERT INTO login_check (account, at, known) VALUES (?, ?, ?)",
        (account_key(login), now, int(known)),
    )
    latest = max(blocked, ip_blocked)
    return math.ceil(latest - now) if latest > now else 0


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


def purge_old(conn: sqlite3.Connection, older_than: float = 86400.0) -> int:
    """Forget counters idle for longer than `older_than` seconds and checks older than an
    hour; return how many counters."""
    now = time.time()
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM login_throttle WHERE last_failure_at < ? AND blocked_until < ?",
            (now - older_than, now),
        )
        conn.execute("DELETE FROM login_check WHERE at < ?", (now - HOUR,))
    return cur.rowcount
