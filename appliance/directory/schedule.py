"""The directory's scheduled jobs: the daily account lifecycle step, and the hourly
housekeeping of its private files (uploads never applied, slips PDFs never taken)."""

from __future__ import annotations

import logging

from appliance.directory import lifecycle, slips_jobs, uploads
from appliance.scheduler import JobSpec

log = logging.getLogger("cartable.directory")


def _daily_lifecycle(box) -> None:
    report = lifecycle.run_with_config(box.conn(), box.config, actor="système")
    counts = report.to_json()["counts"]
    if any(counts.values()):
        log.info("lifecycle: %s", counts)


def _housekeeping(box) -> None:
    """Personal data not left lying: uploads older than `uploads.STALE_HOURS`, slips PDFs
    (new passwords) older than `slips_jobs.KEEP_HOURS`."""
    data_dir = box.config.data_dir
    n, m = uploads.purge_stale(data_dir), slips_jobs.purge_old(data_dir)
    if n or m:
        log.info("directory housekeeping: %d old upload(s), %d slips PDF(s) deleted", n, m)


def jobs(box) -> list[JobSpec]:
    """The lifecycle every day at `directory.lifecycle_hour` (a missed run is done at
    start); the housekeeping every hour."""
    hour = box.config.get("directory.lifecycle_hour", 2)
    return [
        JobSpec(
            "lifecycle",
            _daily_lifecycle,
            "cron",
            {"hour": hour, "minute": 5},
            misfire_grace_time=86400,
        ),
        JobSpec("directory.housekeeping", _housekeeping, "interval", {"hours": 1}),
    ]
