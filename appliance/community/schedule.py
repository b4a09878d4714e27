"""The messages' scheduled job: the trash emptied of what is older than
`messages.trash_days` (30), every night."""

from __future__ import annotations

import logging

from appliance.community import mailbox
from appliance.scheduler import JobSpec

log = logging.getLogger("cartable.community")


def _empty_trashes(box) -> None:
    n = mailbox.purge_trash(box.conn(), box.config["messages.trash_days"])
    if n:
        log.info("messages: %d message(s) supprimé(s) des corbeilles", n)


def jobs(box) -> list[JobSpec]:
    """Every night at 03:20; a missed night is done at start."""
    return [
        JobSpec(
            "messages.trash",
            _empty_trashes,
            "cron",
            {"hour": 3, "minute": 20},
            misfire_grace_time=86400,
        )
    ]
