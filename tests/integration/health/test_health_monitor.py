"""The worker's HealthMonitor end to end: real sampler, real metrics.db, recorded SMART."""

import json
import shutil
import time
from pathlib import Path

from appliance.health import smart_spool
from appliance.health.alerts import active_alerts, alert_history
from appliance.health.blocks import MINUTE
from appliance.health.jobs import HealthMonitor
from appliance.health.settings import HealthSettings, MailSettings
from appliance.health.smart_log import smart_history

FIX = Path(__file__).parents[2] / "fixtures" / "health"


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


def test_monitor_samples_writes_downsamples_and_alerts(tmp_path):
    clock = Clock(1_800_000_000.0)
    sent = []
    spool = tmp_path / "smart"
    settings = HealthSettings(
        fs_warning_pct=0.001,
        fs_critical_pct=100,
        # The host's real load, CPU and memory (a test machine shared with other jobs) must
        # not add alerts of their own to the ones this test raises on purpose.
        load_warning_per_core=10_000,
        load_critical_per_core=10_000,
        cpu_warning_pct=101,
        memory_available_warning_pct=0,
        memory_available_critical_pct=0,
        swap_warning_pct=101,
        min_duration_seconds=20,
        clear_duration_seconds=0,
        write_batch_seconds=30,
        smart_spool_dir=str(spool),
        mdstat_path=str(FIX / "mdstat" / "raid1_degraded.txt"),
    )
    mail = MailSettings(host="relay", to=["t@c.fr"])
    monitor = HealthMonitor(
        tmp_path / "metrics.db",
        settings,
        mail,
        clock=clock,
        services=lambda: {"cartable-web": True},
        last_backup=lambda: clock.t - 3600,
        sender=lambda m, subject, body: sent.append((subject, body)),
    )
    for _ in range(4):
        monitor.sample_tick()
        clock.t += 10
        # The sampler reads the kernel's CPU times, counted in 10 ms ticks: two samples
        # taken within the same tick have no elapsed CPU time, hence no cpu.total_pct.
        time.sleep(0.05)
    # "/" is above 0.001 %: warned after 20 s; warnings wait for the digest
    keys = {a["key"]: a["level"] for a in active_alerts(monitor.store.conn)}
    assert keys.get("fs.space:/") == "warning"
    assert sent == []
    assert monitor.store.read_raw("cpu.total_pct", 0, 2**40)  # flushed after 30 s
    # the root one-shot has written a failing disk; the checks see it and mail at once
    spool.mkdir(mode=0o755)
    data = json.loads((FIX / "smart" / "hdd_pending_reallocated.json").read_text())
    fd = smart_spool.open_spool_dir(spool)
    smart_spool.write_atomic(
        fd, "sdb.json", {"device": "/dev/sdb", "collected_at": int(clock.t), "data": data}
    )
    changed = monitor.checks_tick()
    levels = {a["key"]: a["level"] for a in changed}
    assert levels["smart:/dev/sdb"] == "critical" and levels["raid:md0"] == "critical"
    assert len(sent) == 1 and "3 alertes critiques" in sent[0][0]  # sdb, md0, md1
    assert monitor.checks_tick() == [] and len(sent) == 1  # still the same: no new mail
    assert smart_history(monitor.store.conn, "/dev/sdb")[0]["verdict"] == "critical"
    # maintenance: downsampling and retention run on the real file
    clock.t += 3 * 3600
    monitor.sample_tick()
    done = monitor.maintenance_tick()
    assert done["minutes"] > 0
    assert monitor.store.read_tier(MINUTE, "cpu.total_pct", 0, 2**40)
    assert monitor.digest_tick() >= 1  # the filesystem warning goes in the digest
    assert "Résumé santé" in sent[-1][0]
    monitor.close()
    # a restart keeps open alerts: no duplicate mail, no new episode
    again = HealthMonitor(
        tmp_path / "metrics.db",
        settings,
        mail,
        clock=clock,
        services=lambda: {"cartable-web": True},
        last_backup=lambda: clock.t - 3600,
        sender=lambda *a: sent.append(a),
    )
    again.checks_tick()
    assert len(sent) == 2
    assert len([a for a in alert_history(again.store.conn) if a["key"] == "smart:/dev/sdb"]) == 1
    again.close()
    shutil.rmtree(spool)
