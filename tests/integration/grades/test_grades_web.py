"""The grades pages (#13) with the Flask test client: a teacher creates an assessment and
fills the grid (no JavaScript: one field per student, commas or points, codes), families
read their own, head teachers and the direction their classes; appraisals, report cards,
a class's PDF through the job queue; and who gets a 404."""

from __future__ import annotations

import re
import subprocess

import pytest

from appliance import jobrunner
from appliance.db import rows
from appliance.schoollife.grades import assessments, periods
from tests.conftest import csrf_token
from tests.fixtures.tools import needs
from tests.integration.grades.conftest import days_ago, words


def _post(client, url, data, token_from="/notes"):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from)})


def _5a(s, subject="L1300"):
    return f"/notes/classe/{s.classes['5A']}/{subject}"


def test_a_teacher_creates_an_assessment_and_fills_the_grid(app, school):
    s = school
    teacher = s.client(app, "prof.maths")
    home = words(teacher.get("/notes"))
    assert "5A — Mathématiques" in home and "5A — Physique-chimie" in home
    assert f'href="/notes/classes/{s.classes["5A"]}"' in teacher.get("/notes").get_data(True)
    assert "Nouvelle évaluation" in words(teacher.get(_5a(s)))
    r = _post(
        teacher,
        _5a(s) + "/nouvelle",
        {
            "title": "Fractions",
            "date": days_ago(1).isoformat(),
            "out_of": "20",
            "coefficient": "0,5",
            "publish_date": "",
            "publish_time": "",
        },
    )
    assert r.status_code == 302, words(r)
    grid_url = r.headers["Location"]
    page = teacher.get(grid_url).get_data(as_text=True)
    ids = {who: s.ids[who] for who in ("lea", "noah", "zoe")}
    for pid in ids.values():
        assert f'<input id="mark-{pid}" name="mark-{pid}"' in page
        assert f'<label for="mark-{pid}">' in page
    assert "<script" not in page
    marks_url = grid_url + "/notes"
    bad = _post(
        teacher,
        marks_url,
        {f"mark-{ids['lea']}": "14,5", f"mark-{ids['noah']}": "ABS", f"mark-{ids['zoe']}": "25"},
        token_from=grid_url,
    )
    assert bad.status_code == 400
    shown = words(bad)
    assert "Rien n'a été enregistré" in shown and "dépasse le barème" in shown
    assert 'value="14,5"' in bad.get_data(as_text=True) and 'value="25"' in bad.get_data(True)
    assert rows(s.conn, "SELECT * FROM grade_mark") == []
    good = _post(
        teacher,
        marks_url,
        {f"mark-{ids['lea']}": "14,5", f"mark-{ids['noah']}": "ABS", f"mark-{ids['zoe']}": "12.5"},
        token_from=grid_url,
    )
    assert good.status_code == 302
    page = words(teacher.get(grid_url))
    assert "Moyenne : 13,50, de 12,50 à 14,50 (2 note(s) qui comptent)." in page
    assert "Publiée aux familles depuis le" in page
    stored = {r["student_id"]: r["value"] for r in rows(s.conn, "SELECT * FROM grade_mark")}
    assert stored == {ids["lea"]: "14.5", ids["noah"]: "abs", ids["zoe"]: "12.5"}
    # Léa reads it at once (published now), with the class's figures beside it.
    lea = words(s.client(app, "lea").get("/notes", follow_redirects=True))
    assert "Mes notes" in lea and "Fractions" in lea and "14,5 / 20" in lea
    assert "Moyenne : 14,50 — classe : 13,50 (de 12,50 à 14,50)" in lea


def test_the_assessment_settings_and_its_deletion(app, school):
    s = school
    a = s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18})
    teacher = s.client(app, "prof.maths")
    url = f"/notes/evaluations/{a['id']}"
    form = teacher.get(url + "/modifier").get_data(as_text=True)
    assert 'value="Contrôle"' in form and 'value="20"' in form
    r = _post(
        teacher,
        url + "/modifier",
        {
            "title": "Contrôle 2",
            "date": a["date"],
            "out_of": "10",
            "coefficient": "2",
            "publish_date": "",
            "publish_time": "",
        },
    )
    assert r.status_code == 400 and "ne tient pas dans le nouveau barème" in words(r)
    r = _post(
        teacher,
        url + "/modifier",
        {
            "title": "Contrôle 2",
            "date": a["date"],
            "out_of": "40",
            "coefficient": "2",
            "publish_date": days_ago(-1).isoformat(),
            "publish_time": "18:00",
        },
    )
    assert r.status_code == 302
    changed = assessments.get(s.conn, a["id"])
    assert (changed["title"], changed["out_of"], changed["coefficient"]) == ("Contrôle 2", 40, "2")
    assert "Pas encore publiée" in words(teacher.get(url))
    r = _post(teacher, url + "/supprimer", {}, token_from=url)
    assert r.status_code == 302 and "/notes/classe/" in r.headers["Location"]
    assert rows(s.conn, "SELECT * FROM assessment") == []
    assert rows(s.conn, "SELECT * FROM grade_mark") == []


def test_a_teacher_cannot_touch_a_class_they_do_not_teach(app, school):
    s = school
    a = s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18})
    other = s.client(app, "prof.maths5b")  # 5B's maths teacher
    for url in (
        _5a(s),
        _5a(s) + "/nouvelle",
        f"/notes/evaluations/{a['id']}",
        f"/notes/evaluations/{a['id']}/modifier",
        _5a(s) + "/appreciations",
        f"/notes/classes/{s.classes['5A']}",
        f"/notes/eleves/{s.ids['lea']}",
    ):
        assert other.get(url).status_code == 404, url
    r = _post(other, f"/notes/evaluations/{a['id']}/notes", {f"mark-{s.ids['lea']}": "2"})
    assert r.status_code == 404
    assert rows(s.conn, "SELECT value FROM grade_mark") == [{"value": "18"}]
    # prof.francais teaches 5A, but French: the maths grid is not theirs either.
    french = s.client(app, "prof.francais")
    assert french.get(f"/notes/evaluations/{a['id']}").status_code == 404
    assert french.get(_5a(s, "L0202")).status_code == 200


def test_families_read_their_children_and_nobody_else(app, school):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18, "noah": 6})
    sophie = s.client(app, "sophie")
    r = sophie.get("/notes")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/notes/eleves/{s.ids['lea']}")
    page = words(sophie.get(r.headers["Location"]))
    assert "Notes de Léa Martin" in page and "18 / 20" in page and "Moyenne : 18,00" in page
    assert "classe : 12,00 (de 6,00 à 18,00)" in page
    assert "Moyenne générale : 18,00" in page
    # Another family's child, a classmate: the same 404 as an unknown id.
    assert s.client(app, "karim").get(f"/notes/eleves/{s.ids['lea']}").status_code == 404
    assert s.client(app, "lea").get(f"/notes/eleves/{s.ids['noah']}").status_code == 404
    assert sophie.get("/notes/eleves/999999").status_code == 404
    # Staff without the direction's function have no grades at all.
    assert s.client(app, "cpe").get("/notes").status_code == 403


def test_the_head_teacher_and_the_direction_read_their_classes(app, school):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18, "noah": 6})
    s.assess("prof.francais", "class", "5A", "L0202", days_ago(2), marks={"lea": 10})
    s.assess("prof.maths5b", "class", "5B", "L1300", days_ago(2), marks={"ines": 11})
    head = s.client(app, "prof.maths")
    lea = words(head.get(f"/notes/eleves/{s.ids['lea']}"))
    assert "Français" in lea and "Mathématiques" in lea and "Moyenne générale : 14,00" in lea
    assert head.get(f"/notes/eleves/{s.ids['ines']}").status_code == 404
    table = words(head.get(f"/notes/classes/{s.classes['5A']}"))
    assert "Classe 5A : moyennes et bulletins" in table
    assert re.search(r"Martin Léa 10,00 NN 18,00 NN 14,00", table), table
    assert head.get(f"/notes/classes/{s.classes['5B']}").status_code == 404
    # prof.francais teaches 5A but is not its head teacher: French only, no table.
    french = s.client(app, "prof.francais")
    page = words(french.get(f"/notes/eleves/{s.ids['lea']}"))
    assert "Français" in page and "Mathématiques" not in page and "Moyenne générale" not in page
    assert french.get(f"/notes/classes/{s.classes['5A']}").status_code == 404
    direction = s.client(app, "direction")
    home = direction.get("/notes").get_data(as_text=True)
    assert (
        f"/notes/classes/{s.classes['5A']}" in home and f"/notes/classes/{s.classes['5B']}" in home
    )
    assert "Inès" in words(direction.get(f"/notes/classes/{s.classes['5B']}"))
    # The home page's grades tile: the direction has it, the vie scolaire not.
    assert 'href="/notes"' in direction.get("/").get_data(as_text=True)
    assert 'href="/notes"' not in s.client(app, "cpe").get("/").get_data(as_text=True)


def test_appraisals_are_all_or_nothing_and_only_where_one_teaches(app, school):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18})
    teacher = s.client(app, "prof.maths")
    url = _5a(s) + f"/appreciations?periode={s.current['id']}"
    page = teacher.get(url).get_data(as_text=True)
    assert f'name="appraisal-{s.ids["lea"]}"' in page and 'maxlength="300"' in page
    r = _post(
        teacher,
        url,
        {f"appraisal-{s.ids['lea']}": "Très bien.", f"appraisal-{s.ids['noah']}": "x" * 301},
        token_from=url,
    )
    assert r.status_code == 400 and "trop longue : 301 caractères, 300 au plus" in words(r)
    assert rows(s.conn, "SELECT * FROM grade_appraisal") == []
    r = _post(
        teacher,
        url,
        {f"appraisal-{s.ids['lea']}": "Très bien.", f"appraisal-{s.ids['noah']}": "Des efforts."},
        token_from=url,
    )
    assert r.status_code == 302
    saved = rows(
        s.conn, "SELECT student_id, subject_code, text FROM grade_appraisal ORDER BY student_id"
    )
    assert saved == [
        {"student_id": s.ids["lea"], "subject_code": "L1300", "text": "Très bien."},
        {"student_id": s.ids["noah"], "subject_code": "L1300", "text": "Des efforts."},
    ]
    # The general appraisals are the head teacher's.
    cls = f"/notes/classes/{s.classes['5A']}/appreciations"
    r = _post(
        teacher,
        cls,
        {"periode": s.current["id"], f"appraisal-{s.ids['lea']}": "Un trimestre solide."},
    )
    assert r.status_code == 302
    general = rows(s.conn, "SELECT text FROM grade_appraisal WHERE subject_code = ''")
    assert general == [{"text": "Un trimestre solide."}]
    french = s.client(app, "prof.francais")
    assert _post(french, cls, {f"appraisal-{s.ids['lea']}": "Non."}).status_code == 404
    assert french.get(_5a(s) + "/appreciations").status_code == 404


@needs("pdftotext", "poppler-utils")
def test_report_cards_for_families_once_locked(app, school, tmp_path):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18, "noah": 6})
    url = f"/notes/bulletins/{s.current['id']}/eleves/{s.ids['lea']}"
    lea = s.client(app, "lea")
    assert "sera disponible une fois la période verrouillée" in words(lea.get(url))
    r = lea.get(url + ".pdf")
    assert r.status_code == 302 and r.headers["Location"].endswith(url)
    head = s.client(app, "prof.maths")
    card = words(head.get(url))
    assert "Mathématiques" in card and "18,00" in card and "Absences : 0 demi-journée(s)" in card
    assert s.client(app, "prof.francais").get(url).status_code == 404
    assert s.client(app, "karim").get(url).status_code == 404
    periods.set_locked(s.conn, s.actor("direction"), s.current["id"], True)
    r = lea.get(url + ".pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    (tmp_path / "lea.pdf").write_bytes(r.data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "lea.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Léa Martin" in out and "Mathématiques" in out and "18,00" in out
    printed = rows(
        s.conn, "SELECT actor_login, target FROM audit_log WHERE action = 'grades.report_card_pdf'"
    )
    assert printed == [{"actor_login": "lea", "target": f"person:{s.ids['lea']}"}]


@needs("pdfinfo", "poppler-utils")
def test_a_class_report_cards_through_the_job_queue(app, school, box, tmp_path):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18, "noah": 6})
    head = s.client(app, "prof.maths")
    r = _post(head, f"/notes/classes/{s.classes['5A']}/bulletins", {"periode": s.current["id"]})
    assert r.status_code == 302
    job_url = r.headers["Location"]
    waiting = head.get(job_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "en attente" in waiting
    assert jobrunner.run_pending(box) == 1
    done = head.get(job_url).get_data(as_text=True)
    assert "3 bulletin(s) prêt(s)." in done and "Télécharger les bulletins (PDF)" in done
    pdf = head.get(job_url + "/bulletins.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    (tmp_path / "5a.pdf").write_bytes(pdf.data)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "5a.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+3$", info, re.M), info
    # Whoever asked takes it (again, within the day); the direction sees no file of theirs.
    assert head.get(job_url + "/bulletins.pdf").status_code == 200
    direction = s.client(app, "direction")
    assert direction.get(job_url).status_code == 404
    assert direction.get(job_url + "/bulletins.pdf").status_code == 404
    assert s.client(app, "karim").get(job_url).status_code == 404


def test_a_locked_period_shows_the_grid_read_only_and_refuses_marks(app, school):
    s = school
    a = s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18})
    periods.set_locked(s.conn, s.actor("direction"), s.current["id"], True)
    teacher = s.client(app, "prof.maths")
    url = f"/notes/evaluations/{a['id']}"
    page = teacher.get(url).get_data(as_text=True)
    assert "La période est verrouillée" in words(teacher.get(url)) and "<input id=" not in page
    r = _post(teacher, url + "/notes", {f"mark-{s.ids['lea']}": "2"}, token_from=url)
    assert r.status_code == 409 and "verrouillé" in words(r)
    assert rows(s.conn, "SELECT value FROM grade_mark") == [{"value": "18"}]


@pytest.mark.parametrize("lang", ["en"])
def test_the_pages_speak_english_too(app, school, lang):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 18})
    client = s.client(app, "lea")
    client.post("/lang", data={"lang": lang, "csrf_token": csrf_token(client, "/"), "next": "/"})
    page = words(client.get("/notes", follow_redirects=True))
    assert "My marks" in page and "Average: 18,00" in page
