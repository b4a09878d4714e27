"""The technician's area and the parents' child picker, through the real app."""

import re

from appliance.directory import people
from tests.conftest import login, login_admin, make_person, post, text


def _admin(client, conn):
    return login_admin(client, conn)


def test_admin_creates_a_student_who_must_change_password(app, conn):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    admin = _admin(c, conn)
    r = post(
        c,
        "/admin/personnes/nouvelle",
        {"profile": "student", "first_name": "Zoë", "last_name": "Lefèvre", "login": "zoe.lefevre"},
        token_from="/admin/personnes/nouvelle",
    )
    assert r.status_code == 302
    r = c.get(r.headers["Location"])
    assert r.status_code == 200
    initial = re.search(r'id="initial-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    person = people.get_by_login(conn, "zoe.lefevre")
    assert person["must_change_password"] == 1
    entry = conn.execute(
        "SELECT actor_login, action, details FROM audit_log WHERE action='person.create'"
    ).fetchone()
    assert entry["actor_login"] == admin and "zoe.lefevre" in entry["details"]
    assert initial not in (entry["details"] or "")
    # webui.access.actor: the audit row names the person by id and login, with their address
    who = conn.execute("SELECT actor_id, ip FROM audit_log WHERE action='person.create'").fetchone()
    assert tuple(who) == (people.get_by_login(conn, admin)["id"], "10.1.2.3")
    s = app.test_client()
    login(s, "zoe.lefevre", initial)
    assert s.get("/").headers["Location"].endswith("/compte/mot-de-passe")


def test_admin_form_errors_are_shown(app, conn):
    c = app.test_client()
    _admin(c, conn)
    r = post(
        c,
        "/admin/personnes/nouvelle",
        {"profile": "guest", "first_name": "Paul", "last_name": "Invité", "login": "paul.invite"},
        token_from="/admin/personnes/nouvelle",
    )
    assert r.status_code == 400 and "expiration" in text(r)
    assert "Paul" in text(r)  # the form keeps what was typed


def test_admin_searches_disables_enables_and_resets(app, conn):
    c = app.test_client()
    _admin(c, conn)
    pid, name, pw = make_person(conn, "student", first_name="Inès", last_name="Dubois")
    other = app.test_client()
    login(other, name, pw)
    r = c.get("/admin/personnes?q=dubois")
    assert "Inès" in text(r) and "1 compte" in text(r)
    assert "Inès" not in text(c.get("/admin/personnes?q=dubois&profile=teacher"))
    r = post(
        c,
        f"/admin/personnes/{pid}/etat",
        {"state": "disabled"},
        token_from=f"/admin/personnes/{pid}",
    )
    assert r.status_code == 302
    assert people.get_person(conn, pid)["state"] == "disabled"
    assert other.get("/").status_code == 302  # their session ended
    post(
        c, f"/admin/personnes/{pid}/etat", {"state": "active"}, token_from=f"/admin/personnes/{pid}"
    )
    assert people.get_person(conn, pid)["state"] == "active"
    r = post(c, f"/admin/personnes/{pid}/mot-de-passe", token_from=f"/admin/personnes/{pid}")
    r = c.get(r.headers["Location"])
    initial = re.search(r'id="initial-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    assert login(app.test_client(), name, initial).status_code == 302
    assert login(app.test_client(), name, pw).status_code == 401
    r = c.get("/admin/journal?action=person.disable")
    assert "person.disable" in text(r) and f"person:{pid}" in text(r)


def test_admin_cannot_disable_themself(app, conn):
    c = app.test_client()
    name = _admin(c, conn)
    me = people.get_by_login(conn, name)
    post(
        c,
        f"/admin/personnes/{me['id']}/etat",
        {"state": "disabled"},
        token_from=f"/admin/personnes/{me['id']}",
    )
    assert people.get_person(conn, me["id"])["state"] == "active"


def test_audit_log_records_logins_and_failures_with_address(app, conn):
    c = app.test_client()
    _pid, name, pw = make_person(conn, "teacher")
    login(app.test_client(), name, "wrong wrong wrong")
    login(app.test_client(), name, pw)
    _admin(c, conn)
    page = text(c.get(f"/admin/journal?actor={name}"))
    assert "login.failed" in page and "login" in page and "127.0.0.1" in page
    assert "failed" in text(c.get("/admin/journal?outcome=failed"))


def test_settings_page_edits_the_school_and_shows_config(app, conn):
    c = app.test_client()
    _admin(c, conn)
    r = c.get("/admin/reglages")
    assert "web.port" in text(r) and "security.session_idle_minutes" in text(r)
    r = post(
        c,
        "/admin/reglages",
        {"name": "Collège Renommé", "uai": "0679999x", "portal_url": "https://ent.example"},
        token_from="/admin/reglages",
    )
    assert r.status_code == 302
    assert "Collège Renommé" in text(c.get("/"))
    r = post(c, "/admin/reglages", {"name": "X", "uai": "12"}, token_from="/admin/reglages")
    assert r.status_code == 400 and "UAI" in text(r)


def test_parent_with_several_children_picks_one(app, conn):
    _g, gname, gpw = make_person(conn, "relative", first_name="Sophie")
    kids = [make_person(conn, "student", first_name=n)[0] for n in ("Léa", "Hugo")]
    stranger = make_person(conn, "student", first_name="Autre")[0]
    for k in kids:
        conn.execute(
            "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?,?,1)", (_g, k)
        )
    c = app.test_client()
    login(c, gname, gpw)
    r = c.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/enfant")
    page = text(c.get("/enfant"))
    assert "Léa" in page and "Hugo" in page and "Autre" not in page
    r = post(c, "/enfant", {"child_id": str(stranger)}, token_from="/enfant")
    assert r.status_code == 403
    post(c, "/enfant", {"child_id": str(kids[1])}, token_from="/enfant")
    assert "Vous consultez le suivi de" in text(c.get("/")) and "Hugo" in text(c.get("/"))


def test_parent_with_one_child_goes_straight_home(app, conn):
    g, gname, gpw = make_person(conn, "relative")
    kid = make_person(conn, "student", first_name="Noah")[0]
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?,?,1)", (g, kid)
    )
    c = app.test_client()
    login(c, gname, gpw)
    r = c.get("/")
    assert r.status_code == 200 and "Noah" in text(r)


def test_each_profile_home_shows_its_tiles(app, conn):
    expected = {
        "student": "Notes",
        "teacher": "Annuaire",
        # Vie scolaire is for staff whose function is (CPE, assistants, direction): below.
        "staff": "Messagerie",
        "guest": "Mes documents",
        "relative": "Notes",
    }
    for profile, tile in expected.items():
        _pid, name, pw = make_person(conn, profile)
        c = app.test_client()
        login(c, name, pw)
        page = text(c.get("/"))
        assert tile in page and "Collège Test" in page, profile
        assert ("Vie scolaire" in page) == (profile != "staff" and profile != "guest"), profile
    _pid, name, pw = make_person(conn, "staff", function="CPE")
    c = app.test_client()
    login(c, name, pw)
    assert 'href="/vie-scolaire"' in text(c.get("/"))
    _pid, name, pw = make_person(conn, "student")
    c = app.test_client()
    login(c, name, pw)
    assert "Administration" not in text(c.get("/"))
