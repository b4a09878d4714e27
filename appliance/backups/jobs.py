"""Backups through the job queue (#10): "run now" from the backups page is a `backup.run`
job that the worker runs (`appliance.jobrunner`), not a thread of the web process.

- `request_run(box, actor, labels)` → the job's id (refused while one is queued or runs);
- `current_run(box)` → the newest `backup.run` job (to show its state on the page);
- `cancel_run(box, actor, id)`: a queued one never starts, a running one stops at its
  next progress report;
- `HANDLERS`: the worker's side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from appliance import backups, jobqueue
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security.audit import Actor

RUN = "backup.run"


def request_run(box: Any, actor: Actor, labels: list[str] | None) -> int:
    """Queue a backup of every repository (or those in `labels`) by `actor`; return the
    job's id. Raises CartableError when one asked before is still queued or running."""
    pending = current_run(box)
    if pending is not None and pending["state"] in jobqueue.ACTIVE:
        raise CartableError(N_("Une sauvegarde lancée depuis cette page est déjà en cours."))
    return jobqueue.enqueue(box.conn(), RUN, {"labels": labels}, actor=actor)


def current_run(box: Any) -> dict[str, Any] | None:
    """The newest `backup.run` job (`jobqueue.get`'s shape), or None."""
    return jobqueue.latest(box.conn(), RUN)


def cancel_run(box: Any, actor: Actor, job_id: int) -> str:
    """Cancel the `backup.run` job `job_id` (`jobqueue.cancel`: audited); return its state.
    Raises NotFound when no backup job has that number."""
    job = jobqueue.get(box.conn(), job_id)
    if job is None or job["kind"] != RUN:
        raise NotFound(N_("Aucune tâche n'a le numéro %(id)s."), id=job_id)
    return jobqueue.cancel(box.conn(), job_id, actor=actor)


def _run(box: Any, job: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """The backup asked by the job's actor; its records (one per repository) as result."""
    labels = job["params"].get("labels")
    report(0, 1, N_("Sauvegarde en cours (instantané des bases, puis borg)."))
    # No report after borg: a cancel asked while it ran must not turn a made backup
    # into a "cancelled" job.
    records = backups.run(box, job["actor"], labels)
    return {"records": [r.to_dict() for r in records]}


HANDLERS = {RUN: _run}
