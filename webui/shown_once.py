"""A new initial password (or API token), kept for the one page that shows it, then forgotten.

A create or a reset is a POST that answers with a redirect to a GET page (so that reloading
the result page never runs it again). The password crosses that redirect here: in this
process's memory, under the person's web session and the account it belongs to, for a few
minutes and for one reading. It never goes into the session cookie (signed, not
encrypted), nor into the database, its WAL or the backups. A restart between the POST and
the GET loses it: the technician resets again.
"""

from __future__ import annotations

import hashlib
import threading
import time

from flask import current_app, session

KEEP_SECONDS = 300.0
_LOCK = threading.Lock()


def _store() -> dict:
    return current_app.extensions.setdefault("cartable.shown_once", {})


def _key(person_id: int, kind: str) -> tuple[str, int, str]:
    sid = session.get("sid") or ""
    return hashlib.sha256(sid.encode()).hexdigest(), int(person_id), kind


def keep(person_id: int, password: str, *, kind: str = "password", **details) -> None:
    """Keep `password` (and `details`, e.g. created=True) for the next `take(person_id)`
    of this web session (`kind`: what it is, "password" or "token", taken apart)."""
    now = time.monotonic()
    with _LOCK:
        store = _store()
        for key in [k for k, v in store.items() if v[0] < now]:
            del store[key]
        store[_key(person_id, kind)] = (now + KEEP_SECONDS, {"password": password, **details})


def take(person_id: int, *, kind: str = "password") -> dict | None:
    """What `keep` stored for this account in this web session, once; None after that,
    after a few minutes, or in another session."""
    with _LOCK:
        found = _store().pop(_key(person_id, kind), None)
    if found is None or found[0] < time.monotonic():
        return None
    return found[1]
