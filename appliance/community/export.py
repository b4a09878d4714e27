"""A person's messages in their RGPD export (`appliance.directory.export`): every copy in
their mailbox, as they see it, and their own folders. Attachments are listed (name, size,
type, SHA-256), their contents stay in the box."""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.community import mailbox
from appliance.db import one, rows


def collect(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """{"folders": [...], "messages": [...]} of the person, oldest first."""
    person = one(
        conn, "SELECT id, login, first_name, last_name FROM person WHERE id = ?", (person_id,)
    )
    if person is None:
        return {"folders": [], "messages": []}
    folders = {
        f["id"]: f["name"]
        for f in rows(conn, "SELECT id, name FROM message_folder WHERE owner_id = ?", (person_id,))
    }
    copies = rows(
        conn,
        "SELECT b.role, b.folder, b.folder_id, b.read_at, b.trashed_at, b.delivered_at, m.* "
        "FROM message_box b JOIN message m ON m.id = b.message_id WHERE b.owner_id = ? "
        "ORDER BY b.delivered_at, m.id",
        (person_id,),
    )
    out = []
    for m in copies:
        sender = mailbox.sender_of(conn, m)
        folder = folders.get(m["folder_id"], m["folder"]) if m["folder"] == "own" else m["folder"]
        out.append({
            "id": m["id"],
            "thread_id": m["thread_id"],
            "folder": folder,
            "role": m["role"],
            "from": {"login": sender["login"], "name": str(sender["name"])},
            "to": [
                {"kind": a["kind"], "id": a["id"], "name": str(a["name"])}
                for a in mailbox.visible_to(conn, person, m)
            ],
            "subject": m["subject"],
            "text": m["body_text"],
            "html": m["body_html"],
            "created_at": m["created_at"],
            "sent_at": m["sent_at"],
            "read_at": m["read_at"],
            "recalled_at": m["recalled_at"],
            "trashed_at": m["trashed_at"],
            "attachments": [
                {k: a[k] for k in ("name", "size", "mime", "sha256")}
                for a in mailbox.attachments_of(conn, m["id"])
            ],
        })  # fmt: skip
    return {"folders": sorted(folders.values()), "messages": out}
