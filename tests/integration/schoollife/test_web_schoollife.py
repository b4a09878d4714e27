"""The technician's pages: set the school year (mistakes shown on their field), upload the
timetable file, read the preview (counts, problems with their lines), apply it or abandon
it; the same services as the command line."""

from __future__ import annotations

import re
import stat

import pytest

from appliance.schoollife import timetable, year
from tests.bench.timetable_files import Cours, Timetable, alternances_of, edt_xml, school_weeks
from tests.conftest import csrf_token, login, login_admin, make_person, post, text
from tests.integration.schoollife.conftest import (
    A_WEEK,
    END,
    HOLIDAYS,
    START,
    TECH,
    TIMETABLE,
    expected_dated,
    stored,
)
from webui.app import create_app


@pytest.fixture
def client(school):
    app = create_app(school.box)
    app.config["TESTING"] = True
    client = app.test_client()
    login_admin(client, school.conn)
    return client


def _year_form(**changes) -> dict:
    form = {
        "start": START.isoformat(),
        "end": END.isoformat(),
        "a_week": A_WEEK.isoformat(),
        "holidays": "\n".join(f"{a:%d/%m/%Y} au {b:%d/%m/%Y}" for a, b in HOLIDAYS),
    }
    return {**form, **changes}


def upload(client, path, start: str = "2026-09-01"):
    token = csrf_token(client, "/admin/emploi-du-temps")
    data = {"csrf_token": token, "from": start, "file": (path.open("rb"), path.name)}
    return client.post("/admin/emploi-du-temps", data=data, content_type="multipart/form-data")


def digest_of(page: str) -> str:
    return re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)


def test_the_year_page_sets_the_year_and_shows_its_weeks(client, school):
    page = text(client.get("/admin/annee-scolaire"))
    assert "Régler l'année" in page and 'id="weeks"' not in page
    r = post(client, "/admin/annee-scolaire", _year_form(), token_from="/admin/annee-scolaire")
    assert r.status_code == 302
    page = text(client.get("/admin/annee-scolaire"))
    assert "Année scolaire enregistrée." in page
    info = year.year_info(school.conn)
    assert len(info["weeks"]) == 36 and info["weeks"][1] == {"monday": "2026-09-07", "letter": "A"}
    assert f"Semaines de cours : {len(info['weeks'])}" in page
    assert "07/09/2026" in page and "du 17/10/2026 au 01/11/2026" in page
    assert page.count("<tr><td>") == len(info["weeks"])  # every week, not a first page only
    assert 'value="2026-09-01"' in page and "17/10/2026 au 01/11/2026" in page
    audit = school.conn.execute(
        "SELECT actor_login FROM audit_log WHERE action = 'schoollife.year_set'"
    ).fetchall()
    assert len(audit) == 1 and audit[0][0].startswith("admin.")


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"end": "2026-08-01"}, "end", "doit venir après le premier"),
        ({"a_week": "2026-09-09"}, "a_week", "se donne par son lundi"),
        ({"holidays": "18/10/2026 au 01/11/2026\nvacances d'hiver"}, "holidays", "illisibles"),
        ({"holidays": "2027-08-01:2027-08-20"}, "holidays", "en dehors de l'année scolaire"),
    ],
)
def test_a_mistake_on_the_year_page_is_shown_on_its_field(client, school, changes, field, words):
    r = post(client, "/admin/annee-scolaire", _year_form(**changes),
             token_from="/admin/annee-scolaire")  # fmt: skip
    assert r.status_code == 400
    page = text(r)
    assert words in page
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page)
    assert year.load_year(school.conn) is None
    for key, value in changes.items():  # what was typed is shown again
        assert value.splitlines()[0] in page, key


def test_upload_preview_apply(client, school):
    year.set_year(school.conn, TECH, START, END, A_WEEK, HOLIDAYS)
    page = text(client.get("/admin/emploi-du-temps"))
    assert "Importer l'emploi du temps" in page and "Aucun emploi du temps" in page
    r = upload(client, TIMETABLE)
    assert r.status_code == 302, text(r)
    preview_url = r.headers["Location"]
    token = preview_url.split("/apercu/")[1].split("?")[0]
    folder = school.data / "imports" / "timetable-pending" / token
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    page = text(client.get(preview_url))
    assert f"<strong>{len(expected_dated())}</strong> cours datés à créer" in page
    assert "<strong>140</strong> cours par semaine" in page
    assert "L'enseignant epp-8014 est inconnu" in page
    problem_rows = re.findall(r'<tr class="severity-warning"><td>Avertissement</td><td>emp_sts.xml'
                              r"</td><td>(\d+)</td>", page)  # fmt: skip
    assert len(problem_rows) == 5 and all(int(n) > 1 for n in problem_rows)
    assert stored(school.conn) == set()  # nothing written by the preview
    r = post(client, f"/admin/emploi-du-temps/apercu/{token}/appliquer",
             {"digest": digest_of(page), "from": "2026-09-01"}, token_from=preview_url)  # fmt: skip
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert f"{len(expected_dated())} cours créés" in page
    assert stored(school.conn) == expected_dated()
    assert not folder.exists()
    assert "emp_sts.xml" in page and "01/09/2026" in page  # the history
    run = timetable.list_imports(school.conn)[0]
    assert run["actor"].startswith("admin.")


def test_a_file_with_errors_cannot_be_applied(client, school):
    year.set_year(school.conn, TECH, START, END, A_WEEK, HOLIDAYS)
    weeks = school_weeks(START, END, HOLIDAYS, A_WEEK)
    bad = Timetable("0671234A", 2026, [Cours("class", "301", "020100", "8000", "9", "0810")],
                    alternances_of(weeks))  # fmt: skip
    path = school.data.parent / "autre.xml"
    path.write_bytes(edt_xml(bad))
    r = upload(client, path)
    preview_url = r.headers["Location"]
    page = text(client.get(preview_url))
    assert "2 erreur(s)" in page and "Appliquer l'import" not in page
    assert "0671234A" in page and "Jour « 9 » invalide" in page
    token = preview_url.split("/apercu/")[1].split("?")[0]
    r = post(client, f"/admin/emploi-du-temps/apercu/{token}/appliquer",
             {"digest": "0", "from": "2026-09-01"}, token_from=preview_url)  # fmt: skip
    assert r.status_code == 400 and "rien n'a été écrit" in text(r)
    assert stored(school.conn) == set()
    r = post(client, f"/admin/emploi-du-temps/apercu/{token}/abandonner", {},
             token_from=preview_url)  # fmt: skip
    assert r.status_code == 302
    assert not (school.data / "imports" / "timetable-pending" / token).exists()
    assert client.get(preview_url).status_code == 404


def test_a_preview_older_than_another_import_is_shown_again(client, school):
    year.set_year(school.conn, TECH, START, END, A_WEEK, HOLIDAYS)
    preview_url = upload(client, TIMETABLE).headers["Location"]
    page = text(client.get(preview_url))
    timetable.run_import(school.conn, TIMETABLE, actor=TECH, effective_from=START)
    token = preview_url.split("/apercu/")[1].split("?")[0]
    r = post(client, f"/admin/emploi-du-temps/apercu/{token}/appliquer",
             {"digest": digest_of(page), "from": "2026-09-01"}, token_from=preview_url)  # fmt: skip
    assert r.status_code == 409
    assert f"<strong>{len(expected_dated())}</strong> cours déjà importés remplacés" in text(r)
    assert len(timetable.list_imports(school.conn)) == 1


def test_without_a_year_the_page_says_to_set_it(client, school):
    page = text(client.get("/admin/emploi-du-temps"))
    assert "Aucune année scolaire n'est réglée" in page and "/admin/annee-scolaire" in page
    preview_url = upload(client, TIMETABLE).headers["Location"]
    r = client.get(preview_url)
    assert r.status_code == 409 and "cartable year set" in text(r)


def test_the_pages_are_the_technicians(school):
    app = create_app(school.box)
    client = app.test_client()
    _pid, name, pw = make_person(school.conn, "teacher")
    login(client, name, pw)
    assert client.get("/admin/annee-scolaire").status_code == 403
    assert client.get("/admin/emploi-du-temps").status_code == 403


def test_the_history_of_imports_goes_past_its_first_page(client, school, tmp_path):
    year.set_year(school.conn, TECH, START, END, A_WEEK, HOLIDAYS)
    path = tmp_path / "petit.csv"
    path.write_text(
        "class_or_group;subject_code;teacher_id;day;start;duration;room;weeks\n"
        "301;020100;8000;1;08:10;00:55;101;H\n",
        encoding="utf-8",
    )
    for n in range(23):
        timetable.run_import(school.conn, path, actor=TECH, effective_from=f"2027-0{1 + n % 6}-01")
    first = text(client.get("/admin/emploi-du-temps"))
    ids = re.findall(r"<tr><td>(\d+)</td>", first)
    assert ids == [str(n) for n in range(23, 3, -1)] and "Page 1 sur 2" in first
    second = text(client.get("/admin/emploi-du-temps?page=2"))
    assert re.findall(r"<tr><td>(\d+)</td>", second) == ["3", "2", "1"]
    assert "Page 2 sur 2" in second and "Précédente" in second
    assert "Page 2 sur 2" in text(client.get("/admin/emploi-du-temps?page=99"))
