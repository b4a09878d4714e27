"""The worker's side of the job queue (#10): handlers by kind, `run_next`, and the
thread of `cartable worker` / `cartable run` that polls the queue every 2 s.

A handler is `function(box, job, report)`: `job` is the claimed job (`jobqueue.get`),
`report(done, total, template, **params)` records its progress (and raises
`JobCancelled` once its cancel was asked); it returns the JSON-able result (a dict) or
raises an explained error (CartableError, BackupError), shown on the page.

Each feature lists its handlers in a module-level `HANDLERS` dict (kind → function) of
a module named in its feature's `job_handlers` (`appliance.features`).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from appliance import features, jobqueue
from appliance.errors import Unavailable
from appliance.i18n import N_
from backup.errors import Explained

log = logging.getLogger("cartable.jobs")

POLL_SECONDS = 2.0
PURGE_SECONDS = 3600.0

Report = Callable[..., None]
Handler = Callable[[Any, dict[str, Any], Report], dict[str, Any] | None]


def handlers() -> dict[str, Handler]:
    """Every handler of every feature present, by kind."""
    found: dict[str, Handler] = {}
    for name in features.job_handler_modules():
        found.update(importlib.import_module(name).HANDLERS)
    return found


class _UnknownKind(Explained):
    pass


def run_next(
    box, worker: str | None = None, *, by_kind: dict[str, Handler] | None = None
) -> dict[str, Any] | None:
    """Claim the next job and run it to its end in this thread; return the job as it
    ended (`jobqueue.get`), or None when nothing was queued.

    `by_kind`: the handlers (default: every feature's, `handlers()`).
    """
    conn = box.conn()
    job = jobqueue.claim(conn, worker)
    if job is None:
        return None
    handler = (handlers() if by_kind is None else by_kind).get(job["kind"])

    def report(done: int | None, total: int | None, template: str | None = None, /, **params):
        jobqueue.progress(conn, job["id"], done, total, template, **params)

    result: dict[str, Any] | None = None
    error: BaseException | None = None
    try:
        if handler is None:
            raise _UnknownKind(
                N_("Cette tâche (%(kind)s) n'est pas connue de ce logiciel."), kind=job["kind"]
            )
        result = handler(box, job, report)
    except (jobqueue.JobCancelled, Explained, Unavailable) as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - the page says "unexpected", the log has it
        log.exception("tâche %s #%s : erreur inattendue", job["kind"], job["id"])
        error = exc
    state = jobqueue.finish(conn, job["id"], result=result, error=error)
    if state == "failed" and isinstance(error, Explained | Unavailable):
        log.error("tâche %s #%s échouée : %s", job["kind"], job["id"], error)
    else:
        log.info("tâche %s #%s : %s", job["kind"], job["id"], state)
    return jobqueue.get(conn, job["id"])


def run_pending(box, limit: int = 100) -> int:
    """Run queued jobs one after the other until none is left (at most `limit`)."""
    n = 0
    while n < limit and run_next(box) is not None:
        n += 1
    return n


class Poller:
    """A thread that runs the queued jobs, looking every POLL_SECONDS; once an hour it
    forgets the jobs ended long ago (`jobqueue.purge_ended`)."""

    def __init__(self, box, every: float = POLL_SECONDS):
        self.box, self.every = box, every
        self._stop = threading.Event()
        # A daemon: a backup cut by the process's end is marked failed by the next claim.
        self._thread = threading.Thread(target=self._loop, name="job-queue", daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        purged_at = 0.0
        while not self._stop.is_set():
            try:
                run_pending(self.box)
                if time.monotonic() - purged_at > PURGE_SECONDS:
                    purged_at = time.monotonic()
                    jobqueue.purge_ended(self.box.conn())
            except Exception:  # noqa: BLE001 - a busy database must not end the loop
                log.exception("file des tâches : lecture impossible")
            self._stop.wait(self.every)


def start_poller(box) -> Poller:
    """Start polling the queue in a thread of this process (the worker's)."""
    return Poller(box).start()
