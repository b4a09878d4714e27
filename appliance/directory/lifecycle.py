"""The life of an account after it leaves: grace, disable, purge (daily job).

Arrêté ENT of 30/11/2006, art. 6: the data of a person who no longer has a right to the
ENT is deleted within three months. So, counting from `departed_on` (set by an import
that no longer lists the person, or by the student's DATE_SORTIE):

1. during `grace_days` (default 15) the person can still log in, to download their files;
2. then the account is disabled (no login, sessions ended, API tokens deleted);
3. at `purge_days` (at most 90) the person row is deleted, and with it, through
   ON DELETE CASCADE, everything that references it (memberships, links, teaching,
   sessions, external ids, and the rows other features attach to a person). Callbacks
   given in `on_purge` delete what lives outside the database (personal files).
   The audit log records counts per table, never content.

Reappearing in an import before the purge reactivates the account (`reconcile`).
A guest whose `expires_on` is past is disabled, with `departed_on` set to that date, so
that the same purge delay applies to their data.

Retired logins: a purged person's login goes to `retired_login` so that nobody else gets
it while data citing it may remain (the audit log, backups of the last months). It is
released after `retired_login_days` (default 400: a year of audit log and backups, plus a
margin); after that, `prenom.nom` may be given to a new person.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, rows, transaction
from appliance.directory import history
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security import sessions, tokens

LEGAL_MAX_PURGE_DAYS = 90

log = logging.getLogger("cartable.directory")

PurgeHook = Callable[[sqlite3.Connection, dict[str, Any]], None]


@dataclass
class LifecycleReport:
    """What a lifecycle run did (or, with dry_run, would do)."""

    today: date
    dry_run: bool
    disabled: list[dict[str, Any]] = field(default_factory=list)
    purged: list[dict[str, Any]] = field(default_factory=list)
    guests_expired: list[dict[str, Any]] = field(default_factory=list)
    logins_released: list[str] = field(default_factory=list)
    run_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "counts": {
                "disabled": len(self.disabled),
                "purged": len(self.purged),
                "guests_expired": len(self.guests_expired),
                "logins_released": len(self.logins_released),
            },
            "disabled": self.disabled,
            "purged": self.purged,
            "guests_expired": self.guests_expired,
            "logins_released": self.logins_released,
        }


def run_lifecycle(
    conn: sqlite3.Connection,
    today: date,
    *,
    grace_days: int = 15,
    purge_days: int = LEGAL_MAX_PURGE_DAYS,
    retired_login_days: int = 400,
    dry_run: bool = False,
    actor: str | None = None,
    on_purge: Sequence[PurgeHook] = (),
) -> LifecycleReport:
    """Apply the lifecycle steps due on `today` (see module docstring), in one transaction.

    Given the date (a technician may preview another day), the delays in days and
    `dry_run` (compute the report, change nothing). Returns a LifecycleReport. Raises
    CartableError when the delays are out of bounds (purge beyond 90 days, or grace not
    shorter than purge).
    """
    if not 1 <= purge_days <= LEGAL_MAX_PURGE_DAYS:
        raise CartableError(
            N_(
                "Le délai de suppression doit être compris entre 1 et %(maximum)s jours "
                "(arrêté ENT du 30/11/2006 : trois mois au plus) ; reçu %(purge_days)s."
            ),
            maximum=LEGAL_MAX_PURGE_DAYS,
            purge_days=purge_days,
        )
    if not 0 <= grace_days < purge_days:
        raise CartableError(
            N_(
                "Le délai de grâce (%(grace_days)s jours) doit être plus court que le délai de "
                "suppression (%(purge_days)s jours)."
            ),
            grace_days=grace_days,
            purge_days=purge_days,
        )
    report = LifecycleReport(today=today, dry_run=dry_run)
    if dry_run:
        _due(conn, report, grace_days, purge_days, retired_login_days)
        return report
    with transaction(conn):  # read and write under the same lock: no import slips between
        _due(conn, report, grace_days, purge_days, retired_login_days)
        _write(conn, report, actor, on_purge)
    return report


def run_with_config(
    conn: sqlite3.Connection,
    config: Any,
    *,
    today: date | None = None,
    dry_run: bool = False,
    actor: str | None = None,
    on_purge: Sequence[PurgeHook] = (),
) -> LifecycleReport:
    """`run_lifecycle` with the delays of the `directory.*` configuration keys (the daily
    job and `cartable lifecycle run`). `config` is the loaded Config (anything with .get)."""
    report = run_lifecycle(
        conn,
        today or timefmt.today(),
        grace_days=config.get("directory.departed_grace_days", 15),
        purge_days=config.get("directory.purge_after_days", LEGAL_MAX_PURGE_DAYS),
        retired_login_days=config.get("directory.retired_login_keep_days", 400),
        dry_run=dry_run,
        actor=actor,
        on_purge=on_purge,
    )
    files_dir = getattr(config, "files_dir", None)
    if files_dir is not None and not dry_run:
        remove_personal_files(Path(files_dir), report)
    return report


def remove_personal_files(files_dir: Path, report: LifecycleReport) -> None:
    """Delete the personal folder (`files/people/<id>`) of every purged person, once their
    rows are gone (after the commit: a rolled-back purge never loses files). What can't be
    deleted is logged and left for the next run to report."""
    for p in report.purged:
        folder = files_dir / "people" / str(int(p["id"]))
        if folder.exists():
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                log.error("purge : impossible de supprimer %s (%s)", folder, exc)
            p["files_removed"] = not folder.exists()


def _due(
    conn: sqlite3.Connection,
    report: LifecycleReport,
    grace_days: int,
    purge_days: int,
    retired_login_days: int,
) -> None:
    """Fill the report with what is due on its date (nothing is written here)."""
    today = report.today
    people = rows(
        conn,
        "SELECT id, login, profile, state, departed_on, expires_on FROM person "
        "WHERE departed_on IS NOT NULL OR (profile = 'guest' AND state = 'active')",
    )
    refs = person_references(conn)
    for p in people:
        left = _as_date(p["departed_on"])
        if left is not None and p["state"] != "active" and left + timedelta(purge_days) <= today:
            report.purged.append(
                {
                    "id": p["id"],
                    "profile": p["profile"],
                    "departed_on": p["departed_on"],
                    "login": p["login"],
                    "rows": owned_rows(conn, p["id"], refs),
                }
            )
        elif (
            p["state"] == "departed" and left is not None and left + timedelta(grace_days) <= today
        ):
            report.disabled.append(
                {"id": p["id"], "login": p["login"], "departed_on": p["departed_on"]}
            )
        elif p["profile"] == "guest" and p["state"] == "active":
            expiry = _as_date(p["expires_on"])
            if expiry is not None and expiry < today:
                report.guests_expired.append(
                    {"id": p["id"], "login": p["login"], "expires_on": p["expires_on"]}
                )
    cutoff = (today - timedelta(retired_login_days)).isoformat()
    found = rows(
        conn, "SELECT login FROM retired_login WHERE substr(retired_at, 1, 10) <= ?", (cutoff,)
    )
    report.logins_released = [r["login"] for r in found]


def _write(
    conn: sqlite3.Connection, report: LifecycleReport, actor: str | None, hooks: Sequence[PurgeHook]
) -> None:
    today = report.today.isoformat()
    stamp = now_iso()
    conn.executemany(
        "DELETE FROM retired_login WHERE login = ?", [(x,) for x in report.logins_released]
    )
    for p in report.purged:
        for hook in hooks:
            hook(conn, p)
        conn.execute(
            "INSERT INTO retired_login (login, retired_at) VALUES (?, ?) "
            "ON CONFLICT (login) DO UPDATE SET retired_at = excluded.retired_at",
            (p["login"], today),
        )
        conn.execute("DELETE FROM person WHERE id = ?", (p["id"],))
        history.audit(
            conn,
            "directory.purge",
            actor=actor,
            target=f"person:{p['id']}",
            details={"profile": p["profile"], "departed_on": p["departed_on"], "rows": p["rows"]},
        )
    for p in report.disabled:
        conn.execute(
            "UPDATE person SET state = 'disabled', disabled_on = ?, updated_at = ? WHERE id = ?",
            (today, stamp, p["id"]),
        )
        sessions.end_sessions(conn, p["id"])
        tokens.end_for(conn, p["id"])
    for p in report.guests_expired:
        conn.execute(
            "UPDATE person SET state = 'disabled', disabled_on = ?, departed_on = ?, "
            "updated_at = ? WHERE id = ?",
            (today, p["expires_on"], stamp, p["id"]),
        )
        sessions.end_sessions(conn, p["id"])
        tokens.end_for(conn, p["id"])
    cur = conn.execute(
        "INSERT INTO lifecycle_run (ran_at, effective_date, disabled, purged, guests_expired, "
        "logins_released) VALUES (?, ?, ?, ?, ?, ?)",
        (
            stamp,
            today,
            len(report.disabled),
            len(report.purged),
            len(report.guests_expired),
            len(report.logins_released),
        ),
    )
    assert cur.lastrowid is not None  # an INSERT sets it
    report.run_id = int(cur.lastrowid)
    history.audit(
        conn,
        "directory.lifecycle",
        actor=actor,
        target=f"lifecycle:{report.run_id}",
        details=report.to_json()["counts"],
    )


def person_references(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every (table, column) with a foreign key to person(id), found from the schema, so
    that tables added by other features are covered without listing them here."""
    out = []
    tables = rows(conn, "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'person'")
    for t in tables:
        for fk in conn.execute(f"PRAGMA foreign_key_list('{t['name']}')").fetchall():
            if fk[2] == "person":
                out.append((t["name"], fk[3]))
    return out


def owned_rows(
    conn: sqlite3.Connection, person_id: int, refs: list[tuple[str, str]] | None = None
) -> dict[str, int]:
    """How many rows of each table reference the person (what a purge deletes)."""
    counts: dict[str, int] = {}
    for table, column in refs if refs is not None else person_references(conn):
        n = conn.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" = ?', (person_id,))
        found = n.fetchone()[0]
        if found:
            counts[table] = counts.get(table, 0) + found
    return counts


def _as_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None
