"""Web imports through the job queue (#10): the plan of uploaded files (the preview) and
its apply are jobs that the worker runs (`appliance.jobrunner`), never work of a request,
whatever the size of the school: one way, the same for 30 accounts and for 3,000.

- `request_plan(box, actor, pending)` → the job's id (`directory.import_plan`): the
  worker plans from the stored files and keeps the plan beside them (`uploads.keep`);
- `preview(box, token)` → that plan as JSON (problems with their templates, for the
  page's language), or None until it is made;
- `request_apply(box, actor, pending, digest)` → the job's id (`directory.import_apply`):
  the worker plans again from the same files and applies in one transaction when the
  plan is still the one the technician read (same digest); otherwise it keeps the new
  plan as the preview and its result says why (`refused`: "changed" or "errors");
- `latest_job(box, token)` → the id of the upload's latest job (the page follows it);
- `HANDLERS`: the worker's side.

A job's result holds counts and ids only: the names stay in the pending folder, which
goes away with the upload (applied, abandoned, or after `uploads.STALE_HOURS`).
`cartable import` stays synchronous (it is a long-running process already) and calls
the same `reconcile.plan` / `reconcile.apply`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from appliance import jobqueue
from appliance.directory import reconcile, uploads
from appliance.directory.apply import PlanHasErrors, StalePlan
from appliance.directory.imports.records import UnreadableFile
from appliance.i18n import N_
from appliance.security import audit
from appliance.security.audit import Actor
from backup.errors import Phrase

PLAN = "directory.import_plan"
APPLY = "directory.import_apply"
KINDS = (PLAN, APPLY)


def _enqueue(box: Any, kind: str, params: dict[str, Any], actor: Actor) -> int:
    job_id = jobqueue.enqueue(box.conn(), kind, params, actor=actor)
    uploads.keep(box.config.data_dir, params["token"], "job", {"job": job_id})
    return job_id


def request_plan(box: Any, actor: Actor, pending: uploads.PendingImport) -> int:
    """Queue the plan (the preview) of the uploaded files `pending`; return the job's id."""
    return _enqueue(box, PLAN, {"token": pending.token, "files": len(pending.files)}, actor)


def request_apply(box: Any, actor: Actor, pending: uploads.PendingImport, digest: str) -> int:
    """Queue the apply of the plan of `pending` whose preview had `digest`; return the
    job's id."""
    return _enqueue(box, APPLY, {"token": pending.token, "digest": digest}, actor)


def latest_job(box: Any, token: str) -> int | None:
    """The id of the latest job queued for the upload `token`, None when there is none.
    Raises NotFound when the upload is gone."""
    state = uploads.kept(box.config.data_dir, token, "job")
    return int(state["job"]) if state else None


def preview(box: Any, token: str) -> dict[str, Any] | None:
    """The plan made for the upload `token` (`Plan.to_json()`, each problem also with its
    `template` and `params`), or None while it is not made. Raises NotFound when the
    upload is gone."""
    return uploads.kept(box.config.data_dir, token, "plan")


def problem_message(problem: dict[str, Any]) -> str:
    """A problem of a kept plan (`preview`) as a Phrase, to be shown in the page's language
    (its French text when it has no template)."""
    if not problem.get("template"):
        return str(problem["message"])
    # A problem kept as its template and values: passed on with its own values.
    kept = SimpleNamespace(template=problem["template"], params=problem.get("params") or {})
    return Phrase(kept.template, **kept.params)


def _keep_plan(box: Any, token: str, plan: reconcile.Plan) -> dict[str, Any]:
    data = plan.to_json()
    data["problems"] = [
        {**p.to_json(), "template": p.template,
         "params": {k: str(v) for k, v in (p.params or {}).items()}}
        for p in plan.problems
    ]  # fmt: skip
    uploads.keep(box.config.data_dir, token, "plan", data)
    return data


def _plan(
    box: Any, pending: uploads.PendingImport, report: Callable[..., None], extra_steps: int = 0
) -> reconcile.Plan:
    """Plan from the stored files, reporting each step (`extra_steps` more to come)."""

    def progress(done: int, total: int, template: str, /, **values: object) -> None:
        report(done, total + extra_steps, template, **values)

    year = box.config.get("directory.school_year") or None
    return reconcile.plan(
        box.conn(), pending.files, full=pending.full, school_year=year, progress=progress
    )


def _plan_job(box: Any, job: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """`directory.import_plan`: the preview, kept beside the files. Files that can't be
    read are removed with the upload (the error says why); a cancel removes them too."""
    data_dir, token = box.config.data_dir, job["params"]["token"]
    pending = uploads.load(data_dir, token)
    try:
        plan = _plan(box, pending, report)
    except (UnreadableFile, jobqueue.JobCancelled):
        uploads.discard(data_dir, token)
        raise
    data = _keep_plan(box, token, plan)
    return {"token": token, "applicable": data["applicable"], "errors": data["errors"],
            "warnings": data["warnings"]}  # fmt: skip


def _apply_job(box: Any, job: dict[str, Any], report: Callable[..., None]) -> dict[str, Any]:
    """`directory.import_apply`: plan again, then apply in one transaction if the plan is
    the one read; else keep the new plan for the page and record the refusal."""
    data_dir, token = box.config.data_dir, job["params"]["token"]
    actor: Actor = job["actor"]
    pending = uploads.load(data_dir, token)
    plan = _plan(box, pending, report, extra_steps=1)
    steps = len(pending.files) + 2
    refused = None
    if not plan.applicable:
        refused = "errors"
    elif plan.to_json()["digest"] != job["params"]["digest"]:
        refused = "changed"
    else:
        # The last report: once the transaction starts, a cancel can no longer stop it.
        report(steps - 1, steps, N_("Enregistrement dans l'annuaire, en une seule fois."))
        try:
            # No initial password now: the slips printed next issue them.
            result = reconcile.apply(box.conn(), plan, actor=actor.login, initial_passwords=False)
        except StalePlan:
            refused = "changed"
        except PlanHasErrors:
            refused = "errors"
    if refused is not None:
        _keep_plan(box, token, plan)
        audit.record(box.conn(), actor, "directory.import_apply", outcome="refused",
                     details={"reason": refused, "errors": len(plan.errors)})  # fmt: skip
        return {"token": token, "refused": refused}
    uploads.discard(data_dir, token)
    return {"token": token, "import_id": result.import_id, "created": len(result.created)}


def cancelled(box: Any, job: dict[str, Any]) -> None:
    """After the cancel of a queued plan: its files go (there is no preview to read)."""
    if job["kind"] == PLAN:
        uploads.discard(box.config.data_dir, job["params"]["token"])


HANDLERS = {PLAN: _plan_job, APPLY: _apply_job}
