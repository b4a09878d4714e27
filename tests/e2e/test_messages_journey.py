"""Messages in a real browser against a real server (issue 12): a teacher writes to
"parents de 5A" (found with the search field, no script needed), a parent reads it on a
phone-sized window and answers, the teacher sees the answer and who read the message."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from appliance.db import connect
from tests.conftest import make_person

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _school(data):
    """Marie teaches 5A; Léa and Noah are in 5A; Sophie is Léa's mother, Karim Noah's
    father. Written straight into the served school's database."""
    conn = connect(data / "cartable.db")
    made = {}
    for key, profile, first, last in (
        ("marie.curie", "teacher", "Marie", "Curie"),
        ("lea.martin", "student", "Léa", "Martin"),
        ("noah.benali", "student", "Noah", "Benali"),
        ("sophie.martin", "relative", "Sophie", "Martin"),
        ("karim.benali", "relative", "Karim", "Benali"),
    ):
        made[key] = make_person(conn, profile, login=key, first_name=first, last_name=last)
    c5a = conn.execute("INSERT INTO school_class (code, name) VALUES ('5A', '5A')").lastrowid
    for child, parent in (("lea.martin", "sophie.martin"), ("noah.benali", "karim.benali")):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (made[child][0], c5a))
        conn.execute(
            "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
            (made[parent][0], made[child][0]),
        )
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, head_teacher) VALUES (?, ?, 1)",
        (made["marie.curie"][0], c5a),
    )
    conn.close()
    return {key: pw for key, (_id, _login, pw) in made.items()}


def _login(page, url, login, password):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Bonjour"))


def _fits(page) -> None:
    """Nothing wider than the window: no sideways scrolling on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), width


def test_teacher_writes_to_parents_of_5a_a_parent_answers_from_a_phone(
    server, browser, page, tmp_path
):
    url, paths = server
    passwords = _school(paths["data"])

    # The teacher, at a desk: the messages tile, then a message to "Parents de 5A".
    _login(page, url, "marie.curie", passwords["marie.curie"])
    page.get_by_role("link", name=re.compile("^Messagerie")).click()
    expect(page.locator("h1")).to_have_text("Boîte de réception")
    page.get_by_role("link", name="Écrire un message").click()
    page.get_by_label("Chercher un destinataire").fill("parents")
    page.get_by_role("button", name="Chercher", exact=True).click()
    page.get_by_label(re.compile(r"^Parents de 5A")).check()
    page.get_by_label("Objet").fill("Sortie au musée")
    page.get_by_label("Message", exact=True).fill("Départ jeudi à 8 h 30 devant le collège.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_contain_text("Message envoyé à 2 destinataire(s).")
    sent_url = page.url
    page.screenshot(path=str(tmp_path / "teacher-sent.png"))

    # A parent, on a phone: the unread message, read, then answered.
    phone = browser.new_context(locale="fr-FR", **PHONE)
    mobile = phone.new_page()
    errors = []
    mobile.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(mobile, url, "sophie.martin", passwords["sophie.martin"])
    mobile.get_by_role("link", name=re.compile("^Messagerie")).click()
    expect(mobile.locator(".unread-count")).to_have_text("1 non lu(s)")
    _fits(mobile)
    item = mobile.locator(".mail-item.unread")
    expect(item).to_contain_text("Sortie au musée")
    expect(item).to_contain_text("Marie Curie")
    item.get_by_role("link").click()
    expect(mobile.locator(".message-body")).to_contain_text("Départ jeudi à 8 h 30")
    expect(mobile.locator(".message-head")).to_contain_text("Parents de 5A")
    expect(mobile.locator(".message-head")).not_to_contain_text("Karim")  # like Bcc
    _fits(mobile)
    mobile.screenshot(path=str(tmp_path / "parent-phone-read.png"), full_page=True)
    mobile.get_by_role("link", name="Répondre", exact=True).click()
    expect(mobile.get_by_label("Objet")).to_have_value("Re : Sortie au musée")
    expect(mobile.get_by_label("Message", exact=True)).to_have_value("")  # nothing quoted
    mobile.get_by_label("Message", exact=True).fill("Bien noté, Léa sera là.")
    _fits(mobile)
    mobile.get_by_role("button", name="Envoyer").click()
    expect(mobile.get_by_role("status")).to_contain_text("Message envoyé à 1 destinataire(s).")
    mobile.screenshot(path=str(tmp_path / "parent-phone-answered.png"), full_page=True)
    phone.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors

    # The teacher sees the answer, in the same conversation, and who read the message.
    page.goto(url + "/messages/")
    answer = page.locator(".mail-item.unread")
    expect(answer).to_contain_text("Re : Sortie au musée")
    expect(answer).to_contain_text("Sophie Martin")
    answer.get_by_role("link").click()
    expect(page.locator(".message-body")).to_contain_text("Bien noté, Léa sera là.")
    expect(page.locator(".thread")).to_contain_text("Sortie au musée")
    page.goto(sent_url)
    expect(page.get_by_role("table", name="Qui a lu ce message")).to_contain_text("lu le")
    expect(page.locator("#receipts-title + p")).to_have_text("1 sur 2 l'ont lu.")
