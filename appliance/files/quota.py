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
    """The person's total, kept by the ledger's triggers (`file_usage`, migration 0071)."""
    row = conn.execute("SELECT bytes FROM file_usage WHERE owner_id = ?", (owner_id,)).fetchone()
    return int(row[0]) if row else 0


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


# --- the process's configuration, for services given no configuration --------------------

# One process serves one school: `open_box` hands its configuration here, so that the
# services that store a person's content without being given the configuration (message
# and homework attachments) charge the quota the technician set.
_CONFIG: dict[str, Any] = {}


def use_config(config_values: Mapping[str, Any]) -> None:
    """Remember the quota keys of the opened box (called by `appliance.core.open_box`)."""
    _CONFIG.clear()
    _CONFIG.update({k: config_values[k] for k in (f"files.quota_mb_{p}" for p in PROFILES)})


PROFILES = ("teacher", "staff", "admin", "student", "relative", "guest")


def charge_person(
    conn: sqlite3.Connection,
    owner_id: int,
    nbytes: int,
    *,
    kind: str,
    ref: object,
    field: str = "file",
) -> None:
    """`charge` for the person `owner_id`, with the opened box's quotas (`use_config`)."""
    found = conn.execute("SELECT id, profile FROM person WHERE id = ?", (owner_id,)).fetchone()
    if found is None:
        return  # a system write (no person): nobody's space
    if not _CONFIG:
        from appliance.files.config_keys import DEFAULT_QUOTA_MB

        use_config({f"files.quota_mb_{p}": mb for p, mb in DEFAULT_QUOTA_MB.items()})
    owner = {"id": found[0], "profile": found[1]}
    charge(conn, _CONFIG, owner, nbytes, kind=kind, ref=ref, field=field)


def report(
    conn: sqlite3.Connection, config_values: Mapping[str, Any], *, top: int = 20
) -> dict[str, Any]:
    """Used and quota per person who stores something, largest first (`top` of them),
    and the totals: {"people": [{"login", "name", "profile", "used", "limit", "ratio"}],
    "total_used", "people_counted", "over_warning"}."""
    found = conn.execute(
        "SELECT p.login, p.first_name, p.last_name, p.profile, SUM(c.bytes) AS used "
        "FROM file_charge c JOIN person p ON p.id = c.owner_id GROUP BY c.owner_id "
        "ORDER BY used DESC, p.login"
    ).fetchall()
    out = []
    warn = 0
    for login, first, last, profile, used in found:
        limit = limit_bytes(config_values, profile)
        ratio = used / limit if limit else 1.0
        warn += ratio >= WARN_RATIO
        out.append({
            "login": login, "name": f"{last} {first}".strip(), "profile": profile,
            "used": int(used), "limit": limit, "ratio": round(ratio, 4),
        })  # fmt: skip
    return {
        "people": out[:top],
        "people_counted": len(out),
        "total_used": sum(p["used"] for p in out),
        "over_warning": warn,
    }
