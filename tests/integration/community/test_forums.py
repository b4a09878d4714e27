"""Class forums (#12): opened by the class's teachers, its students and teachers take part
(and are told of answers), the teachers moderate (hide with a reason, lock); parents, staff
and other classes don't see them. Subjects (forums/show.html) and messages
(forums/topic.html) past their first page."""

from __future__ import annotations

import re

import pytest

from appliance.community import forums, notifications
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.security.audit import Actor
from tests.conftest import csrf_token, text
from tests.integration.community.helpers import logged_in, person

ME = Actor(None, "test", None)


@pytest.fixture
def forum(conn, school):
    return forums.open_forum(conn, person(conn, school["curie"]), "class", "5A", "Physique 5A", ME)


def _post(client, url, **data):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/forums")})


def test_the_teachers_open_a_forum_for_their_own_class(app, conn, school):
    curie = logged_in(app, conn, school["curie"])
    page = text(curie.get("/forums"))
    assert 'value="class:5A"' in page and "class:4B" not in page
    r = _post(curie, "/forums/nouveau", audience="class:5A", title="Physique 5A")
    assert r.status_code == 302
    forum_id = int(re.search(r"/forums/(\d+)", r.headers["Location"]).group(1))
    assert forums.get_forum(conn, forum_id)["code"] == "5A"
    with pytest.raises(PolicyDenied, match="Seuls les enseignants de 4B"):
        forums.open_forum(conn, person(conn, school["curie"]), "class", "4B", "Intrus", ME)
    with pytest.raises(CartableError, match="Aucune classe"):
        forums.open_forum(conn, person(conn, school["curie"]), "class", "9Z", "x", ME)
    r = _post(
        logged_in(app, conn, school["lea"]), "/forums/nouveau", audience="class:5A", title="x"
    )
    assert r.status_code == 403
    assert (
        conn.execute("SELECT count(*) FROM audit_log WHERE action = 'forums.open'").fetchone()[0]
        == 1
    )


def test_students_and_teachers_talk_and_are_told_of_answers(app, conn, school, forum):
    lea = logged_in(app, conn, school["lea"])
    r = _post(
        lea, f"/forums/{forum}/sujets", title="Le TP des mélanges", body="Faut-il le protocole ?"
    )
    topic = int(re.search(r"/forums/sujets/(\d+)", r.headers["Location"]).group(1))
    (told,) = notifications.timeline(conn, school["curie"])  # the forum's teacher
    assert told["type"] == "forum_reply" and "Nouveau sujet" in told["text"]
    curie = logged_in(app, conn, school["curie"])
    r = _post(curie, f"/forums/sujets/{topic}/repondre", body="Non, vos observations.")
    assert r.status_code == 302 and re.search(r"#m\d+$", r.headers["Location"])
    forums.reply(conn, person(conn, school["noah"]), topic, "Et le schéma ?")
    lea_told = [e["text"] for e in notifications.timeline(conn, school["lea"])]
    assert lea_told == [
        "Noah Testeur a répondu au sujet « Le TP des mélanges » (5A)",
        "Curie Testeur a répondu au sujet « Le TP des mélanges » (5A)",
    ]
    assert len(notifications.timeline(conn, school["curie"])) == 2  # the topic, Noah
    page = text(lea.get(f"/forums/sujets/{topic}"))
    assert "Non, vos observations." in page and "Et le schéma ?" in page
    assert "Masquer ce message" not in page  # a student does not moderate
    assert text(lea.get("/forums")).count("Physique 5A") == 1


def test_the_teacher_hides_a_message_with_a_reason_and_locks_the_subject(app, conn, school, forum):
    topic = forums.new_topic(conn, person(conn, school["lea"]), forum, "Sujet", "Bonjour")
    post = forums.reply(conn, person(conn, school["noah"]), topic, "Un message déplacé")
    curie, lea = logged_in(app, conn, school["curie"]), logged_in(app, conn, school["lea"])
    _post(curie, f"/forums/messages/{post}/masquer", reason="")
    assert forums.posts(conn, topic)[1]["hidden"] is False  # no reason, not hidden
    _post(curie, f"/forums/messages/{post}/masquer", reason="Hors sujet")
    page = text(lea.get(f"/forums/sujets/{topic}"))
    assert "Message masqué par un enseignant : Hors sujet" in page
    assert "Un message déplacé" not in page
    page = text(curie.get(f"/forums/sujets/{topic}"))
    assert "Un message déplacé" in page and "Rendre de nouveau visible" in page
    # Students can't moderate: the same answer as for a message that does not exist.
    assert _post(lea, f"/forums/messages/{post}/masquer", reason="x").status_code == 404
    assert _post(lea, f"/forums/sujets/{topic}/verrou", locked="1").status_code == 404
    _post(curie, f"/forums/sujets/{topic}/verrou", locked="1")
    with pytest.raises(CartableError, match="verrouillé"):
        forums.reply(conn, person(conn, school["lea"]), topic, "Encore moi")
    r = _post(lea, f"/forums/sujets/{topic}/repondre", body="Encore moi")
    assert "verrouillé" in text(lea.get(r.headers["Location"]))
    _post(curie, f"/forums/sujets/{topic}/verrou", locked="0")
    forums.reply(conn, person(conn, school["lea"]), topic, "Rouvert")
    _post(curie, f"/forums/messages/{post}/afficher")
    assert "Un message déplacé" in text(lea.get(f"/forums/sujets/{topic}?page=1"))
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert [a for a in actions if a.startswith("forums.")] == [
        "forums.open", "forums.hide", "forums.lock", "forums.unlock", "forums.unhide",
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["sophie", "claire", "cpe", "dir"])
def test_parents_and_staff_do_not_see_class_forums(app, conn, school, forum, who):
    topic = forums.new_topic(conn, person(conn, school["lea"]), forum, "Sujet", "Bonjour")
    post = forums.posts(conn, topic)[0]["id"]
    client = logged_in(app, conn, school[who])
    assert client.get("/forums").status_code == 403
    for url in (f"/forums/{forum}", f"/forums/sujets/{topic}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/forums/sujets/{topic}/repondre", f"/forums/messages/{post}/masquer"):
        assert _post(client, url, body="x", reason="x").status_code == 404, url
    with pytest.raises(NotFound):
        forums.reply(conn, person(conn, school[who]), topic, "x")
    assert 'href="/forums"' not in client.get("/").get_data(as_text=True)  # no tile either


@pytest.mark.parametrize("who", ["ines", "hugo"])
def test_another_class_does_not_see_the_forum(app, conn, school, forum, who):
    client = logged_in(app, conn, school[who])
    assert client.get("/forums").status_code == 200
    assert "Physique 5A" not in text(client.get("/forums"))
    assert client.get(f"/forums/{forum}").status_code == 404
    with pytest.raises(NotFound):
        forums.new_topic(conn, person(conn, school[who]), forum, "x", "y")


def test_subjects_and_messages_show_every_page(app, conn, school, forum):
    """forums/show.html and forums/topic.html past their first page (30 a page)."""
    lea = person(conn, school["lea"])
    topics = [forums.new_topic(conn, lea, forum, f"Sujet numéro {i:02d}", "x") for i in range(35)]
    for i in range(64):
        forums.reply(conn, lea, topics[0], f"Réponse numéro {i:02d}")
    client = logged_in(app, conn, school["noah"])
    pages = [text(client.get(f"/forums/{forum}?page={p}")) for p in (1, 2)]
    shown = [re.findall(r"Sujet numéro (\d\d)</a>", p) for p in pages]
    assert [len(s) for s in shown] == [30, 5] and "Page 2 sur 2" in pages[1]
    assert sorted(shown[0] + shown[1]) == [f"{i:02d}" for i in range(35)]
    answers = [
        re.findall(
            r"Réponse numéro (\d\d)", text(client.get(f"/forums/sujets/{topics[0]}?page={p}"))
        )
        for p in (1, 2, 3)
    ]
    assert [len(a) for a in answers] == [29, 30, 5]  # page 1 opens with the subject's message
    assert answers[0][0] == "00" and answers[2][-1] == "63"
    r = client.post(
        f"/forums/sujets/{topics[0]}/repondre",
        data={"body": "La dernière", "csrf_token": csrf_token(client, "/forums")},
    )
    (last,) = forums.posts(conn, topics[0], limit=1, offset=65)
    assert r.headers["Location"].endswith(f"/forums/sujets/{topics[0]}?page=3#m{last['id']}")
