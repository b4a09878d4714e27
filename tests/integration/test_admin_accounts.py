"""Creating and resetting accounts (issue 9): the login rule on every entry, the initial
password shown once after a redirect (reloading never creates or resets again)."""

from __future__ import annotations

import re

import pytest

from appliance.db import scalar
from appliance.directory import people
from tests.conftest import login, login_admin, make_person, post, text

NEW = "/admin/personnes/nouvelle"
INITIAL = re.compile(r'id="initial-password">([^<]+)<')


def _count(conn, sql: str, *args) -> int:
    return scalar(conn, sql, args)


@pytest.mark.parametrize("bad", ["léa martin!", "x", "a" * 80, "-lea", "lea\x00"])
def test_create_form_refuses_a_bad_login_naming_the_field_with_a_suggestion(app, conn, bad):
    c = app.test_client()
    login_admin(c, conn)
    make_person(conn, "student", "lea.martin")
    before = _count(conn, "SELECT count(*) FROM person")
    form = {"profile": "student", "first_name": "Léa", "last_name": "Martin", "login": bad}
    r = post(c, NEW, form, token_from=NEW)
    assert r.status_code == 400
    page = text(r)
    assert "Identifiant" in page and "refusé" in page
    assert 'id="login-suggestion"' in page and "lea.martin2" in page
    assert _count(conn, "SELECT count(*) FROM person") == before


def test_create_form_with_a_blank_login_takes_the_free_prenom_nom(app, conn):
    c = app.test_client()
    login_admin(c, conn)
    make_person(conn, "student", "lea.martin")
    form = {"profile": "student", "first_name": "Léa", "last_name": "Martin", "login": ""}
    r = post(c, NEW, form, token_from=NEW)
    assert r.status_code == 302
    assert people.get_by_login(conn, "lea.martin2")["first_name"] == "Léa"


def test_service_refuses_a_bad_login(conn):
    from appliance.errors import CartableError

    with pytest.raises(CartableError, match="Identifiant") as caught:
        people.create_person(
            conn, login="léa martin!", profile="student", first_name="Léa", last_name="Martin"
        )
    assert caught.value.field == "login" and "lea.martin" in caught.value.message


def test_create_redirects_and_the_password_is_shown_once(app, conn):
    c = app.test_client()
    login_admin(c, conn)
    form = {"profile": "student", "first_name": "Zoë", "last_name": "Lefèvre", "login": ""}
    r = post(c, NEW, form, token_from=NEW)
    assert r.status_code == 302
    pid = people.get_by_login(conn, "zoe.lefevre")["id"]
    assert r.headers["Location"].endswith(f"/admin/personnes/{pid}/mot-de-passe-initial")
    shown = c.get(r.headers["Location"])
    initial = INITIAL.search(shown.get_data(as_text=True)).group(1)
    # The password never travels in the (signed, readable) session cookie.
    cookies = " ".join(h for h in shown.headers.getlist("Set-Cookie"))
    assert initial not in cookies and initial.replace("-", "") not in cookies
    again = c.get(r.headers["Location"])
    assert again.status_code == 200 and initial not in text(again)
    assert 'id="password-gone"' in again.get_data(as_text=True)
    assert _count(conn, "SELECT count(*) FROM person WHERE first_name = 'Zoë'") == 1
    assert _count(conn, "SELECT count(*) FROM audit_log WHERE action = 'person.create'") == 1
    assert login(app.test_client(), "zoe.lefevre", initial).status_code == 302


def test_reset_redirects_and_reloading_does_not_reset_again(app, conn):
    c = app.test_client()
    login_admin(c, conn)
    pid, name, _pw = make_person(conn, "student")
    r = post(c, f"/admin/personnes/{pid}/mot-de-passe", token_from=f"/admin/personnes/{pid}")
    assert r.status_code == 302
    url = r.headers["Location"]
    initial = INITIAL.search(c.get(url).get_data(as_text=True)).group(1)
    stored = _count(conn, "SELECT password_hash FROM person WHERE id = ?", pid)
    for _ in range(2):
        again = c.get(url)
        assert again.status_code == 200 and initial not in text(again)
    assert _count(conn, "SELECT password_hash FROM person WHERE id = ?", pid) == stored
    resets = "SELECT count(*) FROM audit_log WHERE action = 'person.password_reset'"
    assert _count(conn, resets) == 1
    assert login(app.test_client(), name, initial).status_code == 302


def test_another_session_does_not_see_the_password(app, conn):
    c, other = app.test_client(), app.test_client()
    login_admin(c, conn)
    login_admin(other, conn)
    pid, _name, _pw = make_person(conn, "student")
    r = post(c, f"/admin/personnes/{pid}/mot-de-passe", token_from=f"/admin/personnes/{pid}")
    assert not INITIAL.search(other.get(r.headers["Location"]).get_data(as_text=True))
    assert INITIAL.search(c.get(r.headers["Location"]).get_data(as_text=True))


def test_teacher_reset_redirects_and_is_shown_once(app, conn):
    teacher, tname, tpw = make_person(conn, "teacher")
    student, sname, _ = make_person(conn, "student")
    class_id = conn.execute("INSERT INTO school_class (code, name) VALUES ('6A', '6A')").lastrowid
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (student, class_id))
    conn.execute("INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (teacher, class_id))
    c = app.test_client()
    login(c, tname, tpw)
    url = f"/annuaire/eleves/{student}/mot-de-passe"
    r = post(c, url, token_from="/annuaire/mes-eleves")
    assert r.status_code == 302 and r.headers["Location"].endswith(url)
    initial = INITIAL.search(c.get(url).get_data(as_text=True)).group(1)
    stored = _count(conn, "SELECT password_hash FROM person WHERE id = ?", student)
    assert initial not in text(c.get(url))
    assert _count(conn, "SELECT password_hash FROM person WHERE id = ?", student) == stored
    assert login(app.test_client(), sname, initial).status_code == 302
