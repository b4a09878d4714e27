"""Periods (#13): `cartable periods set|show|edit|lock|unlock` as a real process, the
admin page, and what a locked period (or an ended entry) refuses: marks, assessments and
appraisals, with the API's 409 `period_locked` / `entry_closed`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from appliance.db import rows
from appliance.errors import CartableError
from appliance.schoollife import year
from appliance.schoollife.grades import assessments, periods, report_cards
from appliance.security import audit
from tests.conftest import csrf_token, text
from tests.integration.grades.conftest import days_ago


def cartable(config_file, data_dir, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    cmd = [
        sys.executable,
        "-m",
        "appliance",
        "--config",
        str(config_file),
        "--data-dir",
        str(data_dir),
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def cli(config_file, tmp_path, box):
    year.set_year(box.conn(), audit.SYSTEM, "2026-09-01", "2027-07-03")
    return lambda *args: cartable(config_file, tmp_path / "data", *args)


def test_the_command_sets_shows_edits_locks_and_unlocks(cli, conn):
    r = cli("periods", "show", "--json")
    assert r.returncode == 0 and json.loads(r.stdout) == []
    r = cli(
        "periods",
        "set",
        "--kind",
        "trimester",
        "2026-09-01:2026-11-28",
        "2026-11-29:2027-03-06",
        "2027-03-07:2027-07-03",
    )
    assert r.returncode == 0, r.stderr
    assert "1er trimestre : du 01/09/2026 au 28/11/2026, saisie jusqu'au 28/11/2026" in r.stdout
    shown = json.loads(cli("periods", "show", "--json").stdout)
    assert shown == [
        {
            "id": shown[0]["id"],
            "name": "1er trimestre",
            "from": "2026-09-01",
            "to": "2026-11-28",
            "locked": False,
        },
        {
            "id": shown[1]["id"],
            "name": "2e trimestre",
            "from": "2026-11-29",
            "to": "2027-03-06",
            "locked": False,
        },
        {
            "id": shown[2]["id"],
            "name": "3e trimestre",
            "from": "2027-03-07",
            "to": "2027-07-03",
            "locked": False,
        },
    ]
    first = str(shown[0]["id"])
    r = cli("periods", "edit", first, "--entry-end", "2026-12-03", "--council", "2026-12-08")
    assert r.returncode == 0 and "conseil de classe le 08/12/2026" in r.stdout
    r = cli("periods", "lock", first)
    assert r.returncode == 0 and "verrouillée" in r.stdout
    assert [p["locked"] for p in json.loads(cli("periods", "show", "--json").stdout)] == [
        True,
        False,
        False,
    ]
    assert cli("periods", "unlock", first).returncode == 0
    actions = [
        r["action"]
        for r in rows(conn, "SELECT action FROM audit_log WHERE action LIKE 'grades.%' ORDER BY id")
    ]
    assert actions == [
        "grades.periods_set",
        "grades.period_edit",
        "grades.period_lock",
        "grades.period_unlock",
    ]
    who = rows(conn, "SELECT DISTINCT actor_login FROM audit_log WHERE action LIKE 'grades.%'")
    assert len(who) == 1 and who[0]["actor_login"].startswith("console:")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            [
                "--kind",
                "semester",
                "2026-09-01:2026-12-31",
                "2027-01-01:2027-03-31",
                "2027-04-01:2027-07-03",
            ],
            "Il faut 2 semestres : 3 donné(s).",
        ),
        (
            [
                "--kind",
                "trimester",
                "2026-09-01:2026-11-28",
                "2026-11-20:2027-03-06",
                "2027-03-07:2027-07-03",
            ],
            "sans se chevaucher",
        ),
        (
            [
                "--kind",
                "trimester",
                "2026-08-01:2026-11-28",
                "2026-11-29:2027-03-06",
                "2027-03-07:2027-07-03",
            ],
            "sort de l'année scolaire",
        ),
        (
            ["--kind", "trimester", "2026-09-01", "2026-11-29:2027-03-06", "2027-03-07:2027-07-03"],
            "illisible",
        ),
    ],
)
def test_the_command_says_what_is_wrong_in_one_line(cli, args, words):
    r = cli("periods", "set", *args)
    assert r.returncode == 1 and words in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_periods_need_the_school_year(box, config_file, tmp_path):
    r = cartable(
        config_file,
        tmp_path / "data",
        "periods",
        "set",
        "--kind",
        "semester",
        "2026-09-01:2027-01-31",
        "2027-02-01:2027-07-03",
    )
    assert r.returncode != 0 and "Aucune année scolaire" in r.stderr


def test_moving_the_periods_carries_the_assessments(school):
    s = school
    a = s.assess("prof.maths", "class", "5A", "L1300", days_ago(5), marks={"lea": 12})
    assert a["period_id"] == s.periods[1]["id"]
    t = s.today
    # The second trimester now starts three days ago: the assessment moves into the first.
    moved = periods.set_periods(
        s.conn,
        s.actor("direction"),
        "trimester",
        [
            (t - timedelta(days=100), t - timedelta(days=4)),
            (t - timedelta(days=3), t + timedelta(60)),
            (t + timedelta(days=61), t + timedelta(days=200)),
        ],
    )
    assert [p["id"] for p in moved] == [p["id"] for p in s.periods]  # same periods, moved
    assert assessments.get(s.conn, a["id"])["period_id"] == s.periods[0]["id"]
    with pytest.raises(CartableError, match="ne serait plus dans aucune période"):
        periods.set_periods(
            s.conn,
            s.actor("direction"),
            "trimester",
            [
                (t - timedelta(days=100), t - timedelta(days=90)),
                (t - timedelta(days=3), t + timedelta(60)),
                (t + timedelta(days=61), t + timedelta(200)),
            ],
        )
    with pytest.raises(CartableError, match="pas passer de trimestres à semestres"):
        periods.set_periods(
            s.conn,
            s.actor("direction"),
            "semester",
            [
                (t - timedelta(days=100), t),
                (t + timedelta(days=1), t + timedelta(days=200)),
            ],
        )


def test_a_locked_period_refuses_every_change_to_marks_and_appraisals(school):
    s = school
    a = s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 12})
    periods.set_locked(s.conn, s.actor("direction"), s.current["id"], True)
    maths = s.actor("prof.maths")
    for attempt in (
        lambda: assessments.set_marks(s.conn, maths, a, {s.ids["lea"]: 13}),
        lambda: assessments.create(
            s.conn,
            maths,
            teacher_id=s.ids["prof.maths"],
            audience=assessments.audience(s.conn, "class", "5A"),
            subject_code="L1300",
            title="Encore",
            day=days_ago(1),
            out_of=20,
            coefficient=1,
        ),
        lambda: assessments.update(
            s.conn,
            maths,
            a,
            title="Autre",
            day=a["date"],
            out_of=20,
            coefficient=1,
            publish_at=None,
        ),
        lambda: assessments.delete(s.conn, maths, a),
        lambda: report_cards.set_appraisal(
            s.conn, maths, s.current, s.person("lea"), "L1300", "Bien."
        ),
        lambda: periods.set_periods(
            s.conn, s.actor("direction"), "trimester", [(p["from"], p["to"]) for p in s.periods]
        ),
    ):
        with pytest.raises(periods.PeriodLocked):
            attempt()
    assert [line["mark"] for line in assessments.roster(s.conn, a) if line["login"] == "lea"] == [
        1200
    ]
    periods.set_locked(s.conn, s.actor("direction"), s.current["id"], False)
    assert assessments.set_marks(s.conn, maths, a, {s.ids["lea"]: 13}) == 1


def test_the_api_answers_409_period_locked(client, school):
    s = school
    a = s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 12})
    periods.set_locked(s.conn, s.actor("direction"), s.current["id"], True)
    r = client.put(
        f"/api/v1/assessments/{a['id']}/marks",
        json={"marks": {"lea": 14}},
        headers=s.bearer("prof.maths"),
    )
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "period_locked"
    assert "verrouillé" in r.get_json()["error"]["message"]
    r = client.post(
        "/api/v1/assessments",
        headers=s.bearer("prof.maths"),
        json={
            "audience": {"kind": "class", "code": "5A"},
            "subject_code": "L1300",
            "title": "Test",
            "date": days_ago(1).isoformat(),
            "out_of": 20,
            "coefficient": 1,
        },
    )
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "period_locked"
    r = client.put(
        f"/api/v1/report-cards/{s.current['id']}/lea/appraisals",
        json={"subject_code": "L1300", "text": "Bien."},
        headers=s.bearer("prof.maths"),
    )
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "period_locked"
    lea = [line for line in assessments.roster(s.conn, a) if line["login"] == "lea"]
    assert lea[0]["mark"] == 1200


def test_after_the_end_of_entry_marks_wait_for_the_direction(client, school):
    s = school
    body = {
        "audience": {"kind": "class", "code": "5A"},
        "subject_code": "L1300",
        "title": "Oublié",
        "date": days_ago(20).isoformat(),
        "out_of": 20,
        "coefficient": 1,
    }
    r = client.post("/api/v1/assessments", headers=s.bearer("prof.maths"), json=body)
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "entry_closed"
    periods.update_period(
        s.conn, s.actor("direction"), s.past["id"], entry_end=date.today() + timedelta(days=2)
    )
    r = client.post("/api/v1/assessments", headers=s.bearer("prof.maths"), json=body)
    assert r.status_code == 201 and r.get_json()["period_id"] == s.past["id"]


def test_the_direction_locks_a_period_on_the_page(app, school):
    s = school
    client = s.client(app, "direction")
    page = text(client.get("/notes/periodes"))
    assert "1er trimestre" in page and "Verrouiller (après le conseil)" in page
    token = csrf_token(client, "/notes/periodes")
    r = client.post(
        f"/notes/periodes/{s.past['id']}/verrou", data={"locked": "1", "csrf_token": token}
    )
    assert r.status_code == 302 and s.past["locked"]
    r = client.post(
        f"/notes/periodes/{s.past['id']}",
        data={
            "entry_end": "",
            "council_date": (date.today() - timedelta(days=3)).isoformat(),
            "csrf_token": token,
        },
    )
    assert (
        r.status_code == 302
        and s.past["council_date"] == (date.today() - timedelta(days=3)).isoformat()
    )
    entry = rows(
        s.conn, "SELECT actor_login, target FROM audit_log WHERE action = 'grades.period_lock'"
    )
    assert entry == [{"actor_login": "direction", "target": f"grade_period:{s.past['id']}"}]
    # The page sets the periods too, and says what is wrong.
    r = client.post(
        "/notes/periodes",
        data={"kind": "semester", "ranges": "n'importe quoi", "csrf_token": token},
    )
    assert r.status_code == 400 and "Période « n'importe quoi » illisible" in text(r)
    r = client.post(
        "/notes/periodes",
        data={
            "kind": "semester",
            "csrf_token": token,
            "ranges": "\n".join(f"{p['from']}:{p['to']}" for p in s.periods),
        },
    )
    assert r.status_code == 400 and "Il faut 2 semestres : 3 donné(s)." in text(r)
    # Vie scolaire does not (nor any staff without the direction's function).
    cpe = s.client(app, "cpe")
    assert cpe.get("/notes/periodes").status_code == 403
    token = csrf_token(cpe, "/")
    r = cpe.post(
        f"/notes/periodes/{s.past['id']}/verrou", data={"locked": "0", "csrf_token": token}
    )
    assert r.status_code == 404 and s.past["locked"]
