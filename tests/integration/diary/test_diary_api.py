"""The cahier de textes's JSON API with bearer tokens: the contract of each endpoint
(fields, statuses), the policy (a teacher writing in a class they don't teach, a student
ticking another class's homework, a parent of another family), the error shape."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appliance.schoollife.diary import homework, progress, reading
from appliance.security import audit, tokens
from tests.diary_school import FRENCH, MATHS, audience
from tests.integration.diary.conftest import day


@pytest.fixture
def api(client, conn, school):
    """call(who, method, path, json=None) with the bearer token of `who`."""
    made: dict[str, str] = {}

    def call(who: str, method: str, path: str, json=None):
        if who not in made:
            made[who] = tokens.create(conn, school[who].id, "test", actor=audit.SYSTEM)[1]
        return client.open(
            "/api/v1" + path,
            method=method,
            json=json,
            headers={"Authorization": f"Bearer {made[who]}"},
        )

    return call


def _error(r, status: int, field: str | None = None) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert set(body) == {"error"} and body["error"]["message"]
    if field is not None:
        assert body["error"]["field"] == field, body
    return body["error"]


def _give(conn, school, monday, **extra):
    values = {
        "text": "Exercices 1 à 4 page 52",
        "kind": "exercise",
        "due_next_lesson": True,
        "lesson_id": school.lesson("5A", MATHS, monday),
    }
    values.update(extra)
    return homework.create(
        conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS, **values
    )


def test_put_a_lessons_content(api, conn, school, monday):
    lesson = school.lesson("5A", MATHS, monday)
    r = api("maths", "PUT", f"/lessons/{lesson}/diary",
            {"content": "Pythagore <b>démontré</b><script>x</script>"})  # fmt: skip
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["lesson_id"] == lesson and body["date"] == monday.isoformat()
    assert body["start"] == f"{monday.isoformat()}T08:00" and body["subject_code"] == MATHS
    assert body["content_html"] == "Pythagore <b>démontré</b>"
    assert body["content"] == "Pythagore démontré"
    assert body["audience"] == {"kind": "class", "code": "5A"}
    # French teacher of the same class, a parent, an unknown lesson: 404 all.
    own = f"/lessons/{lesson}/diary"
    for who, path in (("french", own), ("sophie", own), ("maths", "/lessons/999999/diary")):
        _error(api(who, "PUT", path, {"content": "Intrus"}), 404)
    _error(api("maths", "PUT", f"/lessons/{lesson}/diary", {"texte": "x"}), 422, "texte")
    _error(api("maths", "PUT", f"/lessons/{lesson}/diary", {}), 422, "content")
    r = api("maths", "PUT", f"/lessons/{lesson}/diary", {"content": ""})
    assert r.status_code == 200 and r.get_json()["content"] == ""


def test_get_a_classes_diary(api, conn, school, monday):
    _give(conn, school, monday)
    api("maths", "PUT", f"/lessons/{school.lesson('5A', MATHS, monday)}/diary",
        {"content": "Chapitre 3"})  # fmt: skip
    span = f"from={monday.isoformat()}&to={day(monday, 6).isoformat()}"
    r = api("lea", "GET", f"/diary?audience=class:5A&{span}")
    assert r.status_code == 200
    [item] = r.get_json()["items"]  # families: the lessons with something written
    assert item["content"] == "Chapitre 3"
    assert item["lesson_id"] == school.lesson("5A", MATHS, monday)
    [hw] = item["homework"]
    assert hw["text"] == "Exercices 1 à 4 page 52" and hw["due"] == day(monday, 2).isoformat()
    assert "done_count" not in hw
    teacher = api("maths", "GET", f"/diary?audience=class:5A&{span}").get_json()["items"]
    assert len(teacher) == 5 and teacher[0]["homework"][0]["done_count"] == 0
    assert teacher[0]["homework"][0]["students"] == 2
    # Another family's parent: as for a class that does not exist.
    refused = _error(api("claire", "GET", f"/diary?audience=class:5A&{span}"), 404)
    assert refused == _error(api("claire", "GET", f"/diary?audience=class:9Z&{span}"), 404)
    _error(api("ines", "GET", f"/diary?audience=class:5A&{span}"), 404)
    _error(api("lea", "GET", "/diary"), 422, "audience")
    _error(api("lea", "GET", f"/diary?audience=5A&{span}"), 422, "audience")
    _error(api("cpe", "GET", f"/diary?audience=class:5A&{span}"), 403)


def test_post_homework(api, conn, school, monday):
    body = {
        "audience": {"kind": "class", "code": "5A"},
        "subject_code": MATHS,
        "due_next_lesson": True,
        "kind": "exercise",
        "text": "Exercices 7 et 8",
        "minutes": 25,
        "lesson_id": school.lesson("5A", MATHS, monday),
    }
    r = api("maths", "POST", "/homework", body)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["id"] and made["due"] == day(monday, 2).isoformat() and made["due_next_lesson"]
    assert made["text_html"] == "<p>Exercices 7 et 8</p>" and made["author"] == "adalovelace"
    assert made["published"] and made["minutes"] == 25
    # A teacher writing in a subject or a class they don't teach: 403, nothing written.
    _error(api("french", "POST", "/homework", body), 403, "audience")
    _error(api("latin", "POST", "/homework", {**body, "lesson_id": None}), 403)
    _error(api("lea", "POST", "/homework", body), 403)
    assert len(reading.for_audience(conn, audience(school, "5A"), monday, day(monday, 30))) == 1
    _error(api("maths", "POST", "/homework", {**body, "kind": "devoir"}), 422, "kind")
    _error(api("maths", "POST", "/homework", {**body, "due": day(monday, 4).isoformat()}), 422,
           "due")  # fmt: skip
    _error(api("maths", "POST", "/homework", {**body, "due_next_lesson": False}), 422, "due")
    _error(api("maths", "POST", "/homework", {**body, "audience": {"kind": "class", "code": "9Z"}}),
           422, "audience")  # fmt: skip
    _error(api("maths", "POST", "/homework", {**body, "lesson_id": 999_999}), 422, "lesson_id")
    later = api("maths", "POST", "/homework", {**body, "due_next_lesson": False, "lesson_id": None,
                "due": day(monday, 9).isoformat(), "publish_at": "2099-01-01T07:00"})  # fmt: skip
    assert later.status_code == 201 and later.get_json()["publish_at"] == "2099-01-01T07:00"
    assert not later.get_json()["published"]


def test_get_homework_for_a_student_a_parent_a_class_and_a_teacher(api, conn, school, monday):
    item = _give(conn, school, monday)
    progress.set_done(conn, school["lea"].id, item["id"], True)
    span = f"from={monday.isoformat()}&to={day(monday, 13).isoformat()}"
    [mine] = api("lea", "GET", f"/homework?{span}").get_json()["items"]
    assert mine["done"] is True and "done_count" not in mine
    assert api("noah", "GET", f"/homework?{span}").get_json()["items"][0]["done"] is False
    [child] = api("sophie", "GET", f"/homework?{span}&login={school['lea'].login}").get_json()[
        "items"
    ]
    assert child["done"] is True
    # Another family's child, someone unknown: 404, the same.
    _error(api("claire", "GET", f"/homework?{span}&login={school['lea'].login}"), 404)
    _error(api("claire", "GET", f"/homework?{span}&login=personne"), 404)
    _error(api("maths", "GET", f"/homework?{span}&login={school['lea'].login}"), 404)
    [given] = api("maths", "GET", f"/homework?{span}").get_json()["items"]
    assert (given["done_count"], given["students"]) == (1, 2)
    [cls] = api("maths", "GET", f"/homework?{span}&audience=class:5A").get_json()["items"]
    assert cls["done_count"] == 1
    assert (
        "done_count"
        not in api("lea", "GET", f"/homework?{span}&audience=class:5A").get_json()["items"][0]
    )
    _error(api("ines", "GET", f"/homework?{span}&audience=class:5A"), 404)
    assert api("sophie", "GET", f"/homework?{span}").get_json() == {"items": []}
    _error(api("lea", "GET", f"/homework?from={monday}&to={day(monday, 70)}"), 422, "to")
    _error(api("lea", "GET", f"/homework?from={monday}&to={day(monday, -1)}"), 422, "to")
    _error(
        api("lea", "GET", f"/homework?{span}&login={school['lea'].login}&audience=class:5A"), 422
    )


def test_homework_lists_go_span_after_span(api, conn, school, today):
    lesson = school.lesson("5A", MATHS, today - timedelta(days=today.weekday()))
    for offset in (1, 20):
        homework.create(
            conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
            lesson_id=lesson, text=f"Dans {offset} jours", kind="exercise",
            due=today + timedelta(days=offset),
        )  # fmt: skip
    first = api("lea", "GET", "/homework").get_json()["items"]  # today and 13 days after
    assert [i["text"] for i in first] == ["Dans 1 jours"]
    after = (today + timedelta(days=14)).isoformat()
    second = api("lea", "GET", f"/homework?from={after}").get_json()["items"]
    assert [i["text"] for i in second] == ["Dans 20 jours"]


def test_put_done_is_the_students_own_tick(api, conn, school, monday, client):
    item = _give(conn, school, monday)
    other = homework.create(
        conn, school["maths"].actor, audience=audience(school, "4B"), subject_code=MATHS,
        text="4B", kind="exercise", due=day(monday, 8),
    )  # fmt: skip
    r = api("lea", "PUT", f"/homework/{item['id']}/done", {"done": True})
    assert r.status_code == 200 and r.get_json() == {"id": item["id"], "done": True}
    _error(api("lea", "PUT", f"/homework/{other['id']}/done", {"done": True}), 404)
    _error(api("sophie", "PUT", f"/homework/{item['id']}/done", {"done": False}), 404)
    _error(api("maths", "PUT", f"/homework/{item['id']}/done", {"done": False}), 404)
    _error(api("lea", "PUT", f"/homework/{item['id']}/done", {"done": "oui"}), 422, "done")
    done = conn.execute("SELECT student_id FROM homework_done").fetchall()
    assert [r[0] for r in done] == [school["lea"].id]
    r = api("lea", "PUT", f"/homework/{item['id']}/done", {"done": False})
    assert r.get_json()["done"] is False
    # With the session cookie, a change needs the CSRF header.
    from tests.conftest import login

    login(client, school["lea"].login, school["lea"].password)
    r = client.put(f"/api/v1/homework/{item['id']}/done", json={"done": True})
    _error(r, 400)


def test_get_the_workload(api, conn, school, monday):
    _give(conn, school, monday, minutes=30)
    homework.create(
        conn, school["french"].actor, audience=audience(school, "5A"), subject_code=FRENCH,
        text="Rédaction", kind="homework", due=day(monday, 2), minutes=45,
        lesson_id=school.lesson("5A", FRENCH, day(monday, 1)),
    )  # fmt: skip
    span = f"from={monday.isoformat()}&to={day(monday, 6).isoformat()}"
    r = api("maths", "GET", f"/homework/workload?audience=class:5A&{span}")
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert len(items) == 7 and items[2] == {
        "date": day(monday, 2).isoformat(), "count": 2, "minutes": 75,
    }  # fmt: skip
    assert (
        api("principal", "GET", f"/homework/workload?audience=class:5A&{span}").status_code == 200
    )
    _error(api("latin", "GET", f"/homework/workload?audience=class:5A&{span}"), 404)
    _error(api("lea", "GET", f"/homework/workload?audience=class:5A&{span}"), 403)


def test_post_a_visa(api, conn, school, today):
    body = {"teacher": "adalovelace", "audience": {"kind": "class", "code": "5A"},
            "comment": "Vu."}  # fmt: skip
    r = api("principal", "POST", "/diary/visa", body)
    assert r.status_code == 201
    assert r.get_json() == {
        "id": r.get_json()["id"], "audience": {"kind": "class", "code": "5A"},
        "teacher": "adalovelace", "date": today.isoformat(), "comment": "Vu.",
        "director": "paulprincipal",
    }  # fmt: skip
    _error(api("maths", "POST", "/diary/visa", body), 403)
    _error(api("admin", "POST", "/diary/visa", body), 403)
    _error(api("principal", "POST", "/diary/visa", {**body, "teacher": "julescesar"}), 422,
           "teacher")  # fmt: skip
    _error(api("principal", "POST", "/diary/visa", {**body, "teacher": "personne"}), 422,
           "teacher")  # fmt: skip
    assert (
        conn.execute("SELECT count(*) FROM audit_log WHERE action = 'diary.visa'").fetchone()[0]
        == 1
    )
