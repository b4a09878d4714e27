"""Sessions and TOTP (#9): a guest's expiry ends their session at once; the enrolment
secret never travels in the cookie; disabling asks for a proof; recovery codes."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pyotp
from flask.sessions import SecureCookieSessionInterface

from tests.conftest import csrf_token, login, make_person, post, text

PAGE = "/compte/double-authentification"


def test_a_guest_whose_expiry_passes_is_logged_out_at_once(client, conn):
    pid, name, pw = make_person(conn, "guest", expires_on="2099-01-01")
    assert login(client, name, pw).status_code == 302
    assert client.get("/").status_code == 200
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    conn.execute("UPDATE person SET expires_on = ? WHERE id = ?", (yesterday, pid))
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert (
        conn.execute("SELECT count(*) FROM web_session WHERE person_id=?", (pid,)).fetchone()[0]
        == 0
    )


def _cookie_data(app, client) -> dict:
    raw = client.get_cookie("cartable").value
    return SecureCookieSessionInterface().get_signing_serializer(app).loads(raw)


def _enrol(app, client) -> tuple[str, list[str]]:
    """Enrol TOTP through the pages; return the secret and the recovery codes shown."""
    page = client.get(PAGE).get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    assert client.get(PAGE + "/qr.svg").status_code == 200
    data = _cookie_data(app, client)
    assert secret not in json.dumps(data) and secret not in client.get_cookie("cartable").value
    r = post(client, PAGE, {"code": pyotp.TOTP(secret).now()}, token_from=PAGE)
    assert r.status_code == 302
    shown = client.get(r.headers["Location"])
    codes = re.findall(
        r'<code class="recovery-code">([a-z0-9-]+)</code>', shown.get_data(as_text=True)
    )
    assert secret not in json.dumps(_cookie_data(app, client))
    return secret, codes


def test_enrolment_secret_stays_on_the_server_and_codes_are_shown_once(app, conn):
    _pid, name, pw = make_person(conn, "teacher")
    c = app.test_client()
    login(c, name, pw)
    _secret, codes = _enrol(app, c)
    assert len(codes) == 10 and len(set(codes)) == 10
    again = text(c.get(PAGE + "/codes-de-secours"))
    assert not any(code in again for code in codes)  # shown once
    stored = [r[0] for r in conn.execute("SELECT code_hash FROM recovery_code")]
    assert len(stored) == 10 and not any(code in stored for code in codes)


def test_disabling_totp_asks_for_a_code_or_the_password(app, conn):
    pid, name, pw = make_person(conn, "teacher")
    secret = pyotp.random_base32()
    conn.execute("UPDATE person SET totp_enabled=1, totp_secret=? WHERE id=?", (secret, pid))
    c = app.test_client()
    login(c, name, pw)
    token = csrf_token(c, "/login/code")
    c.post("/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert c.get(PAGE).status_code == 200
    r = post(c, PAGE + "/desactiver", token_from=PAGE)
    assert r.status_code == 400
    r = post(c, PAGE + "/desactiver", {"proof": "pas le bon mot de passe"}, token_from=PAGE)
    assert r.status_code == 400
    enabled = "SELECT totp_enabled FROM person WHERE id = ?"
    assert conn.execute(enabled, (pid,)).fetchone()[0] == 1
    r = post(c, PAGE + "/desactiver", {"proof": pw}, token_from=PAGE)
    assert r.status_code == 302
    assert conn.execute(enabled, (pid,)).fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM recovery_code").fetchone()[0] == 0


def test_a_recovery_code_logs_in_once_and_not_twice(app, conn):
    _pid, name, pw = make_person(conn, "admin")
    c = app.test_client()
    login(c, name, pw)
    _secret, codes = _enrol(app, c)
    for attempt, expected in ((1, 302), (2, 401)):
        other = app.test_client()
        r = login(other, name, pw)
        assert r.headers["Location"].endswith("/login/code"), attempt
        token = csrf_token(other, "/login/code")
        r = other.post("/login/code", data={"recovery": codes[0], "csrf_token": token})
        assert r.status_code == expected, attempt
    assert other.get("/admin/").status_code == 302  # the second try did not get in
    outcomes = [
        r[0]
        for r in conn.execute(
            "SELECT outcome FROM audit_log WHERE action = 'login.recovery_code' ORDER BY id"
        )
    ]
    assert outcomes == ["ok", "failed"]


def test_recovery_codes_can_be_regenerated_with_a_proof(app, conn):
    _pid, name, pw = make_person(conn, "admin")
    c = app.test_client()
    login(c, name, pw)
    _secret, codes = _enrol(app, c)
    r = post(c, PAGE + "/codes-de-secours", {"proof": "faux"}, token_from=PAGE)
    assert r.status_code == 400
    r = post(c, PAGE + "/codes-de-secours", {"proof": pw}, token_from=PAGE)
    assert r.status_code == 302
    fresh = re.findall(
        r'<code class="recovery-code">([a-z0-9-]+)</code>',
        c.get(r.headers["Location"]).get_data(as_text=True),
    )
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert (
        conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'account.recovery_codes'"
        ).fetchone()[0]
        == 2
    )
