"""Alert episodes and silences, kept in metrics.db (tables `alerts` and `silences`).

An alert opens when a key leaves "ok", changes level while open, and closes (ended_at)
when the key is back to ok. Its words (summary, why, advice) are rendered when it opens
or changes level. `notified_level` remembers what was last mailed, so that an alert still
the same is never mailed twice.

A silence hides a known and accepted *warning* (never a critical) from the banner and the
mails, with a reason; the functions return what the caller writes to the audit log.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import one, rows, transaction
from appliance.errors import CartableError, NotFound
from appliance.health.messages import render
from appliance.health.rules import CRITICAL, OK, RANK, Transition
from appliance.i18n import N_


def open_levels(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """{key: (level, source)} of the open alerts, to restore a RuleEngine after a restart."""
    found = rows(conn, "SELECT key, level, source FROM alerts WHERE ended_at IS NULL")
    return {r["key"]: (r["level"], r["source"]) for r in found}


def apply_transitions(
    conn: sqlite3.Connection, transitions: list[Transition], now: float
) -> list[dict[str, Any]]:
    """Record the engine's transitions in one transaction; return the alert rows touched."""
    touched = []
    with transaction(conn):
        for t in transitions:
            current = one(conn, "SELECT * FROM alerts WHERE key = ? AND ended_at IS NULL", (t.key,))
            if t.new == OK:
                if current:
                    conn.execute(
                        "UPDATE alerts SET ended_at = ?, updated_at = ? WHERE id = ?",
                        (int(now), int(now), current["id"]),
                    )
                    touched.append(current["id"])
                continue
            obs = t.observation
            msg = render(obs.kind, t.new, obs.context)
            value = obs.value if obs.value is not None else None
            if current is None:
                cur = conn.execute(
                    "INSERT INTO alerts (key, category, source, level, peak_level, started_at, "
                    "updated_at, summary, why, advice, value) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        t.key,
                        obs.category,
                        obs.source,
                        t.new,
                        t.new,
                        int(now),
                        int(now),
                        msg.summary,
                        msg.why,
                        msg.advice,
                        value,
                    ),
                )
                touched.append(cur.lastrowid)
            else:
                peak = t.new if RANK[t.new] > RANK[current["peak_level"]] else current["peak_level"]
                conn.execute(
                    "UPDATE alerts SET level = ?, peak_level = ?, updated_at = ?, summary = ?, "
                    "why = ?, advice = ?, value = ? WHERE id = ?",
                    (t.new, peak, int(now), msg.summary, msg.why, msg.advice, value, current["id"]),
                )
                touched.append(current["id"])
    if not touched:
        return []
    marks = ",".join("?" * len(touched))
    return rows(conn, f"SELECT * FROM alerts WHERE id IN ({marks}) ORDER BY id", touched)


def active_alerts(
    conn: sqlite3.Connection, now: float | None = None, *, include_silenced: bool = True
) -> list[dict[str, Any]]:
    """Open alerts, critical first then oldest; each with "silenced" and "silence_reason"."""
    found = rows(
        conn,
        "SELECT * FROM alerts WHERE ended_at IS NULL ORDER BY level = 'critical' DESC, started_at",
    )
    sil = active_silences(conn, now)
    out = []
    for a in found:
        s = sil.get(a["key"]) if a["level"] != CRITICAL else None
        a["silenced"] = s is not None
        a["silence_reason"] = s["reason"] if s else None
        if include_silenced or not a["silenced"]:
            out.append(a)
    return out


def alert_history(
    conn: sqlite3.Connection, *, since: float | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Alerts started after `since` (all when None), newest first, at most `limit`."""
    return rows(
        conn,
        "SELECT * FROM alerts WHERE started_at >= ? ORDER BY started_at DESC LIMIT ?",
        (int(since or 0), limit),
    )


def banner(conn: sqlite3.Connection, now: float | None = None) -> dict[str, Any]:
    """What the admin banner shows: {"level": ok|warning|critical, "count", "alerts"}.

    Silenced warnings are left out.
    """
    shown = active_alerts(conn, now, include_silenced=False)
    level = max((a["level"] for a in shown), key=RANK.__getitem__, default=OK)
    return {"level": level, "count": len(shown), "alerts": shown}


def mark_notified(conn: sqlite3.Connection, alert_ids: list[int], now: float) -> None:
    """Record that these alerts were mailed at their current level."""
    with transaction(conn):
        conn.executemany(
            "UPDATE alerts SET notified_level = level, notified_at = ? WHERE id = ?",
            [(int(now), i) for i in alert_ids],
        )


# --- silences ------------------------------------------------------------------------------


def active_silences(conn: sqlite3.Connection, now: float | None = None) -> dict[str, dict]:
    """{key: silence row} of the silences in force at `now` (all when None)."""
    found = rows(conn, "SELECT * FROM silences")
    return {
        s["key"]: s
        for s in found
        if now is None or s["expires_at"] is None or s["expires_at"] > now
    }


def silence(
    conn: sqlite3.Connection, key: str, reason: str, by: str, now: float, until: float | None = None
) -> dict[str, Any]:
    """Silence the warning `key` with `reason`; return the audit data
    {"action": "health.silence", "key", "reason", "by", "until", "replaced"}.

    Raises CartableError when the reason is empty or the key is a critical alert now.
    """
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise CartableError(
            N_(
                "Indiquez pourquoi cet avertissement est accepté (la raison est "
                "gardée dans le journal d'audit)."
            ),
            field="reason",
        )
    current = one(conn, "SELECT level FROM alerts WHERE key = ? AND ended_at IS NULL", (key,))
    if current and current["level"] == CRITICAL:
        raise CartableError(
            N_(
                "Une alerte critique ne peut pas être mise en sourdine : elle "
                "signale un risque de perte de données ou d'arrêt. Réglez d'abord "
                "le problème."
            ),
            field="key",
        )
    with transaction(conn):
        old = one(conn, "SELECT reason FROM silences WHERE key = ?", (key,))
        conn.execute(
            "INSERT INTO silences (key, reason, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "reason = excluded.reason, created_by = excluded.created_by, "
            "created_at = excluded.created_at, expires_at = excluded.expires_at",
            (key, reason, by, int(now), None if until is None else int(until)),
        )
    return {
        "action": "health.silence",
        "key": key,
        "reason": reason,
        "by": by,
        "until": until,
        "replaced": old["reason"] if old else None,
    }


def unsilence(conn: sqlite3.Connection, key: str, by: str) -> dict[str, Any]:
    """Lift the silence of `key`; return the audit data. Raises NotFound when none."""
    with transaction(conn):
        old = one(conn, "SELECT * FROM silences WHERE key = ?", (key,))
        if old is None:
            raise NotFound(N_("Aucune mise en sourdine pour « %(key)s »."), key=key)
        conn.execute("DELETE FROM silences WHERE key = ?", (key,))
    return {"action": "health.unsilence", "key": key, "reason": old["reason"], "by": by}
