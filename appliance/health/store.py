"""The metrics database `metrics.db`: series, raw points, minute and hour tiers, alerts.

Its own SQLite file (so the history never competes with the school's data for the write
lock), opened through `appliance.db.connect`. Raw points are rows keyed by (ts, series_id)
WITHOUT ROWID: time-major keys make every batch an append at the end of the tree, so
pages stay full. The tiers hold packed blocks (see `blocks`). Alert and SMART tables
live here too. Its DDL is the numbered migrations of `appliance/health/migrations/`
(`METRICS`), run like cartable.db's; a file from before them is adopted (`_adopt`).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from appliance.db import Schema, check_version, connect, migrate, one, rows, scalar, transaction
from appliance.health.blocks import HOUR, MINUTE, Agg, Tier, decode, encode
from appliance.i18n import N_


def _adopt(conn: sqlite3.Connection) -> int:
    """The version of a metrics.db written before it had migrations: the one its `meta`
    table recorded (1), or 1 when it has the tables without it; 0 for a new file."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" in tables:
        recorded = scalar(conn, "SELECT value FROM meta WHERE key = 'schema_version'")
        if recorded is not None:
            return int(recorded)
    return 1 if "series" in tables else 0


METRICS = Schema(
    "appliance.health.migrations",
    N_(
        "La base des mesures (metrics.db) est au schéma %(have)s, plus récent que ce "
        "logiciel (schéma %(code)s) : elle a été écrite par une version plus récente de "
        "Cartable. Installez cette version (ou plus récente), ou mettez ce fichier de côté "
        "pour repartir d'un historique vide ; ne démarrez pas l'ancienne."
    ),
    adopt=_adopt,
)

TIERS: dict[str, Tier] = {"minute": MINUTE, "hour": HOUR}
NICE_STEPS = (10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


class MetricStore:
    """A connection to metrics.db with a cache of series ids."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._ids: dict[str, int] = {}

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = False) -> MetricStore:
        """Open (creating if needed) the metrics database at `path`; return the store.

        `readonly` opens an existing file without writing anything (for `cartable
        diagnose` run by another user than the worker's, so that no file changes owner).
        Raises CartableError when the file can't be opened, DatabaseVersionError when it
        was written by a newer Cartable.
        """
        conn = connect(path, readonly=readonly)
        try:
            if readonly:
                check_version(conn, METRICS)
            else:
                migrate(conn, METRICS)
        except BaseException:
            conn.close()
            raise
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    # --- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        value = scalar(self.conn, "SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else value

    def set_meta(self, key: str, value: Any) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )

    # --- series and raw points ----------------------------------------------------------------

    def series_id(self, name: str, *, create: bool = True) -> int | None:
        """Return the id of series `name`, creating it when `create` (else None if unknown)."""
        sid = self._ids.get(name)
        if sid is None:
            sid = scalar(self.conn, "SELECT id FROM series WHERE name = ?", (name,))
            if sid is None and create:
                with transaction(self.conn):
                    self.conn.execute("INSERT OR IGNORE INTO series (name) VALUES (?)", (name,))
                    sid = scalar(self.conn, "SELECT id FROM series WHERE name = ?", (name,))
            if sid is not None:
                self._ids[name] = sid
        return sid

    def series_names(self, prefix: str = "") -> list[str]:
        """Names of the known series starting with `prefix`, sorted."""
        found = rows(
            self.conn, "SELECT name FROM series WHERE substr(name, 1, ?) = ?", (len(prefix), prefix)
        )
        return sorted(r["name"] for r in found)

    def write(self, points: Iterable[tuple[int, str, float]]) -> int:
        """Write raw points (ts, series name, value) in one transaction; return how many.

        Non-finite values are skipped; a second value for the same series and second
        replaces the first.
        """
        batch = []
        for ts, name, value in points:
            if value is None or not math.isfinite(value):
                continue
            sid = self.series_id(name)
            batch.append((int(ts), sid, float(value)))
        if batch:
            with transaction(self.conn):
                self.conn.executemany(
                    "INSERT OR REPLACE INTO raw (ts, series_id, value) VALUES (?, ?, ?)", batch
                )
        return len(batch)

    # --- tiers --------------------------------------------------------------------------------

    def read_tier(self, tier: Tier, name: str, start: int, end: int) -> list[tuple[int, Agg]]:
        """Slots of series `name` in tier `tier` with start <= ts < end, as (ts, Agg)."""
        sid = self.series_id(name, create=False)
        if sid is None:
            return []
        found = self.conn.execute(
            f"SELECT block, data FROM {tier.name} "
            "WHERE block >= ? AND block < ? AND series_id = ? ORDER BY block",
            (start // tier.block_seconds, -(-end // tier.block_seconds), sid),
        ).fetchall()
        out = []
        for block, data in found:
            for i, agg in enumerate(decode(data, tier.slots)):
                ts = tier.slot_ts(block, i)
                if agg is not None and start <= ts < end:
                    out.append((ts, agg))
        return out

    def merge_slots(self, tier: Tier, updates: dict[tuple[int, int], dict[int, Agg]]) -> None:
        """Set slots in tier blocks: {(block, series_id): {slot: Agg}}; in the caller's txn."""
        for (block, sid), slots in updates.items():
            row = one(
                self.conn,
                f"SELECT data FROM {tier.name} WHERE block = ? AND series_id = ?",
                (block, sid),
            )
            current: list[Agg | None] = (
                decode(row["data"], tier.slots) if row else [None] * tier.slots
            )
            for i, agg in slots.items():
                current[i] = agg
            self.conn.execute(
                f"INSERT OR REPLACE INTO {tier.name} (block, series_id, data) VALUES (?, ?, ?)",
                (block, sid, encode(current)),
            )

    def read_raw(self, name: str, start: int, end: int) -> list[tuple[int, float]]:
        """Raw points of series `name` with start <= ts < end, as (ts, value)."""
        sid = self.series_id(name, create=False)
        if sid is None:
            return []
        return [
            (r[0], r[1])
            for r in self.conn.execute(
                "SELECT ts, value FROM raw WHERE ts >= ? AND ts < ? AND series_id = ? ORDER BY ts",
                (start, end, sid),
            )
        ]

    def oldest(self, table: str) -> int | None:
        """Start of the oldest data held in `table` ('raw', 'minute' or 'hour'), or None."""
        if table == "raw":
            return scalar(self.conn, "SELECT min(ts) FROM raw")
        block = scalar(self.conn, f"SELECT min(block) FROM {TIERS[table].name}")
        return None if block is None else block * TIERS[table].block_seconds

    # --- charts -------------------------------------------------------------------------------

    def query(self, name: str, start: int, end: int, *, max_points: int = 400) -> dict[str, Any]:
        """Chart data for series `name` over [start, end).

        Picks the step from NICE_STEPS (at most `max_points` buckets) and the coarsest
        tier that step allows, filling the recent part the coarse tier has not received
        yet from the finer tiers. Returns {"name", "start", "end", "step", "tier",
        "points": [{"ts", "avg", "min", "max"}]} with only the buckets that have data.
        """
        span = max(end - start, 1)
        step = next((s for s in NICE_STEPS if span / s <= max_points), NICE_STEPS[-1])
        tier = "raw" if step < 60 else "minute" if step < 3600 else "hour"
        tier = self._covering_tier(tier, start)
        minute_wm = int(self.get_meta("downsample.minute_until", "0") or 0)
        hour_wm = int(self.get_meta("downsample.hour_until", "0") or 0)
        parts: list[tuple[int, Agg]] = []
        cursor = start
        if tier == "hour":
            parts += self.read_tier(HOUR, name, cursor, min(end, hour_wm))
            cursor = max(cursor, hour_wm)
        if tier in ("hour", "minute"):
            parts += self.read_tier(MINUTE, name, cursor, min(end, minute_wm))
            cursor = max(cursor, minute_wm)
        parts += [(ts, Agg(v, v, v, 1)) for ts, v in self.read_raw(name, cursor, end)]
        buckets: dict[int, list[Agg]] = {}
        for ts, agg in parts:
            buckets.setdefault(ts - ts % step, []).append(agg)
        points = [
            {"ts": ts, "avg": m.avg, "min": m.min, "max": m.max}
            for ts, m in ((ts, Agg.merge(b)) for ts, b in sorted(buckets.items()))
        ]
        return {
            "name": name,
            "start": start,
            "end": end,
            "step": step,
            "tier": tier,
            "points": points,
        }

    def _covering_tier(self, tier: str, start: int) -> str:
        """The given tier, or a coarser one when the given one no longer reaches `start`."""
        order = ["raw", "minute", "hour"]
        for candidate in order[order.index(tier) :]:
            oldest = self.oldest(candidate)
            if oldest is not None and oldest <= start:
                return candidate
        return tier
