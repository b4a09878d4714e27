"""The school itself: its UAI, name and portal address (one row)."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from appliance.db import one, transaction
from appliance.errors import CartableError
from appliance.i18n import N_

UAI_PATTERN = re.compile(r"^\d{7}[A-Z]$")


def normalise_uai(uai: str) -> str:
    """Return the UAI upper-cased; raise CartableError unless it is 7 digits and a letter."""
    value = (uai or "").strip().upper()
    if not UAI_PATTERN.match(value):
        raise CartableError(
            N_("UAI « %(uai)s » invalide : il faut 7 chiffres suivis d'une lettre (ex. 0671234A)."),
            field="uai",
            uai=uai,
        )
    return value


def get_school(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The school row as a dict, or None before `cartable init`."""
    return one(conn, "SELECT uai, name, portal_url, school_year FROM school WHERE id = 1")


def set_school(
    conn: sqlite3.Connection, *, uai: str, name: str, portal_url: str | None = None
) -> dict[str, Any]:
    """Create or update the school; return it. Raises CartableError on a bad UAI or name."""
    uai = normalise_uai(uai)
    name = (name or "").strip()
    if not name:
        raise CartableError(N_("Le nom de l'établissement est obligatoire."), field="name")
    with transaction(conn):
        conn.execute(
            "INSERT INTO school (id, uai, name, portal_url) VALUES (1, ?, ?, coalesce(?, '')) "
            "ON CONFLICT(id) DO UPDATE SET uai = excluded.uai, name = excluded.name, "
            "portal_url = coalesce(?, portal_url)",
            (uai, name, portal_url, portal_url),
        )
    return get_school(conn)
