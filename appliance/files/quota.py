"""The quota: what a person's stored contents may weigh, and the ledger that counts them.

Every service that stores a content for a person (a document, a message's or a homework's
attachment, a hand-in) calls `charge` inside the same transaction that records the thing:
`transaction()` opens with BEGIN IMMEDIATE, so two parallel uploads of one person are
serialised at that point and the second sees the first's row: a quota is never exceeded.
`release` (the thing is deleted for good) frees the space in the deleting transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from appliance import errors
from appliance.db import now_iso
from appliance.i18n import N_

MB = 1024 * 1024
WARN_RATIO = 0.8


class QuotaExceeded(errors.TooLarge):
    """The person's space is full (HTTP 413 `quota_exceeded`)."""

    api_code = "quota_exceeded"


@dataclass(frozen=True)
class Usage:
    used: int
    limit: int

    @property
    def ratio(self) -> float:
        return self.used / self.limit if self.limit else 1.0

    @property
    def warn(self) -> bool:
        """At 80 % or more of the quota: shown as a warning beside the bar."""
        return self.ratio >= WARN_RATIO

    @property
    def free(self) -> int:
        return max(0, self.limit - self.used)

    def as_json(self) -> dict[str, int]:
        return {"used": self.used, "limit": self.limit}


def limit_bytes(config_values: Mapping[str, Any], profile: str) -> int:
    """The quota of `profile` in bytes, from `files.quota_mb_<profile>`."""
    return int(config_values[f"files.quota_mb_{profile}"]) * MB


def used_bytes(conn: sqlite3.Connection, owner_id: int) -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(bytes), 0) FROM file_charge WHERE owner_id = ?", (owner_id,)
    ).fetchone()
    return int(row[0])


def usage(conn: sqlite3.Connection, config_values: Mapping[str, Any], person: Mapping) -> Usage:
    return Usage(used_bytes(conn, person["id"]), limit_bytes(config_values, person["profile"]))


def charge(
    conn: sqlite3.Connection,
    config_values: Mapping[str, Any],
    owner: Mapping,
    nbytes: int,
    *,
    kind: str,
    ref: object,
    field: str = "file",
) -> None:
    """Count `nbytes` in `owner`'s space for the thing (`kind`, `ref`), in the caller's
    write transaction; QuotaExceeded (nothing counted) when it would pass the quota."""
    if not conn.in_transaction:
        raise RuntimeError("quota.charge must run inside the write transaction")
    limit = limit_bytes(config_values, owner["profile"])
    used = used_bytes(conn, owner["id"])
    if used + nbytes > limit:
        raise QuotaExceeded(
            N_(
                "Espace de stockage plein : ce fichier (%(size)s) dépasse la place libre "
                "(%(free)s sur %(limit)s)."
            ),
            field=field,
            size=human_size(nbytes),
            free=human_size(max(0, limit - used)),
            limit=human_size(limit),
        )
    conn.execute(
        "INSERT INTO file_charge (owner_id, kind, ref, bytes, created_at) VALUES (?, ?, ?, ?, ?)",
        (owner["id"], kind, str(ref), int(nbytes), now_iso()),
    )


def release(conn: sqlite3.Connection, *, kind: str, ref: object) -> None:
    """Free the space the thing (`kind`, `ref`) took (in the deleting transaction)."""
    conn.execute("DELETE FROM file_charge WHERE kind = ? AND ref = ?", (kind, str(ref)))


def transfer(conn: sqlite3.Connection, *, kind: str, ref: object, owner_id: int) -> None:
    """The thing now counts in another person's space (a document given to a class folder
    stays its author's: this is for the rare change of owner)."""
    conn.execute(
        "UPDATE file_charge SET owner_id = ? WHERE kind = ? AND ref = ?",
        (owner_id, kind, str(ref)),
    )


def human_size(nbytes: int) -> str:
    """ "12 Ko", "3,4 Mo", "1,2 Go" (French units, decimal comma)."""
    value = float(nbytes)
    for unit in ("o", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            if unit == "o":
                return f"{int(value)} o"
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text.replace('.', ',')} {unit}"
        value /= 1024
    return f"{nbytes} o"
