"""The mailbox's and the notifications' counts (`message_tally`, `notification_tally`,
kept by triggers: migration 0038) stay what counting the rows gives, through everything
that writes copies and entries: sending, drafts, reading, own folders, the trash and its
purge, recall, a folder deleted, notifications read and purged, a person purged."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from appliance.community import compose, folders, mailbox, notifications, recall
from appliance.db import rows
from appliance.directory.lifecycle import run_lifecycle
from appliance.errors import NotFound
from appliance.security.audit import Actor
from tests.integration.test_messages import MB, school, send, who  # noqa: F401

BOXES = (
    "SELECT owner_id, CASE WHEN folder = 'own' THEN CAST(folder_id AS TEXT) ELSE folder END "
    "AS box, count(*) AS copies, sum(role = 'recipient' AND read_at IS NULL) AS unread "
    "FROM message_box GROUP BY 1, 2 ORDER BY 1, 2"
)
UNREAD = (
    "SELECT person_id, count(*) AS unread FROM notification WHERE read_at IS NULL "
    "GROUP BY 1 ORDER BY 1"
)


def same(conn, pupils):
    """The tallies hold exactly what counting the rows gives, and `counts` says it."""
    assert rows(conn, "SELECT owner_id, box, copies, unread FROM message_tally "
                "ORDER BY 1, 2") == rows(conn, BOXES)  # fmt: skip
    assert rows(conn, "SELECT person_id, unread FROM notification_tally ORDER BY 1") == rows(
        conn, UNREAD
    )
    for login in pupils["ids"]:
        try:
            person = who(conn, login)
        except NotFound:  # purged
            continue
        counted = {
            r["box"]: r["copies"] for r in rows(conn, BOXES) if r["owner_id"] == person["id"]
        }
        inbox_unread = [r["unread"] for r in rows(conn, BOXES)
                        if r["owner_id"] == person["id"] and r["box"] == "inbox"]  # fmt: skip
        assert mailbox.counts(conn, person) == {"unread": sum(inbox_unread), **counted}
        for box, n in counted.items():
            assert mailbox.list_folder(conn, person, box)[1] == n
        assert mailbox.list_folder(conn, person, "all")[1] == sum(
            n for box, n in counted.items() if box != "trash"
        )
        assert notifications.unread_count(conn, person["id"]) == sum(
            r["unread"] for r in rows(conn, UNREAD) if r["person_id"] == person["id"]
        )


def test_the_tallies_follow_every_write(conn, school):  # noqa: F811 (the fixture)
    ids = school["ids"]
    same(conn, school)
    first = send(conn, school, "marie", ["parents:class:5A", "lea", "hugo"])
    second = send(conn, school, "marie", ["lea"], files=[("a.txt", io.BytesIO(b"a"))])
    third = send(conn, school, "marie", ["lea", "zoe"], reply_all=True)
    same(conn, school)
    lea, marie = who(conn, "lea"), who(conn, "marie")
    mailbox.read(conn, lea, first.id)
    mailbox.read(conn, who(conn, "sophie"), first.id)
    same(conn, school)
    mine = folders.create_folder(conn, lea, "Sorties")
    assert mailbox.move(conn, lea, second.id, mine) == "own"
    assert mailbox.move(conn, lea, third.id, "trash") == "trash"
    same(conn, school)
    assert mailbox.move(conn, lea, third.id, "back") == "inbox"
    assert mailbox.move(conn, lea, second.id, "trash") == "trash"
    same(conn, school)
    assert mailbox.move(conn, lea, second.id, "back") == "own"
    assert folders.delete_folder(conn, lea, mine) == 1
    same(conn, school)
    draft = compose.save_draft(conn, school["files"], marie,
                               compose.Draft(to=["lea"], subject="Brouillon"),
                               max_attachment_bytes=MB)  # fmt: skip
    same(conn, school)
    sent = compose.send(conn, school["files"], marie, compose.Draft(to=["lea"], subject="Envoyé"),
                        actor=Actor(ids["marie"], "marie"), draft_id=draft,
                        max_attachment_bytes=MB)  # fmt: skip
    assert sent.id == draft
    same(conn, school)
    recall.recall(conn, marie, first.id, actor=Actor(ids["marie"], "marie"), recall_minutes=60)
    same(conn, school)
    assert mailbox.delete(conn, lea, third.id) == "trash"
    assert mailbox.delete(conn, lea, third.id) == "deleted"
    assert mailbox.delete(conn, who(conn, "zoe"), third.id) == "trash"
    same(conn, school)
    assert mailbox.purge_trash(conn, 30, now=datetime.now(UTC) + timedelta(days=31)) >= 1
    assert mailbox.empty_trash(conn, lea) == 0
    same(conn, school)
    notifications.mark_read(conn, ids["lea"])
    notifications.mark_read(conn, ids["hugo"], [])
    same(conn, school)
    notifications.purge_old(conn, 0)
    same(conn, school)
    send(conn, school, "lea", ["marie"], subject="Merci")
    left = date.today() - timedelta(days=100)
    conn.execute("UPDATE person SET state = 'departed', departed_on = ? WHERE id = ?",
                 (left.isoformat(), ids["marie"]))  # fmt: skip
    assert [p["login"] for p in run_lifecycle(conn, date.today()).purged] == ["marie"]
    assert rows(conn, "SELECT * FROM message_tally WHERE owner_id = ?", (ids["marie"],)) == []
    same(conn, school)
