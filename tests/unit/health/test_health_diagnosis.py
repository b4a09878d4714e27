"""Observations, words and the diagnosis grouping (no I/O: facts are given)."""

import json
from pathlib import Path

from appliance.health import diagnosis, observations
from appliance.health.diagnosis import CATEGORIES, Facts, category_status, diagnose, observe
from appliance.health.mdstat import parse_mdstat
from appliance.health.messages import fmt_bytes, fmt_hours, fmt_num, render
from appliance.health.settings import HealthSettings
from appliance.health.smart import parse_report
from appliance.health.ups import parse_upsc, summarize

FIX = Path(__file__).parents[2] / "fixtures" / "health"
S = HealthSettings()


def sample(used_pct=50.0, avail_pct=40.0, temps=None):
    return {
        "ts": 0,
        "cpu": {"count": 2, "total_pct": 12.0, "iowait_pct": 1.0, "per_core_pct": [10, 14]},
        "load": {"status": "ok", "1": 0.5, "5": 0.4, "15": 0.3, "per_core_5": 0.2},
        "memory": {
            "total_bytes": 8 * 1024**3,
            "available_bytes": int(8 * 1024**3 * avail_pct / 100),
            "used_bytes": 1,
            "available_pct": avail_pct,
        },
        "swap": {"status": "absent", "total_bytes": 0, "used_pct": None},
        "filesystems": [
            {
                "mountpoint": "/var",
                "device": "/dev/sda2",
                "fstype": "ext4",
                "total_bytes": 100 * 1024**3,
                "used_bytes": 1,
                "free_bytes": int((100 - used_pct) * 1024**3),
                "used_pct": used_pct,
                "read_only": False,
                "inodes_total": 1000,
                "inodes_used_pct": 5.0,
            }
        ],
        "temperatures": temps or {"status": "unavailable", "sensors": []},
        "fans": {"status": "unavailable", "fans": []},
    }


def facts(**kw):
    base = dict(
        sample=sample(),
        clock={"synchronised": True, "source": "timedatectl"},
        tls={"path": None},
        services=[{"name": "cartable-web", "alive": True, "detail": None}],
    )
    base.update(kw)
    return Facts(**base)


def smart_facts(*names):
    entries, reports = [], {}
    for n in names:
        data = json.loads((FIX / "smart" / f"{n}.json").read_text())
        r = parse_report(data)
        entries.append(
            {"device": r["device"], "collected_at": 0, "age_hours": 1, "stale": False, "data": data}
        )
        reports[r["device"]] = r
    return {"smart_entries": entries, "smart_reports": reports}


def results_for(f, **kw):
    return diagnose([o for group in observe(f, S).values() for o in group], **kw)


def test_every_category_appears_with_the_required_fields():
    res = results_for(facts())
    assert [c for c in CATEGORIES if c in {r["category"] for r in res}] == list(CATEGORIES)
    for r in res:
        assert {"category", "status", "summary", "details", "advice"} <= r.keys()
        assert r["status"] in ("success", "info", "warning", "error")
        assert r["category_label"] == CATEGORIES[r["category"]]
    assert json.loads(json.dumps(res)) == res


def test_problems_are_reported_worst_first_with_advice():
    f = facts(
        sample=sample(used_pct=93, avail_pct=4),
        raid=parse_mdstat((FIX / "mdstat" / "raid1_degraded.txt").read_text()),
        ups=summarize(parse_upsc((FIX / "ups" / "on_battery.txt").read_text()))
        | {"name": "ups@localhost", "error": None},
        backup={"last_success": None, "age_hours": None, "max_age_hours": 26, "overdue": True},
        **smart_facts("hdd_pending_reallocated", "ssd_sata_healthy"),
    )
    res = results_for(f)
    by_key = {r["key"]: r for r in res if r["key"]}
    assert by_key["fs.space:/var"]["status"] == "error"
    assert "93 %" in by_key["fs.space:/var"]["summary"]
    assert by_key["mem.available"]["status"] == "error"
    hdd = by_key["smart:/dev/sdb"]
    assert hdd["status"] == "error" and "en train de lâcher" in hdd["summary"]
    assert "16 secteur(s) illisible(s)" in hdd["summary"] and "sauvegarde" in hdd["advice"]
    assert by_key["raid:md0"]["status"] == "error" and "sdb1" in by_key["raid:md0"]["summary"]
    assert by_key["ups.status"]["status"] == "warning"
    assert "courant est coupé" in by_key["ups.status"]["summary"]
    assert by_key["backup.age"]["status"] == "error"
    disks = [r for r in res if r["category"] == "disks"]
    assert disks[-1]["status"] == "success"  # the healthy SSD, gathered at the end
    assert "870 EVO" in disks[-1]["details"]
    glance = category_status(res)
    assert glance["disks"]["color"] == "red" and glance["updates"]["color"] == "green"


def test_silenced_warning_is_marked_and_ignored_by_the_glance():
    f = facts(
        updates={
            "count": 3,
            "security_count": 1,
            "security": ["openssl"],
            "lists_age_hours": 2,
            "error": None,
        }
    )
    silences = {"updates.security": {"reason": "fenêtre de maintenance samedi"}}
    res = results_for(f, silences=silences)
    (u,) = [r for r in res if r["key"] == "updates.security"]
    assert u["status"] == "warning" and u["silenced"]
    assert u["silence_reason"] == "fenêtre de maintenance samedi"
    assert category_status(res)["updates"]["color"] == "green"


def test_unavailable_sensors_are_info_never_zero():
    res = results_for(facts())
    (t,) = [r for r in res if r["category"] == "temperatures"]
    assert t["status"] == "info" and "indisponible" in t["summary"]


def test_temperature_thresholds_come_from_the_sensor():
    temps = {
        "status": "ok",
        "sensors": [
            {"name": "coretemp/Package_id_0", "current": 82.0, "high": 84.0, "critical": 100.0},
            {"name": "acpitz/acpitz0", "current": 40.0, "high": None, "critical": None},
        ],
    }
    obs = observations.from_sample(sample(temps=temps), S)
    core = next(o for o in obs if o.key == "temp:coretemp/Package_id_0")
    assert (core.threshold.warning, core.threshold.critical) == (79.0, 98.0)
    assert core.instant_level() == "warning"
    acpi = next(o for o in obs if o.key == "temp:acpitz/acpitz0")
    assert (acpi.threshold.warning, acpi.threshold.critical) == (75.0, 93.0)


def test_prediction_rule():
    obs = observations.from_trends(
        {
            "/var": {"hours_left": 30.0, "free_bytes": 5e9},
            "/": {"hours_left": None, "free_bytes": 5e10},
        },
        S,
    )
    by = {o.key: o for o in obs}
    assert by["fs.trend:/var"].instant_level() == "warning"
    assert by["fs.trend:/"].instant_level() == "ok"
    msg = render("fs_trend", "warning", by["fs.trend:/var"].context)
    assert msg.summary.startswith("/var sera plein dans moins de 1 j 6 h")


def test_every_kind_renders_at_every_level():
    f = facts(
        sample=sample(
            temps={
                "status": "ok",
                "sensors": [{"name": "c/p", "current": 50.0, "high": 80.0, "critical": 90.0}],
            }
        ),
        raid=parse_mdstat((FIX / "mdstat" / "raid1_resync.txt").read_text()),
        ups={"name": "u", "error": "Error: Data stale", "level": "warning"},
        tls={
            "path": "/x.pem",
            "subject_cn": "a",
            "not_after": "2030-01-01T00:00:00+00:00",
            "days_left": 3.0,
            "error": None,
        },
        updates={
            "count": 0,
            "security_count": 0,
            "security": [],
            "lists_age_hours": 900,
            "error": None,
        },
        backup={
            "last_success": 1_700_000_000,
            "age_hours": 2,
            "max_age_hours": 26,
            "overdue": False,
        },
        trends={"/var": {"hours_left": 3.0, "free_bytes": 1e9}},
        **smart_facts("nvme_healthy", "usb_unknown_bridge"),
    )
    for group in observe(f, S).values():
        for o in group:
            for level in ("ok", "info", "warning", "critical"):
                m = render(o.kind, level, o.context)
                assert m.summary and not m.summary.startswith(o.kind)
                if level in ("warning", "critical") and o.kind not in (
                    "sensors_none",
                    "raid_none",
                    "smart_missing",
                ):
                    assert m.advice, (o.kind, level)


def test_french_formatting():
    assert fmt_num(1234.56) == "1\u202f234,6"
    assert fmt_num(80.0) == "80"
    assert fmt_bytes(5 * 1024**3) == "5 Go"
    assert fmt_hours(0.2) == "12 min" and fmt_hours(30) == "1 j 6 h" and fmt_hours(5) == "5 h"


def test_observe_skips_what_was_not_checked():
    obs = observe(Facts(), S)
    assert obs["sample"] == [] and obs["box"] == []
    assert [o.kind for o in obs["ups"]] == ["ups_none"]
    assert diagnosis.STATUS["critical"] == "error"
