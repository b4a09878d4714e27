"""The usage statistics (#14), as they really run: visits counted by the web app's hook
(pages and API, once a minute per session and service; static files, anonymous and
technician's pages not counted), written to a real SQLite file by the flush (distinct
people kept across flushes, counts kept when a flush fails), a table with nothing
personal, the page and its access, the JSON API and the `cartable stats` command."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

from appliance import config as config_mod
from appliance.core import create_box
from appliance.db import rows
from appliance.security import audit, tokens
from appliance.stats import counting, usage
from tests.conftest import login, login_admin, make_person, text

NOON = 1_796_000_000.0  # 2026-11-30, around noon in Paris


def _stored(conn) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (r["service"], r["profile"]): (r["visits"], r["people"])
        for r in rows(conn, "SELECT * FROM usage_stat")
    }


def _flush(app, conn) -> None:
    counting.counter_for(app.extensions["cartable.box"]).flush(conn)


def test_the_table_holds_no_person_only_aggregates(conn):
    columns = [r["name"] for r in rows(conn, "PRAGMA table_info(usage_stat)")]
    assert columns == ["day", "service", "profile", "visits", "people"]
    assert rows(conn, "PRAGMA foreign_key_list(usage_stat)") == []
    # Nothing else in the database was added to say who visited.
    tables = [r["name"] for r in rows(conn, "SELECT name FROM sqlite_master WHERE type='table'")]
    assert not [t for t in tables if "visit" in t or t.startswith("stat")], tables


def test_pages_count_once_a_minute_per_session_and_people_once(app, client, conn):
    _id, name, pw = make_person(conn, "student")
    assert login(client, name, pw).status_code == 302
    for _ in range(3):
        assert client.get("/").status_code == 200
    # A second browser of the same student, and another student.
    other_browser = app.test_client()
    login(other_browser, name, pw)
    other_browser.get("/")
    _id2, name2, pw2 = make_person(conn, "student")
    third = app.test_client()
    login(third, name2, pw2)
    third.get("/")
    _flush(app, conn)
    assert _stored(conn) == {("accueil", "eleve"): (3, 2)}
    day = rows(conn, "SELECT day FROM usage_stat")[0]["day"]
    assert day == usage.today().isoformat()


def test_static_files_anonymous_probes_and_technician_pages_are_not_counted(app, client, conn):
    assert client.get("/static/cartable.css").status_code == 200
    # The health probe asks for the login page, anonymously (appliance.health.probes).
    assert client.get("/login", headers={"User-Agent": "cartable-health"}).status_code == 200
    login_admin(client, conn)
    assert client.get("/static/cartable.css").status_code == 200
    assert client.get("/admin/sante/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.get("/statistiques/").status_code == 200
    _flush(app, conn)
    assert _stored(conn) == {}
    # A refused request is no visit either.
    _id, name, pw = make_person(conn, "relative")
    parent = app.test_client()
    login(parent, name, pw)
    assert parent.get("/statistiques/").status_code == 403
    assert parent.get("/vie-scolaire/appels-non-faits").status_code == 403
    _flush(app, conn)
    assert _stored(conn) == {}


def test_api_requests_are_visits_of_their_service(app, conn):
    pid, _name, _pw = make_person(conn, "teacher")
    _tid, token = tokens.create(conn, pid, "script", actor=audit.SYSTEM)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    for _ in range(2):
        assert client.get("/api/v1/attendance/reasons", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 200  # no service
    _flush(app, conn)
    assert _stored(conn) == {("absences", "enseignant"): (1, 1)}


def test_distinct_people_hold_across_flushes_and_end_with_the_day(conn):
    counter = counting.UsageCounter()
    counter.visit("s1", 5, "relative", "notes", now=NOON)
    assert counter.flush(conn, now=NOON) == 1
    # The same parent an hour later, in another session, after a flush: one person.
    counter.visit("s2", 5, "relative", "notes", now=NOON + 3600)
    counter.visit("s3", 6, "relative", "notes", now=NOON + 3601)
    counter.flush(conn, now=NOON + 3602)
    assert _stored(conn) == {("notes", "parent"): (3, 2)}
    # The next day, the same parent is a person of that day.
    tomorrow = NOON + 86400
    counter.visit("s2", 5, "relative", "notes", now=tomorrow)
    counter.flush(conn, now=tomorrow)
    found = rows(conn, "SELECT day, visits, people FROM usage_stat ORDER BY day")
    assert found == [
        {"day": "2026-11-30", "visits": 3, "people": 2},
        {"day": "2026-12-01", "visits": 1, "people": 1},
    ]


def test_a_failed_flush_keeps_its_counts_for_the_next(conn, tmp_path):
    counter = counting.UsageCounter()
    counter.visit("s1", 1, "staff", "absences", now=NOON)
    broken = sqlite3.connect(tmp_path / "empty.db")  # no usage_stat table there
    with pytest.raises(sqlite3.OperationalError):
        counter.flush(broken, now=NOON)
    assert counter.pending() == {("2026-11-30", "absences", "personnel"): (1, 1)}
    counter.flush(conn, now=NOON)
    assert _stored(conn) == {("absences", "personnel"): (1, 1)}
    assert counter.pending() == {}


def test_the_flusher_thread_writes_every_interval_and_at_stop(box, conn):
    flusher = counting.Flusher(box, interval=0.05).start()
    try:
        flusher.counter.visit("s1", 1, "teacher", "cahier_textes")
        deadline = time.monotonic() + 5
        while not _stored(conn) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _stored(conn) == {("cahier_textes", "enseignant"): (1, 1)}
    finally:
        flusher.stop()
    # A long interval: what is counted before the stop is written by the stop.
    flusher = counting.Flusher(box, interval=3600).start()
    flusher.counter.visit("s2", 2, "teacher", "cahier_textes")
    flusher.stop()
    assert _stored(conn) == {("cahier_textes", "enseignant"): (2, 2)}


def test_switched_off_nothing_is_counted(tmp_path):
    from webui.app import create_app

    (tmp_path / "c.toml").write_text("")
    cfg = config_mod.load(
        tmp_path / "c.toml", tmp_path / "data", env={"CARTABLE_STATS_ENABLED": "false"}
    )
    box = create_box(cfg)
    app = create_app(box)
    _id, name, pw = make_person(box.conn(), "student")
    client = app.test_client()
    login(client, name, pw)
    assert client.get("/").status_code == 200
    assert counting.counter_for(box).pending() == {}
    assert counting.start_flusher(box) is None


def _came(conn, person_id: int) -> None:
    """The person has logged in once (an activated account)."""
    conn.execute(
        "UPDATE person SET last_login_at = '2026-11-02T08:00:00+00:00' WHERE id = ?",
        (person_id,),
    )


def _seed(conn, today: date) -> None:
    yesterday = (today - timedelta(days=1)).isoformat()
    long_ago = (today - timedelta(days=45)).isoformat()
    conn.executemany(
        "INSERT INTO usage_stat (day, service, profile, visits, people) VALUES (?, ?, ?, ?, ?)",
        [
            (yesterday, "accueil", "eleve", 412, 187),
            (yesterday, "notes", "parent", 96, 61),
            (today.isoformat(), "cahier_textes", "enseignant", 58, 21),
            (long_ago, "accueil", "eleve", 5, 5),
        ],
    )


def test_the_page_shows_charts_and_numbers_to_the_technician_and_the_direction(app, conn):
    _seed(conn, usage.today())
    _came(conn, make_person(conn, "student")[0])
    make_person(conn, "student")
    admin = app.test_client()
    login_admin(admin, conn)
    page = admin.get("/statistiques/")
    assert page.status_code == 200
    body = text(page)
    assert body.count("<svg") == 8  # four charts, wide and narrow
    for title in ("Visites par jour", "Visites par service", "Visites par profil",
                  "Comptes activés sur comptes importés"):  # fmt: skip
        assert title in body
    assert "566 visite(s)" in body  # the last 30 days only: 412 + 96 + 58
    assert "Élèves : 412" in body  # the profiles' chart in words (its description)
    assert "Élèves : 1 sur 2 (50 %)" in body  # one student has logged in, of two
    _id, name, pw = make_person(conn, "staff", function="DIR")
    direction = app.test_client()
    login(direction, name, pw)
    assert direction.get("/statistiques/").status_code == 200
    for profile, extra in (("staff", {"function": "EDU"}), ("teacher", {}), ("student", {})):
        _id, name, pw = make_person(conn, profile, **extra)
        other = app.test_client()
        login(other, name, pw)
        assert other.get("/statistiques/").status_code == 403, profile
    assert app.test_client().get("/statistiques/").status_code == 302  # to the login page


def test_the_api_lists_the_items_page_by_page_for_the_direction_only(app, conn):
    today = usage.today()
    _seed(conn, today)
    pid, _name, _pw = make_person(conn, "staff", function="DIR")
    _tid, token = tokens.create(conn, pid, "rapport", actor=audit.SYSTEM)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    r = client.get("/api/v1/stats/usage", headers=headers)
    assert r.status_code == 200
    yesterday = (today - timedelta(days=1)).isoformat()
    assert r.get_json() == {
        "items": [
            {"date": yesterday, "service": "accueil", "profile": "eleve", "visits": 412,
             "people": 187},
            {"date": yesterday, "service": "notes", "profile": "parent", "visits": 96,
             "people": 61},
            {"date": today.isoformat(), "service": "cahier_textes", "profile": "enseignant",
             "visits": 58, "people": 21},
        ]
    }  # fmt: skip
    first = client.get(
        f"/api/v1/stats/usage?from={today - timedelta(days=60)}&to={today}&limit=2",
        headers=headers,
    ).get_json()
    assert [i["visits"] for i in first["items"]] == [5, 412]
    rest = client.get(
        f"/api/v1/stats/usage?from={today - timedelta(days=60)}&to={today}&cursor={first['next']}",
        headers=headers,
    ).get_json()
    assert [i["visits"] for i in rest["items"]] == [96, 58] and "next" not in rest
    wrong = client.get("/api/v1/stats/usage?from=2026-12-10&to=2026-12-01", headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["field"] == "to"
    # A parent may not read them.
    parent_id, _n, _p = make_person(conn, "relative")
    _tid, parent_token = tokens.create(conn, parent_id, "app", actor=audit.SYSTEM)
    refused = client.get("/api/v1/stats/usage", headers={"Authorization": f"Bearer {parent_token}"})
    assert refused.status_code == 403 and "items" not in refused.get_json()


def _cli(box, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    cmd = [sys.executable, "-m", "appliance", "--data-dir", str(box.config.data_dir), "stats"]
    if box.config.file:
        cmd[3:3] = ["--config", str(box.config.file)]
    return subprocess.run([*cmd, *args], capture_output=True, env=env, timeout=60, cwd=os.getcwd())


def test_cartable_stats_exports_csv_json_and_a_summary(box, conn):
    today = usage.today()
    _seed(conn, today)
    conn.execute(
        "INSERT INTO usage_stat VALUES (?, 'actualites', 'invite', 3, 2)",
        ((today - timedelta(days=2)).isoformat(),),
    )
    _came(conn, make_person(conn, "teacher")[0])
    done = _cli(box, "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["from"] == (today - timedelta(days=29)).isoformat()
    assert out["to"] == today.isoformat()
    assert [i["visits"] for i in out["items"]] == [3, 412, 96, 58]
    assert {"profile": "enseignant", "imported": 1, "activated": 1} in out["accounts"]
    day = (today - timedelta(days=45)).isoformat()
    done = _cli(box, "--csv", "--from", day, "--to", day)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "date;service;profil;visites;personnes"
    assert lines[1:] == [f"{day};accueil;eleve;5;5", ""]
    done = _cli(box)
    summary = done.stdout.decode()
    assert done.returncode == 0 and "Statistiques d'usage du " in summary
    assert any(line.split()[:2] == ["Accueil", "412"] for line in summary.splitlines())
    both = _cli(box, "--csv", "--json")
    assert both.returncode == 2 and b"--csv et --json" in both.stderr
    wrong = _cli(box, "--from", "30/11/2026")
    assert wrong.returncode == 1 and "Date invalide" in wrong.stderr.decode()
