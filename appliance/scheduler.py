"""The worker's scheduler (APScheduler 3): it runs the jobs each feature of the manifest
(`appliance/features.py`) names.

Jobs get the opened Box; they never overlap themselves (max_instances=1, coalesce) and a
job missed while the box was off runs once at start (misfire grace).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from appliance import features

log = logging.getLogger("cartable.scheduler")


@dataclass(frozen=True)
class JobSpec:
    """One periodic job: an id, the function (given the Box), and APScheduler trigger args."""

    id: str
    func: Callable[[Any], Any]
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    misfire_grace_time: int = 3600


def _core_jobs(box) -> list[JobSpec]:
    """The platform's jobs (named by its manifest entry): sessions, counters, audit log."""
    from appliance.security import (
        audit,
        known_addresses,
        recovery_codes,
        sessions,
        throttle,
        tokens,
        totp,
    )

    def housekeeping(box) -> None:
        conn = box.conn()
        limits = sessions.SessionLimits(
            idle=box.config["security.session_idle_minutes"] * 60.0,
            absolute=box.config["security.session_absolute_hours"] * 3600.0,
        )
        n = sessions.purge_expired(conn, limits)
        m = throttle.purge_old(conn)
        known_addresses.purge_old(conn, box.config["security.known_address_days"])
        totp.purge_stale_enrolments(conn)
        recovery_codes.purge_reveals(conn)
        tokens.purge_expired(conn)
        if n or m:
            log.info("housekeeping: %d expired session(s), %d old login counter(s)", n, m)

    def audit_retention(box) -> None:
        days = box.config["security.audit_retention_days"]
        n = audit.purge(box.conn(), days)
        if n:
            log.info("audit log: %d entr(y/ies) older than %d days deleted", n, days)

    def blobs_gc(box) -> None:
        from appliance import blobs

        done = blobs.collect_garbage(box.conn(), box.config.files_dir)
        if done["removed"] or done["strays"]:
            log.info("stored contents: %(removed)d unused, %(strays)d stray, %(bytes)d bytes", done)

    return [
        JobSpec("housekeeping", housekeeping, "interval", {"minutes": 15}),
        # Weekly, Sunday night: contents no attachment, document or hand-in uses any more.
        JobSpec(
            "blobs_gc",
            blobs_gc,
            "cron",
            {"day_of_week": "sun", "hour": 4, "minute": 10},
            misfire_grace_time=7 * 86400,
        ),
        # Nightly, after the lifecycle job (2:05); a missed night is done at start.
        JobSpec(
            "audit_retention",
            audit_retention,
            "cron",
            {"hour": 3, "minute": 15},
            misfire_grace_time=86400,
        ),
    ]


def all_jobs(box, feature_list: Iterable[features.Feature] | None = None) -> list[JobSpec]:
    """Every job of every feature of the manifest (default `appliance.features.FEATURES`),
    in manifest order; a feature's jobs module that does not import raises."""
    specs: list[JobSpec] = []
    for feature in features.FEATURES if feature_list is None else feature_list:
        for ref in feature.jobs:
            specs.extend(features.resolve(ref)(box))
    return specs


def _wrap(spec: JobSpec, box) -> Callable[[], None]:
    def run() -> None:
        try:
            spec.func(box)
        except Exception:
            log.exception("job %s failed", spec.id)

    return run


def build(box, *, blocking: bool):
    """Return a scheduler (blocking for `cartable worker`, background for `run`) with jobs."""
    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched = cls(job_defaults={"coalesce": True, "max_instances": 1})
    for spec in all_jobs(box):
        sched.add_job(
            _wrap(spec, box),
            spec.trigger,
            id=spec.id,
            name=spec.id,
            misfire_grace_time=spec.misfire_grace_time,
            replace_existing=True,
            **spec.trigger_args,
        )
    return sched
