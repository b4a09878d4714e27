"""Box checks: certificate expiry, pending updates, clock, backup age, services, trend."""

import json
import ssl
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.errors import CartableError
from appliance.health import certs, checks, trend, updates
from appliance.health.command import Result

FIX = Path(__file__).parents[2] / "fixtures" / "health"


def test_certificate_dates_match_the_standard_library():
    for name in ("server.pem", "generalized_time.pem"):
        path = FIX / "tls" / name
        info = certs.read_certificate(path)
        ref = ssl._ssl._test_decode_cert(str(path))
        ref_after = datetime.strptime(ref["notAfter"], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=UTC)
        assert info["not_after"] == ref_after
    assert certs.read_certificate(FIX / "tls" / "generalized_time.pem")["not_after"].year == 2136


def test_fullchain_reads_the_server_certificate_first():
    info = certs.read_certificate(FIX / "tls" / "fullchain.pem")
    assert info["subject_cn"] == "ent.college-exemple.fr"


def test_certificate_status_days_left_and_errors(tmp_path):
    path = FIX / "tls" / "server.pem"
    after = certs.read_certificate(path)["not_after"]
    st = certs.certificate_status(path, now=after.replace(year=after.year - 1))
    assert 364 <= st["days_left"] <= 366 and st["error"] is None
    expired = certs.certificate_status(path, now=after.replace(year=after.year + 1))
    assert expired["days_left"] < 0
    missing = certs.certificate_status(tmp_path / "nope.pem")
    assert missing["days_left"] is None and "illisible" in missing["error"]
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(CartableError):
        certs.read_certificate(tmp_path / "junk.pem")


def test_apt_upgradable_parsing():
    pkgs = updates.parse_upgradable((FIX / "apt" / "list_upgradable.txt").read_text())
    assert len(pkgs) == 10
    apt = next(p for p in pkgs if p["name"] == "apt")
    assert apt == {
        "name": "apt",
        "suites": ["oldstable-security"],
        "version": "2.6.2",
        "arch": "amd64",
        "from": "2.6.1",
        "security": True,
    }
    assert sorted(p["name"] for p in pkgs if p["security"]) == [
        "apt",
        "apt-transport-https",
        "ca-certificates",
    ]


def test_pending_updates_are_cached(tmp_path):
    text = (FIX / "apt" / "list_upgradable.txt").read_text()
    calls = []

    def run(argv, timeout):
        calls.append(argv)
        return Result(0, text, "")

    cache = tmp_path / "updates.json"
    first = updates.pending_updates(cache, max_age_hours=6, now=1000, runner=run)
    assert (first["count"], first["security_count"], first["cached"]) == (10, 3, False)
    again = updates.pending_updates(cache, max_age_hours=6, now=1000 + 3600, runner=run)
    assert again["cached"] is True and len(calls) == 1
    updates.pending_updates(cache, max_age_hours=6, now=1000 + 7 * 3600, runner=run)
    assert len(calls) == 2
    assert json.loads(cache.read_text())["checked_at"] == 1000 + 7 * 3600
    failed = updates.check_updates(lambda a, t: Result(100, "", "E: Could not open lock file\n"))
    assert failed["error"] == "E: Could not open lock file" and failed["count"] is None


def test_clock_status_sources():
    yes = checks.clock_status(lambda a, t: Result(0, "yes\n", ""))
    assert yes == {"synchronised": True, "source": "timedatectl", "detail": None}
    no = checks.clock_status(lambda a, t: Result(0, "no\n", ""))
    assert no["synchronised"] is False
    # without systemd (containers, this test machine) the kernel answers through adjtimex
    fallback = checks.clock_status(
        lambda a, t: Result(1, "", "System has not been booted with systemd")
    )
    assert fallback["source"] in ("adjtimex", str(checks.TIMESYNC_FLAG), None)
    assert fallback["synchronised"] in (True, False, None)
    assert checks.kernel_clock_synchronised() in (True, False, None)


def test_backup_age_dead_man():
    now = 1_750_000_000
    ok = checks.backup_status(now - 3600, now=now, max_age_hours=26)
    assert ok["overdue"] is False and ok["age_hours"] == 1.0
    late = checks.backup_status(datetime.fromtimestamp(now - 27 * 3600, UTC), now=now)
    assert late["overdue"] is True
    never = checks.backup_status(None, now=now)
    assert never["overdue"] is True and never["age_hours"] is None


def test_services_status():
    got = checks.services_status({"web": True, "worker": {"alive": False, "detail": "arrêté"}})
    assert got == [
        {"name": "web", "alive": True, "detail": None},
        {"name": "worker", "alive": False, "detail": "arrêté"},
    ]


def test_linear_trend_and_hours_until_full():
    gb = 1024**3
    filling = [(h * 3600, 100 * gb - h * 2 * gb) for h in range(24)]  # 2 GB/hour
    assert trend.linear_fit([(0, 1), (1, 3), (2, 5)]) == pytest.approx((2.0, 1.0))
    assert trend.hours_until_full(filling) == pytest.approx((100 - 46) / 2)
    assert trend.hours_until_full(filling, free_now=10 * gb) == pytest.approx(5)
    assert trend.hours_until_full([(h * 3600, 50 * gb + h) for h in range(24)]) is None
    assert trend.hours_until_full(filling[:4]) is None  # too few points
    assert trend.hours_until_full([(i * 60, 100 - i) for i in range(30)]) is None  # 30 min
