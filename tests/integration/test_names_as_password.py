"""The person's own names are refused as a password at every entry (issue 9): account
creation and password change on the command line, Mon compte, the first-login change."""

from __future__ import annotations

import pytest

from appliance.db import scalar
from appliance.directory import people
from tests.conftest import login, make_person, post, text
from tests.integration.test_cli import init_school, run

OWN = "jean dupont leger"  # 17 characters: long enough for every profile


@pytest.fixture
def school(tmp_path):
    cfg, data = init_school(tmp_path)
    return cfg, data, tmp_path


def test_cli_user_add_refuses_the_names_as_password(school):
    cfg, data, _tmp = school
    add = ["user", "add", "jean.dupont-leger", "--profile", "teacher", "--first-name", "Jean"]
    r = run([*add, "--last-name", "Dupont-Léger", "--password-file", "-"], data_dir=data,
            config=cfg, stdin=f"{OWN}\n{OWN}\n")  # fmt: skip
    assert r.returncode == 1 and "nom" in r.stderr and "Traceback" not in r.stderr
    r = run(["user", "show", "jean.dupont-leger"], data_dir=data, config=cfg)
    assert r.returncode == 1  # nothing was created


def test_cli_user_add_refuses_a_bad_login_with_a_suggestion(school):
    cfg, data, _tmp = school
    add = ["user", "add", "léa martin!", "--profile", "student", "--first-name", "Léa"]
    r = run([*add, "--last-name", "Martin"], data_dir=data, config=cfg)
    assert r.returncode == 1 and "Identifiant" in r.stderr and "lea.martin" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_passwd_refuses_the_names_as_password(school):
    cfg, data, _tmp = school
    add = ["user", "add", "jean.dupont-leger", "--profile", "teacher", "--first-name", "Jean"]
    assert run([*add, "--last-name", "Dupont-Léger"], data_dir=data, config=cfg).returncode == 0
    r = run(["user", "passwd", "jean.dupont-leger", "--password-file", "-"], data_dir=data,
            config=cfg, stdin="Léger Dupont Jean\n")  # fmt: skip
    assert r.returncode == 1 and "nom" in r.stderr and "Traceback" not in r.stderr


def _jean(conn, **extra) -> tuple[int, str, str]:
    return make_person(conn, "teacher", "jean.dupont-leger", first_name="Jean",
                       last_name="Dupont-Léger", **extra)  # fmt: skip


@pytest.mark.parametrize("first_login", [False, True], ids=["mon-compte", "first-login"])
def test_password_change_refuses_the_names(app, conn, first_login):
    pid, name, pw = _jean(conn)
    if first_login:
        conn.execute("UPDATE person SET must_change_password = 1 WHERE id = ?", (pid,))
    c = app.test_client()
    login(c, name, pw)
    if first_login:
        assert c.get("/").headers["Location"].endswith("/compte/mot-de-passe")
    before = scalar(conn, "SELECT password_hash FROM person WHERE id = ?", (pid,))
    for own in ("leger jean dupont", "Jean Dupont-Léger", "dupontlegerjean2012"):
        form = {"current": pw, "new": own, "confirm": own}
        r = post(c, "/compte/mot-de-passe", form, token_from="/compte/mot-de-passe")
        assert r.status_code == 400 and "nom" in text(r)
    assert scalar(conn, "SELECT password_hash FROM person WHERE id = ?", (pid,)) == before
    good = "un jardin plein de tulipes"
    form = {"current": pw, "new": good, "confirm": good}
    r = post(c, "/compte/mot-de-passe", form, token_from="/compte/mot-de-passe")
    assert r.status_code == 302


def test_service_create_and_set_password_refuse_the_names(conn):
    from appliance.security.passwords import PasswordRejected

    with pytest.raises(PasswordRejected):
        people.create_person(conn, login="jean.dupont-leger", profile="teacher",
                             first_name="Jean", last_name="Dupont-Léger", password=OWN)  # fmt: skip
    pid, _name, _pw = _jean(conn)
    with pytest.raises(PasswordRejected):
        people.set_password(conn, pid, "Dupont Léger Jean")
