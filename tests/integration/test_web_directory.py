"""Directory pages: who sees which class, group and teacher; teachers reset passwords."""

from __future__ import annotations

import re

import pytest

from appliance.db import scalar
from appliance.directory import people, reconcile
from tests.conftest import SAMPLES, login, login_admin, make_person, post, text
from tests.integration.directory.directory_helpers import sample

SHARED = SAMPLES
PASSWORD = "un mot de passe de test"


@pytest.fixture
def school(conn):
    """The sample school (imported without passwords) plus a class nobody teaches."""
    reconcile.run_import(conn, sample(SHARED))
    other = conn.execute("INSERT INTO school_class (code, name) VALUES ('ULIS', 'ULIS')").lastrowid
    loner = make_person(conn, "student", first_name="Solène", last_name="Seule")[0]
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (loner, other))

    def ids(sql: str, *args) -> int:
        return scalar(conn, sql, args)

    return {
        "6 A": ids("SELECT id FROM school_class WHERE code = '6 A'"),
        "501": ids("SELECT id FROM school_class WHERE code = '501'"),
        "ULIS": other,
        "LATIN6": ids("SELECT id FROM teaching_group WHERE code = 'LATIN6'"),
        "LATIN3": ids("SELECT id FROM teaching_group WHERE code = 'LATIN3'"),
    }


def as_person(app, conn, login_name: str):
    """A client logged in as this imported person (given a known password)."""
    person = people.get_by_login(conn, login_name)
    people.set_password(conn, person["id"], PASSWORD, check_rules=False)
    client = app.test_client()
    assert login(client, login_name, PASSWORD).status_code == 302
    return client


def test_teacher_sees_the_classes_and_groups_they_teach_only(app, conn, school):
    c = as_person(app, conn, "sylvie.morel")
    home = text(c.get("/annuaire/"))
    assert "Mes classes et mes groupes" in home and "LATIN6" in home and "LATIN3" not in home
    page = text(c.get(f"/annuaire/classes/{school['6 A']}"))
    assert "Kylian" in page and "kylian.boulanger" in page
    assert "Responsables" not in page and "sylvie.boulanger" not in page  # no guardians
    assert "Aurélie PICHON" in page and "professeur principal" in page
    assert c.get(f"/annuaire/groupes/{school['LATIN6']}").status_code == 200
    # Not theirs answers as if it did not exist (issue 9).
    assert c.get(f"/annuaire/classes/{school['ULIS']}").status_code == 404
    assert c.get(f"/annuaire/groupes/{school['LATIN3']}").status_code == 404
    assert c.get("/annuaire/classes").status_code == 403
    assert c.get("/annuaire/classes/99999").status_code == 404


def test_student_sees_classmates_and_teachers_only(app, conn, school):
    c = as_person(app, conn, "kylian.boulanger")
    home = text(c.get("/annuaire/"))
    assert "Mes professeurs" in home and "Aurélie PICHON" in home and "Mathematiques" in home
    page = text(c.get(f"/annuaire/classes/{school['6 A']}"))
    assert "Enzo" in page and "MARTIN" in page
    assert "enzo.martin" not in page and "Dernière connexion" not in page
    for url in (
        f"/annuaire/classes/{school['501']}",
        f"/annuaire/classes/{school['ULIS']}",
        f"/annuaire/groupes/{school['LATIN6']}",
    ):
        assert c.get(url).status_code == 404, url  # not theirs: as if it did not exist
    for url in ("/annuaire/classes", "/annuaire/mes-eleves"):
        assert c.get(url).status_code == 403, url


def test_parent_sees_their_childrens_teachers_only(app, conn, school):
    c = as_person(app, conn, "sylvie.boulanger")
    home = text(c.get("/annuaire/"))
    assert "Les professeurs de Kylian (6 A)" in home and "Sylvie MOREL" in home
    assert c.get(f"/annuaire/classes/{school['6 A']}").status_code == 404
    assert "Annuaire" in text(c.get("/"))  # the home tile leads there
    staff = make_person(conn, "staff")
    s = app.test_client()
    login(s, staff[1], staff[2])
    assert s.get("/annuaire/").status_code == 403


def test_admin_browses_classes_with_guardians_states_and_last_login(app, client, conn, school):
    login_admin(client, conn)
    assert client.get("/annuaire/").headers["Location"].endswith("/annuaire/classes")
    listing = text(client.get("/annuaire/classes"))
    assert "6 A" in listing and "ULIS" in listing and "LATIN6" in listing
    assert "/admin/personnes" in listing  # search people from there
    page = text(client.get(f"/annuaire/classes/{school['6 A']}"))
    assert "Sylvie BOULANGER" in page and "Rachid BOULANGER" in page
    assert "jamais" in page and "actif" in page
    nav = text(client.get("/admin/"))
    assert "Imports" in nav and "Fiches de connexion" in nav and "Classes" in nav
    post(client, "/lang", {"lang": "en", "next": "/"})
    page = text(client.get(f"/annuaire/classes/{school['6 A']}"))
    assert "Guardians" in page and "Head teacher" not in page and "head teacher" in page
    assert "Login slips" in page


def test_teacher_resets_their_own_students_password(app, conn, school):
    c = as_person(app, conn, "sylvie.morel")
    page = text(c.get("/annuaire/mes-eleves"))
    assert "kylian.boulanger" in page and "Solène" not in page
    kylian = people.get_by_login(conn, "kylian.boulanger")["id"]
    r = post(c, f"/annuaire/eleves/{kylian}/mot-de-passe", token_from="/annuaire/mes-eleves")
    assert r.status_code == 302
    r = c.get(r.headers["Location"])
    assert r.status_code == 200
    initial = re.search(r'id="initial-password">([^<]+)<', r.get_data(as_text=True)).group(1)
    student = app.test_client()
    login(student, "kylian.boulanger", initial)
    assert student.get("/").headers["Location"].endswith("/compte/mot-de-passe")
    entry = conn.execute(
        "SELECT actor_login, target, details FROM audit_log WHERE action = 'person.password_reset'"
    ).fetchone()
    assert entry["actor_login"] == "sylvie.morel" and entry["target"] == f"person:{kylian}"
    assert initial not in entry["details"]
    solene = scalar(conn, "SELECT id FROM person WHERE first_name = 'Solène'")
    r = post(c, f"/annuaire/eleves/{solene}/mot-de-passe", token_from="/annuaire/mes-eleves")
    assert r.status_code == 404
    colleague = people.get_by_login(conn, "aurelie.pichon")["id"]
    r = post(c, f"/annuaire/eleves/{colleague}/mot-de-passe", token_from="/annuaire/mes-eleves")
    assert r.status_code == 404
