"""A person's agenda in their RGPD export (`appliance.directory.export`): their own
events, and the school events they wrote (kept in the school calendar when they leave,
with "ancien utilisateur" as author; their own events are purged with them)."""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.agenda import events
from appliance.db import rows

_KEYS = ("id", "title", "place", "description", "all_day", "start_day", "end_day",
         "start_time", "end_time", "repeat_until", "created_at", "updated_at")  # fmt: skip


def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """{"agenda.json": {"events": [...], "school_events_written": [...]}}, oldest first."""
    own = rows(conn, "SELECT id FROM agenda_event WHERE owner_id = ? ORDER BY start_day, id",
               (person_id,))  # fmt: skip
    written = rows(
        conn,
        "SELECT id FROM agenda_event WHERE kind = 'school' AND author_id = ? "
        "ORDER BY start_day, id",
        (person_id,),
    )
    return {
        "agenda.json": {
            "events": [{k: e[k] for k in _KEYS} for e in (events.get(conn, r["id"]) for r in own)],
            "school_events_written": [
                {**{k: e[k] for k in _KEYS}, "audience": e["audience"]}
                for e in (events.get(conn, r["id"]) for r in written)
            ],
        }
    }
