"""The worker's backup jobs: ids, triggers, the catch-up decision at start, the skip
when another job holds the lock, and the last backup time the health dead-man reads."""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from appliance import backups, scheduler
from appliance import config as config_mod
from appliance.backups import schedule as backup_schedule
from appliance.core import create_box
from appliance.health import wiring
from appliance.security.audit import SYSTEM
from backup.locking import job_lock
from backup.repos import Registry, Repository, RunRecord

CONFIG = """
[backup]
schedule_time = "02:15"
check_day = "wednesday"
check_time = "05:10"
verify_data_day = 3
drill_day = 20
"""


@pytest.fixture
def sbox(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text(CONFIG)
    return create_box(config_mod.load(cfg, tmp_path / "data", env={}))


def _register(box, *, ended: datetime | None = None) -> Registry:
    registry = Registry(backups.state_dir(box.config))
    registry.add(Repository(label="local", url="/srv/sauvegardes/cartable", kind="local"))
    if ended is not None:
        iso = ended.astimezone(UTC).replace(microsecond=0).isoformat()
        registry.record_run(RunRecord("local", "backup", "ok", "faite", started=iso, ended=iso))
    return registry


def _fields(trigger) -> dict:
    return {f.name: str(f) for f in trigger.fields if not f.is_default}


def test_jobs_and_their_triggers(sbox):
    specs = {s.id: s for s in backup_schedule.jobs(sbox)}
    assert set(specs) == {"backup.nightly", "backup.check", "backup.verify_data", "backup.drill"}
    assert specs["backup.nightly"].trigger_args == {"hour": 2, "minute": 15}
    assert specs["backup.check"].trigger_args == {"day_of_week": "wed", "hour": 5, "minute": 10}
    assert specs["backup.verify_data"].trigger_args == {"day": 3, "hour": 5, "minute": 10}
    assert specs["backup.drill"].trigger_args == {"day": 20, "hour": 5, "minute": 10}
    assert all(s.misfire_grace_time >= 6 * 3600 for s in specs.values())

    sched = scheduler.build(sbox, blocking=False)
    job = sched.get_job("backup.nightly")
    assert _fields(job.trigger) == {"hour": "2", "minute": "15"}
    assert sched.get_job("backup.check") is not None
    nxt = backup_schedule.next_backup_time(sbox.config, datetime(2026, 11, 29, 3, 0).astimezone())
    assert (nxt.day, nxt.hour, nxt.minute) == (30, 2, 15)


def test_no_jobs_when_backups_are_disabled(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("[backup]\nenabled = false\n")
    box = create_box(config_mod.load(cfg, tmp_path / "data", env={}))
    assert backup_schedule.jobs(box) == []
    assert backup_schedule.next_backup_time(box.config) is None


def test_a_bad_time_names_the_key(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text('[backup]\nschedule_time = "25h"\n')
    box = create_box(config_mod.load(cfg, tmp_path / "data", env={}))
    with pytest.raises(Exception, match="backup.schedule_time"):
        backup_schedule.jobs(box)


def test_catch_up_decision_at_worker_start(sbox):
    assert not backup_schedule.catch_up_due(sbox)  # no repository: nothing to catch up
    assert wiring.backups_monitored(sbox) is False
    _register(sbox)
    assert backup_schedule.catch_up_due(sbox)  # a repository never backed up
    ids = {s.id: s for s in backup_schedule.jobs(sbox)}
    assert ids["backup.catch_up"].trigger == "date"
    assert ids["backup.catch_up"].trigger_args["run_date"] > datetime.now().astimezone()


def test_catch_up_after_24_hours_and_last_backup_time(sbox):
    ended = datetime.now(UTC) - timedelta(hours=3)
    _register(sbox, ended=ended)
    assert abs(backups.last_backup_time(sbox) - ended.timestamp()) < 2
    assert abs(wiring.last_backup_time(sbox) - ended.timestamp()) < 2
    assert wiring.backups_monitored(sbox) is True
    assert not backup_schedule.catch_up_due(sbox)
    assert "backup.catch_up" not in {s.id for s in backup_schedule.jobs(sbox)}
    assert backup_schedule.catch_up_due(sbox, now=time.time() + 22 * 3600)  # 25 h old


def _audited(box, action: str) -> int:
    return (
        box.conn()
        .execute("SELECT count(*) FROM audit_log WHERE action = ?", (action,))
        .fetchone()[0]
    )


def test_a_busy_lock_makes_a_job_skip_after_waiting(sbox, caplog):
    _register(sbox)
    spec = next(s for s in backup_schedule.jobs(sbox) if s.id == "backup.check")
    caplog.set_level(logging.INFO, "cartable.backup")
    # The scheduled job waits (its budget is half an hour and more) while the lock is held:
    # it has not started the check one second later, and starts it once the lock is free.
    with job_lock(backups.state_dir(sbox.config), "backup"):
        assert backups.busy_with(sbox.config).startswith("backup (depuis")
        waiting = threading.Thread(target=spec.func, args=(sbox,), daemon=True)
        waiting.start()
        waiting.join(1.0)
        assert waiting.is_alive() and _audited(sbox, "backup.check") == 0
    waiting.join(60)
    assert not waiting.is_alive() and _audited(sbox, "backup.check") == 1
    # When the wait runs out (the same guard, a short wait), the job is skipped unrun.
    short = backup_schedule._guarded(
        "backup.check", lambda box: backups.check(box, SYSTEM), wait_seconds=0.3
    )
    with job_lock(backups.state_dir(sbox.config), "backup"):
        short(sbox)
    assert _audited(sbox, "backup.check") == 1 and "backup.check sautée" in caplog.text
    assert backups.busy_with(sbox.config) is None


def test_wait_until_free_and_job_busy_is_logged_not_raised(sbox, caplog):
    _register(sbox)
    with job_lock(backups.state_dir(sbox.config), "drill"):
        assert backups.wait_until_free(sbox.config, 0.3, poll=0.1) is False
    assert backups.wait_until_free(sbox.config, 0.3, poll=0.1) is True

    # A probe holding the lock shared (busy_with of another process, at that very moment)
    # lets the wait pass, but the backup cannot take the lock: JobBusy, logged as a skip.
    caplog.set_level(logging.INFO, "cartable.backup")
    spec = next(s for s in backup_schedule.jobs(sbox) if s.id == "backup.nightly")
    fd = os.open(backups.state_dir(sbox.config) / "job.lock", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        spec.func(sbox)  # never raises into the scheduler
    finally:
        os.close(fd)
    assert "backup.nightly sautée" in caplog.text
    assert _audited(sbox, "backup.run") == 1
