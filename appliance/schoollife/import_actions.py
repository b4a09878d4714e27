"""The timetable import's steps a person takes on the admin page, each with its audit row:
send a file, be refused an apply, abandon. (The apply itself, `timetable.apply`, writes
its row in its own transaction.)"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import BinaryIO

from appliance.directory import uploads
from appliance.security.audit import Actor, record

# Where a sent timetable file waits for its apply, relative to the data folder.
PENDING = Path("imports") / "timetable-pending"


def upload(
    conn: sqlite3.Connection,
    data_dir: Path,
    name: str,
    stream: BinaryIO,
    *,
    effective_from: date,
    actor: Actor,
) -> uploads.PendingImport:
    """Keep the sent file until its apply (raises CartableError for a refused file),
    audited as `schoollife.timetable_upload`."""
    pending = uploads.save(data_dir, [(name, stream)], full=False, actor=actor.login, root=PENDING)
    try:
        details = {"file": Path(pending.files[0]).name, "from": effective_from.isoformat()}
        record(conn, actor, "schoollife.timetable_upload", details=details)
    except BaseException:
        uploads.discard(data_dir, pending.token, root=PENDING)
        raise
    return pending


def refuse_apply(conn: sqlite3.Connection, actor: Actor, *, reason: str, errors: int) -> None:
    """Log an apply refused ("errors": the plan has errors; "changed": the form came from
    an older preview)."""
    record(
        conn,
        actor,
        "schoollife.timetable_import",
        outcome="refused",
        details={"reason": reason, "errors": errors},
    )


def abandon(conn: sqlite3.Connection, data_dir: Path, token: str, *, actor: Actor) -> None:
    """Erase a sent file that will not be applied, audited as `schoollife.timetable_cancel`."""
    uploads.discard(data_dir, token, root=PENDING)
    record(conn, actor, "schoollife.timetable_cancel")
