"""Rules: hysteresis, minimum durations, clearing, fixed levels, disappearing objects."""

from appliance.health.rules import Observation, RuleEngine, Threshold

FS = Threshold(80, 90, "above", hysteresis=5, min_duration=60, clear_duration=120)


def obs(value, key="fs.space:/var", threshold=FS, **kw):
    return Observation(
        key, "resources", "fs_space", "sample", value=value, threshold=threshold, **kw
    )


def run(engine, values, start=0, step=10):
    """Feed one value per `step` seconds; return [(t, old, new)] of the transitions."""
    out = []
    for i, v in enumerate(values):
        t = start + i * step
        out += [(t, tr.old, tr.new) for tr in engine.evaluate([obs(v)], t)]
    return out


def test_threshold_levels_with_hysteresis():
    assert FS.level(79.9) == "ok"
    assert FS.level(80) == "warning"
    assert FS.level(90) == "critical"
    assert FS.level(86, active="critical") == "critical"
    assert FS.level(85, active="critical") == "critical"
    assert FS.level(84.9, active="critical") == "warning"
    assert FS.level(76, active="warning") == "warning"
    assert FS.level(74.9, active="warning") == "ok"
    below = Threshold(10, 5, "below", hysteresis=2)
    assert below.level(20) == "ok" and below.level(9) == "warning" and below.level(4) == "critical"
    assert below.level(11.5, active="warning") == "warning"
    assert below.level(12.5, active="warning") == "ok"


def test_a_spike_does_not_alert():
    engine = RuleEngine()
    assert run(engine, [50, 95, 95, 50, 50, 96, 50]) == []


def test_raise_after_minimum_duration_then_clear_below_hysteresis_after_clear_duration():
    engine = RuleEngine()
    values = [95] * 7 + [86] * 20 + [84] * 15 + [70] * 15
    got = run(engine, values)
    # critical once 95 held 60 s (t=60); 86 is within the band (stays critical);
    # 84 is below 85: lowered to warning after 120 s; 70 clears after another 120 s.
    assert got == [(60, "ok", "critical"), (390, "critical", "warning"), (540, "warning", "ok")]


def test_flapping_around_the_threshold_does_not_clear():
    engine = RuleEngine()
    values = [91] * 7 + [84, 86] * 30
    assert run(engine, values) == [(60, "ok", "critical")]


def test_escalation_from_warning_to_critical():
    engine = RuleEngine()
    got = run(engine, [82] * 7 + [93] * 7)
    assert got == [(60, "ok", "warning"), (130, "warning", "critical")]


def test_fixed_level_rises_at_once_and_info_changes_nothing():
    engine = RuleEngine()
    smart = Observation("smart:/dev/sda", "disks", "smart", "smart", level="critical")
    (t,) = engine.evaluate([smart], 0)
    assert (t.old, t.new) == ("ok", "critical")
    info = Observation("smart:/dev/sda", "disks", "smart", "smart", level="info")
    assert engine.evaluate([info], 10) == []
    assert engine.active_level("smart:/dev/sda") == "critical"


def test_a_key_no_longer_observed_is_cleared_within_its_source():
    engine = RuleEngine()
    engine.evaluate([obs(99, min_duration=0)], 0)
    engine.evaluate([obs(99, threshold=Threshold(80, 90))], 0)
    assert engine.active_level("fs.space:/var") == "critical"
    other = Observation("cpu.busy", "resources", "cpu", "sample", value=5, threshold=Threshold(90))
    (t,) = engine.evaluate([other], 10, source="sample")
    assert (t.key, t.new) == ("fs.space:/var", "ok")


def test_engine_restores_open_alerts():
    engine = RuleEngine({"fs.space:/var": ("critical", "sample")})
    assert run(engine, [86] * 20) == []
    assert engine.active_level("fs.space:/var") == "critical"


def test_value_unknown_keeps_state():
    engine = RuleEngine({"fs.space:/var": ("warning", "sample")})
    assert engine.evaluate([obs(None)], 0) == []
    assert engine.active_level("fs.space:/var") == "warning"
