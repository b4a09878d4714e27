"""The reasons (motifs) an absence or a lateness is settled with.

Each reason is admissible or not: the Code de l'éducation (L131-8) names five admissible
ones (illness of the child, a contagious illness in the family, a solemn family
gathering, an accidental transport difficulty, the travelling family the child goes
with), seeded as `legal` (they stay admissible and active); the school adds its own
(a medical appointment, an exam, a school trip, a work placement…, admissible; personal
convenience, not). The vie scolaire edits the list; a reason is never deleted (absences
name it), it is made inactive and leaves the choices.

    list_reasons(conn, active_only=False) -> [{"code", "label", "admissible", "legal",
                                               "active", "position"}]
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import Any

from appliance.db import one, rows, scalar
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife.attendance.common import plain_text
from appliance.security.audit import Actor, audited

LABEL_MAX = 120
_COLUMNS = "code, label, admissible, legal, active, position"


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "admissible": bool(row["admissible"]),
        "legal": bool(row["legal"]),
        "active": bool(row["active"]),
    }


def list_reasons(conn: sqlite3.Connection, *, active_only: bool = False) -> list[dict[str, Any]]:
    """The reasons in the list's order (the law's first); only the active ones when asked."""
    where = " WHERE active = 1" if active_only else ""
    found = rows(conn, f"SELECT {_COLUMNS} FROM attendance_reason{where} ORDER BY position, code")
    return [_shaped(r) for r in found]


def get_reason(conn: sqlite3.Connection, code: str) -> dict[str, Any]:
    """One reason; NotFound otherwise."""
    found = one(conn, f"SELECT {_COLUMNS} FROM attendance_reason WHERE code = ?", (code,))
    if found is None:
        raise NotFound(
            N_("Aucun motif n'a le code « %(reason)s »."), field="reason_code", reason=code
        )
    return _shaped(found)


def choice(conn: sqlite3.Connection, code: str | None, field: str = "reason_code") -> str | None:
    """`code` when it names an active reason, None when empty; CartableError (naming
    `field`) for an unknown or inactive one."""
    code = (code or "").strip()
    if not code:
        return None
    found = one(conn, "SELECT active FROM attendance_reason WHERE code = ?", (code,))
    if found is None or not found["active"]:
        raise CartableError(
            N_(
                "Motif « %(reason)s » inconnu ou retiré de la liste : choisissez-en un de la liste."
            ),
            field=field,
            reason=code,
        )
    return code


def admissible_codes(conn: sqlite3.Connection) -> frozenset[str]:
    """The codes of the admissible reasons (active or not: an absence settled with a
    reason since retired keeps it)."""
    return frozenset(
        r["code"] for r in rows(conn, "SELECT code FROM attendance_reason WHERE admissible = 1")
    )


def _label(value: str | None) -> str:
    text = " ".join(plain_text(value, "label", required=True, limit=LABEL_MAX).split())
    return text


def _code_for(conn: sqlite3.Connection, label: str) -> str:
    """A code made from the label ("Rendez-vous chez l'orthophoniste" →
    "rendez_vous_chez_l_orthophoniste"), unique."""
    letters = "".join(
        c for c in unicodedata.normalize("NFKD", label.lower()) if not unicodedata.combining(c)
    )
    base = re.sub(r"[^a-z0-9]+", "_", letters).strip("_")[:34] or "motif"
    code, n = base, 1
    while scalar(conn, "SELECT 1 FROM attendance_reason WHERE code = ?", (code,)):
        n += 1
        code = f"{base}_{n}"
    return code


def create_reason(
    conn: sqlite3.Connection, label: str, admissible: bool, *, actor: Actor | None
) -> dict[str, Any]:
    """Add one of the school's reasons at the end of the list; return it. CartableError
    for an empty or too long label, or one the list has already."""
    text = _label(label)
    with audited(conn, actor, "attendance.reason_create") as entry:
        if scalar(conn, "SELECT 1 FROM attendance_reason WHERE lower(label) = lower(?)", (text,)):
            raise CartableError(
                N_("Le motif « %(label)s » est déjà dans la liste."), field="label", label=text
            )
        code = _code_for(conn, text)
        position = int(scalar(conn, "SELECT coalesce(max(position), 0) FROM attendance_reason"))
        conn.execute(
            "INSERT INTO attendance_reason (code, label, admissible, position) VALUES (?, ?, ?, ?)",
            (code, text, int(bool(admissible)), position + 10),
        )
        entry.target = f"attendance_reason:{code}"
        entry.details = {"admissible": bool(admissible)}
    return get_reason(conn, code)


def update_reason(
    conn: sqlite3.Connection,
    code: str,
    *,
    label: str,
    admissible: bool,
    active: bool,
    actor: Actor | None,
) -> dict[str, Any]:
    """Change a reason's label and flags; return it. The law's reasons stay admissible
    and active (CartableError); NotFound for an unknown code."""
    current = get_reason(conn, code)
    text = _label(label)
    if current["legal"] and not (admissible and active):
        raise CartableError(
            N_(
                "« %(label)s » est un motif de la loi (Code de l'éducation, L131-8) : il reste "
                "recevable et dans la liste. Vous pouvez changer son libellé."
            ),
            field="admissible",
            label=current["label"],
        )
    with audited(conn, actor, "attendance.reason_update", target=f"attendance_reason:{code}") as e:
        if scalar(
            conn,
            "SELECT 1 FROM attendance_reason WHERE lower(label) = lower(?) AND code != ?",
            (text, code),
        ):
            raise CartableError(
                N_("Le motif « %(label)s » est déjà dans la liste."), field="label", label=text
            )
        conn.execute(
            "UPDATE attendance_reason SET label = ?, admissible = ?, active = ? WHERE code = ?",
            (text, int(bool(admissible)), int(bool(active)), code),
        )
        changed = [
            name
            for name, old, new in (
                ("label", current["label"], text),
                ("admissible", current["admissible"], bool(admissible)),
                ("active", current["active"], bool(active)),
            )
            if old != new
        ]
        if not changed:
            e.skip()
        e.details = {"changed": changed}
    return get_reason(conn, code)
