"""SMART reports kept in metrics.db (`smart_log`): each new spool reading is parsed against
the previous report of the same disk (so attribute changes show), stored, and served to the
per-disk page and the rules."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from appliance.db import one, rows, transaction
from appliance.health.smart import parse_report


def latest_report(
    conn: sqlite3.Connection, device: str, before: int | None = None
) -> dict[str, Any] | None:
    """The newest stored report of `device` (collected before `before` when given)."""
    row = one(
        conn,
        "SELECT report FROM smart_log WHERE device = ? AND collected_at < ? "
        "ORDER BY collected_at DESC LIMIT 1",
        (device, before or 2**62),
    )
    return json.loads(row["report"]) if row else None


def reports_from_spool(
    conn: sqlite3.Connection | None, entries: list[dict[str, Any]], *, record: bool = True
) -> dict[str, dict[str, Any]]:
    """Parsed reports by device for the spool entries (see `smart_spool.read_spool`).

    With a connection, a reading not seen before is parsed against the previous stored
    report and stored; one already stored is served from the store. Without, each is
    parsed alone (no changes known). `record=False` compares without storing (read-only).
    """
    out = {}
    for e in entries:
        if e["data"] is None:
            continue
        dev, at = e["device"], e["collected_at"]
        if conn is None:
            out[dev] = parse_report(e["data"])
            continue
        row = one(
            conn, "SELECT report FROM smart_log WHERE device = ? AND collected_at = ?", (dev, at)
        )
        if row:
            out[dev] = json.loads(row["report"])
            continue
        report = parse_report(e["data"], latest_report(conn, dev, before=at))
        report["spooled_at"] = at
        report["selftest_started"] = e.get("selftest_started")
        out[dev] = report
        if not record:
            continue
        with transaction(conn):
            conn.execute(
                "INSERT OR REPLACE INTO smart_log (device, collected_at, serial, report) "
                "VALUES (?, ?, ?, ?)",
                (dev, at, report["serial"], json.dumps(report)),
            )
    return out


def smart_history(conn: sqlite3.Connection, device: str, limit: int = 60) -> list[dict]:
    """Stored reports of `device`, newest first (for the per-disk page)."""
    found = rows(
        conn,
        "SELECT report FROM smart_log WHERE device = ? ORDER BY collected_at DESC LIMIT ?",
        (device, limit),
    )
    return [json.loads(r["report"]) for r in found]
