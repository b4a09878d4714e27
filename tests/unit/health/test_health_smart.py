"""SMART: parsing recorded smartctl 7 outputs, the -d sat retry, self-test scheduling."""

import copy
import json
from pathlib import Path

import pytest

from appliance.errors import CartableError
from appliance.health import smartctl
from appliance.health.command import Result
from appliance.health.smart import decode_exit_status, parse_report

FIX = Path(__file__).parents[2] / "fixtures" / "health" / "smart"


def load(name):
    return json.loads((FIX / f"{name}.json").read_text())


def test_exit_status_is_a_bit_mask():
    assert decode_exit_status(0) == []
    assert decode_exit_status(192) == ["error_log", "selftest_errors"]
    assert decode_exit_status(1 | 8 | 16) == ["command_line", "disk_failing", "prefail_threshold"]


def test_healthy_sata_ssd():
    r = parse_report(load("ssd_sata_healthy"))
    assert r["device"] == "/dev/sda"
    assert r["model"] == "Samsung SSD 870 EVO 500GB"
    assert r["kind"] == "ssd"
    assert r["passed"] is True
    assert r["temperature_c"] == 31
    assert r["power_on_hours"] == 17284
    assert r["verdict"] == "ok" and r["problems"] == []
    assert r["watched"]["5"] == {"name": "Reallocated_Sector_Ct", "raw": 0, "change": None}
    assert r["selftests"][0] == {
        "type": "Short offline",
        "status": "Completed without error",
        "passed": True,
        "hours": 17260,
        "remaining_percent": None,
        "lba": None,
    }


def test_hdd_with_pending_and_reallocated_sectors_is_critical():
    r = parse_report(load("hdd_pending_reallocated"))
    assert r["kind"] == "hdd"
    assert r["passed"] is True  # the disk still says PASSED: the attributes tell the truth
    assert r["exit_flags"] == ["error_log", "selftest_errors"]
    codes = {p["code"]: p["level"] for p in r["problems"]}
    assert codes == {
        "attr_5": "critical",
        "attr_187": "critical",
        "attr_197": "critical",
        "attr_198": "critical",
        "selftest_failed": "critical",
        "error_log": "warning",
    }
    assert r["watched"]["188"]["raw"] == 0  # "0 0 0": no timeouts
    assert r["verdict"] == "critical"
    assert r["selftests"][0]["passed"] is False
    assert r["selftests"][0]["lba"] == 214743912


def test_attribute_changes_against_the_previous_report_of_the_same_disk():
    data = load("hdd_pending_reallocated")
    before = parse_report(data)
    later = copy.deepcopy(data)
    for a in later["ata_smart_attributes"]["table"]:
        if a["id"] == 197:
            a["raw"]["value"] = 24
    r = parse_report(later, before)
    assert r["watched"]["197"]["change"] == 8
    assert r["watched"]["5"]["change"] == 0
    other_disk = dict(before, serial="OTHER")
    assert parse_report(later, other_disk)["watched"]["197"]["change"] is None


def test_nvme_healthy_then_signs_of_failure():
    data = load("nvme_healthy")
    r = parse_report(data)
    assert r["kind"] == "nvme" and r["verdict"] == "ok"
    assert r["nvme"]["percentage_used"] == 3
    assert r["temperature_c"] == 38
    bad = copy.deepcopy(data)
    log = bad["nvme_smart_health_information_log"]
    log.update(critical_warning=0x04, media_errors=3, percentage_used=92, available_spare=5)
    r = parse_report(bad)
    codes = {p["code"]: p["level"] for p in r["problems"]}
    assert codes["nvme_critical_warning"] == "critical"
    assert codes["nvme_media_errors"] == "critical"
    assert codes["nvme_wear"] == "warning"
    assert codes["nvme_spare"] == "critical"
    assert r["nvme"]["critical_warning_flags"] == ["reliability_degraded"]


def test_failing_verdict_and_prefail_attribute():
    data = load("ssd_sata_healthy")
    data["smart_status"]["passed"] = False
    data["smartctl"]["exit_status"] = 8 | 16
    data["ata_smart_attributes"]["table"][0]["when_failed"] = "now"
    r = parse_report(data)
    assert {"failing", "prefail_threshold"} <= {p["code"] for p in r["problems"]}
    assert r["verdict"] == "critical"


def test_unknown_usb_bridge_alone_is_unreadable():
    r = parse_report(load("usb_unknown_bridge"))
    assert r["problems"][0]["code"] == "unreadable"
    assert "Unknown USB bridge" in r["problems"][0]["messages"][0]
    assert r["verdict"] == "warning"


def fake_runner(answers):
    calls = []

    def run(argv, timeout):
        calls.append(list(argv))
        name, code = answers[len(calls) - 1]
        return Result(code, (FIX / f"{name}.json").read_text(), "")

    run.calls = calls
    return run


def test_read_device_retries_with_d_sat_for_an_unknown_usb_bridge():
    run = fake_runner([("usb_unknown_bridge", 1), ("usb_sat", 0)])
    data = smartctl.read_device("/dev/sdc", runner=run)
    assert run.calls == [
        ["smartctl", "--json", "-a", "/dev/sdc"],
        ["smartctl", "--json", "-a", "-d", "sat", "/dev/sdc"],
    ]
    assert data["cartable"]["device_type"] == "sat"
    assert data["cartable"]["first_attempt"]["exit_status"] == 1
    r = parse_report(data)
    assert r["model"] == "WDC WD20EZAZ-00GGJB0" and r["verdict"] == "ok"


def test_read_device_does_not_retry_a_known_disk():
    run = fake_runner([("ssd_sata_healthy", 0)])
    smartctl.read_device("/dev/sda", runner=run)
    assert len(run.calls) == 1


def test_run_json_explains_missing_json():
    with pytest.raises(CartableError, match="JSON"):
        smartctl.run_json(("smartctl", "-a"), runner=lambda a, t: Result(1, "", "invalid option"))


def test_scan_and_argv_builders():
    assert [d["name"] for d in smartctl.parse_scan(load("scan_open"))] == [
        "/dev/sda",
        "/dev/sdb",
        "/dev/sdc",
        "/dev/nvme0",
    ]
    assert smartctl.selftest_argv("/dev/sda", "long", "sat") == (
        "smartctl",
        "--json",
        "-t",
        "long",
        "-d",
        "sat",
        "/dev/sda",
    )
    with pytest.raises(ValueError):
        smartctl.selftest_argv("/dev/sda", "conveyance")


def test_selftest_schedule_short_weekly_long_monthly():
    day = 86400
    now = 1_750_000_000
    assert smartctl.selftest_due(now, None, None, 7, 30) == "long"
    assert smartctl.selftest_due(now, None, now - 2 * day, 7, 30) == "short"
    assert smartctl.selftest_due(now, now - 3 * day, now - 2 * day, 7, 30) is None
    assert smartctl.selftest_due(now, now - 7 * day, now - 10 * day, 7, 30) == "short"
    assert smartctl.selftest_due(now, now - 1 * day, now - 31 * day, 7, 30) == "long"
    assert smartctl.selftest_due(now, None, None, 0, 0) is None


def test_supports_selftest():
    assert smartctl.supports_selftest(load("ssd_sata_healthy"))
    assert not smartctl.supports_selftest(load("usb_unknown_bridge"))
    assert smartctl.supports_selftest(load("nvme_healthy"))
