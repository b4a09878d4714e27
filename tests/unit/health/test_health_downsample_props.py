"""Downsampling checked against the raw data (property tests), and the block codec."""

import math
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.health.blocks import HOUR, MINUTE, Agg, decode, encode
from appliance.health.downsample import apply_retention, downsample
from appliance.health.store import MetricStore

T0 = 1_800_000_000 // 86400 * 86400  # midnight UTC, so hours and blocks align
values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
# Raw points: (seconds after T0, value) over a little more than two hours.
raw_points = st.lists(
    st.tuples(st.integers(0, 2 * 3600 + 599), values),
    min_size=1,
    max_size=300,
    unique_by=lambda p: p[0],
)


def close(a, b, scale):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6 * max(scale, 1.0))


def expected(points, step):
    groups = {}
    for off, v in points:
        ts = T0 + off
        groups.setdefault(ts - ts % step, []).append(v)
    return {ts: (math.fsum(vs) / len(vs), min(vs), max(vs), len(vs)) for ts, vs in groups.items()}


def check(tier_points, want, scale):
    got = {ts: (a.avg, a.min, a.max, a.count) for ts, a in tier_points}
    assert got.keys() == want.keys()
    for ts, (avg, lo, hi, n) in want.items():
        g = got[ts]
        assert g[3] == n
        assert close(g[0], avg, scale) and close(g[1], lo, scale) and close(g[2], hi, scale)
        assert g[1] <= g[0] + 1e-6 * max(scale, 1) and g[0] <= g[2] + 1e-6 * max(scale, 1)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_points)
def test_minute_and_hour_tiers_match_the_raw_points(points):
    store = MetricStore.open(":memory:")
    store.write((T0 + off, "x", v) for off, v in points)
    done = downsample(store, T0 + 3 * 3600 + 600, grace=120)
    assert done["minute_until"] == T0 + 3 * 3600 + 480
    assert done["hour_until"] == T0 + 3 * 3600
    scale = max(abs(v) for _, v in points)
    check(store.read_tier(MINUTE, "x", T0, T0 + 4 * 3600), expected(points, 60), scale)
    check(
        store.read_tier(HOUR, "x", T0, T0 + 4 * 3600),
        {k: v for k, v in expected(points, 3600).items() if k < T0 + 3 * 3600},
        scale,
    )
    store.close()


@settings(max_examples=40, deadline=None)
@given(raw_points, st.integers(1, 9))
def test_incremental_runs_give_the_same_tiers_as_one_run(points, runs):
    once = MetricStore.open(":memory:")
    step = MetricStore.open(":memory:")
    for s in (once, step):
        s.write((T0 + off, "x", v) for off, v in points)
    end = T0 + 3 * 3600 + 600
    downsample(once, end)
    for i in range(1, runs + 1):
        downsample(step, T0 + (end - T0) * i // runs)
    for tier in (MINUTE, HOUR):
        a = once.read_tier(tier, "x", T0, end)
        b = step.read_tier(tier, "x", T0, end)
        assert [(t, x.count) for t, x in a] == [(t, x.count) for t, x in b]


@given(
    st.lists(
        st.one_of(st.none(), st.tuples(values, values, values, st.integers(1, 65535))),
        min_size=MINUTE.slots,
        max_size=MINUTE.slots,
    )
)
def test_block_codec_roundtrip(slots):
    aggs = [None if s is None else Agg(*s) for s in slots]
    back = decode(encode(aggs), MINUTE.slots)
    for a, b in zip(aggs, back, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert b.count == a.count
            assert math.isclose(b.avg, a.avg, rel_tol=1e-6, abs_tol=1e-30)


def test_compression_only_when_it_helps():
    steady = [Agg(42.0, 42.0, 42.0, 6)] * MINUTE.slots
    assert encode(steady)[:1] == b"\x01" and len(encode(steady)) < 60
    rnd = random.Random(3)
    noisy = [
        Agg(*(rnd.uniform(-1e30, 1e30) for _ in range(3)), rnd.randint(1, 60000))
        for _ in range(MINUTE.slots)
    ]
    assert encode(noisy)[:1] == b"\x00"
    assert len(encode(noisy)) == MINUTE.slots * 14 + 1  # never bigger than raw plus a flag


def test_retention_keeps_what_is_not_downsampled_yet():
    store = MetricStore.open(":memory:")
    store.write([(T0, "x", 1.0), (T0 + 60, "x", 2.0)])
    # nothing aggregated yet: even very old raw points stay
    deleted = apply_retention(store, T0 + 10 * 86400, raw_hours=48)
    assert deleted["raw"] == 0
    downsample(store, T0 + 3 * 3600)
    deleted = apply_retention(store, T0 + 10 * 86400, raw_hours=48)
    assert deleted["raw"] == 2
    assert store.read_tier(MINUTE, "x", T0, T0 + 3600)[0][1].count == 1


def test_query_picks_the_tier_and_stitches_recent_data():
    store = MetricStore.open(":memory:")
    pts = [(T0 + i * 10, "cpu", float(i % 7)) for i in range(6 * 360)]  # 6 hours
    store.write(pts)
    downsample(store, T0 + 5 * 3600 + 300)
    hour = store.query("cpu", T0 + 5 * 3600 + 60, T0 + 6 * 3600)
    assert hour["tier"] == "raw" and hour["step"] == 10
    day = store.query("cpu", T0, T0 + 6 * 3600, max_points=100)
    assert day["tier"] == "minute" and day["step"] == 300
    assert len(day["points"]) == 72  # minute tier up to 5 h, then raw for the last hour
    avg_all = sum(v for _, _, v in pts) / len(pts)
    weighted = sum(p["avg"] for p in day["points"]) / len(day["points"])
    assert math.isclose(weighted, avg_all, rel_tol=1e-6)
    assert store.query("nothing", T0, T0 + 3600)["points"] == []
