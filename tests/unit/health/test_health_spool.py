"""The root one-shot's spool: atomic files, safe folder, self-tests, and what the worker reads."""

import json
import os
import stat
from pathlib import Path

import pytest

from appliance.errors import CartableError
from appliance.health import smart_spool
from appliance.health.command import Result
from tests.fixtures.tools import needs

FIX = Path(__file__).parents[2] / "fixtures" / "health" / "smart"
NOW = 1_750_000_000


def runner_for(answers):
    """smartctl stand-in answering by argv with the recorded outputs."""
    calls = []

    def run(argv, timeout):
        calls.append(list(argv))
        if "--scan-open" in argv:
            name = "scan_open"
        elif "-t" in argv:
            name = "selftest_short_started"
        else:
            name = answers[(argv[-1], "-d" in argv)]
        data = (FIX / f"{name}.json").read_text()
        return Result(json.loads(data)["smartctl"]["exit_status"], data, "")

    run.calls = calls
    return run


ANSWERS = {
    ("/dev/sda", False): "ssd_sata_healthy",
    ("/dev/sdb", False): "hdd_pending_reallocated",
    ("/dev/sdc", False): "usb_unknown_bridge",
    ("/dev/sdc", True): "usb_sat",
    ("/dev/nvme0", False): "nvme_healthy",
}


def test_spool_writes_one_file_per_disk_and_starts_due_selftests(tmp_path):
    spool = tmp_path / "smart"
    run = runner_for(ANSWERS)
    done = smart_spool.run_spool(spool, short_days=7, long_days=30, now=NOW, runner=run)
    assert [d["device"] for d in done] == ["/dev/sda", "/dev/sdb", "/dev/sdc", "/dev/nvme0"]
    assert sorted(p.name for p in spool.iterdir()) == [
        "nvme0.json",
        "sda.json",
        "sdb.json",
        "sdc.json",
        "selftests.json",
    ]
    assert stat.S_IMODE(spool.stat().st_mode) == 0o755
    assert stat.S_IMODE((spool / "sda.json").stat().st_mode) == 0o644
    entry = json.loads((spool / "sdc.json").read_text())
    assert entry["data"]["cartable"]["device_type"] == "sat"
    assert entry["collected_at"] == NOW
    started = {d["device"]: d["selftest_started"] for d in done}
    assert started["/dev/sda"] == "long"  # never tested: the long one first
    assert ["smartctl", "--json", "-t", "long", "-d", "sat", "/dev/sdc"] in run.calls
    tests = json.loads((spool / "selftests.json").read_text())
    assert tests["S6PXNM0T812345K"] == {"long": NOW, "short": NOW}
    # a day later nothing is due; a week later the short one is
    run2 = runner_for(ANSWERS)
    done = smart_spool.run_spool(spool, now=NOW + 86400, runner=run2)
    assert all(d["selftest_started"] is None for d in done)
    done = smart_spool.run_spool(spool, now=NOW + 7 * 86400, runner=runner_for(ANSWERS))
    assert {d["selftest_started"] for d in done} == {"short"}
    assert not [p for p in spool.iterdir() if p.name.startswith(".")]  # no temp file left


def test_configured_devices_skip_the_scan(tmp_path):
    run = runner_for(ANSWERS)
    smart_spool.run_spool(
        tmp_path / "s", ["/dev/sda"], short_days=0, long_days=0, now=NOW, runner=run
    )
    assert run.calls == [["smartctl", "--json", "-a", "/dev/sda"]]


def test_unsafe_spool_folders_are_refused(tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir()
    loose.chmod(0o777)
    with pytest.raises(CartableError, match="chmod 755"):
        smart_spool.open_spool_dir(loose)
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(CartableError, match="lien"):
        smart_spool.open_spool_dir(link)


def test_write_atomic_does_not_follow_a_planted_symlink(tmp_path):
    spool = tmp_path / "s"
    fd = smart_spool.open_spool_dir(spool)
    target = tmp_path / "victim"
    target.write_text("keep")
    # An attacker plants links at the temporary name the spool used to take (pid) and at
    # the final name: the temporary name is now random, opened O_EXCL|O_NOFOLLOW, and the
    # rename replaces the link itself, so nothing is written through either link.
    os.symlink(target, spool / f".sda.json.{os.getpid()}.tmp")
    os.symlink(target, spool / "sda.json")
    smart_spool.write_atomic(fd, "sda.json", {"x": 1})
    os.close(fd)
    assert target.read_text() == "keep"
    assert not (spool / "sda.json").is_symlink()
    assert json.loads((spool / "sda.json").read_text()) == {"x": 1}


def test_read_spool_flags_stale_and_broken_entries(tmp_path):
    spool = tmp_path / "smart"
    smart_spool.run_spool(
        spool, ["/dev/sda"], short_days=0, long_days=0, now=NOW, runner=runner_for(ANSWERS)
    )
    (spool / "broken.json").write_text("{not json")
    got = smart_spool.read_spool(spool, now=NOW + 3600, max_age_hours=36)
    assert [(e["device"], e["stale"], e["error"] is None) for e in got] == [
        ("broken", True, False),
        ("/dev/sda", False, True),
    ]
    assert got[1]["age_hours"] == 1.0
    later = smart_spool.read_spool(spool, now=NOW + 40 * 3600, max_age_hours=36)
    assert later[1]["stale"] is True
    assert smart_spool.read_spool(tmp_path / "absent") == []


@needs("smartctl", "smartmontools")
def test_main_prints_a_summary(tmp_path, capsys, monkeypatch):
    # The real smartctl: on a machine without that disk it still answers JSON (exit
    # status 2, « No such device »), which the spool records as the disk's state.
    monkeypatch.setenv("CARTABLE_CONFIG", str(tmp_path / "none.toml"))
    code = smart_spool.main(
        [
            "--spool-dir",
            str(tmp_path / "s"),
            "--device",
            "/dev/sda",
            "--short-days",
            "0",
            "--long-days",
            "0",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["device"] == "/dev/sda" and out[0]["file"] == "sda.json"


def test_spool_name():
    assert smart_spool.spool_name("/dev/disk/by-id/ata-X Y") == "disk_by-id_ata-X_Y.json"
