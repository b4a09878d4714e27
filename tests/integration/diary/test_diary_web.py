"""The cahier de textes's pages through the Flask test client, logged in through the
forms: the teacher's form per lesson, a family's work to do and its ticks, the class's
cahier with the visa, attachments, and who is refused what (404, as for nothing)."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from appliance.schoollife.diary import entries, homework, progress, reading
from tests.conftest import csrf_token, login, text
from tests.diary_school import FRENCH, LATIN, MATHS, audience
from tests.integration.diary.conftest import day


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    path.write_text("[diary]\nmax_attachment_mb = 1\n", encoding="utf-8")
    return path


def _as(client, person):
    """A new browser (test client) logged in as `person`."""
    client = client.application.test_client()
    r = login(client, person.login, person.password)
    assert r.status_code == 302 and "/login" not in r.headers["Location"], r.headers
    return client


def _post(client, path, data=None, token_from="/", **extra):
    token = csrf_token(client, token_from)
    return client.post(path, data={**(data or {}), "csrf_token": token}, **extra)


def _give(conn, school, monday, **extra):
    values = {
        "text": "Exercices 1 à 4 page 52",
        "kind": "exercise",
        "due_next_lesson": True,
        "lesson_id": school.lesson("5A", MATHS, monday),
    }
    values.update(extra)
    return homework.create(
        conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS, **values
    )


# --- the teacher's form per lesson ------------------------------------------------------------


def test_a_teacher_writes_the_content_and_homework_of_a_lesson(client, conn, school, monday):
    client = _as(client, school["maths"])
    lesson = school.lesson("5A", MATHS, monday)
    path = f"/cahier-de-textes/cours/{lesson}"
    page = text(client.get(path))
    wednesday = day(monday, 2).strftime("%d/%m/%Y")
    assert "Charge de travail de 5A" in page
    assert f"Pour le prochain cours : mercredi {wednesday}" in page
    r = _post(client, path, {"content": "Théorème de Pythagore\n\nDémonstration"}, path)
    assert r.status_code == 302
    assert entries.get(conn, lesson)["content_html"] == (
        "<p>Théorème de Pythagore</p><p>Démonstration</p>"
    )
    r = _post(
        client,
        f"{path}/travail",
        {"text": "Exercices <b>5 et 6</b><script>x</script>", "kind": "exercise",
         "due_mode": "next", "due": "", "minutes": "20", "publish_at": ""},
        path,
    )  # fmt: skip
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{path}#travail-donne")
    [item] = reading.given_in(conn, [lesson], drafts=True)[lesson]
    assert item["due"] == day(monday, 2).isoformat() and item["minutes"] == 20
    assert item["text_html"] == "Exercices <b>5 et 6</b>"
    page = client.get(path).get_data(as_text=True)
    assert "0 élève(s) sur 2 l'ont fait." in text(client.get(path)) and "<script>x" not in page
    # The class's workload shows the new homework on its day, with its minutes.
    row = re.search(r'<tr class="is-next-lesson">(.*?)</tr>', page, re.S).group(1)
    assert wednesday in row and "<td>1</td><td>20</td>" in row
    # The content box shows the text as typed.
    assert "Théorème de Pythagore\n\nDémonstration</textarea>" in text(client.get(path))


def test_a_refused_homework_keeps_the_form_and_names_the_field(client, conn, school, monday):
    client = _as(client, school["maths"])
    path = f"/cahier-de-textes/cours/{school.lesson('5A', MATHS, monday)}"
    r = _post(client, f"{path}/travail", {"text": "Lire", "kind": "exercise", "due_mode": "date",
                                          "due": "", "minutes": "900"}, path)  # fmt: skip
    assert r.status_code == 400
    page = text(r)
    assert "Donnez la date" in page and ">Lire</textarea>" in page
    assert conn.execute("SELECT count(*) FROM homework").fetchone()[0] == 0


def test_attachments_html_downloaded_pdf_shown_and_size_limited(client, conn, school, monday):
    client = _as(client, school["maths"])
    path = f"/cahier-de-textes/cours/{school.lesson('5A', MATHS, monday)}"
    pdf = b"%PDF-1.4\n%sujet\n" + b"1" * 500
    page = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    r = _post(
        client,
        f"{path}/travail",
        {"text": "Lire le sujet", "kind": "homework", "due_mode": "next",
         "attachments": [(io.BytesIO(pdf), "sujet.pdf"), (io.BytesIO(page), "cours.html")]},
        path,
        content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 302
    [item] = reading.for_audience(conn, audience(school, "5A"), monday, day(monday, 6))
    shown, saved = item["attachments"]
    client = _as(client, school["lea"])
    r = client.get(f"/cahier-de-textes/pieces-jointes/{shown['id']}")
    assert r.status_code == 200 and r.data == pdf and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("inline")
    r = client.get(f"/cahier-de-textes/pieces-jointes/{saved['id']}")
    assert r.status_code == 200 and r.data == page
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert "cours.html" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    # Past the school's limit (1 MB here), the form says so and nothing is written.
    client = _as(client, school["maths"])
    r = _post(
        client, f"{path}/travail",
        {"text": "Trop gros", "kind": "homework", "due_mode": "next",
         "attachments": [(io.BytesIO(b"%PDF" + b"0" * (1 << 20)), "gros.pdf")]},
        path, content_type="multipart/form-data",
    )  # fmt: skip
    assert r.status_code == 400 and "gros.pdf dépasse la taille permise (1 Mo)" in text(r)
    assert conn.execute("SELECT count(*) FROM homework").fetchone()[0] == 1


def test_changing_and_deleting_homework_asks_before_deleting(client, conn, school, monday):
    item = _give(conn, school, monday)
    client = _as(client, school["maths"])
    edit = f"/cahier-de-textes/travail/{item['id']}"
    assert "Exercices 1 à 4 page 52</textarea>" in text(client.get(edit))
    r = _post(client, edit, {"text": "Exercices 1 à 8", "kind": "homework", "due_mode": "date",
                             "due": day(monday, 4).isoformat(), "minutes": "40"}, edit)  # fmt: skip
    assert r.status_code == 302
    changed = reading.get(conn, item["id"])
    assert changed["due"] == day(monday, 4).isoformat() and changed["kind"] == "homework"
    r = _post(client, f"{edit}/supprimer", {}, edit)
    assert r.status_code == 200 and "Supprimer ce travail de Mathématiques" in text(r)
    assert reading.get(conn, item["id"])  # not yet
    r = _post(client, f"{edit}/supprimer", {"confirm": "oui"}, edit)
    assert r.status_code == 302
    assert conn.execute("SELECT count(*) FROM homework").fetchone()[0] == 0
    [row] = conn.execute("SELECT * FROM audit_log WHERE action = 'diary.homework_delete'")
    assert row["actor_login"] == school["maths"].login and row["ip"]


# --- who may write, tick and read --------------------------------------------------------------


def test_a_teacher_writes_only_in_their_classes_and_subjects(client, conn, school, monday):
    maths_5a = school.lesson("5A", MATHS, monday)
    item = _give(conn, school, monday)
    client = _as(client, school["french"])  # teaches 5A, in French only
    for path in (f"/cahier-de-textes/cours/{maths_5a}", f"/cahier-de-textes/travail/{item['id']}",
                 "/cahier-de-textes/cours/999999"):  # fmt: skip
        assert client.get(path).status_code == 404, path
    token_page = f"/cahier-de-textes/cours/{school.lesson('5A', FRENCH, day(monday, 1))}"
    assert client.get(token_page).status_code == 200  # their own lesson
    r = _post(client, f"/cahier-de-textes/cours/{maths_5a}/travail",
              {"text": "Intrus", "kind": "exercise", "due_mode": "next"}, token_page)  # fmt: skip
    assert r.status_code == 404
    r = _post(client, f"/cahier-de-textes/cours/{maths_5a}", {"content": "Intrus"}, token_page)
    assert r.status_code == 404
    r = _post(client, f"/cahier-de-textes/travail/{item['id']}/supprimer", {"confirm": "oui"},
              token_page)  # fmt: skip
    assert r.status_code == 404
    assert entries.get(conn, maths_5a) is None and len(reading.given_in(conn, [maths_5a])) == 1
    # The Latin teacher does not teach 5A at all.
    client = _as(client, school["latin"])
    assert client.get(f"/cahier-de-textes/cours/{maths_5a}").status_code == 404
    assert client.get(f"/cahier-de-textes/classe/{school.classes['5A']}").status_code == 404


def test_a_student_ticks_their_own_homework_only(client, conn, school, monday):
    # Next week's work: still "à faire" whatever the day the suite runs.
    monday = day(monday, 7)
    mine = _give(conn, school, monday)
    other = homework.create(
        conn, school["maths"].actor, audience=audience(school, "4B"), subject_code=MATHS,
        lesson_id=school.lesson("4B", MATHS, day(monday, 1)), text="4B", kind="exercise",
        due_next_lesson=True,
    )  # fmt: skip
    client = _as(client, school["lea"])
    r = _post(client, f"/cahier-de-textes/travail/{mine['id']}/fait", {"done": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#travail-{mine['id']}")
    assert progress.with_done(conn, [reading.get(conn, mine["id"])], school["lea"].id)[0]["done"]
    # Another class's homework: as if it did not exist, and nothing is written.
    r = _post(client, f"/cahier-de-textes/travail/{other['id']}/fait", {"done": "1"})
    assert r.status_code == 404
    assert _post(client, "/cahier-de-textes/travail/999999/fait", {"done": "1"}).status_code == 404
    assert conn.execute("SELECT count(*) FROM homework_done").fetchone()[0] == 1
    # Noah's list does not show Léa's tick.
    client = _as(client, school["noah"])
    page = text(client.get("/cahier-de-textes/travail-a-faire"))
    assert "J'ai fait ce travail" in page and "Je ne l'ai pas encore fait" not in page


def test_parents_see_the_ticks_and_cannot_tick(client, conn, school, monday):
    # Due tomorrow: "à faire" and within the home page's week whatever today is (next
    # week's lesson's next lesson, due 9 days after this Monday, left the home's week from
    # Monday to Wednesday).
    tomorrow = school.today + timedelta(days=1)
    item = _give(conn, school, monday, due_next_lesson=False, due=tomorrow)
    progress.set_done(conn, school["lea"].id, item["id"], True)
    client = _as(client, school["sophie"])
    page = text(client.get("/cahier-de-textes/travail-a-faire"))
    assert "Léa Martin" in page and "Exercices 1 à 4 page 52" in page and "Fait ✓" in page
    assert "J'ai fait ce travail" not in page and "Je ne l'ai pas encore fait" not in page
    r = _post(client, f"/cahier-de-textes/travail/{item['id']}/fait", {"done": "0"})
    assert r.status_code == 404
    assert progress.with_done(conn, [reading.get(conn, item["id"])], school["lea"].id)[0]["done"]
    home = text(client.get("/"))
    assert "Travail à faire" in home and "Mathématiques" in home and "Fait ✓" in home


def test_a_parent_of_another_family_sees_nothing_of_the_class(client, conn, school, monday):
    item = _give(conn, school, monday, attachments=homework.store_files(
        client.application.extensions["cartable.box"].config.files_dir,
        [(io.BytesIO(b"%PDF-1.4 x"), "sujet.pdf")], max_mb=1))  # fmt: skip
    attachment = item["attachments"][0]["id"]
    class_5a = f"/cahier-de-textes/classe/{school.classes['5A']}"
    client = _as(client, school["sophie"])  # Léa's mother
    assert client.get(class_5a).status_code == 200
    assert client.get(f"/cahier-de-textes/pieces-jointes/{attachment}").status_code == 200
    client = _as(client, school["claire"])  # Inès's mother: 4B
    missing = client.get("/cahier-de-textes/classe/999999")
    refused = client.get(class_5a)
    assert refused.status_code == missing.status_code == 404
    # The same page, but for the address it names (the language switch comes back to it).
    assert text(refused).replace(class_5a, "") == text(missing).replace(
        "/cahier-de-textes/classe/999999", ""
    )
    assert client.get(f"/cahier-de-textes/pieces-jointes/{attachment}").status_code == 404
    page = text(client.get("/cahier-de-textes/travail-a-faire"))
    assert "Inès Dubois" in page and "Exercices 1 à 4" not in page
    for who in ("ines", "cpe"):  # a student of another class, staff who is not direction
        client = _as(client, school[who])
        assert client.get(class_5a).status_code == 404, who
        assert client.get(f"/cahier-de-textes/pieces-jointes/{attachment}").status_code == 404


def test_homework_not_yet_published_is_absent_for_families(client, conn, school, monday):
    later = datetime.now(UTC) + timedelta(days=1)
    item = _give(conn, school, monday, publish_at=later)
    entries.write(conn, school["maths"].actor, school.lesson("5A", MATHS, monday), "Chapitre 2")
    client = _as(client, school["lea"])
    assert "Exercices 1 à 4" not in text(client.get("/cahier-de-textes/travail-a-faire"))
    assert "Exercices 1 à 4" not in text(client.get("/"))
    page = text(client.get(f"/cahier-de-textes/classe/{school.classes['5A']}"))
    assert "Chapitre 2" in page and "Exercices 1 à 4" not in page
    assert _post(client, f"/cahier-de-textes/travail/{item['id']}/fait").status_code == 404
    client = _as(client, school["maths"])
    page = text(client.get(f"/cahier-de-textes/classe/{school.classes['5A']}"))
    assert "Exercices 1 à 4" in page and "Pas encore visible des familles" in page


# --- lists past their first page ---------------------------------------------------------------


def test_the_todo_list_goes_page_after_page(client, conn, school, today):
    lesson = school.lesson("5A", MATHS, today - timedelta(days=today.weekday()))
    for offset, words in ((0, "Premier"), (16, "Deuxième page"), (30, "Troisième page")):
        homework.create(
            conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
            lesson_id=lesson, text=words, kind="exercise", due=today + timedelta(days=offset),
        )  # fmt: skip
    client = _as(client, school["lea"])
    first = text(client.get("/cahier-de-textes/travail-a-faire"))
    assert "Premier" in first and "Deuxième page" not in first
    following = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = text(client.get(following))
    assert "Deuxième page" in second and "Premier" not in second and "Troisième" not in second
    third_url = re.search(r'href="([^"]+)" rel="next"', second).group(1).replace("&amp;", "&")
    assert "Troisième page" in text(client.get(third_url))
    back = re.search(r'href="([^"]+)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert "Premier" in text(client.get(back))


def test_the_cahier_goes_week_after_week(client, conn, school, monday):
    entries.write(conn, school["maths"].actor, school.lesson("5A", MATHS, monday), "Semaine 1")
    entries.write(conn, school["maths"].actor, school.lesson("5A", MATHS, day(monday, 7)),
                  "Semaine 2")  # fmt: skip
    client = _as(client, school["noah"])
    page = text(client.get(f"/cahier-de-textes/classe/{school.classes['5A']}"))
    assert "Semaine 1" in page and "Semaine 2" not in page
    following = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    page = text(client.get(following))
    assert "Semaine 2" in page and "Semaine 1" not in page


# --- the direction's visa, the teacher's home ----------------------------------------------------


def test_the_direction_visas_a_teachers_cahier(client, conn, school, today):
    class_5a = f"/cahier-de-textes/classe/{school.classes['5A']}"
    client = _as(client, school["maths"])
    assert _post(client, f"{class_5a}/visa", {"teacher": school["maths"].login},
                 class_5a).status_code == 404  # fmt: skip
    client = _as(client, school["principal"])
    page = text(client.get(class_5a))
    assert "Viser le cahier de textes" in page
    r = _post(client, f"{class_5a}/visa", {"teacher": school["maths"].login,
              "date": today.isoformat(), "comment": "Bien tenu."}, class_5a)  # fmt: skip
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert f"Visé le {today.strftime('%d/%m/%Y')}" in page and "Bien tenu." in page
    assert "cahier de Ada Lovelace" in page
    r = _post(client, f"{class_5a}/visa", {"teacher": school["latin"].login}, class_5a)
    assert "n'enseigne pas en 5A" in text(client.get(r.headers["Location"]))
    [row] = conn.execute("SELECT * FROM audit_log WHERE action = 'diary.visa'")
    assert row["actor_login"] == school["principal"].login
    assert json.loads(row["details"])["teacher"] == school["maths"].login


def test_the_teachers_home_lists_their_lessons_and_classes(client, conn, school, monday):
    entries.write(conn, school["latin"].actor, school.lesson("LAT5", LATIN, day(monday, 2)), "x")
    # Jules César replaces Ada Lovelace in a 5A maths lesson: his to give, not to write.
    replaced = school.lesson("5A", MATHS, day(monday, 4))
    conn.execute("INSERT INTO lesson_teacher VALUES (?, ?)", (replaced, school["latin"].id))
    client = _as(client, school["latin"])
    page = text(client.get("/cahier-de-textes"))
    assert "Contenu écrit" in page and "Groupe Latin 5e" in page and "Classe 5A" not in page
    assert "Cours d'une classe ou d'une matière que vous n'enseignez pas" in page
    assert f"/cahier-de-textes/cours/{replaced}" not in page
    # A week without lessons still has its way to the others.
    page = text(client.get(f"/cahier-de-textes?semaine={day(monday, 70).isoformat()}"))
    assert "Aucun cours cette semaine dans l'emploi du temps." in page and 'rel="prev"' in page
    client = _as(client, school["principal"])
    page = text(client.get("/cahier-de-textes"))
    assert "Classe 5A" in page and "Classe 4B" in page and "Groupe Latin 5e" in page
    client = _as(client, school["lea"])
    assert client.get("/cahier-de-textes").headers["Location"].endswith("/travail-a-faire")


def test_a_student_ticks_from_the_home_page(client, conn, school, today):
    lesson = school.lesson("5A", MATHS, today - timedelta(days=today.weekday()))
    item = homework.create(
        conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
        lesson_id=lesson, text="Pour aujourd'hui", kind="exercise", due=today,
    )  # fmt: skip
    client = _as(client, school["lea"])
    home = text(client.get("/"))
    assert "Pour aujourd'hui" in home and "J'ai fait ce travail" in home
    r = _post(client, f"/cahier-de-textes/travail/{item['id']}/fait",
              {"done": "1", "next": "portal.home"})  # fmt: skip
    assert r.headers["Location"].endswith(f"/#bientot-{item['id']}")
    assert "Fait ✓" in text(client.get("/"))
    # A `next` that is not one of the pages goes back to the list.
    r = _post(client, f"/cahier-de-textes/travail/{item['id']}/fait",
              {"done": "0", "next": "https://ailleurs.example/"})  # fmt: skip
    assert "/cahier-de-textes/travail-a-faire#travail-" in r.headers["Location"]


def test_the_home_pages_block_follows_every_change_of_what_it_shows(client, conn, school, today):
    """The block is kept rendered (`webui/diary/home.py`): an edit, a new item, a deletion
    and another student's tick each show at the next view, and a classmate's page never
    shows someone else's tick."""
    lesson = school.lesson("5A", MATHS, today - timedelta(days=today.weekday()))
    first = homework.create(
        conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
        lesson_id=lesson, text="Exercice 1", kind="exercise", due=today,
    )  # fmt: skip
    lea, noah = _as(client, school["lea"]), _as(client, school["noah"])
    assert "Exercice 1" in text(lea.get("/")) and "Exercice 1" in text(noah.get("/"))
    homework.update(conn, school["maths"].actor, first["id"], text="Exercice 1 corrigé",
                    kind="test", due=today)  # fmt: skip
    page = text(lea.get("/"))
    assert "Exercice 1 corrigé" in page and "Contrôle" in page
    second = homework.create(
        conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
        lesson_id=lesson, text="Exercice 2", kind="exercise", due=today,
    )  # fmt: skip
    assert "Exercice 2" in text(lea.get("/"))
    _post(lea, f"/cahier-de-textes/travail/{second['id']}/fait", {"done": "1",
          "next": "portal.home"})  # fmt: skip
    assert "Fait ✓" in text(lea.get("/"))
    assert "Fait ✓" not in text(noah.get("/"))  # Noah's own page: not done by him
    homework.delete(conn, school["maths"].actor, second["id"])
    page = text(lea.get("/"))
    assert "Exercice 2" not in page and "Exercice 1 corrigé" in page
