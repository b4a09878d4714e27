"""Alert episodes and silences in metrics.db."""

import pytest

from appliance.errors import CartableError, NotFound
from appliance.health import alerts
from appliance.health.rules import Observation, RuleEngine, Threshold
from appliance.health.store import MetricStore


@pytest.fixture
def store(tmp_path):
    s = MetricStore.open(tmp_path / "metrics.db")
    yield s
    s.close()


def fs(value):
    ctx = {
        "mountpoint": "/var",
        "used_pct": value,
        "free_bytes": 10 * 1024**3,
        "total_bytes": 100 * 1024**3,
    }
    return Observation(
        "fs.space:/var",
        "resources",
        "fs_space",
        "sample",
        value=value,
        threshold=Threshold(80, 90, hysteresis=5),
        context=ctx,
    )


def test_an_alert_opens_changes_and_closes(store):
    engine = RuleEngine()
    (row,) = alerts.apply_transitions(store.conn, engine.evaluate([fs(83)], 100), 100)
    assert row["level"] == "warning" and row["started_at"] == 100 and row["ended_at"] is None
    assert "/var est occupé à 83 %" in row["summary"]
    assert row["why"] and "du -xh" in row["advice"]
    (row,) = alerts.apply_transitions(store.conn, engine.evaluate([fs(95)], 200), 200)
    assert (row["level"], row["peak_level"], row["started_at"]) == ("critical", "critical", 100)
    assert row["summary"].startswith("/var est occupé à 95 %")
    assert row["advice"].startswith("Agissez aujourd'hui")
    (row,) = alerts.apply_transitions(store.conn, engine.evaluate([fs(50)], 300), 300)
    assert row["ended_at"] == 300 and row["peak_level"] == "critical"
    assert alerts.active_alerts(store.conn) == []
    assert len(alerts.alert_history(store.conn)) == 1
    assert alerts.open_levels(store.conn) == {}


def test_open_levels_restore_the_engine(store):
    alerts.apply_transitions(store.conn, RuleEngine().evaluate([fs(99)], 0), 0)
    assert alerts.open_levels(store.conn) == {"fs.space:/var": ("critical", "sample")}


def test_silence_a_warning_with_a_reason(store):
    alerts.apply_transitions(store.conn, RuleEngine().evaluate([fs(85)], 0), 0)
    assert alerts.banner(store.conn, 10)["level"] == "warning"
    with pytest.raises(CartableError, match="pourquoi"):
        alerts.silence(store.conn, "fs.space:/var", "  ", "tech", 10)
    audit = alerts.silence(store.conn, "fs.space:/var", "Archive de fin d'année", "tech", 10)
    assert audit == {
        "action": "health.silence",
        "key": "fs.space:/var",
        "reason": "Archive de fin d'année",
        "by": "tech",
        "until": None,
        "replaced": None,
    }
    assert alerts.banner(store.conn, 20) == {"level": "ok", "count": 0, "alerts": []}
    (a,) = alerts.active_alerts(store.conn, 20)
    assert a["silenced"] and a["silence_reason"] == "Archive de fin d'année"
    assert alerts.unsilence(store.conn, "fs.space:/var", "tech")["reason"].startswith("Archive")
    with pytest.raises(NotFound):
        alerts.unsilence(store.conn, "fs.space:/var", "tech")


def test_silence_expires_and_never_hides_a_critical(store):
    alerts.silence(store.conn, "fs.space:/var", "accepté", "tech", 0, until=100)
    assert "fs.space:/var" in alerts.active_silences(store.conn, 50)
    assert alerts.active_silences(store.conn, 150) == {}
    alerts.apply_transitions(store.conn, RuleEngine().evaluate([fs(99)], 0), 0)
    assert alerts.banner(store.conn, 50)["level"] == "critical"
    with pytest.raises(CartableError, match="critique"):
        alerts.silence(store.conn, "fs.space:/var", "accepté", "tech", 60)
