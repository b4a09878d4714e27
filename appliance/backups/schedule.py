"""The backup jobs of the worker (APScheduler), registered in `appliance.scheduler`:

    daily at backup.schedule_time (01:30)                backup.nightly     run (prune, compact
                                                                            when due)
    a few minutes after the worker starts, when the      backup.catch_up    run
      newest successful backup is older than 24 h
    weekly, backup.check_day at backup.check_time        backup.check       borg check
    monthly, day backup.verify_data_day at check_time    backup.verify_data --verify-data (budget)
    monthly, day backup.drill_day at check_time          backup.drill       restore drill

The scheduler keeps its jobs in memory, so a night missed while the box was off is not
remembered by the nightly trigger itself: the catch-up job, decided when the worker
starts (`catch_up_due`), is what makes up for it. Backup jobs never overlap (the job
lock of `backup/`): a job first waits for the running one to end, then, if another job
still holds the lock, logs and skips (JobBusy). Nothing runs without a repository.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from appliance import backups
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.scheduler import JobSpec
from appliance.security.audit import SYSTEM
from backup.config_keys import DAYS
from backup.errors import BackupError, JobBusy

log = logging.getLogger("cartable.backup")

CATCH_UP_AFTER_HOURS = 24
CATCH_UP_DELAY_SECONDS = 120
NIGHTLY_GRACE_SECONDS = 12 * 3600
_CRON_DAYS = dict(zip(DAYS, ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), strict=True))


def parse_hhmm(value: str, key: str) -> tuple[int, int]:
    """« HH:MM » → (hour, minute); CartableError naming `key` otherwise."""
    try:
        hour, minute = (int(p) for p in str(value).strip().split(":"))
        if 0 <= hour < 24 and 0 <= minute < 60:
            return hour, minute
    except ValueError:
        pass
    raise CartableError(
        N_("« %(key)s » doit être une heure HH:MM (reçu %(value)s)."),
        field=key,
        key=key,
        value=repr(value),
    )


def nightly_trigger(config) -> dict:
    hour, minute = parse_hhmm(config["backup.schedule_time"], "backup.schedule_time")
    return {"hour": hour, "minute": minute}


def next_backup_time(config, now: datetime | None = None) -> datetime | None:
    """When the next nightly backup will start (None when backups are disabled)."""
    if not config["backup.enabled"]:
        return None
    now = now or datetime.now().astimezone()
    return CronTrigger(**nightly_trigger(config), timezone=now.tzinfo).get_next_fire_time(None, now)


def next_backup_shown(config, now: datetime | None = None) -> datetime | None:
    """The next nightly backup as the pages and `cartable backup status` show it: None
    when backups are disabled or no repository is set up (nothing would be backed up)."""
    if not backups.has_repositories(config):
        return None
    return next_backup_time(config, now)


def catch_up_due(box: Any, now: float | None = None) -> bool:
    """True when the worker, starting now, should run a backup soon: backups are enabled,
    a repository exists, and the newest successful backup is older than 24 h (or none)."""
    if not box.config["backup.enabled"] or not backups.has_repositories(box.config):
        return False
    last = backups.last_backup_time(box)
    now = time.time() if now is None else now
    return last is None or now - last > CATCH_UP_AFTER_HOURS * 3600


def _guarded(name: str, body, wait_seconds: float):
    """The job `name`: skip without repository, wait for a running job, then `body(box)`;
    JobBusy and backup errors are logged, never raised into the scheduler."""

    def run(box: Any) -> None:
        if not backups.has_repositories(box.config):
            log.info("%s : aucun dépôt de sauvegarde configuré, rien à faire.", name)
            return
        if not backups.wait_until_free(box.config, wait_seconds):
            log.warning("%s sautée : une autre tâche de sauvegarde occupe encore les dépôts.", name)
            return
        try:
            records = body(box)
        except JobBusy as exc:
            log.warning("%s sautée : %s", name, exc.message)
            return
        except BackupError as exc:
            log.error("%s a échoué : %s", name, exc.message)
            return
        for rec in records or []:
            log.info("%s [%s] : %s — %s", name, rec.label, rec.outcome, rec.message)

    run.__name__ = name.replace(".", "_")
    return run


def jobs(box: Any) -> list[JobSpec]:
    """The backup jobs (none when `backup.enabled` is false); see the module doc."""
    config = box.config
    if not config["backup.enabled"]:
        return []
    check_hour, check_minute = parse_hhmm(config["backup.check_time"], "backup.check_time")
    at_check = {"hour": check_hour, "minute": check_minute}
    budget_wait = (config["backup.verify_data_max_minutes"] + 30) * 60

    def nightly(box):
        return backups.run(box, SYSTEM)

    def weekly_check(box):
        return backups.check(box, SYSTEM)

    def verify(box):
        return backups.check(box, SYSTEM, verify_data=True)

    def drill(box):
        return backups.drill(box, SYSTEM)

    specs = [
        JobSpec(
            "backup.nightly",
            _guarded("backup.nightly", nightly, 3600),
            "cron",
            nightly_trigger(config),
            NIGHTLY_GRACE_SECONDS,
        ),
        JobSpec(
            "backup.check",
            _guarded("backup.check", weekly_check, budget_wait),
            "cron",
            {"day_of_week": _CRON_DAYS[config["backup.check_day"]], **at_check},
            NIGHTLY_GRACE_SECONDS,
        ),
        JobSpec(
            "backup.verify_data",
            _guarded("backup.verify_data", verify, budget_wait),
            "cron",
            {"day": config["backup.verify_data_day"], **at_check},
            NIGHTLY_GRACE_SECONDS,
        ),
        JobSpec(
            "backup.drill",
            _guarded("backup.drill", drill, budget_wait),
            "cron",
            {"day": config["backup.drill_day"], **at_check},
            NIGHTLY_GRACE_SECONDS,
        ),
    ]
    try:
        due = catch_up_due(box)
    except Exception:  # noqa: BLE001 - an unreadable state must not keep the worker down
        log.exception("impossible de savoir si une sauvegarde de rattrapage est due")
        due = False
    if due:
        when = datetime.now().astimezone() + timedelta(seconds=CATCH_UP_DELAY_SECONDS)
        log.info("Dernière sauvegarde réussie il y a plus de 24 h : rattrapage à %s.", when)
        specs.append(
            JobSpec(
                "backup.catch_up",
                _guarded("backup.catch_up", nightly, 3600),
                "date",
                {"run_date": when},
                NIGHTLY_GRACE_SECONDS,
            )
        )
    return specs
