"""The directory's jobs of the queue (#10), as its pages follow them: the import's plan
and apply (`import_jobs`), the slips PDF (`slips_jobs`).

- `get(box, job_id)` → the job (`jobqueue.get`'s shape); NotFound for an unknown id or a
  job of another feature (a page of the directory shows only its own);
- `cancel(box, actor, job)` → its state: a queued job never starts (a queued plan's
  files are removed with it), a running one stops at its next step.

Whether the person may follow or cancel it is the policy's (`job.view`).
"""

from __future__ import annotations

from typing import Any

from appliance import jobqueue
from appliance.directory import import_jobs, slips_jobs
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.security.audit import Actor

KINDS = (*import_jobs.KINDS, slips_jobs.KIND)


def get(box: Any, job_id: int) -> dict[str, Any]:
    """The directory's job `job_id`; raises NotFound when there is none."""
    job = jobqueue.get(box.conn(), job_id)
    if job is None or job["kind"] not in KINDS:
        raise NotFound(N_("Aucune tâche n'a le numéro %(id)s."), id=job_id)
    return job


def cancel(box: Any, actor: Actor, job: dict[str, Any]) -> str:
    """Cancel `job` (`jobqueue.cancel`: audited); return "cancelled" (it was queued) or
    "running" (it stops at its next step). Raises CartableError when it has ended."""
    state = jobqueue.cancel(box.conn(), job["id"], actor=actor)
    if state == "cancelled":
        import_jobs.cancelled(box, job)
    return state
