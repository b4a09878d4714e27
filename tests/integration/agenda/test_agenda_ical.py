"""The one iCal feed (#14): the timetable's secret address now carries the person's own
events and the school events addressed to them beside their lessons, a weekly event as an
RRULE, an all-day one as dates; other classes' events and other people's are not in it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar

from appliance.agenda import events
from tests.conftest import csrf_token
from tests.integration.agenda.conftest import actor_of, client_of, person


def _feed(app, client) -> list:
    token = csrf_token(client, "/compte/agenda")
    assert client.post("/compte/agenda", data={"csrf_token": token}).status_code == 302
    page = client.get("/compte/agenda").get_data(as_text=True)
    url = re.search(r'id="ical-url" class="ical-url" value="([^"]+)"', page).group(1)
    r = app.test_client().get(urlsplit(url).path)  # as a phone: no session
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    return list(Calendar.from_ical(r.get_data()).walk("VEVENT"))


def _by_summary(found) -> dict:
    return {str(e["SUMMARY"]): e for e in found}


def test_the_feed_has_the_lessons_and_the_agenda(app, conn, hand):
    wednesday = hand.monday + timedelta(days=2)
    judo = events.create(conn, person(conn, hand, "lea"), {
        "title": "Judo", "place": "Gymnase", "start_day": wednesday.isoformat(),
        "start_time": "14:00", "end_time": "15:30",
        "repeat_until": (wednesday + timedelta(days=21)).isoformat(),
        "description": "Ceinture jaune"}, actor_of(conn, hand, "lea"))  # fmt: skip
    trip = events.create(conn, person(conn, hand, "cpe"), {
        "title": "Sortie au musée", "start_day": (hand.monday + timedelta(days=3)).isoformat(),
        "end_day": (hand.monday + timedelta(days=4)).isoformat(), "all_day": True,
        "audience": ["students:class:5A"]}, actor_of(conn, hand, "cpe"))  # fmt: skip
    events.create(
        conn,
        person(conn, hand, "cpe"),
        {
            "title": "Réunion 4B",
            "start_day": wednesday.isoformat(),
            "start_time": "17:00",
            "end_time": "18:00",
            "audience": ["parents:class:4B"],
        },
        actor_of(conn, hand, "cpe"),
    )
    events.create(conn, person(conn, hand, "noah"), {
        "title": "Foot", "start_day": wednesday.isoformat(), "start_time": "14:00",
        "end_time": "15:00"}, actor_of(conn, hand, "noah"))  # fmt: skip
    found = _feed(app, client_of(app, hand, "lea"))
    uids = [str(e["UID"]) for e in found]
    # The lessons are there as before, and the agenda's events beside them.
    assert any(u.startswith("lesson-") for u in uids)
    assert "Mathématiques" in {str(e["SUMMARY"]) for e in found}
    shown = _by_summary(found)
    assert "Réunion 4B" not in shown and "Foot" not in shown
    weekly = shown["Judo"]
    assert str(weekly["UID"]) == f"agenda-{judo['id']}@0679999x.cartable"
    assert weekly["DTSTART"].dt == datetime(
        wednesday.year, wednesday.month, wednesday.day, 14, 0, tzinfo=weekly["DTSTART"].dt.tzinfo
    )
    assert str(weekly["DTSTART"].dt.tzinfo) == "Europe/Paris"
    rule = weekly["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    until = rule["UNTIL"][0]
    assert until.tzinfo is not None and until.date() >= wednesday + timedelta(days=21) - \
        timedelta(days=1)  # fmt: skip
    assert str(weekly["LOCATION"]) == "Gymnase" and "Ceinture jaune" in str(weekly["DESCRIPTION"])
    school = shown["Sortie au musée"]
    assert str(school["UID"]) == f"agenda-{trip['id']}@0679999x.cartable"
    assert school["DTSTART"].dt == hand.monday + timedelta(days=3)
    assert school["DTEND"].dt == hand.monday + timedelta(days=5)  # the day after the last
    assert isinstance(school["DTSTART"].dt, date) and not isinstance(school["DTSTART"].dt,
                                                                     datetime)  # fmt: skip
    assert "Calendrier de l'établissement" in str(school["DESCRIPTION"])
    # The parent's feed: their child's lessons and the child's class's event, not lea's own.
    parents = _by_summary(_feed(app, client_of(app, hand, "sophie")))
    assert "Sortie au musée" in parents and "Judo" not in parents
    assert any(s.startswith("Léa · ") for s in parents)
    # The other class's family sees the 4B meeting, not the 5A trip.
    claire = _by_summary(_feed(app, client_of(app, hand, "claire")))
    assert "Réunion 4B" in claire and "Sortie au musée" not in claire


def test_a_deleted_event_leaves_the_feed(app, conn, hand):
    made = events.create(conn, person(conn, hand, "curie"), {
        "title": "Formation", "start_day": hand.today.isoformat(), "start_time": "13:00",
        "end_time": "16:00"}, actor_of(conn, hand, "curie"))  # fmt: skip
    client = client_of(app, hand, "curie")
    assert "Formation" in _by_summary(_feed(app, client))
    events.delete(conn, person(conn, hand, "curie"), made["id"], actor_of(conn, hand, "curie"))
    assert "Formation" not in _by_summary(_feed(app, client))
