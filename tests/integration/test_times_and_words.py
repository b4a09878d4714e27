"""What people read: times in the school's zone and French formats (pages, CLI, mail),
JSON with the school's offset, and codes in words.

The server's own clock is put in another zone (New York) so that a time shown in the
server's zone instead of the school's is caught."""

import email
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from email import policy

import pytest
from aiosmtpd.controller import Controller

from appliance.health import alerts, mailer
from appliance.health.rules import Observation, RuleEngine
from appliance.health.settings import MailSettings
from appliance.health.store import MetricStore
from appliance.security import audit
from appliance.security.audit import Actor
from tests.conftest import login_admin, make_person, text

SUMMER = "2026-07-01T12:00:00+00:00"  # 14:00 in Paris (CEST)
WINTER = "2026-12-01T20:19:00+00:00"  # 21:19 in Paris (CET)
SERVER_ZONE = "America/New_York"


@pytest.fixture
def server_elsewhere():
    """The server's clock in New York for the test (what `date` would show there)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = SERVER_ZONE
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _audit_rows_at(conn, *moments):
    for moment in moments:
        audit.record(conn, Actor(None, "lea.martin", "10.0.0.7"), "login.failed", outcome="failed")
        conn.execute("UPDATE audit_log SET at = ? WHERE id = last_insert_rowid()", (moment,))


def test_audit_page_shows_school_times_and_actions_in_words(client, conn, server_elsewhere):
    login_admin(client, conn)
    _audit_rows_at(conn, SUMMER, WINTER)
    page = text(client.get("/admin/journal?actor=lea.martin"))
    assert "01/07/2026 14:00" in page and "01/12/2026 21:19" in page
    assert 'datetime="2026-12-01T21:19:00+01:00"' in page
    assert "+00:00" not in page and " UTC" not in page
    assert page.count("Connexion refusée") >= 3  # two rows and the filter's menu
    assert ">login.failed<" not in page and ">échoué<" in page
    assert '<option value="login.failed" >Connexion refusée</option>' in page
    # the English UI: same day/month/year order, English words
    token = client.get("/admin/journal").get_data(as_text=True).split('name="csrf_token" value="')
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": token[1].split('"')[0]})
    page = text(client.get("/admin/journal?actor=lea.martin"))
    assert "01/12/2026 21:19" in page and "Login refused" in page


def test_audit_filter_days_are_the_schools_days(client, conn, server_elsewhere):
    login_admin(client, conn)
    # 00:30 in Paris on 1 December, then 00:30 on 2 December
    _audit_rows_at(conn, "2026-11-30T23:30:00+00:00", "2026-12-01T23:30:00+00:00")
    page = text(client.get("/admin/journal?actor=lea.martin&since=2026-12-01&until=2026-12-01"))
    assert "01/12/2026 00:30" in page and "02/12/2026 00:30" not in page
    assert "1 entrée(s)." in page
    # not a real day: no error, nothing hidden either
    assert client.get("/admin/journal?since=2026-99-99&until=x").status_code == 200


def test_person_page_shows_function_words_and_school_times(client, conn, server_elsewhere):
    login_admin(client, conn)
    pid, _login, _pw = make_person(conn, "staff", function="EDU")
    conn.execute(
        "UPDATE person SET last_login_at = ?, departed_on = '2026-12-01' WHERE id = ?",
        (WINTER, pid),
    )
    page = text(client.get(f"/admin/personnes/{pid}"))
    assert "Conseiller principal d'éducation" in page and "(EDU)" not in page
    assert "01/12/2026 21:19" in page and "parti le 01/12/2026" in page
    other, _l, _p = make_person(conn, "staff", function="QQQ")
    assert "Fonction QQQ" in text(client.get(f"/admin/personnes/{other}"))


def _cartable(args, data, cfg):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    env["TZ"] = SERVER_ZONE
    cmd = [sys.executable, "-m", "appliance", "--config", str(cfg), *args, "--data-dir", str(data)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize(
    ("config_text", "shown", "offset"),
    [
        ("", "01/12/2026 21:19", "2026-12-01T21:19:00+01:00"),
        (
            '[school]\ntimezone = "Indian/Reunion"\n',
            "02/12/2026 00:19",
            "2026-12-02T00:19:00+04:00",
        ),
    ],
)
def test_cli_shows_school_times_and_json_carries_the_offset(tmp_path, config_text, shown, offset):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text(config_text, encoding="utf-8")
    data = tmp_path / "data"
    pw = tmp_path / "pw"
    pw.write_text("une phrase de passe solide\n")
    init = ["init", "--school-name", "Collège Test", "--uai", "0671234A", "--admin-login", "tech"]
    r = _cartable([*init, "--admin-password-file", str(pw)], data, cfg)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(data / "cartable.db")
    with db:
        db.execute("UPDATE person SET last_login_at = ?, function = 'DIR'", (WINTER,))
    db.close()
    r = _cartable(["user", "show", "tech"], data, cfg)
    assert r.returncode == 0, r.stderr
    assert f"last_login_at          {shown}" in r.stdout
    assert "Technicien" in r.stdout and "Direction" in r.stdout and "+00:00" not in r.stdout
    shown_json = json.loads(_cartable(["user", "show", "tech", "--json"], data, cfg).stdout)
    assert shown_json["last_login_at"] == offset
    assert shown_json["profile"] == "admin" and shown_json["function"] == "DIR"  # codes kept
    created = datetime.fromisoformat(shown_json["created_at"])
    assert created.utcoffset() == datetime.fromisoformat(offset).utcoffset()
    (listed,) = json.loads(_cartable(["user", "list", "--json"], data, cfg).stdout)
    assert listed["last_login_at"] == offset


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def test_alert_mail_gives_the_schools_time(tmp_path, box, server_elsewhere):
    """The worker sends mail from a box opened with the school's configuration (`box`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = _Inbox()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    store = MetricStore.open(tmp_path / "metrics.db")
    try:
        mail = MailSettings(host="127.0.0.1", port=port, starttls=False, to=["t@c.fr"])
        started = datetime.fromisoformat(WINTER).timestamp()
        ctx = {"device": "sdb", "model": "ST1000", "serial": "Z9A", "problems": []}
        o = Observation("smart:/dev/sdb", "disks", "smart", "smart", level="critical", context=ctx)
        alerts.apply_transitions(store.conn, RuleEngine().evaluate([o], started), started)
        assert mailer.send_critical_now(store.conn, mail, started, host="ent") == 1
    finally:
        store.close()
        ctl.stop()
    (msg,) = inbox.messages
    assert "Depuis le 01/12/2026 21:19." in msg.get_content()


def test_import_history_shows_the_schools_time(client, conn, server_elsewhere):
    """The imports' history (and every page: tests/unit/test_template_times.py) writes an
    applied import's time in the school's zone, not the server's (New York: 15:19)."""
    conn.execute(
        "INSERT INTO import_run (applied_at, effective_date, actor, files, counts) "
        "VALUES (?, '2026-12-01', 'tech', '[]', '{}')",
        (WINTER,),
    )
    login_admin(client, conn)
    page = text(client.get("/annuaire/imports/historique"))
    assert "Import n° 1" in page
    assert "01/12/2026 21:19" in page and "15:19" not in page and "20:19" not in page
