"""Grades' scheduled job: the hourly housekeeping of the report-card PDFs left behind."""

from __future__ import annotations

import logging

from appliance.scheduler import JobSpec
from appliance.schoollife.grades import printing

log = logging.getLogger("cartable.grades")


def _housekeeping(box) -> None:
    removed = printing.purge_old(box.config.data_dir)
    if removed:
        log.info("grades housekeeping: %d report-card PDF(s) deleted", removed)


def jobs(box) -> list[JobSpec]:
    """The housekeeping, every hour."""
    return [JobSpec("grades.housekeeping", _housekeeping, "interval", {"hours": 1})]
