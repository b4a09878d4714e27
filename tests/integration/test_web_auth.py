"""Logging in, throttling, sessions, CSRF, headers and TOTP through the real Flask app."""

import re
import time

import pyotp

from appliance.security import sessions
from tests.conftest import csrf_token, login, login_admin, make_person, post, text


def test_login_lands_on_profile_home(client, conn):
    _, name, pw = make_person(conn, "student", first_name="Léa", last_name="Martin")
    r = login(client, name, pw)
    assert r.status_code == 302 and r.headers["Location"].endswith("/")
    page = client.get("/").get_data(as_text=True)
    assert "Léa" in page and "Martin" in page and "Collège Test" in page
    assert "Cahier de textes" in page


def test_wrong_password_is_refused_and_audited(client, conn):
    _, name, _pw = make_person(conn, "teacher")
    r = login(client, name, "nope nope nope")
    assert r.status_code == 401
    assert "incorrect" in r.get_data(as_text=True)
    row = conn.execute("SELECT outcome FROM audit_log WHERE action='login.failed'").fetchone()
    assert row["outcome"] == "failed"


def test_throttling_answers_429_with_retry_after_and_right_password_works_after(client, conn):
    _, name, pw = make_person(conn, "student")
    codes = [login(client, name, "mauvais mot de passe").status_code for _ in range(5)]
    assert codes[:4] == [401] * 4
    assert codes[4] == 429
    r = login(client, name, pw)
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert "Trop d'essais" in text(r)
    # Even the right password is not checked while the delay runs; after it, it works.
    time.sleep(int(r.headers["Retry-After"]) + 0.1)
    assert login(client, name, pw).status_code == 302


def test_disabled_account_cannot_log_in(client, conn):
    from appliance.directory import people

    pid, name, pw = make_person(conn, "student")
    people.set_state(conn, pid, "disabled")
    r = login(client, name, pw)
    assert r.status_code == 403 and "désactivé" in r.get_data(as_text=True)


def test_expired_guest_cannot_log_in(client, conn):
    _, name, pw = make_person(conn, "guest", expires_on="2000-01-01")
    assert login(client, name, pw).status_code == 403


def test_cookie_flags(client, conn):
    _, name, pw = make_person(conn, "student")
    r = login(client, name, pw)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in the test; auto mode
    r = client.get("/login", base_url="https://localhost")
    assert "Secure" in r.headers.get("Set-Cookie", "Secure")


def test_secure_cookie_over_https(app, conn):
    _, name, pw = make_person(conn, "student")
    c = app.test_client()
    token_page = c.get("/login", base_url="https://ent.test").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
    r = c.post(
        "/login",
        base_url="https://ent.test",
        headers={"Referer": "https://ent.test/login"},
        data={"login": name, "password": pw, "csrf_token": token},
    )
    assert r.status_code == 302
    assert "Secure" in r.headers["Set-Cookie"]


def test_security_headers_on_every_response(client):
    for path in ("/login", "/nowhere", "/static/cartable.css"):
        r = client.get(path)
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "style-src 'self'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"]
        assert len(r.headers.getlist("Content-Security-Policy")) == 1
        assert len(r.headers.getlist("Cache-Control")) == 1
        assert "Strict-Transport-Security" not in r.headers  # plain HTTP
    # pages are never stored (shared school PCs); the style sheet is cached for an hour
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get("/static/cartable.css").headers["Cache-Control"] == "public, max-age=3600"
    r = client.get("/login", base_url="https://ent.test")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_inline_script_or_style_in_pages(app, client, conn):
    login_admin(client, conn)
    for path in (
        "/",
        "/admin/",
        "/admin/personnes",
        "/admin/journal",
        "/admin/reglages",
        "/compte/mot-de-passe",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        html = r.get_data(as_text=True)
        assert "<script" not in html, path
        assert "<style" not in html and " style=" not in html, path
    anonymous = app.test_client()
    for path in ("/login", "/accessibilite"):
        html = anonymous.get(path).get_data(as_text=True)
        assert "<script" not in html and " style=" not in html, path


def test_post_without_csrf_token_is_refused(client, conn):
    _, name, pw = make_person(conn, "student")
    r = client.post("/login", data={"login": name, "password": pw})
    assert r.status_code == 400
    assert "formulaire" in r.get_data(as_text=True)
    login(client, name, pw)
    r = client.post("/logout", data={})
    assert r.status_code == 400
    assert client.get("/").status_code == 200  # still logged in


def test_logout_ends_the_session_server_side(client, conn):
    pid, name, pw = make_person(conn, "student")
    login(client, name, pw)
    cookie = client.get_cookie("cartable").value
    r = post(client, "/logout")
    assert r.status_code == 302
    who = conn.execute("SELECT actor_id, actor_login, ip FROM audit_log WHERE action='logout'")
    assert [tuple(r) for r in who] == [(pid, name, "127.0.0.1")]
    client.set_cookie("cartable", cookie)  # replay the old cookie
    assert client.get("/").status_code == 302


def test_idle_and_absolute_session_limits(client, conn):
    pid, name, pw = make_person(conn, "student")
    login(client, name, pw)
    assert client.get("/").status_code == 200
    conn.execute(
        "UPDATE web_session SET last_seen_at = last_seen_at - 31*60 WHERE person_id=?", (pid,)
    )
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    login(client, name, pw)
    assert client.get("/").status_code == 200
    conn.execute(
        "UPDATE web_session SET created_at = created_at - 12*3600 - 1 WHERE person_id=?", (pid,)
    )
    assert client.get("/").status_code == 302


def test_expired_session_says_so(client, conn):
    pid, name, pw = make_person(conn, "student")
    login(client, name, pw)
    conn.execute("UPDATE web_session SET last_seen_at = 0 WHERE person_id=?", (pid,))
    r = client.get("/login")
    assert "Votre session a expiré" in r.get_data(as_text=True)


def test_password_change_ends_all_other_sessions(app, conn):
    pid, name, pw = make_person(conn, "teacher")
    a, b = app.test_client(), app.test_client()
    login(a, name, pw)
    login(b, name, pw)
    assert b.get("/").status_code == 200
    new = "une toute nouvelle phrase"
    r = post(
        a,
        "/compte/mot-de-passe",
        {"current": pw, "new": new, "confirm": new},
        token_from="/compte/mot-de-passe",
    )
    assert r.status_code == 302
    assert a.get("/").status_code == 200  # the session that changed it goes on
    assert b.get("/").status_code == 302  # every other one is over
    assert login(b, name, new).status_code == 302


def test_disabling_ends_sessions(app, conn):
    from appliance.directory import people

    pid, name, pw = make_person(conn, "student")
    c = app.test_client()
    login(c, name, pw)
    people.set_state(conn, pid, "disabled")
    assert c.get("/").status_code == 302
    assert sessions.resolve_row(conn, "whatever", sessions.SessionLimits()) is None


def test_person_of_session_reads_session_and_person_together(conn):
    from appliance.directory import people

    pid, name, _pw = make_person(conn, "student")
    token = sessions.open_session(conn, pid, "127.0.0.1", "test")
    limits = sessions.SessionLimits()
    person = people.person_of_session(conn, token, limits)
    assert person == people.get_person(conn, pid)  # the same fields as a direct read
    assert people.person_of_session(conn, "not a token", limits) is None
    assert people.person_of_session(conn, None, limits) is None
    # idle too long: None, and the session row is gone
    conn.execute("UPDATE web_session SET last_seen_at = last_seen_at - 3600")
    assert people.person_of_session(conn, token, limits) is None
    assert conn.execute("SELECT count(*) FROM web_session").fetchone()[0] == 0
    # a disabled person's session ends too
    token = sessions.open_session(conn, pid, "127.0.0.1", "test")
    conn.execute("UPDATE person SET state = 'disabled' WHERE id = ?", (pid,))
    assert people.person_of_session(conn, token, limits) is None


def test_password_change_rules(client, conn):
    _, name, pw = make_person(conn, "teacher")
    login(client, name, pw)

    def change(current, new):
        data = {"current": current, "new": new, "confirm": new}
        return post(client, "/compte/mot-de-passe", data, token_from="/compte/mot-de-passe")

    r = change(pw, "court")
    assert r.status_code == 400 and "12" in r.get_data(as_text=True)
    r = change(pw, "azertyuiop123")
    assert r.status_code == 400 and "courants" in r.get_data(as_text=True)
    r = change("faux", "phrase assez longue")
    assert r.status_code == 400
    assert login(client.application.test_client(), name, pw).status_code == 302  # unchanged


def test_must_change_password_before_anything_else(client, conn):
    from appliance.directory import people

    pid, name, _ = make_person(conn, "student")
    initial = people.reset_password(conn, pid)
    login(client, name, initial)
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/compte/mot-de-passe")
    new = "mon chat s'appelle Plume"
    post(
        client,
        "/compte/mot-de-passe",
        {"current": initial, "new": new, "confirm": new},
        token_from="/compte/mot-de-passe",
    )
    assert client.get("/").status_code == 200


def _enrol_admin(client, conn, pw, name):
    login(client, name, pw)
    r = client.get("/")
    assert r.headers["Location"].endswith("/compte/double-authentification")
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    qr = client.get("/compte/double-authentification/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    bad = post(
        client,
        "/compte/double-authentification",
        {"code": "000000"},
        token_from="/compte/double-authentification",
    )
    assert bad.status_code == 400
    ok = post(
        client,
        "/compte/double-authentification",
        {"code": pyotp.TOTP(secret).now()},
        token_from="/compte/double-authentification",
    )
    assert ok.status_code == 302
    return secret


def test_admin_must_enrol_totp_then_needs_a_code(app, conn):
    _, name, pw = make_person(conn, "admin")
    c = app.test_client()
    secret = _enrol_admin(c, conn, pw, name)
    assert c.get("/admin/").status_code == 200
    # A new login now asks for the code, and a code can't be replayed.
    c2 = app.test_client()
    r = login(c2, name, pw)
    assert r.headers["Location"].endswith("/login/code")
    assert c2.get("/").status_code == 302
    code = pyotp.TOTP(secret).at(time.time() + 30)
    token = csrf_token(c2, "/login/code")
    assert c2.post("/login/code", data={"code": code, "csrf_token": token}).status_code == 302
    assert c2.get("/admin/").status_code == 200
    c3 = app.test_client()
    login(c3, name, pw)
    token = csrf_token(c3, "/login/code")
    r = c3.post("/login/code", data={"code": code, "csrf_token": token})
    assert r.status_code == 401


def test_totp_optional_for_teachers_refused_for_students(client, conn, app):
    _, tname, tpw = make_person(conn, "teacher")
    login(client, tname, tpw)
    assert client.get("/").status_code == 200  # not forced
    assert client.get("/compte/double-authentification").status_code == 200
    _, sname, spw = make_person(conn, "student")
    c = app.test_client()
    login(c, sname, spw)
    assert c.get("/compte/double-authentification").status_code == 403


def test_open_redirect_is_refused(client, conn):
    _, name, pw = make_person(conn, "student")
    r = login(client, name, pw, next="https://evil.example/")
    assert r.headers["Location"] in ("/", "http://localhost/")
    assert "evil" not in r.headers["Location"]


def test_error_pages_are_styled_and_have_no_trace(box):
    from webui.app import create_app

    app = create_app(box)
    client = app.test_client()

    @app.route("/boom-test")
    def boom():
        raise RuntimeError("secret internals")

    r = client.get("/does-not-exist")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "cartable.css" in html and "Traceback" not in html
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = client.get("/boom-test")
    assert r.status_code == 500
    body = r.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "erreur inattendue" in body


def test_english_is_available(client):
    token = csrf_token(client)
    client.post("/lang", data={"lang": "en", "next": "/login", "csrf_token": token})
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in html and "Log in" in html


def test_login_rehashes_an_old_hash(client, conn):
    from argon2 import PasswordHasher

    pid, name, pw = make_person(conn, "student")
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(pw)
    conn.execute("UPDATE person SET password_hash = ? WHERE id = ?", (old, pid))
    assert login(client, name, pw).status_code == 302
    new = conn.execute("SELECT password_hash FROM person WHERE id = ?", (pid,)).fetchone()[0]
    assert new != old and "m=19456,t=2,p=1" in new


def test_a_guest_expires_at_midnight_in_the_school_zone_not_the_servers(conn):
    """A guest whose last day is 14/01/2027 is out at 00:30 in Paris on the 15th, while the
    server's clock (UTC) still reads the 14th; and still in at 23:30 Paris on the 14th."""
    from datetime import UTC, datetime

    from appliance import timefmt

    pid, _name, _pw = make_person(conn, "guest", expires_on="2027-01-14")
    limits = sessions.SessionLimits()
    midnight_paris = datetime(2027, 1, 14, 23, 0, tzinfo=UTC).timestamp()
    before = timefmt.zone().key
    timefmt.use_zone("Europe/Paris")
    try:
        for now, live in ((midnight_paris - 1800, True), (midnight_paris + 1800, False)):
            token = sessions.open_session(conn, pid, "127.0.0.1", "test")
            conn.execute("UPDATE web_session SET created_at = ?, last_seen_at = ?", (now, now))
            assert datetime.fromtimestamp(now, UTC).date().isoformat() == "2027-01-14"
            found = sessions.resolve_row(conn, token, limits, now=now)
            assert (found is not None) is live, (now, timefmt.today(now))
            conn.execute("DELETE FROM web_session")
        # a zone east of Paris: the 15th begins earlier still
        timefmt.use_zone("Pacific/Kiritimati")
        token = sessions.open_session(conn, pid, "127.0.0.1", "test")
        now = datetime(2027, 1, 14, 12, 0, tzinfo=UTC).timestamp()
        conn.execute("UPDATE web_session SET created_at = ?, last_seen_at = ?", (now, now))
        assert timefmt.today(now).isoformat() == "2027-01-15"
        assert sessions.resolve_row(conn, token, limits, now=now) is None
    finally:
        timefmt.use_zone(before)
