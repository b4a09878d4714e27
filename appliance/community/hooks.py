"""Where messages tell the rest of the box that something happened: their entries in the
notification timeline (and so the e-mails), `appliance/community/notifications.py`.

Both functions are called inside the transaction that sends (`compose.send`) or recalls
(`recall.recall`), so a notification written here lands with the message or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from appliance.community import notifications


def _sender_name(conn: sqlite3.Connection, sender_id: int | None) -> str:
    found = conn.execute(
        "SELECT first_name, last_name FROM person WHERE id = ?", (sender_id,)
    ).fetchone()
    return f"{found[0]} {found[1]}" if found else "ancien utilisateur"


def message_sent(
    conn: sqlite3.Connection, message: dict[str, Any], recipient_ids: Sequence[int]
) -> None:
    """A message was sent: `message` has id, thread_id, subject, sender_id, sent_at;
    `recipient_ids` are the people who received it (each once): a "message" entry each
    (its e-mail as each person's settings say; never its attachments)."""
    subject = message.get("subject") or "(sans objet)"
    notifications.emit(
        conn,
        recipient_ids,
        "message",
        f"{_sender_name(conn, message.get('sender_id'))} : {subject}",
        f"/messages/{int(message['id'])}",
        actor_id=message.get("sender_id"),
        ref=f"message:{int(message['id'])}",
    )


def message_recalled(
    conn: sqlite3.Connection, message: dict[str, Any], recipient_ids: Sequence[int]
) -> None:
    """A message was recalled: `recipient_ids` are those it disappeared for (they had not
    read it). Their unseen "message" entries go; who may have seen it (mailed) is told."""
    subject = message.get("subject") or "(sans objet)"
    notifications.recalled(
        conn,
        f"message:{int(message['id'])}",
        recipient_ids,
        f"{_sender_name(conn, message.get('sender_id'))} a rappelé son message : {subject}",
        "/messages/",
        actor_id=message.get("sender_id"),
    )
