"""Recalling a message: teachers and staff (the rule `messages.recall`), within
`messages.recall_minutes` of sending it; it disappears from the mailboxes of those who have
not read it, and `hooks.message_recalled` is called with them in the same transaction."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance.community import hooks, mailbox
from appliance.db import now_iso, rows
from appliance.errors import Conflict, PolicyDenied
from appliance.i18n import N_
from appliance.security import audit, policy

Person = dict[str, Any]


@dataclass
class Recalled:
    """A recall: the people the message disappeared for (they had not read it)."""

    id: int
    recipient_ids: list[int] = field(default_factory=list)

    @property
    def recalled(self) -> int:
        return len(self.recipient_ids)


class TooLate(Conflict):
    """The recall delay has passed (HTTP 409)."""

    code = "too_late"
    http_status = 409


def recall(
    conn: sqlite3.Connection,
    person: Person,
    message_id: int,
    *,
    actor: audit.Actor | None,
    recall_minutes: int,
    now: datetime | None = None,
) -> Recalled:
    """Recall a message the person sent: it disappears from the mailboxes of the
    recipients who have not read it. Staff and teachers (the rule `messages.recall`),
    within `recall_minutes` of sending: later raises TooLate; NotFound when the person did
    not send it; PolicyDenied when they may not recall."""
    copy = mailbox.copy_of(conn, person, message_id)
    if copy["role"] != "sender" or copy["sent_at"] is None:
        raise mailbox.not_found(message_id)
    if not policy.may(person, "messages.recall", {"kind": "person", "id": copy["sender_id"]}, conn):
        raise PolicyDenied(
            N_("Seuls les enseignants et les personnels peuvent rappeler un message.")
        )
    sent = datetime.fromisoformat(copy["sent_at"])
    if (now or datetime.now(UTC)) > sent + timedelta(minutes=recall_minutes):
        raise TooLate(
            N_(
                "Trop tard pour rappeler ce message : le délai est de %(minutes)s minutes "
                "après l'envoi."
            ),
            minutes=recall_minutes,
        )
    with audit.audited(conn, actor, "message.recall", target=f"message:{message_id}") as entry:
        gone = [
            r["owner_id"]
            for r in rows(
                conn,
                "SELECT owner_id FROM message_box WHERE message_id = ? AND role = 'recipient' "
                "AND read_at IS NULL",
                (message_id,),
            )
        ]
        conn.execute(
            "DELETE FROM message_box WHERE message_id = ? AND role = 'recipient' "
            "AND read_at IS NULL",
            (message_id,),
        )
        conn.execute("UPDATE message SET recalled_at = ? WHERE id = ?", (now_iso(), message_id))
        entry.details = {"recalled": len(gone)}
        hooks.message_recalled(conn, dict(copy), gone)
    return Recalled(message_id, gone)


def can_recall(
    conn: sqlite3.Connection,
    person: Person,
    message: dict[str, Any],
    recall_minutes: int,
    now: datetime | None = None,
) -> bool:
    """Whether the recall button is offered: the sender's copy of a sent message, still
    within the delay, and the rule `messages.recall` lets the person."""
    if message.get("role") != "sender" or not message.get("sent_at"):
        return False
    sent = datetime.fromisoformat(message["sent_at"])
    if (now or datetime.now(UTC)) > sent + timedelta(minutes=recall_minutes):
        return False
    target = {"kind": "person", "id": message["sender_id"]}
    return policy.may(person, "messages.recall", target, conn)
