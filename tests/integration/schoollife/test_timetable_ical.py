"""The timetable in a phone's calendar (#11): a secret feed address made on Mon compte (or
by the API), shown once, read back with the icalendar parser (stable UIDs, cancelled
lessons, the school's zone), stopped when revoked or replaced, unknown secrets throttled."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from appliance.schoollife import changes, ical, lessons
from appliance.security import audit, tokens
from appliance.security.audit import Actor
from tests.conftest import csrf_token, login, text
from tests.integration.schoollife.timetable_school import build, school_day

CPE = Actor(None, "cpe", "192.0.2.7")


@pytest.fixture
def hand(conn):
    return build(conn)


def _as(app, hand, who):
    client = app.test_client()
    r = login(client, who, hand.passwords[who])
    assert r.status_code == 302
    return client


def _create(client) -> str:
    """Make a new feed on Mon compte → Agenda; return its address (shown once)."""
    token = csrf_token(client, "/compte/agenda")
    r = client.post("/compte/agenda", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith("/compte/agenda")
    page = client.get("/compte/agenda").get_data(as_text=True)
    url = re.search(r'id="ical-url" class="ical-url" value="([^"]+)"', page).group(1)
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code to scan
    assert "webcal://" in page
    return url


def _fetch(app, url: str):
    """Read the feed as a phone does: no session, no cookie."""
    return app.test_client().get(urlsplit(url).path)


def _events(response) -> list:
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    cal = Calendar.from_ical(response.get_data())
    return [c for c in cal.walk("VEVENT")]


def test_a_student_subscribes_reads_back_stable_uids_and_a_cancelled_lesson(app, hand, conn):
    lea = _as(app, hand, "lea")
    assert "Emploi du temps dans mon agenda" in text(lea.get("/compte/mot-de-passe"))
    assert "Vous n'avez pas d'adresse d'agenda." in text(lea.get("/compte/agenda"))
    url = _create(lea)
    assert url.startswith("https://ent.test/ical/") and url.endswith(".ics")
    # Shown once: the page read again no longer shows it, only that it works.
    again = text(lea.get("/compte/agenda"))
    assert url not in again and "Votre adresse d'agenda fonctionne depuis le" in again
    stored = conn.execute("SELECT secret_hash FROM ical_feed").fetchone()["secret_hash"]
    secret = urlsplit(url).path.rsplit("/", 1)[1][: -len(".ics")]
    assert secret not in stored and len(stored) == 64

    first = _events(_fetch(app, url))
    today = hand.today
    want = lessons.lessons_between(conn, today - timedelta(days=7),
                                   conn.execute("SELECT end_date FROM school_year").fetchone()[0],
                                   person_id=hand.ids["lea"])  # fmt: skip
    assert len(first) == len(want) > 10
    by_uid = {str(e["UID"]): e for e in first}
    assert len(by_uid) == len(first)
    latin = next(e for e in first if str(e["SUMMARY"]) == "Latin")
    assert str(latin["LOCATION"]) == "L1" and latin["DTSTART"].dt.tzinfo is not None
    start = latin["DTSTART"].dt
    assert str(start.tzinfo) == "Europe/Paris" and start.strftime("%H:%M") == "10:00"
    assert "Victor Hugo" in str(latin["DESCRIPTION"])
    cal = Calendar.from_ical(_fetch(app, url).get_data())
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    assert str(cal["X-WR-CALNAME"]).startswith("Emploi du temps · Collège Test")

    # A lesson cancelled: the same UID, STATUS:CANCELLED, the change in the summary.
    tuesday = school_day(hand, 1, next_week=True)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    changes.cancel(conn, lesson_id, note="Absence de Mme Curie", actor=CPE)
    second = _events(_fetch(app, url))
    assert {str(e["UID"]) for e in second} == set(by_uid)
    cancelled = next(e for e in second if str(e["UID"]).startswith(f"lesson-{lesson_id}@"))
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["SUMMARY"]) == "Mathématiques (annulé)"
    assert "Absence de Mme Curie" in str(cancelled["DESCRIPTION"])
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in second if e is not cancelled)
    # The feed remembers when a calendar last read it.
    assert "Dernière lecture par un agenda" in text(lea.get("/compte/agenda"))


def test_a_new_address_stops_the_old_one_and_revoking_stops_both(app, hand, conn):
    noah = _as(app, hand, "noah")
    old = _create(noah)
    new = _create(noah)
    assert old != new
    assert _fetch(app, old).status_code == 404
    assert _fetch(app, new).status_code == 200
    token = csrf_token(noah, "/compte/agenda")
    r = noah.post("/compte/agenda/arreter", data={"csrf_token": token})
    assert r.status_code == 302
    assert "L'adresse d'agenda est arrêtée" in text(noah.get("/compte/agenda"))
    assert _fetch(app, new).status_code == 404
    actions = [
        r["action"]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'schoollife.ical_%' ORDER BY id"
        )
    ]
    assert actions == ["schoollife.ical_create"] * 2 + ["schoollife.ical_revoke"]
    # Revoking again changes nothing and writes nothing.
    noah.post("/compte/agenda/arreter", data={"csrf_token": token})
    assert (
        conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'schoollife.ical_revoke'"
        ).fetchone()[0]
        == 1
    )


def test_a_disabled_accounts_feed_stops(app, hand, conn):
    url = _create(_as(app, hand, "ines"))
    conn.execute("UPDATE person SET state = 'disabled' WHERE id = ?", (hand.ids["ines"],))
    assert _fetch(app, url).status_code == 404


def test_a_parents_feed_lists_each_childs_lessons_by_first_name(app, hand, conn):
    url = _create(_as(app, hand, "sophie"))
    events = _events(_fetch(app, url))
    assert events and all(str(e["SUMMARY"]).startswith("Léa · ") for e in events)
    assert all(re.fullmatch(rf"lesson-\d+-{hand.ids['lea']}@0679999x\.cartable", str(e["UID"]))
               for e in events)  # fmt: skip
    # Karim is only a contact (level 2): his feed has nothing of Noah.
    assert _events(_fetch(app, _create(_as(app, hand, "karim")))) == []


@pytest.mark.parametrize("who", ["guest", "cpe", "agent"])
def test_who_has_no_feed(app, hand, who):
    client = _as(app, hand, who)
    assert client.get("/compte/agenda").status_code == 403
    assert "Emploi du temps dans mon agenda" not in text(client.get("/compte/mot-de-passe"))


def test_unknown_secrets_are_throttled_like_failed_logins(app, hand, conn):
    url = _create(_as(app, hand, "lea"))
    phone = app.test_client()
    made_up = "/ical/" + "A" * 43 + ".ics"
    assert phone.get("/ical/trop-court.ics").status_code == 404
    for _ in range(4):
        assert phone.get(made_up).status_code == 404
    # The fifth failure makes the next try wait (1 s, then doubling, as for logins).
    r = phone.get(made_up)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # From this address even the right secret waits; from another one it is served.
    assert phone.get(urlsplit(url).path).status_code == 429
    other = app.test_client().get(urlsplit(url).path, environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert other.status_code == 200
    counters = conn.execute(
        "SELECT failures FROM login_throttle WHERE key = 'pair:ical-feed|127.0.0.1'"
    ).fetchone()
    assert counters["failures"] == 5


def test_the_api_makes_and_stops_the_feed(app, hand, conn):
    _id, token = tokens.create(conn, hand.ids["lea"], "téléphone", actor=audit.SYSTEM)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/v1/me/ical", headers=headers)
    assert r.status_code == 201 and set(r.get_json()) == {"url"}
    url = r.get_json()["url"]
    assert _fetch(app, url).status_code == 200
    r2 = client.post("/api/v1/me/ical", headers=headers)
    assert (
        _fetch(app, url).status_code == 404 and _fetch(app, r2.get_json()["url"]).status_code == 200
    )
    assert client.delete("/api/v1/me/ical", headers=headers).status_code == 204
    assert _fetch(app, r2.get_json()["url"]).status_code == 404
    _id, guest_token = tokens.create(conn, hand.ids["guest"], "x", actor=audit.SYSTEM)
    r = client.post("/api/v1/me/ical", headers={"Authorization": f"Bearer {guest_token}"})
    assert r.status_code == 403 and r.get_json()["error"]["code"] == "forbidden"


def test_the_feed_service_refuses_malformed_secrets_and_marks_fetches(conn, hand):
    secret = ical.create(conn, hand.ids["lea"], actor=None)
    assert ical.well_formed(secret) and not ical.well_formed(secret + "x")
    assert ical.owner(conn, "x" * 43) is None and ical.owner(conn, "") is None
    assert ical.owner(conn, secret)["login"] == "lea"
    fetched = ical.state(conn, hand.ids["lea"])["last_fetched_at"]
    assert datetime.fromisoformat(fetched)
    # Without an actor nothing is audited (a step of a larger action).
    assert not conn.execute(
        "SELECT 1 FROM audit_log WHERE action LIKE 'schoollife.ical%'"
    ).fetchone()
