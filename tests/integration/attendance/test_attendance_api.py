"""The attendance's JSON API (#13, its contract): the roll call of a lesson read and
written, a student's absences page by page, the excuse (201) and the justification
(200), the reasons, a month's summary and the alerts; refusals in the one error shape."""

from __future__ import annotations

from datetime import date

import pytest

from appliance.schoollife.attendance import events, roll
from appliance.security import audit, tokens
from tests.integration.attendance.conftest import (
    AGATHE,
    CLASS,
    CPE,
    HEAD,
    TUESDAY,
    ZOE,
    today_lesson,
)


def _token(college, login: str) -> dict:
    _id, token = tokens.create(
        college.conn, college.person(login)["id"], "test", actor=audit.SYSTEM
    )
    return {"Authorization": f"Bearer {token}"}


def _guardian(college, login: str) -> str:
    return college.conn.execute(
        "SELECT p.login FROM guardian_link g JOIN person p ON p.id = g.guardian_id "
        "JOIN person s ON s.id = g.student_id WHERE s.login = ? AND g.level = 1 "
        "ORDER BY p.id LIMIT 1",
        (login,),
    ).fetchone()[0]


@pytest.fixture
def api(web):
    return web.test_client()


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]


def test_the_roll_call_read_and_written(college, api):
    lesson = today_lesson(college)
    teacher = _token(college, "pascal.barre")
    url = f"/api/v1/lessons/{lesson['id']}/roll"
    got = api.get(url, headers=teacher).get_json()
    assert got["taken"] is False and len(got["students"]) == 31
    agathe = next(s for s in got["students"] if s["login"] == AGATHE)
    assert agathe == {"login": AGATHE, "name": "BAILLY Agathe", "status": None, "minutes": None}
    r = api.put(url, json={"absent": [AGATHE], "late": {ZOE: 6}}, headers=teacher)
    assert r.status_code == 200
    by_login = {s["login"]: s for s in r.get_json()["students"]}
    assert r.get_json()["taken"] is True
    assert (by_login[AGATHE]["status"], by_login[ZOE]["status"], by_login[ZOE]["minutes"]) == (
        "absent",
        "late",
        6,
    )
    assert sum(s["status"] == "present" for s in by_login.values()) == 29
    # A login not on the list, or minutes out of range: 422, nothing saved.
    for body, field in (
        ({"absent": ["personne.inconnue"]}, "absent"),
        ({"absent": [], "late": {AGATHE: 0}}, "late.agathe.bailly"),
        ({"absent": [AGATHE], "late": {AGATHE: 5}}, "late"),
        ({"late": {}}, "absent"),
    ):
        assert _error(api.put(url, json=body, headers=teacher), 422)["field"] == field, body
    assert api.get(url, headers=teacher).get_json() == r.get_json()
    # Another teacher: 404; a student: 404; the CPE: yes.
    assert (
        _error(api.get(url, headers=_token(college, "aurelie.pichon")), 404)["code"] == "not_found"
    )
    _error(api.put(url, json={"absent": []}, headers=_token(college, AGATHE)), 404)
    assert api.put(url, json={"absent": []}, headers=_token(college, CPE)).status_code == 200
    # A past lesson of his: 409 for the teacher.
    past = college.lesson(CLASS, TUESDAY, "08:10")
    assert "pascal.barre" in past["teachers"]
    r = api.put(f"/api/v1/lessons/{past['id']}/roll", json={"absent": []}, headers=teacher)
    assert _error(r, 409)["field"] == "lesson"
    _error(api.get("/api/v1/lessons/999999/roll", headers=teacher), 404)


def test_a_students_absences_page_by_page(college, api):
    for n, start in enumerate(("08:10", "09:05", "13:30", "14:25")):
        if n % 2:
            college.take(college.lesson(CLASS, TUESDAY, start), late={AGATHE: n + 1})
        else:
            college.take(college.lesson(CLASS, TUESDAY, start), absent=[AGATHE])
    college.take(college.lesson(CLASS, date(2026, 12, 8), "08:10"), absent=[AGATHE])
    parent = _token(college, _guardian(college, AGATHE))
    got = api.get(f"/api/v1/absences?login={AGATHE}", headers=parent).get_json()
    items = got["items"]
    assert [(i["kind"], i["start"], i["end"], i["minutes"]) for i in items] == [
        ("absence", "2026-12-01T08:10", "2026-12-01T09:05", None),
        ("late", "2026-12-01T09:05", "2026-12-01T10:00", 2),
        ("absence", "2026-12-01T13:30", "2026-12-01T14:25", None),
        ("late", "2026-12-01T14:25", "2026-12-01T15:20", 4),
        ("absence", "2026-12-08T08:10", "2026-12-08T09:05", None),
    ]
    assert (
        items[0]["reason_code"] is None
        and items[0]["justified"] is False
        and items[0]["excuse"] is None
    )
    # Two at a time, following `next`.
    seen, cursor = [], None
    while True:
        query = f"/api/v1/absences?login={AGATHE}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(query, headers=parent).get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page.get("next")
        if not cursor:
            break
    assert seen == [i["id"] for i in items]
    ranged = api.get(
        f"/api/v1/absences?login={AGATHE}&from=2026-12-02&to=2026-12-31", headers=parent
    )
    assert [i["start"] for i in ranged.get_json()["items"]] == ["2026-12-08T08:10"]
    assert (
        _error(api.get(f"/api/v1/absences?login={AGATHE}&from=2026-13-01", headers=parent), 422)[
            "field"
        ]
        == "from"
    )
    _error(api.get("/api/v1/absences", headers=parent), 422)
    assert (
        api.get(f"/api/v1/absences?login={AGATHE}", headers=_token(college, AGATHE)).status_code
        == 200
    )
    assert (
        api.get(f"/api/v1/absences?login={AGATHE}", headers=_token(college, HEAD)).status_code
        == 200
    )
    _error(api.get(f"/api/v1/absences?login={AGATHE}", headers=_token(college, ZOE)), 404)
    _error(
        api.get(f"/api/v1/absences?login={AGATHE}", headers=_token(college, "pascal.barre")), 404
    )


def test_excuse_then_justify(college, api):
    college.take(college.lesson(CLASS, TUESDAY, "08:10"), absent=[AGATHE])
    [event] = events.for_student(college.conn, college.person(AGATHE)["id"])
    parent = _token(college, _guardian(college, AGATHE))
    url = f"/api/v1/absences/{event['id']}"
    r = api.post(f"{url}/excuse", json={"text": "Malade", "reason_code": "maladie"}, headers=parent)
    assert r.status_code == 201
    sent = r.get_json()
    assert {k: sent[k] for k in ("absence_id", "status", "text", "reason_code")} == {
        "absence_id": event["id"],
        "status": "pending",
        "text": "Malade",
        "reason_code": "maladie",
    }
    assert _error(api.post(f"{url}/excuse", json={"text": "Encore"}, headers=parent), 409)
    refused = _error(
        api.post(f"{url}/excuse", json={"text": "x", "reason_code": "inconnu"}, headers=parent), 422
    )
    assert refused["field"] == "reason_code" and "« inconnu »" in refused["message"]
    listed = api.get(f"/api/v1/absences?login={AGATHE}", headers=parent).get_json()["items"][0]
    assert listed["excuse"] == {"status": "pending", "text": "Malade"}
    # Only guardians excuse, only the vie scolaire justifies.
    for who in (AGATHE, "pascal.barre", CPE):
        _error(api.post(f"{url}/excuse", json={"text": "x"}, headers=_token(college, who)), 404)
    for who in (AGATHE, _guardian(college, AGATHE), HEAD):
        _error(
            api.post(
                f"{url}/justify", json={"reason_code": "maladie"}, headers=_token(college, who)
            ),
            404,
        )
    cpe = _token(college, CPE)
    assert (
        _error(api.post(f"{url}/justify", json={"reason_code": "inconnu"}, headers=cpe), 422)[
            "field"
        ]
        == "reason_code"
    )
    r = api.post(
        f"{url}/justify",
        json={"reason_code": "maladie", "comment": "Certificat reçu."},
        headers=cpe,
    )
    assert r.status_code == 200
    assert r.get_json()["justified"] is True and r.get_json()["excuse"]["status"] == "accepted"
    assert r.get_json()["reason_code"] == "maladie"


def test_reasons_summary_and_alerts(college, api):
    reasons = api.get("/api/v1/attendance/reasons", headers=_token(college, AGATHE)).get_json()
    assert reasons[0] == {"code": "maladie", "label": "Maladie de l'enfant", "admissible": True}
    assert {"code": "convenance", "label": "Convenance personnelle", "admissible": False} in reasons
    # Two whole days in December for Agathe: four complete half-days, an alert.
    for day in (date(2026, 12, 1), date(2026, 12, 3)):
        pid = college.person(AGATHE)["id"]
        for (lesson_id,) in college.conn.execute(
            "SELECT id FROM lesson WHERE date = ? AND (class_id IN (SELECT class_id FROM "
            "class_membership WHERE person_id = ?) OR group_id IN (SELECT group_id FROM "
            "group_membership WHERE person_id = ?))",
            (day.isoformat(), pid, pid),
        ).fetchall():
            college.take(roll.lesson_target(college.conn, lesson_id), absent=[AGATHE])
    college.take(college.lesson(CLASS, TUESDAY + date.resolution * 7, "08:10"), late={AGATHE: 9})
    parent = _token(college, _guardian(college, AGATHE))
    got = api.get(f"/api/v1/absences/summary?login={AGATHE}&month=2026-12", headers=parent)
    assert got.get_json() == {
        "half_days": 4,
        "complete_half_days": 4,
        "complete_unjustified": 4,
        "late_count": 1,
        "late_minutes": 9,
    }
    november = api.get(f"/api/v1/absences/summary?login={AGATHE}&month=2026-11", headers=parent)
    assert november.get_json()["half_days"] == 0
    _error(api.get(f"/api/v1/absences/summary?login={AGATHE}&month=2026-13", headers=parent), 422)
    alerts = {"items": [{"login": AGATHE, "class": CLASS, "complete_unjustified": 4}]}
    for who in (CPE, "elodie.fontaine", HEAD):
        assert (
            api.get(
                "/api/v1/attendance/alerts?month=2026-12", headers=_token(college, who)
            ).get_json()
            == alerts
        )
    assert api.get(
        "/api/v1/attendance/alerts?month=2026-12", headers=_token(college, "aurelie.pichon")
    ).get_json() == {"items": []}
    for who in (AGATHE, _guardian(college, AGATHE), "isabelle.meunier"):
        _error(
            api.get("/api/v1/attendance/alerts?month=2026-12", headers=_token(college, who)), 403
        )
