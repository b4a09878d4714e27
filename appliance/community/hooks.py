"""Where messages tell the rest of the box that something happened: the one place the
notifications (timeline, e-mail: `appliance/community/notifications.py`, built apart)
are to be wired.

Both functions are called inside the transaction that sends (`compose.send`) or recalls
(`recall.recall`), so a notification written here lands with the message or not at all.
They do nothing yet.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any


def message_sent(
    conn: sqlite3.Connection, message: dict[str, Any], recipient_ids: Sequence[int]
) -> None:
    """A message was sent: `message` has id, thread_id, subject, sender_id, sent_at;
    `recipient_ids` are the people who received it (each once)."""
    # NOTIFY: a "new message" entry for each of recipient_ids (issue 12, Notifications).


def message_recalled(
    conn: sqlite3.Connection, message: dict[str, Any], recipient_ids: Sequence[int]
) -> None:
    """A message was recalled: `recipient_ids` are those it disappeared for (they had not
    read it)."""
    # NOTIFY: a "message recalled" entry for each of recipient_ids; drop their pending
    # "new message" entries and mails.
