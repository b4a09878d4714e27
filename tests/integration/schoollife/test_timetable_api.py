"""The timetable's JSON API (#11): the year, a timetable of oneself, a person, a class or a
room (the policy as on the pages; not yours and not there answer alike), the 62-day
limit, changes by vie scolaire (a teacher refused), an added lesson (201)."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest

from appliance.schoollife import changes, lessons, year
from appliance.security import audit, tokens
from tests.integration.schoollife.timetable_school import build, school_day
from webui.schoollife import api as timetable_api


@pytest.fixture
def hand(conn):
    return build(conn)


@pytest.fixture
def api(app, hand, conn):
    """`api(who)`: a test client and bearer headers acting as `who`."""
    client = app.test_client()

    def call(who: str) -> tuple:
        _id, token = tokens.create(conn, hand.ids[who], "tests", actor=audit.SYSTEM)
        return client, {"Authorization": f"Bearer {token}"}

    return call


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]


def _week(hand) -> str:
    return f"from={hand.monday}&to={hand.monday + timedelta(days=6)}"


def test_the_year_is_the_clis_object(api, hand, conn):
    client, headers = api("lea")
    r = client.get("/api/v1/year", headers=headers)
    assert r.status_code == 200 and r.get_json() == year.year_info(conn)
    assert set(r.get_json()) == {"start", "end", "holidays", "weeks"}
    conn.execute("DELETE FROM school_holiday")
    conn.execute("DELETE FROM school_year")
    assert _error(client.get("/api/v1/year", headers=headers), 404)["code"] == "not_found"
    assert client.get("/api/v1/year").status_code == 401


def test_my_timetable_in_time_order_in_the_lesson_shape(api, hand, conn):
    client, headers = api("lea")
    r = client.get(f"/api/v1/timetable?{_week(hand)}", headers=headers)
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert items == [
        lessons.api_shape(x)
        for x in lessons.lessons_between(
            conn, hand.monday, hand.monday + timedelta(days=6), person_id=hand.ids["lea"]
        )
    ]
    assert [i["start"] for i in items] == sorted(i["start"] for i in items)
    latin = next(i for i in items if i["subject"] == "Latin")
    assert latin["audience"] == {"kind": "group", "code": "LATIN"}
    assert latin["teachers"] == ["hugo"] and latin["room"] == "L1"
    assert latin["start"] == f"{school_day(hand, 1)}T10:00" and latin["moved_from"] is None
    noah = api("noah")
    mine = noah[0].get(f"/api/v1/timetable?{_week(hand)}", headers=noah[1]).get_json()["items"]
    assert mine and not any(i["subject"] == "Latin" for i in mine)


def test_the_weeks_json_is_the_lesson_shape_with_changes_too(api, hand, conn):
    """SQLite writes the week's JSON: the same as `api_shape`, and the declared schema."""
    tuesday, thursday = school_day(hand, 1), school_day(hand, 3)
    moved = hand.lesson_id(conn, tuesday, "08:00", "5A")
    changes.move(conn, moved, day=thursday, start="15:00", end="16:00", room="", note="Salle",
                 actor=None)  # fmt: skip
    changes.replace(conn, hand.lesson_id(conn, tuesday, "10:00", "LATIN"),
                    teachers=["lovelace", "curie"], note="", actor=None)  # fmt: skip
    changes.cancel(conn, hand.lesson_id(conn, thursday, "08:00", "5A"), note="", actor=None)
    client, headers = api("lea")
    items = client.get(f"/api/v1/timetable?{_week(hand)}", headers=headers).get_json()["items"]
    week = lessons.lessons_between(
        conn, hand.monday, hand.monday + timedelta(days=6), person_id=hand.ids["lea"]
    )
    assert items == [lessons.api_shape(x) for x in week]
    jsonschema.validate({"items": items}, timetable_api.LESSONS)
    shown = {i["id"]: i for i in items}
    assert shown[moved]["room"] is None and shown[moved]["moved_from"]["room"] == "B12"
    assert {i["status"] for i in items} >= {"moved", "replaced", "cancelled", "planned"}
    assert next(i for i in items if i["status"] == "replaced")["teachers"] == ["curie", "lovelace"]


def test_not_yours_and_not_there_answer_the_same(api, hand):
    client, headers = api("claire")
    for query in ("login=lea", "login=personne.inconnue"):
        err = _error(client.get(f"/api/v1/timetable?{_week(hand)}&{query}", headers=headers), 404)
        assert err["code"] == "not_found" and "Léa" not in err["message"]
    mine = client.get(f"/api/v1/timetable?{_week(hand)}&login=ines", headers=headers)
    assert mine.status_code == 200 and mine.get_json()["items"]
    # A student of another class asks for 5A, and for a class that does not exist.
    client, headers = api("ines")
    for query in ("audience=class:5A", "audience=class:9Z", "room=B12"):
        assert _error(client.get(f"/api/v1/timetable?{_week(hand)}&{query}",
                                 headers=headers), 404)["code"] == "not_found"  # fmt: skip
    # A guest has no timetable at all.
    client, headers = api("guest")
    assert _error(client.get(f"/api/v1/timetable?{_week(hand)}", headers=headers), 403)


def test_a_teacher_sees_any_class_and_room_staff_any_person(api, hand):
    client, headers = api("lovelace")
    r = client.get(f"/api/v1/timetable?{_week(hand)}&audience=class:5A", headers=headers)
    assert r.status_code == 200 and {i["subject"] for i in r.get_json()["items"]} == {
        "Mathématiques"
    }
    r = client.get(f"/api/v1/timetable?{_week(hand)}&audience=group:LATIN", headers=headers)
    assert {i["audience"]["code"] for i in r.get_json()["items"]} == {"LATIN"}
    r = client.get(f"/api/v1/timetable?{_week(hand)}&room=B14", headers=headers)
    assert {i["audience"]["code"] for i in r.get_json()["items"]} == {"4B"}
    assert _error(client.get(f"/api/v1/timetable?{_week(hand)}&login=lea", headers=headers), 404)
    client, headers = api("secretary")
    r = client.get(f"/api/v1/timetable?{_week(hand)}&login=lea", headers=headers)
    assert r.status_code == 200 and r.get_json()["items"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2026-12-01", 422, "to"),
        ("from=2026-12-01&to=2026-11-30", 422, "to"),
        ("from=2026-12-01&to=2027-02-01", 422, "to"),
        ("from=2026-12-01&to=2026-13-01", 422, "to"),
        ("from=2026-12-01&to=2026-12-07&login=lea&room=B12", 422, "room"),
        ("from=2026-12-01&to=2026-12-07&audience=5A", 422, "audience"),
    ],
)
def test_bad_questions(api, hand, query, status, field):
    client, headers = api("cpe")
    assert _error(client.get(f"/api/v1/timetable?{query}", headers=headers), status)["field"] == (
        field
    )


def test_sixty_two_days_is_the_most(api, hand):
    client, headers = api("lea")
    start = hand.monday
    ok = client.get(f"/api/v1/timetable?from={start}&to={start + timedelta(days=61)}",
                    headers=headers)  # fmt: skip
    assert ok.status_code == 200
    too_long = client.get(f"/api/v1/timetable?from={start}&to={start + timedelta(days=62)}",
                          headers=headers)  # fmt: skip
    assert "62" in _error(too_long, 422)["message"]


def test_vie_scolaire_changes_a_lesson_and_a_teacher_may_not(api, hand, conn):
    tuesday, thursday = school_day(hand, 1), school_day(hand, 3)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    client, headers = api("curie")
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", headers=headers,
                    json={"status": "cancelled", "note": "Je ne viens pas"})  # fmt: skip
    assert _error(r, 404)["code"] == "not_found"
    assert lessons.get_lesson(conn, lesson_id)["status"] == "planned"
    client, headers = api("cpe")
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", headers=headers,
                    json={"status": "cancelled", "note": "Absence de Mme Curie"})  # fmt: skip
    assert r.status_code == 200
    assert (r.get_json()["status"], r.get_json()["note"]) == ("cancelled", "Absence de Mme Curie")
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", headers=headers, json={
        "status": "moved", "start": f"{thursday}T14:00", "end": f"{thursday}T15:00",
        "room": "B20"})  # fmt: skip
    body = r.get_json()
    assert r.status_code == 200 and body["status"] == "moved" and body["room"] == "B20"
    assert body["moved_from"] == {"start": f"{tuesday}T08:00", "end": f"{tuesday}T09:00",
                                  "room": "B12"}  # fmt: skip
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", headers=headers,
                    json={"status": "replaced", "teachers": ["lovelace"]})  # fmt: skip
    assert r.get_json()["teachers"] == ["lovelace"]
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", headers=headers,
                    json={"status": "planned"})  # fmt: skip
    assert (r.get_json()["status"], r.get_json()["teachers"]) == ("planned", ["curie"])
    for body, field in (
        ({"status": "moved"}, "start"),
        ({"status": "replaced", "teachers": ["lea"]}, "teachers"),
        ({"status": "cancelled", "couleur": "rouge"}, "couleur"),
        ({"status": "added"}, "status"),
    ):
        r = client.post(f"/api/v1/lessons/{lesson_id}/change", headers=headers, json=body)
        assert _error(r, 422)["field"] == field
    assert _error(client.post("/api/v1/lessons/99999/change", headers=headers,
                              json={"status": "cancelled"}), 404)  # fmt: skip
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'schoollife.lesson_%' ORDER BY id"
        )
    ]
    assert actions == ["schoollife.lesson_cancel", "schoollife.lesson_move",
                       "schoollife.lesson_replace", "schoollife.lesson_restore"]  # fmt: skip


def test_an_added_lesson_answers_201(api, hand, conn):
    friday = school_day(hand, 4, next_week=True)
    body = {"status": "added", "start": f"{friday}T14:00", "end": f"{friday}T15:00",
            "subject_code": "061300", "audience": {"kind": "class", "code": "4B"},
            "teachers": ["lovelace"], "room": "B14", "note": "Devoir surveillé"}  # fmt: skip
    client, headers = api("principal")
    r = client.post("/api/v1/lessons", headers=headers, json=body)
    assert r.status_code == 201
    added = r.get_json()
    assert (added["status"], added["note"], added["start"]) == (
        "added", "Devoir surveillé", f"{friday}T14:00",
    )  # fmt: skip
    assert lessons.get_lesson(conn, added["id"])["status"] == "added"
    # The same slot again: the room and the class are taken.
    assert _error(client.post("/api/v1/lessons", headers=headers, json=body), 422)["field"] == (
        "room"
    )
    client, headers = api("hugo")
    assert _error(client.post("/api/v1/lessons", headers=headers, json=body), 403)


def test_a_cookie_session_changes_with_the_csrf_header_only(app, hand, conn):
    from tests.conftest import csrf_token, login

    client = app.test_client()
    login(client, "cpe", hand.passwords["cpe"])
    lesson_id = hand.lesson_id(conn, school_day(hand, 1), "08:00", "5A")
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", json={"status": "cancelled"})
    assert _error(r, 400)["code"] == "csrf_failed"
    token = csrf_token(client, "/compte/mot-de-passe")
    r = client.post(f"/api/v1/lessons/{lesson_id}/change", json={"status": "cancelled"},
                    headers={"X-CSRFToken": token})  # fmt: skip
    assert r.status_code == 200
    r = client.get(f"/api/v1/timetable?{_week(hand)}&audience=class:5A")
    assert any(i["status"] == "cancelled" for i in r.get_json()["items"])
    assert changes.restore(conn, lesson_id, actor=None)["status"] == "planned"
