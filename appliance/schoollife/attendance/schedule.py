"""The attendance's scheduled job: every school evening, the month's alerts of every
student are compared with those already told (`alerts.check`), so that a count changed
by a settlement or a roll call completed late is seen the same day; in a month's first
week the previous month too (its last roll calls are completed after it ends)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from appliance.scheduler import JobSpec
from appliance.schoollife.attendance import alerts
from appliance.schoollife.attendance.common import month_of, today
from appliance.security import audit

log = logging.getLogger("cartable.attendance")


def check_alerts(box, day: date | None = None) -> dict[str, int]:
    """Check the month's alerts of `day` (today by default), and the previous month's in
    its first seven days; return how many were raised and cleared. Audited when
    something changed."""
    conn = box.conn()
    day = day or today()
    months = [month_of(day)]
    if day.day <= 7:
        months.append(month_of(day.replace(day=1) - timedelta(days=1)))
    raised = cleared = 0
    for which in months:
        up, down = alerts.check(conn, None, which, split=box.config["attendance.half_day_split"])
        raised, cleared = raised + len(up), cleared + len(down)
    if raised or cleared:
        audit.record(
            conn,
            audit.SYSTEM,
            "attendance.alerts_check",
            details={"months": months, "raised": raised, "cleared": cleared},
        )
        log.info("attendance alerts: %d raised, %d cleared", raised, cleared)
    return {"raised": raised, "cleared": cleared}


def jobs(box) -> list[JobSpec]:
    """The alerts' check every day but Sunday at 17:45 (a missed run is done at start)."""
    return [
        JobSpec(
            "attendance.alerts",
            check_alerts,
            "cron",
            {"day_of_week": "mon-sat", "hour": 17, "minute": 45},
            misfire_grace_time=12 * 3600,
        )
    ]
