"""The school itself: its UAI, name and portal address (one row)."""

from __future__ import annotations

import re
import socket
import sqlite3
from typing import Any
from urllib.parse import urlsplit

from appliance.db import one
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security.audit import Actor, audited

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


def default_portal_url() -> str:
    """The portal's address when none was given: https:// and this machine's full name."""
    return "https://" + (socket.getfqdn() or "localhost")


def normalise_portal_url(url: str) -> str:
    """Return the portal address without its trailing slash; raise CartableError (field
    "portal_url") unless it is an http:// or https:// address with a machine name."""
    value = (url or "").strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise CartableError(
            N_(
                "Adresse du portail « %(url)s » invalide : il faut une adresse qui commence "
                "par https:// (ou http://) suivie du nom du serveur, ex. "
                "https://ent.college-exemple.fr."
            ),
            field="portal_url",
            url=url,
        )
    return value.rstrip("/")


def slip_portal_url(configured: str, school: dict[str, Any] | None) -> tuple[str, bool]:
    """The address printed on login slips and whether it is the fallback: `web.public_url`
    (`configured`), else the school's, else `default_portal_url()` (True)."""
    url = configured or (school or {}).get("portal_url") or ""
    return (url, False) if url else (default_portal_url(), True)


def get_school(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The school row as a dict, or None before `cartable init`."""
    return one(conn, "SELECT uai, name, portal_url, school_year FROM school WHERE id = 1")


def set_school(
    conn: sqlite3.Connection,
    *,
    uai: str,
    name: str,
    portal_url: str | None = None,
    actor: Actor | None = None,
) -> dict[str, Any]:
    """Create or update the school; return it. Raises CartableError on a bad UAI, name or
    portal address (an empty address is allowed: the slips then print the default one).
    With `actor` (the settings page), the `settings.school` audit row is written in the
    same transaction."""
    uai = normalise_uai(uai)
    if portal_url:
        portal_url = normalise_portal_url(portal_url)
    name = (name or "").strip()
    if not name:
        raise CartableError(N_("Le nom de l'établissement est obligatoire."), field="name")
    with audited(conn, actor, "settings.school", details={"uai": uai, "name": name}):
        conn.execute(
            "INSERT INTO school (id, uai, name, portal_url) VALUES (1, ?, ?, coalesce(?, '')) "
            "ON CONFLICT(id) DO UPDATE SET uai = excluded.uai, name = excluded.name, "
            "portal_url = coalesce(?, portal_url)",
            (uai, name, portal_url, portal_url),
        )
    school = get_school(conn)
    assert school is not None  # written just above
    return school
