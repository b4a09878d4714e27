"""News in the worker: every 5 minutes, the audience of a news item published ahead is
notified once its publication date has come (`news.notify_due`)."""

from __future__ import annotations

from typing import Any

from appliance.community import news
from appliance.scheduler import JobSpec

NOTIFY_SECONDS = 300


def jobs(box: Any) -> list[JobSpec]:
    def notify(box: Any) -> None:
        news.notify_due(box.conn())

    return [JobSpec("news.notify", notify, "interval", {"seconds": NOTIFY_SECONDS}, NOTIFY_SECONDS)]
