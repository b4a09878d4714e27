"""Two years of history for 60 usual series stay under 100 MB in metrics.db.

Worst case on purpose: every value is random (incompressible). The tiers are written the
way the downsampling job writes them (time-major, one transaction per block period), the
hour tier for 2 years, the minute tier for 30 days, raw points every 10 s for 48 h.
"""

import os
import random
import time

from appliance.db import transaction
from appliance.health.blocks import HOUR, MINUTE, Agg, encode
from appliance.health.downsample import apply_retention, downsample
from appliance.health.store import MetricStore

SERIES = 60
NOW = 1_800_000_000 // 86400 * 86400


def test_two_years_for_sixty_series_stay_under_100_mb(tmp_path):
    started = time.monotonic()
    path = tmp_path / "metrics.db"
    store = MetricStore.open(path)
    ids = [store.series_id(f"series.{i}") for i in range(SERIES)]
    rnd = random.Random(5)

    def block(slots, count):
        aggs = []
        for _ in range(slots):
            v = rnd.uniform(0, 1e9)
            aggs.append(Agg(v, v - rnd.random() * 1e3, v + rnd.random() * 1e3, count))
        return encode(aggs)

    # A pool of distinct random blocks keeps the test fast; SQLite stores each row anyway.
    hour_pool = [block(HOUR.slots, 360) for _ in range(400)]
    minute_pool = [block(MINUTE.slots, 6) for _ in range(400)]
    first_day = (NOW - 730 * 86400) // HOUR.block_seconds
    for day in range(first_day, NOW // HOUR.block_seconds):
        with transaction(store.conn):
            store.conn.executemany(
                "INSERT INTO hour (block, series_id, data) VALUES (?, ?, ?)",
                [(day, sid, hour_pool[(day * SERIES + sid) % 400]) for sid in ids],
            )
    first_block = (NOW - 30 * 86400) // MINUTE.block_seconds
    for b in range(first_block, NOW // MINUTE.block_seconds):
        with transaction(store.conn):
            store.conn.executemany(
                "INSERT INTO minute (block, series_id, data) VALUES (?, ?, ?)",
                [(b, sid, minute_pool[(b * 7 + sid) % 400]) for sid in ids],
            )
    for minute in range(48 * 60):  # one batch per minute, as the sampler writes
        t0 = NOW - 48 * 3600 + minute * 60
        with transaction(store.conn):
            store.conn.executemany(
                "INSERT INTO raw (ts, series_id, value) VALUES (?, ?, ?)",
                [(t0 + k * 10, sid, rnd.uniform(0, 1e9)) for k in range(6) for sid in ids],
            )
    store.set_meta("downsample.minute_until", NOW - 48 * 3600)
    store.set_meta("downsample.hour_until", NOW - 48 * 3600)
    # One maintenance pass on top, as in production, must keep it bounded.
    downsample(store, NOW)
    apply_retention(store, NOW)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = os.path.getsize(path)
    counts = {
        t: store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("raw", "minute", "hour")
    }
    store.close()
    print(f"metrics.db: {size / 1e6:.1f} MB for {counts} in {time.monotonic() - started:.1f} s")
    assert counts["hour"] >= SERIES * 729
    assert counts["raw"] == SERIES * 48 * 360
    assert size < 100 * 1024 * 1024
