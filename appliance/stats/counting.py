"""The usage counter of a web process: visits and distinct people per day × service ×
profile, kept in memory and added to `usage_stat` once a minute.

A request of a logged-in person to a page or API route of a service (`taxonomy`) is a
*visit* when that session has made no visit to that service in the last minute
(`WINDOW`): a page that fetches three things, or a person clicking about, counts once a
minute. A session is the session cookie's id or the API token; the counter keeps only
Python's hash of it, for that minute.

Distinct people are counted with a set per day of keyed digests (BLAKE2b, a random key per
day and per process, never written anywhere) of (service, profile, person): a person met
again later in the day is not counted again, whichever flush came between. The set and
its key are dropped when the day is over. What reaches the database is only the numbers
added since the last flush: `usage_stat` has no column for a person.

The limit: the sets live in one process. A restart of the portal during the day starts
new sets, so a person who uses a service before and after the restart is counted twice
for that day (`people` is then an upper bound); a school that runs one portal process
(`cartable serve`, or `cartable run`) has exact counts otherwise.

Who flushes: the web process itself (`start_flusher`, a thread started by
`cartable serve` and `cartable run` beside waitress), every minute and at stop, in one
transaction. The worker (`cartable worker`) is another process and can't see these
counters: it has nothing to flush.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from datetime import datetime
from typing import Any

from appliance import timefmt
from appliance.db import transaction
from appliance.stats.taxonomy import PROFILE_OF

log = logging.getLogger("cartable.stats")

WINDOW = 60.0  # seconds: at most one visit a minute per session and service
FLUSH_SECONDS = 60.0
# Past this many (session, service) entries, old ones are dropped at once (a counter that
# nobody flushes must not grow without end).
_MAX_RECENT = 100_000

_UPSERT = (
    "INSERT INTO usage_stat (day, service, profile, visits, people) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (day, service, profile) DO UPDATE SET "
    "visits = visits + excluded.visits, people = people + excluded.people"
)


def _local_day(now: float) -> str:
    return datetime.fromtimestamp(now, timefmt.zone()).date().isoformat()


class UsageCounter:
    """The counts of one process since its last flush (thread-safe; see the module doc)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: dict[tuple[int, str], float] = {}  # (hash of session, service) → time
        self._pending: dict[tuple[str, str, str], list[int]] = {}  # → [visits, people]
        self._seen: dict[str, set[bytes]] = {}  # day → digests of (service, profile, person)
        self._keys: dict[str, bytes] = {}  # day → the digests' random key

    def visit(
        self, session: str, person_id: int, profile: str, service: str, *, now: float | None = None
    ) -> bool:
        """Count a request of `session` (cookie id or token) of person `person_id` with our
        `profile` to `service`; True when it counted as a visit."""
        now = time.time() if now is None else now
        key = (hash(session), service)
        last = self._recent.get(key)
        if last is not None and now - last < WINDOW:
            return False  # the common case, without taking the lock
        who = PROFILE_OF.get(profile)
        if who is None:
            return False
        day = _local_day(now)
        with self._lock:
            last = self._recent.get(key)
            if last is not None and now - last < WINDOW:
                return False
            if len(self._recent) >= _MAX_RECENT:
                self._forget_before(now - WINDOW)
            self._recent[key] = now
            counts = self._pending.setdefault((day, service, who), [0, 0])
            counts[0] += 1
            secret = self._keys.get(day)
            if secret is None:
                secret = self._keys[day] = secrets.token_bytes(32)
            digest = hashlib.blake2b(
                f"{service}\0{who}\0{person_id}".encode(), key=secret, digest_size=16
            ).digest()
            seen = self._seen.setdefault(day, set())
            if digest not in seen:
                seen.add(digest)
                counts[1] += 1
        return True

    def _forget_before(self, limit: float) -> None:
        self._recent = {k: t for k, t in self._recent.items() if t >= limit}

    def pending(self) -> dict[tuple[str, str, str], tuple[int, int]]:
        """What the next flush would add: (day, service, profile) → (visits, people)."""
        with self._lock:
            return {k: (v[0], v[1]) for k, v in self._pending.items()}

    def flush(self, conn: Any, *, now: float | None = None) -> int:
        """Add the counts since the last flush to `usage_stat` in one transaction; returns
        the number of rows written. On a failure the counts are kept for the next flush
        and the error propagates. The people sets of past days are dropped."""
        now = time.time() if now is None else now
        today = _local_day(now)
        with self._lock:
            taken, self._pending = self._pending, {}
            self._forget_before(now - WINDOW)
            for day in [d for d in self._seen if d < today]:
                del self._seen[day]
                self._keys.pop(day, None)
        if not taken:
            return 0
        try:
            with transaction(conn):
                conn.executemany(_UPSERT, [(*k, v[0], v[1]) for k, v in taken.items()])
        except Exception:
            with self._lock:
                for k, (visits, people) in taken.items():
                    counts = self._pending.setdefault(k, [0, 0])
                    counts[0] += visits
                    counts[1] += people
            raise
        return len(taken)


_COUNTERS: dict[str, UsageCounter] = {}
_COUNTERS_LOCK = threading.Lock()


def counter_for(box: Any) -> UsageCounter:
    """This process's counter for the box's database (one per database: the web app that
    counts and the thread that flushes find the same one)."""
    key = str(box.config.db_path)
    with _COUNTERS_LOCK:
        found = _COUNTERS.get(key)
        if found is None:
            found = _COUNTERS[key] = UsageCounter()
        return found


def enabled(config: Any) -> bool:
    return bool(config["stats.enabled"])


class Flusher:
    """The thread that flushes a box's counter every `interval` seconds, and once more
    when stopped (`stop()`), so that a stop loses nothing already counted."""

    def __init__(self, box: Any, interval: float = FLUSH_SECONDS) -> None:
        self.box, self.interval = box, interval
        self.counter = counter_for(box)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cartable-stats", daemon=True)

    def start(self) -> Flusher:
        self._thread.start()
        return self

    def flush_now(self) -> int:
        try:
            return self.counter.flush(self.box.conn())
        except Exception:  # noqa: BLE001 - kept for the next minute; logged, never fatal
            log.exception("statistiques d'usage : écriture reportée")
            return 0

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush_now()
        self.flush_now()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)


def start_flusher(box: Any, interval: float = FLUSH_SECONDS) -> Flusher | None:
    """Start flushing the box's counter (None when the statistics are switched off)."""
    if not enabled(box.config):
        return None
    return Flusher(box, interval).start()
