"""Health's scheduled jobs: one `HealthMonitor` per worker process, ticked by APScheduler.

    every health.sample_interval_seconds (10 s)  health.sample        monitor.sample_tick()
    every 60 s                                   health.checks        monitor.checks_tick()
    every 5 min                                  health.maintenance   monitor.maintenance_tick()
    daily at health.digest_time (07:30)          health.digest        queues a `health.digest`
                                                                      job: the job queue's
                                                                      worker runs
                                                                      monitor.digest_tick()
    when the worker process ends                 (atexit)             monitor.close()

The monitor is built on the first tick (so that listing the jobs opens no file) from the
box's configuration: `metrics.db` in the data folder, the services the worker can see
(itself, and the portal asked over HTTP where it listens), and the state of the backups
at each check (`wiring.backup_arguments`: the time of the last successful backup, or no
repository set up, or backups switched off).

SMART is not read here: smartctl needs root, so the root one-shot `cartable health
smart-spool` (a daily systemd timer) writes the spool that `checks_tick` reads.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from appliance import jobqueue
from appliance.health import wiring
from appliance.health.jobs import HealthMonitor
from appliance.health.mailer import digest_time
from appliance.i18n import N_
from appliance.scheduler import JobSpec
from appliance.security.audit import SYSTEM

# Re-exported: the backup integration fills it in (see its docstring).
last_backup_time = wiring.last_backup_time

log = logging.getLogger("cartable.health")

CHECKS_SECONDS = 60
MAINTENANCE_SECONDS = 300
DIGEST = "health.digest"  # the job queue's kind (#10)


class _MonitorHolder:
    """Builds the box's HealthMonitor once, on first use, and closes it at exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._monitor: HealthMonitor | None = None

    def get(self, box: Any) -> HealthMonitor:
        with self._lock:
            if self._monitor is None:
                self._monitor = build_monitor(box)
                atexit.register(self.close)
            return self._monitor

    def close(self) -> None:
        with self._lock:
            monitor, self._monitor = self._monitor, None
        if monitor is not None:
            monitor.close()


_HOLDERS: dict[str, _MonitorHolder] = {}
_HOLDERS_LOCK = threading.Lock()


def _holder(box: Any) -> _MonitorHolder:
    """The one monitor holder of this process for `box` (its data folder): the scheduled
    ticks and the digest job of the queue share its monitor and its lock."""
    with _HOLDERS_LOCK:
        return _HOLDERS.setdefault(str(box.config.data_dir), _MonitorHolder())


def queue_digest(box: Any) -> int | None:
    """Queue the daily digest (by the system); None when one is already queued or runs."""
    conn = box.conn()
    if jobqueue.active(conn, DIGEST) is not None:
        return None
    return jobqueue.enqueue(conn, DIGEST, {}, actor=SYSTEM)


def _send_digest(box: Any, job: dict[str, Any], report: Any) -> dict[str, Any]:
    """The `health.digest` job: the mail sent (a failing relay fails the job)."""
    report(0, 1, N_("Envoi du résumé quotidien de santé."))
    return {"alerts": _holder(box).get(box).digest_tick(quiet=False)}


HANDLERS = {DIGEST: _send_digest}


def build_monitor(box: Any) -> HealthMonitor:
    """A HealthMonitor for `box`, as the worker runs it."""
    config = box.config
    return HealthMonitor(
        config.metrics_db_path,
        wiring.health_settings(config),
        wiring.mail_settings(config),
        services=lambda: wiring.services(config, "worker"),
        # Asked at every check: a repository set up later is seen without a restart.
        backup_state=lambda: wiring.backup_arguments(box),
        updates_cache=wiring.updates_cache_path(config),
    )


def jobs(box: Any) -> list[JobSpec]:
    """The four health jobs, at the intervals `jobs.HealthMonitor` documents."""
    holder = _holder(box)
    interval = box.config["health.sample_interval_seconds"]
    hour, minute = digest_time(box.config["health.digest_time"])

    def sample(box: Any) -> None:
        holder.get(box).sample_tick()

    def checks(box: Any) -> None:
        changed = holder.get(box).checks_tick()
        if changed:
            log.info("santé : %d alerte(s) changée(s)", len(changed))

    def maintenance(box: Any) -> None:
        holder.get(box).maintenance_tick()

    def digest(box: Any) -> None:
        queue_digest(box)

    return [
        # A missed sample is not worth catching up: the next one comes soon.
        JobSpec("health.sample", sample, "interval", {"seconds": interval}, interval),
        JobSpec("health.checks", checks, "interval", {"seconds": CHECKS_SECONDS}, CHECKS_SECONDS),
        JobSpec(
            "health.maintenance",
            maintenance,
            "interval",
            {"seconds": MAINTENANCE_SECONDS},
            MAINTENANCE_SECONDS,
        ),
        JobSpec("health.digest", digest, "cron", {"hour": hour, "minute": minute}, 12 * 3600),
    ]
