"""The messages' pages and JSON API (issue 12) with the Flask test client: the inbox page
by page, composing without JavaScript (search field, results, send), a refusal naming the
rule, reading and replying, attachments' downloads, recall, folders, the rules' matrix."""

from __future__ import annotations

import io
import re

import pytest

from appliance.community import compose, mailbox
from appliance.db import rows, scalar
from appliance.directory import people
from appliance.security import audit, tokens
from tests.conftest import csrf_token, login, login_admin, make_person, post, text


@pytest.fixture
def school(conn):
    made = {}
    for key, profile, first, last in (
        ("marie", "teacher", "Marie", "Curie"),
        ("lea", "student", "Léa", "Martin"),
        ("hugo", "student", "Hugo", "Martin"),
        ("sophie", "relative", "Sophie", "Martin"),
        ("claire", "relative", "Claire", "Dubois"),
        ("nadia", "staff", "Nadia", "Moreau"),
    ):
        extra = {"function": "CPE"} if key == "nadia" else {}
        made[key] = make_person(conn, profile, login=key, first_name=first, last_name=last,
                                **extra)  # fmt: skip
    c5a = conn.execute("INSERT INTO school_class (code, name) VALUES ('5A', '5A')").lastrowid
    for key in ("lea", "hugo"):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (made[key][0], c5a))
        conn.execute("INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
                     (made["sophie"][0], made[key][0]))  # fmt: skip
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (made["marie"][0], c5a)
    )
    return made


def as_(client, school, key):
    _pid, name, pw = school[key]
    r = login(client, name, pw)
    assert r.status_code == 302
    return client


def logout(client):
    client.post("/logout", data={"csrf_token": csrf_token(client, "/messages/")})


def send(box, conn, login_name, to, subject="Essai", **extra):
    person = people.get_by_login(conn, login_name)
    return compose.send(
        conn, box.config.files_dir, person, compose.Draft(to=to, subject=subject, **extra),
        actor=audit.Actor(person["id"], login_name), max_attachment_bytes=1 << 20,
    )  # fmt: skip


def test_the_inbox_lists_page_by_page_newest_first(client, box, conn, school):
    for i in range(mailbox.PAGE_SIZE + 5):
        send(box, conn, "marie", ["lea"], subject=f"Devoir numéro {i:02d}")
    as_(client, school, "lea")
    first = text(client.get("/messages/"))
    assert "Devoir numéro 29" in first and "Devoir numéro 05" in first
    assert "Devoir numéro 04" not in first
    assert "Page 1 sur 2" in first and "30 non lu(s)" in first
    second = text(client.get("/messages/?page=2"))
    assert "Devoir numéro 04" in second and "Devoir numéro 00" in second
    assert "Devoir numéro 05" not in second
    assert "Page 1 sur 2" in text(client.get("/messages/?page=abc"))
    found = text(client.get("/messages/?q=numero+0"))  # accents ignored; 00-09, 10, 20
    assert "12 message(s) trouvé(s)" in found
    assert client.get("/messages/?dossier=999").status_code == 404


def test_compose_without_javascript_search_pick_and_send(client, box, conn, school):
    as_(client, school, "marie")
    page = text(client.get("/messages/nouveau?q=5A"))
    assert "Parents de 5A" in page and "Élèves de 5A" in page
    assert "Claire Dubois" not in text(client.get("/messages/nouveau?q=dubois"))
    token = csrf_token(client, "/messages/nouveau")
    # A search posted from the form keeps what was typed (as a draft) and shows results.
    r = client.post("/messages/nouveau", data={
        "csrf_token": token, "action": "search", "q": "parents", "subject": "Sortie",
        "body": "Départ à 8 h 30."})  # fmt: skip
    assert r.status_code == 302 and "brouillon=" in r.headers["Location"]
    draft_page = text(client.get(r.headers["Location"]))
    assert 'value="Sortie"' in draft_page and "Parents de 5A" in draft_page
    draft_id = int(re.search(r"brouillon=(\d+)", r.headers["Location"]).group(1))
    r = client.post("/messages/nouveau", data={
        "csrf_token": token, "action": "send", "draft_id": draft_id, "add": "parents:class:5A",
        "subject": "Sortie", "body": "Départ à 8 h 30.",
        "files": (io.BytesIO(b"%PDF-1.4 autorisation"), "autorisation.pdf")},
        content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 302
    shown = text(client.get(r.headers["Location"]))
    assert "Message envoyé à 1 destinataire(s)." in shown  # Sophie, once for two children
    assert "Parents de 5A" in shown and "autorisation.pdf" in shown
    assert "Rappeler ce message" in shown and "non lu" in shown


def test_a_refused_recipient_is_named_with_the_rule_and_nothing_is_sent(client, conn, school):
    as_(client, school, "sophie")
    token = csrf_token(client, "/messages/nouveau")
    r = client.post("/messages/nouveau", data={
        "csrf_token": token, "action": "send", "to": ["marie", "claire"], "subject": "Sortie",
        "body": "Bonjour"})  # fmt: skip
    assert r.status_code == 403
    page = text(r)
    assert "« parent → parent » interdit d'écrire à Claire Dubois" in page
    assert "Rien n'a été envoyé à personne." in page
    assert scalar(conn, "SELECT count(*) FROM message") == 0
    # The form is still filled in, both recipients still chosen.
    assert 'value="Sortie"' in page and 'value="claire"' in page


def test_read_reply_and_the_sender_sees_the_answer(client, box, conn, school):
    sent = send(box, conn, "marie", ["parents:class:5A"], subject="Sortie", body="Jeudi")
    as_(client, school, "sophie")
    page = text(client.get(f"/messages/{sent.id}"))
    assert "Marie Curie" in page and "Jeudi" in page
    assert "Les destinataires ne voient pas les noms des autres." in page
    reply = text(client.get(f"/messages/{sent.id}/repondre"))
    assert 'value="Re : Sortie"' in reply and 'value="marie"' in reply
    assert '<textarea id="body" name="body" rows="10"></textarea>' in reply
    r = post(client, "/messages/nouveau", {"action": "send", "to": "marie",
             "subject": "Re : Sortie", "body": "C'est noté", "reply_to": sent.id},
             token_from="/messages/nouveau")  # fmt: skip
    assert r.status_code == 302
    logout(client)
    as_(client, school, "marie")
    inbox = text(client.get("/messages/"))
    assert "Re : Sortie" in inbox and "Sophie Martin" in inbox
    answer_id = int(
        re.search(r'/messages/(\d+)"', client.get("/messages/").get_data(as_text=True)).group(1)
    )
    page = text(client.get(f"/messages/{answer_id}"))
    assert "C'est noté" in page and "Dans cette conversation" in page
    mine = text(client.get(f"/messages/{sent.id}"))
    assert "1 sur 1 l'ont lu." in mine and "lu le" in mine


def test_attachments_download_inline_only_for_safe_types(client, box, conn, school):
    sent = send(box, conn, "marie", ["lea"], files=[
        ("fiche.pdf", io.BytesIO(b"%PDF-1.4 fiche")),
        ("page.html", io.BytesIO(b"<html><script>alert(1)</script></html>"))])  # fmt: skip
    found = mailbox.attachments_of(conn, sent.id)
    as_(client, school, "lea")
    pdf = client.get(f"/messages/{sent.id}/pieces-jointes/{found[0]['id']}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline")
    assert pdf.get_data() == b"%PDF-1.4 fiche"
    html = client.get(f"/messages/{sent.id}/pieces-jointes/{found[1]['id']}")
    assert html.headers["Content-Disposition"].startswith("attachment")
    assert html.mimetype == "application/octet-stream"
    assert html.headers["X-Content-Type-Options"] == "nosniff"
    logout(client)
    as_(client, school, "hugo")  # not his message: the same 404 as nothing at all
    assert client.get(f"/messages/{sent.id}/pieces-jointes/{found[0]['id']}").status_code == 404
    assert client.get(f"/messages/{sent.id}").status_code == 404
    assert client.get("/messages/99999").status_code == 404


def test_recall_from_the_page_and_a_student_gets_no_recall(client, box, conn, school):
    sent = send(box, conn, "marie", ["lea", "hugo"])
    mailbox.read(conn, people.get_by_login(conn, "hugo"), sent.id)
    as_(client, school, "marie")
    r = post(client, f"/messages/{sent.id}/rappeler", token_from=f"/messages/{sent.id}")
    assert r.status_code == 302
    assert "il a disparu de 1 boîte(s)" in text(client.get(r.headers["Location"]))
    assert scalar(conn, "SELECT count(*) FROM message_box WHERE role = 'recipient'") == 1
    other = send(box, conn, "lea", ["marie"])
    logout(client)
    as_(client, school, "lea")
    assert "Rappeler ce message" not in text(client.get(f"/messages/{other.id}"))
    r = post(client, f"/messages/{other.id}/rappeler", token_from=f"/messages/{other.id}")
    assert r.status_code == 404


def test_folders_and_trash_from_the_pages(client, box, conn, school):
    sent = send(box, conn, "marie", ["lea"], subject="À classer")
    as_(client, school, "lea")
    r = post(client, "/messages/dossiers", {"name": "Sorties"}, token_from="/messages/dossiers")
    assert r.status_code == 302
    folder = rows(conn, "SELECT id FROM message_folder")[0]["id"]
    post(client, f"/messages/{sent.id}/deplacer", {"dossier": folder}, token_from="/messages/")
    assert "À classer" in text(client.get(f"/messages/?dossier={folder}"))
    assert "À classer" not in text(client.get("/messages/"))
    post(client, f"/messages/{sent.id}/supprimer", token_from="/messages/")
    assert "À classer" in text(client.get("/messages/?dossier=trash"))
    post(client, f"/messages/{sent.id}/deplacer", {"dossier": "back"}, token_from="/messages/")
    assert "À classer" in text(client.get(f"/messages/?dossier={folder}"))
    r = post(client, "/messages/dossiers", {"name": ""}, token_from="/messages/dossiers")
    assert r.status_code == 400 and "Donnez un nom au dossier." in text(r)


def test_the_rules_matrix_for_everyone_and_its_change_by_the_technician(client, conn, school):
    as_(client, school, "lea")
    shown = text(client.get("/messages/regles"))
    assert "Règles de communication" in shown and "les parents de ses élèves" in shown
    assert "<select" not in shown
    assert client.get("/admin/communication").status_code == 403
    logout(client)
    admin = login_admin(client, conn)
    page = text(client.get("/admin/communication"))
    assert 'name="rule-student-student"' in page
    r = post(client, "/admin/communication", {"rule-student-student": "own_class",
             "rule-teacher-relative": "deny"}, token_from="/admin/communication")  # fmt: skip
    assert r.status_code == 302
    after = text(client.get(r.headers["Location"]))
    assert "2 règle(s) changée(s)." in after and admin in after
    entries = rows(conn, "SELECT actor_login, details FROM audit_log WHERE action='comm_rules.set'")
    assert [e["actor_login"] for e in entries] == [admin, admin]
    assert scalar(conn, "SELECT scope FROM comm_rule WHERE from_profile='student' "
                        "AND to_profile='student'") == "own_class"  # fmt: skip


# --- the JSON API ------------------------------------------------------------------------


def bearer(conn, school, key) -> dict:
    _id, token = tokens.create(conn, school[key][0], "test", actor=audit.SYSTEM)
    return {"Authorization": f"Bearer {token}"}


def test_api_send_list_read_delete(client, conn, school):
    marie, sophie = bearer(conn, school, "marie"), bearer(conn, school, "sophie")
    body = {
        "to": ["parents:class:5A", "lea"],
        "subject": "Sortie",
        "body": "<p>Jeudi <b>8 h</b></p>",
    }
    r = client.post("/api/v1/messages", headers=marie, json=body)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["recipients"] == 2 and created["thread_id"] == created["id"]
    listed = client.get("/api/v1/messages", headers=sophie).get_json()["items"]
    assert [(m["subject"], m["from"]["login"], m["read"]) for m in listed] == [
        ("Sortie", "marie", False)]  # fmt: skip
    assert listed[0]["to"] == [{"id": "parents:class:5A", "kind": "list", "name": "Parents de 5A",
                                "count": 1}]  # fmt: skip
    one = client.get(f"/api/v1/messages/{created['id']}", headers=sophie).get_json()
    assert one["text"] == "Jeudi 8 h" and one["text_html"] == "<p>Jeudi <b>8 h</b></p>"
    assert client.get("/api/v1/messages", headers=sophie).get_json()["items"][0]["read"]
    sent = client.get("/api/v1/messages?folder=sent", headers=marie).get_json()["items"]
    assert sent[0]["id"] == created["id"]
    mine = client.get(f"/api/v1/messages/{created['id']}", headers=marie).get_json()
    assert {(r["login"], r["read"]) for r in mine["receipts"]} == {("sophie", True),
                                                                   ("lea", False)}  # fmt: skip
    assert client.delete(f"/api/v1/messages/{created['id']}", headers=sophie).status_code == 204
    trash = client.get("/api/v1/messages?folder=trash", headers=sophie).get_json()["items"]
    assert [m["id"] for m in trash] == [created["id"]]
    claire = bearer(conn, school, "claire")
    assert client.get(f"/api/v1/messages/{created['id']}", headers=claire).status_code == 404


def test_api_a_refused_recipient_is_403_communication_rule_and_nothing_sent(client, conn, school):
    r = client.post("/api/v1/messages", headers=bearer(conn, school, "sophie"),
                    json={"to": ["marie", "claire"], "subject": "Covoiturage"})  # fmt: skip
    assert r.status_code == 403
    error = r.get_json()["error"]
    assert error["code"] == "communication_rule" and error["field"] == "to"
    assert "« parent → parent »" in error["message"]
    assert scalar(conn, "SELECT count(*) FROM message") == 0
    r = client.post("/api/v1/messages", headers=bearer(conn, school, "sophie"),
                    json={"to": ["personne.inconnue"], "subject": "x"})  # fmt: skip
    assert r.status_code == 404


def test_api_recall_200_then_409_when_too_late(client, conn, school):
    marie = bearer(conn, school, "marie")
    created = client.post("/api/v1/messages", headers=marie,
                          json={"to": ["lea"], "subject": "Oups"}).get_json()  # fmt: skip
    r = client.post(f"/api/v1/messages/{created['id']}/recall", headers=marie)
    assert r.status_code == 200 and r.get_json() == {"recalled": 1}
    conn.execute("UPDATE message SET sent_at = '2020-01-01T08:00:00+00:00'")
    r = client.post(f"/api/v1/messages/{created['id']}/recall", headers=marie)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "conflict"
    lea = bearer(conn, school, "lea")
    mine = client.post("/api/v1/messages", headers=lea, json={"to": ["marie"],
                       "subject": "Question"}).get_json()  # fmt: skip
    assert client.post(f"/api/v1/messages/{mine['id']}/recall", headers=lea).status_code == 404


def test_api_recipients_only_those_the_rules_allow_page_by_page(client, conn, school):
    for i in range(25):
        make_person(conn, "relative", login=f"parent{i:02d}", last_name=f"Famille{i:02d}")
    nadia = bearer(conn, school, "nadia")
    first = client.get("/api/v1/messages/recipients?q=famille&limit=10", headers=nadia).get_json()
    assert [i["id"] for i in first["items"]] == [f"parent{i:02d}" for i in range(10)]
    second = client.get(f"/api/v1/messages/recipients?q=famille&limit=10&cursor={first['next']}",
                        headers=nadia).get_json()  # fmt: skip
    assert [i["id"] for i in second["items"]] == [f"parent{i:02d}" for i in range(10, 20)]
    lists = client.get("/api/v1/messages/recipients?q=parents", headers=nadia).get_json()["items"]
    assert {"id": "parents:all", "kind": "list", "name": "Tous les parents", "count": 27} in lists
    sophie = bearer(conn, school, "sophie")
    assert client.get("/api/v1/messages/recipients?q=famille",
                      headers=sophie).get_json()["items"] == []  # fmt: skip
    theirs = client.get("/api/v1/messages/recipients?q=5A", headers=sophie).get_json()["items"]
    # Both students of 5A are her children; its teachers are theirs.
    assert [i["id"] for i in theirs] == ["students:class:5A", "teachers:class:5A"]
