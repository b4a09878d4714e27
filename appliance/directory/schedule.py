"""The directory's scheduled job: the daily account lifecycle step."""

from __future__ import annotations

import logging

from appliance.directory import lifecycle
from appliance.scheduler import JobSpec

log = logging.getLogger("cartable.directory")


def _daily_lifecycle(box) -> None:
    report = lifecycle.run_with_config(box.conn(), box.config, actor="système")
    counts = report.to_json()["counts"]
    if any(counts.values()):
        log.info("lifecycle: %s", counts)


def jobs(box) -> list[JobSpec]:
    """Every day at `directory.lifecycle_hour`; a missed run is done at start."""
    hour = box.config.get("directory.lifecycle_hour", 2)
    return [
        JobSpec(
            "lifecycle",
            _daily_lifecycle,
            "cron",
            {"hour": hour, "minute": 5},
            misfire_grace_time=86400,
        )
    ]
