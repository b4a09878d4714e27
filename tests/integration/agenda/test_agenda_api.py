"""The agenda's JSON API (#14): GET /api/v1/agenda (mine, the school's addressed to me,
my lessons; a parent's children's), POST /api/v1/agenda/events (with an audience: a
school event, staff only, else 403), PATCH and DELETE of one's own, the 62-day limit."""

from __future__ import annotations

from datetime import timedelta

import jsonschema
import pytest

from appliance.agenda import events
from appliance.security import audit, tokens
from tests.integration.agenda.conftest import actor_of, person
from webui.agenda import api as agenda_api


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


def test_my_agenda_has_my_events_the_schools_and_my_lessons_in_order(api, hand, conn):
    tuesday = (hand.monday + timedelta(days=1)).isoformat()
    events.create(conn, person(conn, hand, "cpe"), {
        "title": "Sortie 5A", "start_day": tuesday, "all_day": True,
        "audience": ["students:class:5A"]}, actor_of(conn, hand, "cpe"))  # fmt: skip
    events.create(conn, person(conn, hand, "cpe"), {
        "title": "Réunion 4B", "start_day": tuesday, "start_time": "17:00", "end_time": "18:00",
        "audience": ["parents:class:4B"]}, actor_of(conn, hand, "cpe"))  # fmt: skip
    client, headers = api("lea")
    made = client.post("/api/v1/agenda/events", headers=headers, json={
        "title": "Orthodontiste", "start": f"{tuesday}T12:15", "end": f"{tuesday}T12:45",
        "place": "Cabinet"})  # fmt: skip
    assert made.status_code == 201
    assert made.get_json()["kind"] == "personal" and made.get_json()["place"] == "Cabinet"
    r = client.get(f"/api/v1/agenda?{_week(hand)}", headers=headers)
    assert r.status_code == 200
    jsonschema.validate(r.get_json(), agenda_api.ITEMS)
    items = r.get_json()["items"]
    on_tuesday = [(i["kind"], i["title"], i["start"]) for i in items if i["start"][:10] == tuesday]
    assert on_tuesday == [
        ("school", "Sortie 5A", tuesday),
        ("lesson", "Mathématiques", f"{tuesday}T08:00"),
        ("lesson", "Latin", f"{tuesday}T10:00"),
        ("personal", "Orthodontiste", f"{tuesday}T12:15"),
    ]
    assert {"id", "kind", "title", "start", "end"} <= set(items[0])
    assert "Réunion 4B" not in {i["title"] for i in items}
    mine = next(i for i in items if i["kind"] == "personal")
    school = next(i for i in items if i["kind"] == "school")
    assert mine["editable"] and not school["editable"] and school["all_day"]
    assert school["end"] == tuesday
    # Without a token or a cookie: 401.
    assert client.get(f"/api/v1/agenda?{_week(hand)}").status_code == 401


def test_a_parent_gets_each_childs_lessons_by_first_name(api, hand):
    client, headers = api("sophie")
    items = client.get(f"/api/v1/agenda?{_week(hand)}", headers=headers).get_json()["items"]
    lessons = [i for i in items if i["kind"] == "lesson"]
    assert lessons and all(i["title"].startswith("Léa · ") and i["student"] == "lea"
                           for i in lessons)  # fmt: skip


def test_a_school_event_by_the_api_is_for_staff_only(api, hand, conn):
    body = {
        "title": "Conseil de classe",
        "start": f"{hand.today}T17:30",
        "end": f"{hand.today}T19:00",
        "audience": ["teachers:class:5A", "parents:class:5A"],
    }
    for who in ("lea", "sophie", "curie", "secretary"):
        client, headers = api(who)
        assert _error(client.post("/api/v1/agenda/events", headers=headers, json=body),
                      403)["field"] == "audience"  # fmt: skip
    client, headers = api("cpe")
    r = client.post("/api/v1/agenda/events", headers=headers, json=body)
    assert r.status_code == 201
    made = r.get_json()
    assert made["kind"] == "school" and made["audience"] == sorted(body["audience"])
    client, headers = api("sophie")
    items = client.get(f"/api/v1/agenda?from={hand.today}&to={hand.today}",
                       headers=headers).get_json()["items"]  # fmt: skip
    assert "Conseil de classe" in {i["title"] for i in items}
    assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'agenda.school_create'"
                        ).fetchone()[0] == 1  # fmt: skip


def test_patch_and_delete_of_ones_own_event(api, hand):
    client, headers = api("lea")
    made = client.post("/api/v1/agenda/events", headers=headers, json={
        "title": "Judo", "start": f"{hand.monday}T14:00", "end": f"{hand.monday}T15:30",
        "repeat_until": str(hand.monday + timedelta(days=28))}).get_json()  # fmt: skip
    assert made["repeat_until"] == str(hand.monday + timedelta(days=28))
    url = f"/api/v1/agenda/events/{made['id']}"
    r = client.patch(url, headers=headers, json={"title": "Judo club", "place": "Dojo"})
    assert r.status_code == 200
    assert (r.get_json()["title"], r.get_json()["place"], r.get_json()["start"]) == \
        ("Judo club", "Dojo", f"{hand.monday}T14:00")  # fmt: skip
    r = client.patch(url, headers=headers, json={"all_day": True})
    assert r.status_code == 200 and r.get_json()["start"] == str(hand.monday)
    four_weeks = f"from={hand.monday}&to={hand.monday + timedelta(days=34)}"
    items = client.get(f"/api/v1/agenda?{four_weeks}", headers=headers).get_json()["items"]
    assert [i["start"] for i in items if i["kind"] == "personal"] == [
        str(hand.monday + timedelta(days=7 * k)) for k in range(5)
    ]
    other, other_headers = api("sophie")
    assert _error(other.patch(url, headers=other_headers, json={"title": "x"}), 404)
    assert _error(other.delete(url, headers=other_headers), 404)
    assert client.delete(url, headers=headers).status_code == 204
    assert _error(client.delete(url, headers=headers), 404)


def test_wrong_requests_are_answered_in_words(api, hand):
    client, headers = api("lea")
    late = hand.monday + timedelta(days=62)
    assert _error(client.get(f"/api/v1/agenda?from={hand.monday}&to={late}", headers=headers),
                  422)["field"] == "to"  # fmt: skip
    assert _error(client.get(f"/api/v1/agenda?from={late}&to={hand.monday}", headers=headers),
                  422)["field"] == "to"  # fmt: skip
    no_time = {"title": "X", "start": str(hand.monday), "end": str(hand.monday)}
    assert _error(client.post("/api/v1/agenda/events", headers=headers, json=no_time),
                  422)["field"] == "start"  # fmt: skip
    backwards = {"title": "X", "start": f"{hand.monday}T10:00", "end": f"{hand.monday}T09:00"}
    assert _error(client.post("/api/v1/agenda/events", headers=headers, json=backwards),
                  422)["field"] == "end_time"  # fmt: skip
    assert (
        _error(
            client.post(
                "/api/v1/agenda/events", headers=headers, json={**backwards, "colour": "red"}
            ),
            422,
        )["field"]
        == "colour"
    )
    all_day = client.post("/api/v1/agenda/events", headers=headers, json={
        **no_time, "all_day": True, "end": str(hand.monday + timedelta(days=2))})  # fmt: skip
    assert all_day.status_code == 201
    assert (all_day.get_json()["start"], all_day.get_json()["end"]) == \
        (str(hand.monday), str(hand.monday + timedelta(days=2)))  # fmt: skip
