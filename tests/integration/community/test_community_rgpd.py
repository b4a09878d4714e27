"""The RGPD side of notifications, news and forums (#12): the person's export has them
(and other.json no longer dumps their raw rows), and the purge takes what is the person's
own while what they wrote for others stays, shown as from a former user."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from appliance.community import forums, news, notifications
from appliance.directory import export
from appliance.directory.lifecycle import run_lifecycle
from appliance.security.audit import Actor
from tests.conftest import text
from tests.integration.community.helpers import logged_in, person

ME = Actor(None, "test", None)


def _community(conn, school):
    curie, lea = person(conn, school["curie"]), person(conn, school["lea"])
    forum = forums.open_forum(conn, curie, "class", "5A", "Physique 5A", ME)
    topic = forums.new_topic(conn, lea, forum, "Le TP", "Mon premier message")
    forums.reply(conn, curie, topic, "La réponse du professeur")
    forums.reply(conn, lea, topic, "Merci madame")
    published = news.create(
        conn, curie, {"title": "Sortie", "body": "Jeudi.", "audience": ["parents:class:5A"]}, ME
    )
    news.publish(conn, person(conn, school["dir"]), published, ME)
    draft = news.create(
        conn, curie, {"title": "Brouillon", "body": "…", "audience": ["parents:class:5A"]}, ME
    )
    notifications.set_frequencies(conn, lea, {"forum_reply": "never"}, ME)
    notifications.set_address(conn, lea["id"], "lea@eleve.test", ME)
    return forum, topic, published, draft


def test_the_export_has_the_notifications_news_and_forums(conn, school):
    _community(conn, school)
    data = export.collect(conn, school["lea"])
    mine = data["notifications.json"]
    assert mine["email"] == {"email": "lea@eleve.test", "source": "own", "pending": None,
                             "pending_sent": False}  # fmt: skip
    assert mine["frequencies"]["forum_reply"] == "never"
    assert [(e["type"], e["text"]) for e in mine["timeline"]] == [
        ("forum_reply", "Curie Testeur a répondu au sujet « Le TP » (5A)")
    ]
    written = data["forums.json"]
    assert [m["body"] for m in written["messages"]] == ["Mon premier message", "Merci madame"]
    assert [s["title"] for s in written["subjects"]] == ["Le TP"]
    assert not set(data["other.json"]) & {"notification", "forum_post", "news", "forum_topic"}
    teacher = export.collect(conn, school["curie"])
    assert [n["title"] for n in teacher["news.json"]["written"]] == ["Brouillon", "Sortie"]
    assert [f["title"] for f in teacher["forums.json"]["opened"]] == ["Physique 5A"]
    blob, _name = export.export_zip(conn, school["lea"])
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert {"notifications.json", "news.json", "forums.json", "other.json"} <= set(names)
    readme = zipfile.ZipFile(io.BytesIO(blob)).read("LISEZMOI.txt").decode()
    assert "notifications.json" in readme
    json.loads(zipfile.ZipFile(io.BytesIO(blob)).read("forums.json"))


def test_the_purge_keeps_what_was_written_for_others_as_from_a_former_user(app, conn, school):
    forum, topic, published, draft = _community(conn, school)
    for who in ("lea", "curie"):
        conn.execute(
            "UPDATE person SET state = 'departed', departed_on = '2026-01-05' WHERE id = ?",
            (school[who],),
        )
    report = run_lifecycle(conn, date(2026, 6, 1))
    assert {p["login"] for p in report.purged} == {"lea", "curie"}
    # Their own things are gone: timeline, settings, address, the unpublished draft.
    for table in ("notification", "notification_setting", "notification_address"):
        left = conn.execute(
            f"SELECT count(*) FROM {table} WHERE person_id IN (?, ?)",
            (school["lea"], school["curie"]),
        ).fetchone()[0]
        assert left == 0, table
    assert conn.execute("SELECT count(*) FROM news WHERE id = ?", (draft,)).fetchone()[0] == 0
    # What they wrote for others stays.
    assert news.get(conn, published)["author"] == "ancien utilisateur"
    posts = forums.posts(conn, topic)
    assert [p["author"] for p in posts] == ["ancien utilisateur"] * 3
    assert [p["text"] for p in posts][0] == "Mon premier message"
    noah = logged_in(app, conn, school["noah"])
    page = text(noah.get(f"/forums/sujets/{topic}"))
    assert page.count("ancien utilisateur") == 3 and "Merci madame" in page
    assert "ancien utilisateur" in text(noah.get(f"/forums/{forum}"))
    # A parent of another 5A student still reads the news item.
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
        (school["sophie"], school["noah"]),
    )
    sophie = logged_in(app, conn, school["sophie"])
    assert "ancien utilisateur" in text(sophie.get(f"/actualites/{published}"))
