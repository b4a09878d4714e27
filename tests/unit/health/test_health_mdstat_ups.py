"""Software RAID (/proc/mdstat) and UPS (upsc) parsing, from recorded outputs."""

from pathlib import Path

from appliance.health import mdstat, ups
from appliance.health.command import Result

FIX = Path(__file__).parents[2] / "fixtures" / "health"


def arrays(name):
    return mdstat.parse_mdstat((FIX / "mdstat" / f"{name}.txt").read_text())


def test_clean_raid1():
    md0, md1 = arrays("raid1_clean")
    assert md0["name"] == "md0" and md0["level"] == "raid1" and md0["state"] == "active"
    assert [m["name"] for m in md0["members"]] == ["sdb1", "sda1"]
    assert (md0["expected"], md0["working"], md0["map"]) == (2, 2, "UU")
    assert md0["blocks"] == 976630464
    assert not md0["degraded"] and md0["operation"] is None
    assert md0["level_of_concern"] == md1["level_of_concern"] == "ok"


def test_degraded_raid1_with_a_failed_member():
    md0, md1 = arrays("raid1_degraded")
    assert md0["degraded"] and md0["map"] == "U_"
    assert md0["failed_members"] == ["sdb1"]
    assert md0["level_of_concern"] == "critical"
    assert md1["degraded"] and md1["failed_members"] == []
    assert md1["level_of_concern"] == "critical"


def test_resync_and_recovery():
    md0, md1 = arrays("raid1_resync")
    assert md0["operation"] == {
        "kind": "resync",
        "progress_pct": 28.7,
        "finish_minutes": 56.1,
        "speed_kbps": 206748,
    }
    assert md0["level_of_concern"] == "info"
    assert md1["operation"]["kind"] == "recovery" and md1["operation"]["progress_pct"] == 3.4
    assert md1["level_of_concern"] == "critical"  # still degraded while it rebuilds


def test_inactive_array_and_missing_file(tmp_path):
    text = (
        "Personalities : \nmd127 : inactive sdc[0](S)\n      976630464 blocks\n\n"
        "unused devices: <none>\n"
    )
    (md,) = mdstat.parse_mdstat(text)
    assert md["state"] == "inactive" and md["members"][0]["spare"]
    assert md["level_of_concern"] == "critical"
    assert mdstat.read_mdstat(tmp_path / "mdstat") is None
    (tmp_path / "mdstat").write_text("Personalities : \nunused devices: <none>\n")
    assert mdstat.read_mdstat(tmp_path / "mdstat") == []


def upsc(name):
    return ups.parse_upsc((FIX / "ups" / f"{name}.txt").read_text())


def test_ups_on_line():
    v = upsc("online")
    assert v["ups.status"] == "OL" and v["driver.version.usb"].startswith("libusb")
    s = ups.summarize(v)
    assert s["level"] == "ok" and not s["on_battery"]
    assert (s["charge_pct"], s["runtime_s"], s["load_pct"]) == (100.0, 2340.0, 18.0)
    assert s["tokens"] == [{"token": "OL", "label": "sur secteur"}]


def test_ups_on_battery_is_a_warning():
    s = ups.summarize(upsc("on_battery"))
    assert s["on_battery"] and s["level"] == "warning"
    assert [t["token"] for t in s["tokens"]] == ["OB", "DISCHRG"]
    assert s["input_voltage"] == 0.0


def test_ups_low_battery_is_critical():
    s = ups.summarize(upsc("low_battery"))
    assert s["level"] == "critical"
    assert {"LB", "OB", "charge", "runtime"} <= set(s["reasons"])


def test_read_ups_runs_upsc_and_reports_errors():
    text = (FIX / "ups" / "online.txt").read_text()
    calls = []

    def ok(argv, timeout):
        calls.append(argv)
        return Result(0, text, "Init SSL without certificate database\n")

    s = ups.read_ups("ups@localhost", runner=ok)
    assert calls == [("upsc", "ups@localhost")] and s["error"] is None and s["level"] == "ok"
    stale = (FIX / "ups" / "data_stale_stderr.txt").read_text()
    s = ups.read_ups("ups@localhost", runner=lambda a, t: Result(1, "", stale))
    assert s == {"name": "ups@localhost", "error": "Error: Data stale", "level": "warning"}
