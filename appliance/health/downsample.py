"""Downsampling (raw → minute → hour) and retention of the metric store.

Watermarks in `meta` say up to where each tier is complete: `downsample.minute_until`
(raw aggregated into minutes before this time) and `downsample.hour_until`. A minute is
aggregated only once it is `grace` seconds old, so that the sampler's batched writes have
landed. Work is done in bounded chunks, each in its own short write transaction.
"""

from __future__ import annotations

from typing import Any

from appliance.db import transaction
from appliance.health.blocks import HOUR, MINUTE, Agg, decode
from appliance.health.store import MetricStore

DEFAULT_GRACE_SECONDS = 120
_CHUNK_SECONDS = 6 * 3600


def _watermark(store: MetricStore, key: str, fallback: int | None) -> int | None:
    value = store.get_meta(key)
    return int(value) if value is not None else fallback


def downsample(store: MetricStore, now: int, *, grace: int = DEFAULT_GRACE_SECONDS) -> dict:
    """Aggregate complete minutes from raw, then complete hours from minutes.

    Given the store and the current time; returns {"minutes": slots written, "hours":
    slots written, "minute_until": ts, "hour_until": ts}.
    """
    limit = (now - grace) // 60 * 60
    oldest_raw = store.oldest("raw")
    start = _watermark(store, "downsample.minute_until", None)
    if start is None:
        start = (oldest_raw // 60 * 60) if oldest_raw is not None else limit
    minutes = 0
    while start < limit:
        stop = min(limit, start + _CHUNK_SECONDS)
        minutes += _raw_to_minutes(store, start, stop)
        start = stop
    minute_until = max(start, limit) if oldest_raw is None else start

    hour_limit = minute_until // 3600 * 3600
    hstart = _watermark(store, "downsample.hour_until", None)
    if hstart is None:
        oldest_min = store.oldest("minute")
        hstart = oldest_min // 3600 * 3600 if oldest_min is not None else hour_limit
    hours = 0
    while hstart < hour_limit:
        stop = min(hour_limit, hstart + 4 * _CHUNK_SECONDS)
        hours += _minutes_to_hours(store, hstart, stop)
        hstart = stop
    hour_until = max(hstart, hour_limit)
    with transaction(store.conn):
        store.set_meta("downsample.minute_until", minute_until)
        store.set_meta("downsample.hour_until", hour_until)
    return {
        "minutes": minutes,
        "hours": hours,
        "minute_until": minute_until,
        "hour_until": hour_until,
    }


def _raw_to_minutes(store: MetricStore, start: int, stop: int) -> int:
    found = store.conn.execute(
        "SELECT series_id, ts / 60 * 60 AS m, avg(value), min(value), max(value), count(*) "
        "FROM raw WHERE ts >= ? AND ts < ? GROUP BY series_id, m",
        (start, stop),
    ).fetchall()
    updates: dict[tuple[int, int], dict[int, Agg]] = {}
    for sid, m, avg, lo, hi, count in found:
        block, slot = MINUTE.locate(m)
        updates.setdefault((block, sid), {})[slot] = Agg(avg, lo, hi, count)
    with transaction(store.conn):
        store.merge_slots(MINUTE, updates)
        store.set_meta("downsample.minute_until", stop)
    return len(found)


def _minutes_to_hours(store: MetricStore, start: int, stop: int) -> int:
    found = store.conn.execute(
        "SELECT block, series_id, data FROM minute WHERE block >= ? AND block < ?",
        (start // MINUTE.block_seconds, stop // MINUTE.block_seconds),
    ).fetchall()
    per_hour: dict[tuple[int, int], list[Agg]] = {}
    for block, sid, data in found:
        for i, agg in enumerate(decode(data, MINUTE.slots)):
            if agg is not None:
                ts = MINUTE.slot_ts(block, i)
                per_hour.setdefault((sid, ts // 3600 * 3600), []).append(agg)
    updates: dict[tuple[int, int], dict[int, Agg]] = {}
    for (sid, hour_ts), parts in per_hour.items():
        block, slot = HOUR.locate(hour_ts)
        updates.setdefault((block, sid), {})[slot] = Agg.merge(parts)
    with transaction(store.conn):
        store.merge_slots(HOUR, updates)
        store.set_meta("downsample.hour_until", stop)
    return len(per_hour)


def apply_retention(
    store: MetricStore,
    now: int,
    *,
    raw_hours: int = 48,
    minute_days: int = 30,
    hour_days: int = 730,
) -> dict[str, int]:
    """Delete what is older than each tier's retention; return rows deleted per table.

    Raw points not yet aggregated into minutes, and minutes not yet aggregated into hours,
    are kept whatever their age.
    """
    minute_wm = _watermark(store, "downsample.minute_until", 0) or 0
    hour_wm = _watermark(store, "downsample.hour_until", 0) or 0
    raw_cut = min(now - raw_hours * 3600, minute_wm)
    minute_cut = min(now - minute_days * 86400, hour_wm) // MINUTE.block_seconds
    hour_cut = (now - hour_days * 86400) // HOUR.block_seconds
    out: dict[str, int] = {}
    with transaction(store.conn):
        out["raw"] = store.conn.execute("DELETE FROM raw WHERE ts < ?", (raw_cut,)).rowcount
        out["minute"] = store.conn.execute(
            "DELETE FROM minute WHERE block < ?", (minute_cut,)
        ).rowcount
        out["hour"] = store.conn.execute("DELETE FROM hour WHERE block < ?", (hour_cut,)).rowcount
        out["alerts"] = store.conn.execute(
            "DELETE FROM alerts WHERE ended_at IS NOT NULL AND ended_at < ?",
            (now - hour_days * 86400,),
        ).rowcount
        out["smart_log"] = store.conn.execute(
            "DELETE FROM smart_log WHERE collected_at < ?", (now - hour_days * 86400,)
        ).rowcount
    return out


def run_maintenance(store: MetricStore, now: int, settings: Any) -> dict[str, Any]:
    """The maintenance job: downsample, then apply the retention of `settings`.

    Given the store, the time and a HealthSettings; returns both results in one dict.
    """
    done = downsample(store, now)
    done["deleted"] = apply_retention(
        store,
        now,
        raw_hours=settings.raw_retention_hours,
        minute_days=settings.minute_retention_days,
        hour_days=settings.hour_retention_days,
    )
    return done
