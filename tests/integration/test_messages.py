"""Messages (issue 12) on a real SQLite school: lists resolved, one copy per person, what
recipients see of each other, read receipts, recall, replies and threads, drafts, folders,
the trash, search with paging, attachments, the RGPD export and the purge."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest

from appliance import blobs
from appliance.community import compose, folders, mailbox, recall, recipients, rules
from appliance.db import rows, scalar
from appliance.directory import export, people
from appliance.directory.lifecycle import run_lifecycle
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.security.audit import Actor
from tests.conftest import make_person

MB = 1024 * 1024


@pytest.fixture
def school(conn, box):
    """Class 5A (students Léa, Hugo, Zoé; Léa and Hugo are Sophie's children), 4B (Inès,
    Claire's daughter); Marie teaches 5A, Victor 4B; Nadia is the CPE, Paul the
    documentaliste."""
    ids = {}

    def add(key, profile, first, last, **extra):
        ids[key] = make_person(conn, profile, login=key, first_name=first, last_name=last,
                               **extra)[0]  # fmt: skip

    add("marie", "teacher", "Marie", "Curie")
    add("victor", "teacher", "Victor", "Hugo")
    add("nadia", "staff", "Nadia", "Moreau", function="CPE")
    add("paul", "staff", "Paul", "Lecteur", function="DOC")
    add("lea", "student", "Léa", "Martin")
    add("hugo", "student", "Hugo", "Martin")
    add("zoe", "student", "Zoé", "Lefèvre")
    add("ines", "student", "Inès", "Dubois")
    add("sophie", "relative", "Sophie", "Martin")
    add("claire", "relative", "Claire", "Dubois")
    add("yann", "relative", "Yann", "Lefèvre")
    c5a = conn.execute("INSERT INTO school_class (code, name) VALUES ('5A', '5A')").lastrowid
    c4b = conn.execute("INSERT INTO school_class (code, name) VALUES ('4B', '4B')").lastrowid
    for key, cls in (("lea", c5a), ("hugo", c5a), ("zoe", c5a), ("ines", c4b)):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids[key], cls))
    for parent, child in (("sophie", "lea"), ("sophie", "hugo"), ("claire", "ines"),
                          ("yann", "zoe")):  # fmt: skip
        conn.execute(
            "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
            (ids[parent], ids[child]),
        )
    conn.execute("INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (ids["marie"], c5a))
    conn.execute("INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (ids["victor"], c4b))
    return {"ids": ids, "files": box.config.files_dir}


def who(conn, login):
    return people.get_by_login(conn, login)


def send(conn, school, login, to, subject="Essai", body="Bonjour", **extra):
    person = who(conn, login)
    files = extra.pop("files", ())
    max_bytes = extra.pop("max_bytes", 10 * MB)
    draft = compose.Draft(to=to, subject=subject, body=body, files=files, **extra)
    return compose.send(
        conn, school["files"], person, draft, actor=Actor(person["id"], login),
        max_attachment_bytes=max_bytes,
    )  # fmt: skip


def inbox(conn, login, folder="inbox", **kw):
    return mailbox.list_folder(conn, who(conn, login), folder, **kw)


def test_a_list_reaches_each_member_once_a_parent_of_two_children_too(conn, school):
    ids = school["ids"]
    assert [p["login"] for p in recipients.members(conn, "parents:class:5A")] == [
        "yann", "sophie",
    ]  # fmt: skip
    sent = send(conn, school, "marie", ["parents:class:5A", "sophie", "students:class:5A"])
    assert sorted(sent.recipient_ids) == sorted(ids[k] for k in ("sophie", "yann", "lea", "hugo",
                                                                 "zoe"))  # fmt: skip
    assert (
        scalar(conn, "SELECT count(*) FROM message_box WHERE owner_id = ?", (ids["sophie"],)) == 1
    )
    items, total = inbox(conn, "sophie")
    assert total == 1 and items[0]["subject"] == "Essai" and not items[0]["read"]
    assert mailbox.unread_count(conn, who(conn, "sophie")) == 1
    # The sender's copy keeps what was written, lists with the number they reached.
    sent_items, _ = inbox(conn, "marie", "sent")
    assert [(a["id"], a.get("count")) for a in sent_items[0]["to"]] == [
        ("parents:class:5A", 2), ("sophie", None), ("students:class:5A", 3),
    ]  # fmt: skip


def test_recipients_dont_see_each_other_unless_reply_all(conn, school):
    sent = send(conn, school, "marie", ["lea", "zoe"])
    seen = mailbox.read(conn, who(conn, "lea"), sent.id)
    assert [a["name"] for a in seen["to"]] == ["Léa Martin"]  # herself only, like Bcc
    listed = send(conn, school, "marie", ["parents:class:5A"])
    seen = mailbox.read(conn, who(conn, "yann"), listed.id)
    assert [str(a["name"]) for a in seen["to"]] == ["Parents de 5A"]
    small = send(conn, school, "marie", ["parents:class:5A"], reply_all=True)
    seen = mailbox.read(conn, who(conn, "yann"), small.id)
    assert {a["name"] for a in seen["to"]} == {"Sophie Martin", "Yann Lefèvre"}
    # Yann may answer all, though a parent may not write to another parent.
    answer = compose.reply_defaults(conn, who(conn, "yann"), small.id, to_all=True)
    assert answer["to"] == ["marie", "sophie"] and answer["reply_all"]
    with pytest.raises(rules.Refused):
        send(conn, school, "yann", ["sophie"])
    done = send(conn, school, "yann", answer["to"], subject=answer["subject"],
                reply_to=small.id, reply_all=True)  # fmt: skip
    assert sorted(done.recipient_ids) == sorted([school["ids"]["marie"], school["ids"]["sophie"]])


def test_reply_all_is_for_a_small_group(conn, school):
    for i in range(mailbox.SMALL_GROUP):
        make_person(conn, "student", login=f"eleve{i}")
    with pytest.raises(CartableError) as err:
        send(conn, school, "nadia", ["students:all"], reply_all=True)
    assert err.value.field == "reply_all"
    assert scalar(conn, "SELECT count(*) FROM message") == 0


def test_the_sender_sees_who_read_for_at_most_50_recipients(conn, school):
    sent = send(conn, school, "marie", ["parents:class:5A"])
    mailbox.read(conn, who(conn, "sophie"), sent.id)
    mine = mailbox.read(conn, who(conn, "marie"), sent.id)
    assert {r["login"]: bool(r["read_at"]) for r in mine["receipts"]} == {"sophie": True,
                                                                         "yann": False}  # fmt: skip
    assert mine["read_count"] == 1
    for i in range(mailbox.SMALL_GROUP):
        make_person(conn, "relative", login=f"parent{i}")
    many = send(conn, school, "nadia", ["parents:all"])
    assert many.recipients == mailbox.SMALL_GROUP + 3
    mailbox.read(conn, who(conn, "claire"), many.id)
    mine = mailbox.read(conn, who(conn, "nadia"), many.id)
    assert mine["receipts"] is None and mine["read_count"] == 1
    # A recipient sees no receipts.
    assert mailbox.read(conn, who(conn, "claire"), many.id)["receipts"] is None


def test_recall_takes_back_the_unread_copies_within_the_delay(conn, school):
    ids = school["ids"]
    sent = send(conn, school, "marie", ["parents:class:5A", "lea"])
    mailbox.read(conn, who(conn, "sophie"), sent.id)
    marie = who(conn, "marie")
    assert recall.can_recall(conn, marie, mailbox.copy_of(conn, marie, sent.id), 60)
    done = recall.recall(conn, marie, sent.id, actor=Actor(ids["marie"], "marie"),
                          recall_minutes=60)  # fmt: skip
    assert sorted(done.recipient_ids) == sorted([ids["yann"], ids["lea"]]) and done.recalled == 2
    assert inbox(conn, "yann")[1] == 0 and inbox(conn, "lea")[1] == 0
    assert inbox(conn, "sophie")[1] == 1  # she had read it: it stays
    assert mailbox.read(conn, marie, sent.id)["recalled_at"]
    assert rows(conn, "SELECT details FROM audit_log WHERE action = 'message.recall'")[0][
        "details"
    ] == json.dumps({"recalled": 2})
    # Too late: 409.
    later = datetime.now(UTC) + timedelta(minutes=61)
    other = send(conn, school, "marie", ["lea"])
    with pytest.raises(recall.TooLate) as err:
        recall.recall(conn, marie, other.id, actor=Actor(ids["marie"], "marie"),
                       recall_minutes=60, now=later)  # fmt: skip
    assert err.value.http_status == 409 and err.value.code == "too_late"
    assert inbox(conn, "lea")[1] == 1
    assert not recall.can_recall(conn, marie, mailbox.copy_of(conn, marie, other.id), 60, later)


def test_only_staff_and_teachers_recall_and_only_their_own(conn, school):
    sent = send(conn, school, "lea", ["marie"])
    lea, marie = who(conn, "lea"), who(conn, "marie")
    with pytest.raises(PolicyDenied):
        recall.recall(conn, lea, sent.id, actor=Actor(lea["id"], "lea"), recall_minutes=60)
    with pytest.raises(NotFound):  # a recipient's copy is not theirs to recall
        recall.recall(conn, marie, sent.id, actor=Actor(marie["id"], "m"), recall_minutes=60)
    assert not recall.can_recall(conn, lea, mailbox.copy_of(conn, lea, sent.id), 60)
    assert inbox(conn, "marie")[1] == 1


def test_a_reply_keeps_the_thread_quotes_nothing_and_may_answer_the_sender(conn, school):
    # The documentaliste writes to a parent; the rules don't let a parent write to the
    # documentaliste, but answering the message received is always allowed.
    first = send(
        conn, school, "paul", ["claire"], subject="Livre non rendu", body="<p>Le livre</p>"
    )
    with pytest.raises(rules.Refused):
        send(conn, school, "claire", ["paul"])
    defaults = compose.reply_defaults(conn, who(conn, "claire"), first.id)
    assert defaults == {"to": ["paul"], "subject": "Re : Livre non rendu", "reply_to": first.id,
                        "reply_all": False}  # fmt: skip
    answer = send(conn, school, "claire", defaults["to"], subject=defaults["subject"],
                  body="Il est rendu.", reply_to=first.id)  # fmt: skip
    assert answer.thread_id == first.thread_id == first.id
    seen = mailbox.read(conn, who(conn, "paul"), answer.id)
    assert seen["body_html"] == "<p>Il est rendu.</p>"  # nothing quoted
    assert [t["id"] for t in seen["thread"]] == [first.id]
    again = compose.reply_defaults(conn, who(conn, "paul"), answer.id)
    assert again["subject"] == "Re : Livre non rendu"  # no "Re : Re :"
    # Replying to a message one does not hold is "not found".
    with pytest.raises(NotFound):
        send(conn, school, "sophie", ["marie"], reply_to=first.id)


def test_drafts_are_saved_edited_then_sent_and_the_rules_asked_at_sending(conn, school):
    sophie = who(conn, "sophie")
    draft_id = compose.save_draft(
        conn, school["files"], sophie, compose.Draft(to=["claire"], subject="Covoiturage"),
        max_attachment_bytes=MB,
    )  # fmt: skip
    assert inbox(conn, "sophie", "drafts")[0][0]["draft"]
    assert inbox(conn, "claire")[1] == 0
    loaded = compose.load_draft(conn, sophie, draft_id)
    assert loaded["to"] == ["claire"] and loaded["subject"] == "Covoiturage"
    with pytest.raises(rules.Refused):  # parent to parent: refused, still a draft
        compose.send(conn, school["files"], sophie, compose.Draft(to=["claire"], subject="x"),
                     actor=Actor(sophie["id"], "s"), draft_id=draft_id,
                     max_attachment_bytes=MB)  # fmt: skip
    assert compose.load_draft(conn, sophie, draft_id)["to"] == ["claire"]
    sent = compose.send(
        conn, school["files"], sophie, compose.Draft(to=["marie"], subject="Covoiturage",
                                                     body="Pour la sortie"),
        actor=Actor(sophie["id"], "s"), draft_id=draft_id, max_attachment_bytes=MB,
    )  # fmt: skip
    assert sent.id == draft_id
    assert inbox(conn, "sophie", "drafts")[1] == 0 and inbox(conn, "sophie", "sent")[1] == 1
    assert inbox(conn, "marie")[0][0]["preview"] == "Pour la sortie"
    with pytest.raises(CartableError):
        compose.load_draft(conn, sophie, draft_id)


def test_folders_ten_at_most_moving_in_and_back(conn, school):
    lea = who(conn, "lea")
    sent = send(conn, school, "marie", ["lea"])
    made = [folders.create_folder(conn, lea, f"Dossier {i}") for i in range(folders.MAX_FOLDERS)]
    with pytest.raises(CartableError) as err:
        folders.create_folder(conn, lea, "Onzième")
    assert "10" in str(err.value)
    with pytest.raises(CartableError):
        folders.create_folder(conn, lea, "dossier 3")  # the same name
    assert mailbox.move(conn, lea, sent.id, made[0]) == "own"
    assert inbox(conn, "lea")[1] == 0 and inbox(conn, "lea", made[0])[1] == 1
    with pytest.raises(NotFound):  # another person's folder
        mailbox.move(conn, who(conn, "hugo"), sent.id, made[0])
    with pytest.raises(NotFound):
        inbox(conn, "hugo", made[0])
    assert mailbox.move(conn, lea, sent.id, "trash") == "trash"
    assert mailbox.move(conn, lea, sent.id, "back") == "own"  # back where it was
    assert folders.delete_folder(conn, lea, made[0]) == 1
    assert inbox(conn, "lea")[1] == 1


def test_the_trash_is_emptied_after_30_days_and_a_message_nobody_holds_goes(conn, school):
    sent = send(conn, school, "marie", ["lea"], files=[("note.txt", io.BytesIO(b"une note"))])
    lea, marie = who(conn, "lea"), who(conn, "marie")
    assert mailbox.delete(conn, lea, sent.id) == "trash"
    assert mailbox.delete(conn, marie, sent.id) == "trash"
    assert mailbox.purge_trash(conn, 30) == 0
    in_31_days = datetime.now(UTC) + timedelta(days=31)
    assert mailbox.purge_trash(conn, 30, now=in_31_days) == 2
    assert scalar(conn, "SELECT count(*) FROM message") == 0
    assert scalar(conn, "SELECT count(*) FROM message_attachment") == 0
    # The content no message uses any more is removed by the weekly clean-up.
    assert blobs.collect_garbage(conn, school["files"])["removed"] == 1
    other = send(conn, school, "marie", ["lea"])
    assert mailbox.delete(conn, lea, other.id) == "trash"
    assert mailbox.move(conn, lea, other.id, "back") == "inbox"
    mailbox.delete(conn, lea, other.id)
    assert mailbox.delete(conn, lea, other.id) == "deleted"
    assert scalar(conn, "SELECT count(*) FROM message") == 1  # Marie still has it
    assert mailbox.empty_trash(conn, lea) == 0


def test_search_own_messages_by_subject_text_and_sender_with_paging(conn, school):
    for i in range(30):
        send(conn, school, "marie", ["lea"], subject=f"Devoir {i}", body="exercices de géométrie")
    for i in range(30):
        send(conn, school, "victor" if i % 2 else "nadia", ["lea"] if i % 2 == 0 else ["ines"],
             subject=f"Information {i}", body="Réunion")  # fmt: skip
    lea = who(conn, "lea")
    items, total = mailbox.list_folder(conn, lea, "inbox", q="geometrie")
    assert total == 30 and len(items) == mailbox.PAGE_SIZE
    second, _ = mailbox.list_folder(conn, lea, "inbox", q="geometrie", page=2)
    assert len(second) == 30 - mailbox.PAGE_SIZE
    assert not {m["id"] for m in items} & {m["id"] for m in second}
    assert mailbox.list_folder(conn, lea, "inbox", q="curie")[1] == 30  # the sender's name
    assert mailbox.list_folder(conn, lea, "inbox", q="moreau information")[1] == 15
    assert mailbox.list_folder(conn, lea, "inbox", q="devoir 2")[1] == 12  # 2, 12, 20-29
    assert mailbox.list_folder(conn, lea, "inbox", q="100%")[1] == 0
    # Only one's own messages: Inès' are not found by Léa.
    assert mailbox.list_folder(conn, lea, "all", q="hugo")[1] == 0
    assert mailbox.list_folder(conn, who(conn, "ines"), "all", q="hugo")[1] == 15


def test_attachments_stored_once_sized_and_refused_past_the_limit(conn, school):
    pdf = b"%PDF-1.4 " + b"x" * 2000
    a = send(
        conn,
        school,
        "marie",
        ["lea"],
        files=[
            ("Sortie.pdf", io.BytesIO(pdf)),
            ("../../etc/page.html", io.BytesIO(b"<html><script>x</script>")),
        ],
    )
    b = send(conn, school, "marie", ["hugo"], files=[("copie.pdf", io.BytesIO(pdf))])  # fmt: skip
    seen = mailbox.read(conn, who(conn, "lea"), a.id)
    assert [(x["name"], x["mime"]) for x in seen["attachments"]] == [
        ("Sortie.pdf", "application/pdf"), ("page.html", "text/html"),
    ]  # fmt: skip
    assert scalar(conn, "SELECT count(*) FROM blob") == 2  # the PDF once for both messages
    found = mailbox.attachment(
        conn, who(conn, "hugo"), b.id, mailbox.attachments_of(conn, b.id)[0]["id"]
    )
    assert (
        blobs.inline_type(found["mime"])
        and blobs.open_read(school["files"], found["sha256"]).read() == pdf
    )
    with pytest.raises(NotFound):  # Léa's attachment is not Hugo's to download
        mailbox.attachment(conn, who(conn, "hugo"), a.id, seen["attachments"][0]["id"])
    before = scalar(conn, "SELECT count(*) FROM message")
    with pytest.raises(blobs.TooLarge):
        send(conn, school, "marie", ["lea"], files=[("big.pdf", io.BytesIO(b"x" * (MB + 1)))],
             max_bytes=MB)  # fmt: skip
    assert scalar(conn, "SELECT count(*) FROM message") == before


def test_the_export_holds_the_persons_messages_as_they_see_them(conn, school):
    sent = send(conn, school, "marie", ["parents:class:5A"], subject="Sortie",
                files=[("a.pdf", io.BytesIO(b"%PDF-1.4 a"))])  # fmt: skip
    folders.create_folder(conn, who(conn, "sophie"), "École")
    data, _name = export.export_zip(conn, school["ids"]["sophie"])
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        got = json.loads(zf.read("messages.json"))
        assert "messages.json" in zf.read("LISEZMOI.txt").decode()
        other = json.loads(zf.read("other.json"))
    assert got["folders"] == ["École"]
    assert [(m["id"], m["subject"], m["from"]["login"], m["role"]) for m in got["messages"]] == [
        (sent.id, "Sortie", "marie", "recipient"),
    ]  # fmt: skip
    assert [a["name"] for a in got["messages"][0]["attachments"]] == ["a.pdf"]
    assert [t["name"] for t in got["messages"][0]["to"]] == ["Parents de 5A"]
    assert not {"message", "message_box", "message_folder", "message_address"} & set(other)


def test_a_purged_sender_s_messages_stay_as_from_a_former_user(conn, school):
    ids = school["ids"]
    to_parents = send(conn, school, "marie", ["sophie", "yann"], subject="Sortie")
    answer = send(conn, school, "sophie", ["marie"], subject="Re : Sortie", reply_to=to_parents.id)
    only_hers = compose.save_draft(conn, school["files"], who(conn, "marie"),
                                   compose.Draft(to=["lea"], subject="Brouillon"),
                                   max_attachment_bytes=MB)  # fmt: skip
    left = date.today() - timedelta(days=100)
    conn.execute("UPDATE person SET state = 'departed', departed_on = ? WHERE id = ?",
                 (left.isoformat(), ids["marie"]))  # fmt: skip
    report = run_lifecycle(conn, date.today())
    assert [p["login"] for p in report.purged] == ["marie"]
    items, _ = inbox(conn, "sophie")
    assert items[0]["sender"] == {"login": None, "name": "ancien utilisateur"}
    seen = mailbox.read(conn, who(conn, "sophie"), to_parents.id)
    assert seen["sender"]["name"] == "ancien utilisateur"
    assert compose.reply_defaults(conn, who(conn, "sophie"), to_parents.id)["to"] == []
    mine = mailbox.read(conn, who(conn, "sophie"), answer.id)
    assert [str(a["name"]) for a in mine["to"]] == ["ancien utilisateur"]
    # Nobody else held her draft: it went with her.
    assert scalar(conn, "SELECT count(*) FROM message WHERE id = ?", (only_hers,)) == 0
    assert scalar(conn, "SELECT count(*) FROM message WHERE sender_id IS NULL") == 1
