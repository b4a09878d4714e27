"""The real smartctl and upsc binaries (no SMART disk, no UPS here:
the point is that their real answers to a failure are read and explained)."""

from appliance.health import smartctl, ups
from appliance.health.smart import parse_report
from tests.fixtures.tools import needs


@needs("smartctl", "smartmontools")
def test_real_smartctl_on_a_device_without_smart():
    data = smartctl.read_device("/dev/null")
    assert data["smartctl"]["version"][0] >= 7
    report = parse_report(data)
    assert report["exit_status"] & 0b11  # could not open / detect: bits 0-1
    assert report["verdict"] in ("warning", "unknown")
    assert smartctl.scan_devices() is not None


@needs("upsc", "nut-client")
def test_real_upsc_without_a_ups_server():
    got = ups.read_ups("ups@127.0.0.1")
    assert got["level"] == "warning" and got["error"]
