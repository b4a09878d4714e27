"""The JSON API of notifications, news and forums (#12, `api.md`): the contracts of the
issue, with bearer tokens, lists past their first page, refusals in the one error shape."""

from __future__ import annotations

import pytest

from appliance.community import forums, news, notifications
from appliance.security import audit, tokens
from appliance.security.audit import Actor
from tests.integration.community.helpers import person

ME = Actor(None, "test", None)


@pytest.fixture
def call(client, conn, school):
    """call(who, method, path, json=None) with a bearer token of `who`."""
    held: dict[str, str] = {}

    def do(who: str, method: str, path: str, json=None):
        if who not in held:
            held[who] = tokens.create(conn, school[who], "test", actor=audit.SYSTEM)[1]
        return client.open(
            f"/api/v1{path}",
            method=method,
            json=json,
            headers={"Authorization": f"Bearer {held[who]}"},
        )

    return do


def _error(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_my_timeline_page_by_page_and_marking_it_read(call, conn, school):
    lea, noah = school["lea"], school["noah"]
    for i in range(5):
        notifications.emit(
            conn, [lea], "homework", f"Devoir {i}", f"/cahier/{i}", actor_id=school["curie"]
        )
    notifications.emit(conn, [noah], "homework", "Pas à Léa", "/cahier/9")
    first = call("lea", "GET", "/notifications?limit=2").get_json()
    assert first["unread"] == 5 and [e["text"] for e in first["items"]] == ["Devoir 4", "Devoir 3"]
    entry = first["items"][0]
    assert set(entry) == {"id", "type", "date", "text", "link", "read", "from"}
    assert entry["type"] == "homework" and entry["link"] == "/cahier/4" and entry["read"] is False
    assert entry["from"] == "Curie Testeur" and len(entry["date"]) == 16
    second = call("lea", "GET", f"/notifications?limit=2&cursor={first['next']}").get_json()
    assert [e["text"] for e in second["items"]] == ["Devoir 2", "Devoir 1"]
    last = call("lea", "GET", f"/notifications?limit=2&cursor={second['next']}").get_json()
    assert [e["text"] for e in last["items"]] == ["Devoir 0"] and "next" not in last
    _error(call("lea", "GET", "/notifications?cursor=WyJ4Il0"), 400, "bad_cursor")
    theirs = notifications.timeline(conn, noah)[0]["id"]
    r = call("lea", "POST", "/notifications/read", {"ids": [entry["id"], theirs]})
    assert r.status_code == 200 and r.get_json() == {"read": 1, "unread": 4}
    assert notifications.unread_count(conn, noah) == 1
    assert call("lea", "POST", "/notifications/read", {"all": True}).get_json() == {
        "read": 4, "unread": 0,
    }  # fmt: skip
    _error(call("lea", "POST", "/notifications/read", {}), 422)
    _error(call("lea", "POST", "/notifications/read", {"ids": ["x"]}), 422)


def test_my_notification_settings_change_in_part(call, conn, school):
    got = call("sophie", "GET", "/me/notification-settings").get_json()
    assert got["email"] == "sophie@famille.test" and got["pending"] is None
    assert got["types"]["message"] == "immediate" and got["types"]["news"] == "weekly"
    r = call("sophie", "PUT", "/me/notification-settings", {"types": {"message": "never"}})
    assert r.status_code == 200
    changed = r.get_json()["types"]
    assert changed == {**got["types"], "message": "never"}
    r = call("sophie", "PUT", "/me/notification-settings", {"email": "Sophie@Perso.test"})
    assert r.get_json()["pending"] == "sophie@perso.test"
    assert r.get_json()["email"] == "sophie@famille.test"  # until the link is opened
    r = call("sophie", "PUT", "/me/notification-settings", {"email": None})
    assert r.get_json()["email"] is None
    error = _error(
        call("sophie", "PUT", "/me/notification-settings", {"types": {"message": "hourly"}}), 422
    )
    assert error["field"] == "types.message"
    error = _error(
        call("sophie", "PUT", "/me/notification-settings", {"email": "pas-une-adresse"}), 422
    )
    assert error["field"] == "email"


def test_news_for_their_audience_written_by_teachers_published_by_the_direction(call, conn, school):
    r = call("curie", "POST", "/news", {
        "title": "Sortie au musée", "body": "Jeudi, départ 8 h.",
        "audience": ["parents:class:5A"], "publish_from": "2026-01-05T08:00",
    })  # fmt: skip
    assert r.status_code == 201
    item = r.get_json()
    assert item["state"] == "draft" and item["audience"] == ["parents:class:5A"]
    assert item["publish_from"] == "2026-01-05T08:00" and item["text"] == "Jeudi, départ 8 h."
    assert item["author"] == {"login": "curie", "name": "Curie Testeur"}
    _error(
        call(
            "curie", "POST", "/news", {"title": "x", "body": "y", "audience": ["parents:class:4B"]}
        ),
        403,
    )
    _error(call("lea", "POST", "/news", {"title": "x", "body": "y", "audience": ["all"]}), 403)
    _error(call("curie", "POST", f"/news/{item['id']}/publish"), 404)  # not a publisher
    r = call("dir", "POST", f"/news/{item['id']}/publish")
    assert r.status_code == 200 and r.get_json()["state"] == "published"
    assert [n["title"] for n in call("sophie", "GET", "/news").get_json()["items"]] == [
        "Sortie au musée"
    ]
    assert call("claire", "GET", "/news").get_json()["items"] == []  # a parent of 4B
    _error(call("claire", "GET", f"/news/{item['id']}"), 404)
    assert call("sophie", "GET", f"/news/{item['id']}").get_json()["id"] == item["id"]
    assert [e["type"] for e in notifications.timeline(conn, school["sophie"])] == ["news"]


def test_the_news_list_goes_past_its_first_page(call, conn, school):
    direction = person(conn, school["dir"])
    for i in range(5):
        nid = news.create(conn, direction, {"title": f"Info {i}", "body": "x", "audience": ["all"],
                                            "pinned": i == 1}, ME)  # fmt: skip
        news.publish(conn, direction, nid, ME)
    first = call("claire", "GET", "/news?limit=3").get_json()
    second = call("claire", "GET", f"/news?limit=3&cursor={first['next']}").get_json()
    titles = [n["title"] for n in first["items"] + second["items"]]
    assert titles[0] == "Info 1" and sorted(titles) == [f"Info {i}" for i in range(5)]
    assert "next" not in second


def test_forums_for_the_class_not_for_parents(call, conn, school):
    r = call(
        "curie",
        "POST",
        "/forums",
        {"audience": {"kind": "class", "code": "5A"}, "title": "Physique"},
    )
    assert r.status_code == 201
    forum = r.get_json()
    assert forum["audience"] == {"kind": "class", "code": "5A"} and forum["moderator"] is True
    _error(
        call(
            "curie", "POST", "/forums", {"audience": {"kind": "class", "code": "4B"}, "title": "x"}
        ),
        403,
    )
    _error(
        call("lea", "POST", "/forums", {"audience": {"kind": "class", "code": "5A"}, "title": "x"}),
        403,
    )
    _error(call("sophie", "GET", "/forums"), 403)
    _error(call("sophie", "GET", f"/forums/{forum['id']}"), 404)
    _error(call("ines", "GET", f"/forums/{forum['id']}"), 404)  # another class
    assert [f["title"] for f in call("lea", "GET", "/forums").get_json()["items"]] == ["Physique"]
    r = call(
        "lea", "POST", f"/forums/{forum['id']}/subjects", {"title": "Le TP", "body": "Question ?"}
    )
    assert r.status_code == 201
    subject = r.get_json()
    assert subject["author"]["login"] == "lea" and subject["messages"] == 1
    r = call("noah", "POST", f"/forums/subjects/{subject['id']}/messages", {"body": "Hors sujet !"})
    assert r.status_code == 201
    message = r.get_json()
    assert message["text"] == "Hors sujet !" and message["hidden"] is False
    _error(call("lea", "POST", f"/forums/messages/{message['id']}/hide", {"reason": "x"}), 404)
    r = call("curie", "POST", f"/forums/messages/{message['id']}/hide", {"reason": "Hors sujet"})
    assert r.status_code == 200 and r.get_json()["hidden"] is True
    shown = call("lea", "GET", f"/forums/subjects/{subject['id']}/messages").get_json()["items"]
    assert [(m["text"], m["hidden_reason"]) for m in shown] == [
        ("Question ?", None), (None, "Hors sujet"),
    ]  # fmt: skip
    seen = call("curie", "GET", f"/forums/subjects/{subject['id']}/messages").get_json()["items"]
    assert seen[1]["text"] == "Hors sujet !"  # the teacher still reads it
    r = call("curie", "POST", f"/forums/subjects/{subject['id']}/lock", {"locked": True})
    assert r.status_code == 200 and r.get_json()["locked"] is True
    error = _error(
        call("lea", "POST", f"/forums/subjects/{subject['id']}/messages", {"body": "Et ?"}), 409
    )
    assert "verrouillé" in error["message"]
    detail = call("noah", "GET", f"/forums/{forum['id']}").get_json()
    assert [s["title"] for s in detail["subjects"]] == ["Le TP"] and detail["subject_count"] == 1
    assert detail["moderator"] is False


def test_a_subjects_messages_page_by_page(call, conn, school):
    curie = person(conn, school["curie"])
    forum = forums.open_forum(conn, curie, "class", "5A", "Forum", ME)
    topic = forums.new_topic(conn, person(conn, school["lea"]), forum, "Sujet", "m0")
    for i in range(1, 5):
        forums.reply(conn, curie, topic, f"m{i}")
    first = call("lea", "GET", f"/forums/subjects/{topic}/messages?limit=3").get_json()
    second = call("lea", "GET", f"/forums/subjects/{topic}/messages?limit=3&cursor={first['next']}")
    texts = [m["text"] for m in first["items"] + second.get_json()["items"]]
    assert texts == ["m0", "m1", "m2", "m3", "m4"] and "next" not in second.get_json()
