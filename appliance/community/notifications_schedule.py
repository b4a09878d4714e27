"""The notifications' work in the worker.

    every 30 s                            notifications.send    immediate mails due (and
                                                                confirmation links, and
                                                                digests left late)
    daily at notifications.daily_at       notifications.digest  queues a `notifications.digest`
                                                                job: the job queue's worker
                                                                sends the daily digests (and
                                                                on the weekly day the weekly
                                                                ones) over one connection,
                                                                then forgets old entries

A failing relay fails the digest job (recorded with its message); what was not sent is
due again after `notifications.retry_minutes` and the 30-second tick sends it then.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from appliance import jobqueue
from appliance.community import notifications, notifications_mail
from appliance.community.notify_times import parse_hhmm
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.scheduler import JobSpec
from appliance.security.audit import SYSTEM

log = logging.getLogger("cartable.notifications")

TICK_SECONDS = 30
DIGEST = "notifications.digest"  # the job queue's kind


def run_now(box: Any, *, now: float | None = None, digests: bool = True) -> dict[str, Any]:
    """One run with the box's settings: the confirmation links waiting, then the due
    notifications (`notifications_mail.send_due`). Returns {"sent", "failed", "error"}."""
    now = time.time() if now is None else now
    conn = box.conn()
    run = notifications_mail.MailRun.for_box(box)
    links = notifications_mail.send_confirmations(conn, run, now)
    done = notifications_mail.send_due(conn, run, now, digests=digests)
    return {
        "sent": done["sent"] + links["sent"],
        "failed": done["failed"] + links["failed"],
        "error": done["error"] or links["error"],
    }


def queue_digest(box: Any) -> int | None:
    """Queue the digest run (by the system); None when one is already queued or runs."""
    conn = box.conn()
    if jobqueue.active(conn, DIGEST) is not None:
        return None
    return jobqueue.enqueue(conn, DIGEST, {}, actor=SYSTEM)


def _digest_job(box: Any, job: dict[str, Any], report: Any) -> dict[str, Any]:
    """The `notifications.digest` job: every mail due; a failing relay fails the job."""
    report(0, 1, N_("Envoi des résumés de notifications."))
    done = run_now(box)
    notifications.purge_old(box.conn(), box.config["notifications.keep_days"])
    if done["error"]:
        raise CartableError(
            N_("%(sent)s courriel(s) envoyé(s), %(failed)s en attente : %(error)s"),
            sent=done["sent"],
            failed=done["failed"],
            error=done["error"],
        )
    return {"sent": done["sent"], "failed": done["failed"]}


HANDLERS = {DIGEST: _digest_job}


def jobs(box: Any) -> list[JobSpec]:
    at = parse_hhmm(box.config["notifications.daily_at"])

    def tick(box: Any) -> None:
        run_now(box, digests=False)

    def digest(box: Any) -> None:
        queue_digest(box)

    return [
        # A missed tick is not worth catching up: the next one comes soon.
        JobSpec("notifications.send", tick, "interval", {"seconds": TICK_SECONDS}, TICK_SECONDS),
        JobSpec(
            "notifications.digest",
            digest,
            "cron",
            {"hour": at.hour, "minute": at.minute},
            12 * 3600,
        ),
    ]
