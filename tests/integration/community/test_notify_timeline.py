"""The notification timeline (#12): `emit` as every service calls it, the unread count on
every page, opening an entry, "all read", the list past its first page
(notifications/index.html), the frequencies of Mon compte and what they change."""

from __future__ import annotations

import re

import pytest

from appliance.community import notifications
from appliance.security.audit import Actor
from tests.conftest import csrf_token, text
from tests.integration.community.helpers import logged_in, person

ME = Actor(None, "test", None)


def _mail_frequency(conn, pid):
    return [
        r[0]
        for r in conn.execute(
            "SELECT mail_frequency FROM notification WHERE person_id = ? ORDER BY id", (pid,)
        )
    ]


def test_emit_writes_each_person_once_never_the_actor_nor_a_disabled_account(conn, school):
    lea, noah, ines, curie = school["lea"], school["noah"], school["ines"], school["curie"]
    conn.execute("UPDATE person SET state = 'disabled' WHERE id = ?", (ines,))
    n = notifications.emit(
        conn, [lea, noah, lea, ines, curie], "homework", "Exercices 3 et 4 p. 52\n(pour lundi)",
        "/cahier/12", actor_id=curie, ref="homework:12",
    )  # fmt: skip
    assert n == 2
    for pid in (lea, noah):
        (entry,) = notifications.timeline(conn, pid)
        assert entry["type"] == "homework" and entry["link"] == "/cahier/12"
        assert entry["text"] == "Exercices 3 et 4 p. 52 (pour lundi)"  # one line
        assert entry["actor"] == "Curie Testeur" and entry["read"] is False
    assert notifications.timeline(conn, ines) == [] and notifications.timeline(conn, curie) == []
    assert notifications.emit(conn, [], "news", "x", "/") == 0


def test_emit_refuses_an_unknown_type_and_a_link_out_of_the_portal(conn, school):
    with pytest.raises(ValueError, match="unknown notification type"):
        notifications.emit(conn, [school["lea"]], "gossip", "x", "/")
    for link in ("https://ailleurs.test/", "//ailleurs.test", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="path inside the portal"):
            notifications.emit(conn, [school["lea"]], "news", "x", link)
    long = notifications.short_text("mot " * 100)
    assert len(long) == notifications.TEXT_MAX and long.endswith("…")


def test_the_mail_is_decided_by_the_frequency_and_an_address(conn, school):
    """Defaults per profile (messages at once for parents, in the daily digest for
    students), a person's own choice, "never", and no address at all: no mail."""
    sophie, lea, claire = school["sophie"], school["lea"], school["claire"]
    conn.execute("UPDATE person SET email = 'lea@eleve.test' WHERE id = ?", (lea,))
    notifications.emit(conn, [sophie, lea, claire, school["hugo"]], "message", "Sortie", "/m/1")
    assert _mail_frequency(conn, sophie) == ["immediate"]  # a parent: at once
    assert _mail_frequency(conn, lea) == ["daily"]  # a student: the morning digest
    assert _mail_frequency(conn, school["hugo"]) == [None]  # no address anywhere
    notifications.set_frequencies(conn, person(conn, claire), {"message": "never"}, ME)
    notifications.set_frequencies(conn, person(conn, sophie), {"news": "daily"}, ME)
    notifications.emit(conn, [sophie, claire], "message", "Rappel", "/m/2")
    notifications.emit(conn, [sophie], "news", "Portes ouvertes", "/actualites/1")
    assert _mail_frequency(conn, claire) == ["immediate", None]
    assert _mail_frequency(conn, sophie) == ["immediate", "immediate", "daily"]
    chosen = notifications.frequencies(conn, person(conn, sophie))
    assert chosen["news"] == "daily" and chosen["lesson_changed"] == "immediate"
    assert chosen["homework"] == "daily"
    # Back to the default: no choice kept.
    notifications.set_frequencies(conn, person(conn, sophie), {"news": "weekly"}, ME)
    kept = conn.execute("SELECT count(*) FROM notification_setting WHERE person_id = ?", (sophie,))
    assert kept.fetchone()[0] == 0


def test_wrong_frequencies_are_refused_naming_what(conn, school):
    who = person(conn, school["lea"])
    with pytest.raises(Exception, match="inconnue"):
        notifications.set_frequencies(conn, who, {"message": "hourly"}, ME)
    with pytest.raises(Exception, match="Type de notification inconnu"):
        notifications.set_frequencies(conn, who, {"gossip": "daily"}, ME)


def test_mark_read_ignores_other_peoples_entries_and_withdraw_keeps_what_was_seen(conn, school):
    lea, noah = school["lea"], school["noah"]
    notifications.emit(conn, [lea, noah], "message", "A", "/m/1", ref="message:1")
    notifications.emit(conn, [lea], "message", "B", "/m/2", ref="message:2")
    noah_entry = notifications.timeline(conn, noah)[0]["id"]
    assert notifications.mark_read(conn, lea, [noah_entry]) == 0
    assert notifications.unread_count(conn, noah) == 1
    first = notifications.timeline(conn, lea)[-1]["id"]
    assert notifications.open_entry(conn, lea, first) == "/m/1"
    assert notifications.open_entry(conn, lea, noah_entry) is None
    assert notifications.unread_count(conn, lea) == 1
    # The message is recalled: gone where it was not read, kept where it was.
    assert notifications.withdraw(conn, "message:1") == 1
    assert [e["text"] for e in notifications.timeline(conn, lea)] == ["B", "A"]
    assert notifications.timeline(conn, noah) == []
    assert notifications.mark_read(conn, lea) == 1
    assert notifications.unread_count(conn, lea) == 0


def test_the_unread_count_is_on_every_page_and_all_read_clears_it(app, conn, school):
    lea = school["lea"]
    for i in range(3):
        notifications.emit(conn, [lea], "forum_reply", f"Réponse {i}", "/forums")
    client = logged_in(app, conn, lea)
    for url in ("/", "/compte/mot-de-passe", "/notifications", "/compte/notifications"):
        page = client.get(url).get_data(as_text=True)
        assert re.search(r'class="count">3</span>', page), url
    r = client.post(
        "/notifications/tout-lu", data={"csrf_token": csrf_token(client, "/notifications")}
    )
    assert r.status_code == 302
    page = text(client.get("/notifications"))
    assert "3 notification(s) marquée(s) comme lue(s)." in page
    assert 'class="count"' not in page and "dont 0 non lue(s)" in page


def test_opening_an_entry_marks_it_read_and_leads_to_its_page(app, conn, school):
    lea, noah = school["lea"], school["noah"]
    notifications.emit(conn, [lea], "news", "Portes ouvertes", "/actualites")
    notifications.emit(conn, [noah], "news", "Autre", "/forums")
    mine = notifications.timeline(conn, lea)[0]["id"]
    theirs = notifications.timeline(conn, noah)[0]["id"]
    client = logged_in(app, conn, lea)
    r = client.get(f"/notifications/ouvrir?id={mine}")
    assert r.status_code == 302 and r.headers["Location"] == "/actualites"
    assert notifications.unread_count(conn, lea) == 0
    for wrong in (str(theirs), "abc", "-1", "9" * 40):
        r = client.get(f"/notifications/ouvrir?id={wrong}")
        assert r.headers["Location"] == "/notifications", wrong
    assert notifications.unread_count(conn, noah) == 1


def test_the_timeline_shows_every_page(app, conn, school):
    """notifications/index.html past its first page: 30 a page, newest first."""
    lea = school["lea"]
    for i in range(65):
        notifications.emit(conn, [lea], "message", f"Message numéro {i:02d}", f"/m/{i}")
    client = logged_in(app, conn, lea)
    seen = []
    for page in (1, 2, 3):
        html = text(client.get(f"/notifications?page={page}"))
        assert f"Page {page} sur 3" in html
        seen.append(re.findall(r"Message numéro (\d\d)", html))
    assert [len(s) for s in seen] == [30, 30, 5]
    assert seen[0][0] == "64" and seen[2][-1] == "00"
    assert not set(seen[0]) & set(seen[1])
    assert "Page 3 sur 3" in text(client.get("/notifications?page=99"))


def test_mon_compte_sets_the_frequencies(app, conn, school):
    sophie = school["sophie"]
    client = logged_in(app, conn, sophie)
    assert "Régler mes notifications" in text(client.get("/compte/mot-de-passe"))
    page = text(client.get("/compte/notifications"))
    assert "sophie@famille.test" in page and "adresse connue de l'établissement" in page
    form = {f"type_{t}": "never" if t == "message" else "weekly" for t in notifications.TYPES}
    r = client.post(
        "/compte/notifications",
        data={
            **form,
            "action": "frequencies",
            "csrf_token": csrf_token(client, "/compte/notifications"),
        },
    )
    assert r.status_code == 302
    chosen = notifications.frequencies(conn, person(conn, sophie))
    assert chosen["message"] == "never" and chosen["absence"] == "weekly"
    r = client.post(
        "/compte/notifications",
        data={"type_message": "hourly", "csrf_token": csrf_token(client, "/compte/notifications")},
    )
    assert r.status_code == 400 and "inconnue" in text(r)
    row = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'notifications.settings'"
    ).fetchone()
    assert "immediate → never" in row[0]


def test_a_recalled_message_leaves_a_word_only_where_it_may_have_been_seen(conn, school):
    lea, noah, ines = school["lea"], school["noah"], school["ines"]
    notifications.emit(conn, [lea, noah, ines], "message", "Sortie", "/m/7", ref="message:7")
    read = notifications.timeline(conn, noah)[0]["id"]
    notifications.mark_read(conn, noah, [read])
    conn.execute("UPDATE notification SET mail_sent_at = 1 WHERE person_id = ?", (ines,))
    n = notifications.recalled(
        conn,
        "message:7",
        [lea, noah, ines],
        "Message retiré : Sortie",
        "/m",
        actor_id=school["curie"],
    )
    assert n == 2
    assert notifications.timeline(conn, lea) == []  # never seen: nothing left
    for pid in (noah, ines):
        assert [e["type"] for e in notifications.timeline(conn, pid)] == [
            "message_recalled", "message",
        ]  # fmt: skip
