"""Who sees which part of the directory (issue 9): a parent's chosen child drives what
they see; vie scolaire, direction and secretariat see students and guardians; an id in a
URL that is not yours answers exactly like an id that does not exist."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login, make_person, post, text


@pytest.fixture
def family(conn):
    """Two children of one parent in two classes, each class with its own teacher."""
    parent = make_person(conn, "relative", first_name="Sophie", last_name="Durand")
    out = {"parent": parent}
    for first, code, teacher in (("Léa", "6A", "Tournesol"), ("Hugo", "4B", "Lagaffe")):
        kid = make_person(conn, "student", first_name=first, last_name="Durand")
        prof = make_person(conn, "teacher", first_name="Prof", last_name=teacher)
        cid = conn.execute(
            "INSERT INTO school_class (code, name) VALUES (?, ?)", (code, code)
        ).lastrowid
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (kid[0], cid))
        conn.execute("INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (prof[0], cid))
        conn.execute(
            "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
            (parent[0], kid[0]),
        )
        out[first] = {"kid": kid, "teacher": prof, "class": cid}
    conn.execute("UPDATE person SET email = 'sophie@example.org' WHERE id = ?", (parent[0],))
    return out


def _client(app, who):
    c = app.test_client()
    assert login(c, who[1], who[2]).status_code == 302
    return c


def test_the_chosen_child_drives_the_parents_directory(app, family):
    c = _client(app, family["parent"])
    r = c.get("/annuaire/")
    assert r.status_code == 302 and "/enfant" in r.headers["Location"]
    for chosen, other in (("Léa", "Hugo"), ("Hugo", "Léa")):
        kid = family[chosen]["kid"][0]
        r = post(c, "/enfant", {"child_id": str(kid), "next": "directory.index"}, "/enfant")
        assert r.status_code == 302 and r.headers["Location"].endswith("/annuaire/")
        page = text(c.get("/annuaire/"))
        assert f"Les professeurs de {chosen}" in page
        assert family[chosen]["teacher"][1] in page or "Prof" in page
        assert f"Les professeurs de {other}" not in page
        own = "Tournesol" if chosen == "Léa" else "Lagaffe"
        not_own = "Lagaffe" if chosen == "Léa" else "Tournesol"
        assert own in page and not_own not in page
        assert "Changer d'enfant" in page
        home = text(c.get("/"))
        assert f"{chosen} Durand" in home and f"{other} Durand" not in home


@pytest.mark.parametrize("function", ["EDU", "DIR", "SEC", "ADM", "CPE", "Vie scolaire"])
def test_vie_scolaire_direction_and_secretariat_see_students_and_guardians(
    app, conn, family, function
):
    staff = make_person(conn, "staff", function=function)
    c = _client(app, staff)
    assert "Annuaire" in text(c.get("/"))  # the home tile
    r = c.get("/annuaire/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/annuaire/classes")
    listing = text(c.get("/annuaire/classes"))
    assert "6A" in listing and "4B" in listing and "/admin/" not in listing
    page = c.get(f"/annuaire/classes/{family['Léa']['class']}")
    assert page.status_code == 200
    body = text(page)
    assert "Léa" in body and family["Léa"]["kid"][1] in body  # students with their logins
    assert "Sophie Durand" in body and "sophie@example.org" in body  # their guardians
    assert "Dernière connexion" not in body and "/admin/" not in body  # no account states
    for admin_page in ("/admin/", "/admin/personnes", f"/admin/personnes/{family['parent'][0]}"):
        assert c.get(admin_page).status_code == 403


@pytest.mark.parametrize("function", [None, "DOC", "OUV"])
def test_other_staff_do_not_see_the_directory(app, conn, family, function):
    staff = make_person(conn, "staff", function=function)
    c = _client(app, staff)
    assert "Annuaire" not in text(c.get("/"))
    assert c.get("/annuaire/").status_code == 403
    assert c.get(f"/annuaire/classes/{family['Léa']['class']}").status_code == 404


def _shape(response) -> tuple[int, str]:
    """Status and page, less the form token and the page's own address (the language form's
    `next`), the only parts that may differ."""
    body = re.sub(r'name="(csrf_token|next)" value="[^"]+"', "", response.get_data(as_text=True))
    return response.status_code, body


def test_not_yours_answers_like_does_not_exist(app, conn, family):
    lea, hugo = family["Léa"], family["Hugo"]
    student = _client(app, lea["kid"])
    teacher = _client(app, lea["teacher"])
    parent = _client(app, family["parent"])
    group = conn.execute("INSERT INTO teaching_group (code, name) VALUES ('G', 'G')").lastrowid
    missing = 999999
    checks = [
        (student, "GET", "/annuaire/classes/{}", hugo["class"]),
        (student, "GET", "/annuaire/groupes/{}", group),
        (teacher, "POST", "/annuaire/eleves/{}/mot-de-passe", hugo["kid"][0]),
        (parent, "POST", "/annuaire/personnes/{}/donnees", lea["kid"][0]),
        (teacher, "GET", "/admin/personnes/{}", lea["kid"][0]),
        (teacher, "POST", "/admin/personnes/{}/mot-de-passe", lea["kid"][0]),
        (student, "GET", "/annuaire/imports/historique/{}", 1),
    ]
    for client, method, url, existing in checks:
        answers = []
        for ident in (existing, missing):
            if method == "GET":
                answers.append(_shape(client.get(url.format(ident))))
            else:
                page = "/compte/mot-de-passe"  # a page with a form token for every profile
                answers.append(_shape(post(client, url.format(ident), token_from=page)))
        assert answers[0] == answers[1], (url, answers[0][0], answers[1][0])
        assert answers[0][0] in (403, 404), url
