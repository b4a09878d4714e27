"""The sampler on this machine, with the real psutil."""

import json
import math
import os
import time

import psutil
import pytest

from appliance.health.diagnosis import run_diagnosis
from appliance.health.sampler import Sampler, is_cartable_cmdline, sample_now
from appliance.health.settings import HealthSettings


def test_two_samples_give_rates_and_finite_points():
    sampler = Sampler()
    first = sampler.sample()
    assert first["cpu"]["total_pct"] is None  # no rate before a second sample
    assert all(d["read_bps"] is None for d in first["disks"])
    time.sleep(0.3)
    s = sampler.sample()
    assert 0 <= s["cpu"]["total_pct"] <= 100
    assert len(s["cpu"]["per_core_pct"]) == psutil.cpu_count()
    assert 0 < s["memory"]["available_pct"] <= 100
    root = next(f for f in s["filesystems"] if f["mountpoint"] == "/")
    assert root["total_bytes"] > 0 and 0 <= root["used_pct"] <= 100
    assert all(f["fstype"] not in ("proc", "sysfs", "tmpfs") for f in s["filesystems"])
    assert s["cartable"]["processes"] >= 1 and s["cartable"]["rss_bytes"] > 0
    names = [n for n, _ in s["points"]]
    assert len(names) == len(set(names))
    assert all(isinstance(v, float) and math.isfinite(v) for _, v in s["points"])
    assert "cpu.total_pct" in names and "fs.used_pct:/" in names
    json.dumps(s)


def test_missing_sensors_are_unavailable_never_zero():
    s = sample_now(0.2)
    has_temps = bool(psutil.sensors_temperatures())
    assert s["temperatures"]["status"] == ("ok" if has_temps else "unavailable")
    if not has_temps:
        assert not [n for n, _ in s["points"] if n.startswith("temp.")]
    if psutil.sensors_battery() is None:
        assert s["battery"] == {"status": "unavailable"}
        assert "battery.pct" not in dict(s["points"])
    if not psutil.swap_memory().total:
        assert s["swap"]["used_pct"] is None


def test_own_processes_are_recognised():
    assert is_cartable_cmdline(["/usr/bin/python3", "/opt/cartable/.venv/bin/cartable", "worker"])
    assert is_cartable_cmdline(["python", "-m", "appliance.cli", "serve"])
    assert not is_cartable_cmdline(["/usr/sbin/sshd", "-D"])
    sampler = Sampler(own_process=lambda cmd: False)
    sampler.sample()
    s = sampler.sample()
    assert s["cartable"]["processes"] == 1  # this very process always counts
    assert s["cartable"]["rss_bytes"] > 0


def test_diagnosis_runs_on_this_machine(tmp_path):
    res = run_diagnosis(
        HealthSettings(smart_spool_dir=str(tmp_path / "smart")),
        services={"cartable-web": True},
        last_backup_at=time.time(),
    )
    statuses = {r["category"]: r["status"] for r in res}
    assert set(statuses) >= {
        "resources",
        "disks",
        "temperatures",
        "power",
        "services",
        "backups",
        "time",
        "updates",
    }
    assert statuses["services"] == "success" and statuses["backups"] == "success"


def test_diagnosis_reads_a_worker_store_without_writing(tmp_path):
    from appliance.health.alerts import silence
    from appliance.health.store import MetricStore

    path = tmp_path / "metrics.db"
    worker = MetricStore.open(path)
    silence(worker.conn, "updates.security", "mises à jour le samedi", "tech", time.time())
    worker.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.stat().st_mtime_ns
    reader = MetricStore.open(path, readonly=True)
    res = run_diagnosis(
        HealthSettings(smart_spool_dir=str(tmp_path / "smart")),
        store=reader,
        updates_cache=tmp_path / "updates.json",
    )
    (upd,) = [r for r in res if r["category"] == "updates"]
    if upd["status"] == "warning":  # this machine has pending security updates
        assert upd["silenced"] and upd["silence_reason"] == "mises à jour le samedi"
    assert path.stat().st_mtime_ns == before
    reader.close()
    worker.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="a chroot and bind mounts need root")
def test_a_root_the_mount_table_does_not_list_is_still_watched(tmp_path):
    """In a chroot (found by running `make test` in a debootstrapped Debian 12) the mount
    table has no "/": the sampler still measures the root's space, so a filling disk still
    alerts. A real chroot of this machine's own folders, the sampler run inside it."""
    import subprocess
    import sys
    from contextlib import ExitStack
    from pathlib import Path

    import appliance
    from tests.fixtures.tools import require_program

    chroot = require_program("chroot", "coreutils")
    root = tmp_path / "root"
    repo = Path(appliance.__file__).resolve().parents[1]
    needed = {"/usr", "/etc", "/proc", "/sys", "/dev", "/bin", "/lib", "/lib64", "/sbin"}
    needed |= {str(repo), sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent)}
    with ExitStack() as mounts:
        for host in sorted(needed, key=len):
            inside = root / host.lstrip("/")
            if not os.path.lexists(host) or os.path.lexists(inside):
                continue  # already under a folder bound above
            if os.path.islink(host):
                inside.parent.mkdir(parents=True, exist_ok=True)
                inside.symlink_to(os.readlink(host))
                continue
            inside.mkdir(parents=True)
            subprocess.run(["mount", "--rbind", host, str(inside)], check=True)
            mounts.callback(subprocess.run, ["umount", "-R", "-l", str(inside)], check=True)
        script = (
            "import json; from appliance.health.sampler import Sampler; "
            "print(json.dumps([f['mountpoint'] for f in Sampler().sample()['filesystems']]))"
        )
        env = {"PYTHONPATH": str(repo), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [chroot, str(root), sys.executable, "-c", script],
            capture_output=True, text=True, cwd="/", env=env,
        )  # fmt: skip
        listed = subprocess.run(
            [chroot, str(root), "/bin/cat", "/proc/self/mounts"], capture_output=True, text=True
        ).stdout
    assert done.returncode == 0, done.stderr
    assert not [line for line in listed.splitlines() if line.split()[1] == "/"]  # really none
    assert "/" in json.loads(done.stdout)
