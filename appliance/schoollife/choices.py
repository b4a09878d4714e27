"""The lists the timetable's forms offer: classes and groups, rooms, teachers, subjects.

Each is a light query (codes and names only) for a menu; the directory's own pages have
the heavier ones with counts.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import one, rows
from appliance.errors import NotFound
from appliance.i18n import N_


def audiences(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Open classes, then open groups: `{"kind", "id", "code", "name"}` by code."""
    return rows(
        conn,
        "SELECT 'class' AS kind, id, code, name FROM school_class WHERE retired_at IS NULL "
        "UNION ALL SELECT 'group', id, code, name FROM teaching_group WHERE retired_at IS NULL "
        "ORDER BY kind DESC, code COLLATE NOCASE",
    )


def audience(conn: sqlite3.Connection, kind: str, audience_id: int) -> dict[str, Any]:
    """One class or group as a policy target `{"kind", "id", "code", "name"}`; NotFound."""
    table = {"class": "school_class", "group": "teaching_group"}.get(kind)
    found = (
        one(conn, f"SELECT id, code, name FROM {table} WHERE id = ?", (audience_id,))
        if table
        else None
    )
    if found is None:
        raise NotFound(N_("Aucune classe ni aucun groupe n'a ce numéro."))
    return {"kind": kind, **found}


def audience_by_code(conn: sqlite3.Connection, short: str) -> dict[str, Any]:
    """A class or group named "class:5A" / "group:LATIN" (the API's short form); NotFound."""
    kind, _, code = (short or "").partition(":")
    table = {"class": "school_class", "group": "teaching_group"}.get(kind)
    found = (
        one(conn, f"SELECT id, code, name FROM {table} WHERE code = ?", (code,)) if table else None
    )
    if found is None:
        raise NotFound(N_("Aucune classe ni aucun groupe « %(code)s »."), code=short)
    return {"kind": kind, **found}


def rooms(conn: sqlite3.Connection) -> list[str]:
    """Every room a lesson uses, by name."""
    return [
        r["room"]
        for r in rows(conn, "SELECT DISTINCT room FROM lesson WHERE room != '' ORDER BY room")
    ]


def teachers(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Active teachers: `{"login", "first_name", "last_name"}` by name."""
    return rows(
        conn,
        "SELECT login, first_name, last_name FROM person WHERE profile = 'teacher' "
        "AND state = 'active' ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE",
    )


def subjects(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every subject of the directory: `{"code", "name"}` by name."""
    return rows(conn, "SELECT code, name FROM subject ORDER BY name COLLATE NOCASE, code")
