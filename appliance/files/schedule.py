"""The files' scheduled job: the trashes emptied of what is older than `files.trash_days`
(30), every night. The contents nothing uses any more go with the platform's weekly
clean-up of the store (`blobs_gc`, also `cartable files gc`)."""

from __future__ import annotations

import logging

from appliance.files import nodes
from appliance.scheduler import JobSpec

log = logging.getLogger("cartable.files")


def _empty_trashes(box) -> None:
    n = nodes.purge_trash(box.conn(), box.config["files.trash_days"])
    if n:
        log.info("documents : %d élément(s) supprimé(s) des corbeilles", n)


def jobs(box) -> list[JobSpec]:
    """Every night at 03:25; a missed night is done at start."""
    return [
        JobSpec(
            "files.trash",
            _empty_trashes,
            "cron",
            {"hour": 3, "minute": 25},
            misfire_grace_time=86400,
        )
    ]
