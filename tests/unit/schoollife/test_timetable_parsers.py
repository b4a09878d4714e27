"""Reading timetable files without a database: formats recognised from their content,
times and days read strictly, alternances, co-teaching, ZIP files."""

from __future__ import annotations

import zipfile
from datetime import date

import pytest

from appliance.directory.imports.detect import Source
from appliance.directory.imports.records import UnreadableFile
from appliance.schoollife import imports
from appliance.schoollife.imports import csv_template, fields
from tests.bench.timetable_files import Cours, Timetable, csv_bytes, edt_xml

MONDAYS = [date(2026, 9, 7), date(2026, 9, 14), date(2026, 9, 21)]


def _tt(*lessons: Cours, alternances=None) -> Timetable:
    alts = (
        {"H": MONDAYS, "A": MONDAYS[::2], "B": MONDAYS[1:2]} if alternances is None else alternances
    )
    return Timetable("0679999X", 2026, list(lessons), alts)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0830", 510), ("830", 510), ("08:30", 510), ("8h30", 510), ("1625", 985), ("0000", 0),
     ("2400", None), ("0860", None), ("8", None), ("huit", None), ("", None)],
)  # fmt: skip
def test_times_are_read_strictly(text, value):
    assert fields.minutes(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("1", 1), ("6", 6), ("Lundi", 1), ("samedi", 6), ("0", None), ("7", None), ("", None),
     ("dimanche", None)],
)  # fmt: skip
def test_days_go_from_monday_to_saturday(text, value):
    assert fields.day_number(text) == value


def test_the_format_is_recognised_from_the_content_not_the_name():
    edt = edt_xml(_tt(Cours("class", "301", "020100", "8000", "1", "0810")))
    assert imports.kind_of(Source("emploi.csv", edt)) == imports.EDT
    csv = csv_bytes(_tt(Cours("class", "301", "020100", "8000", "1", "0810")))
    assert imports.kind_of(Source("emp_sts.xml", csv)) == imports.CSV
    french = "Classe;Matière;Enseignant;Jour;Début;Durée;Salle;Semaines\n".encode("cp1252")
    assert imports.kind_of(Source("x.txt", french)) == imports.CSV
    for data in (b'<?xml version="1.0"?><STS_EDT/>', b"<BEE_ELEVES/>", b"profil;nom;prenom\n"):
        with pytest.raises(UnreadableFile):
            imports.kind_of(Source("x", data))


def test_co_teaching_makes_one_lesson_with_two_teachers_and_a_duplicate_is_said():
    tt = _tt(
        Cours("group", "LATIN3", "020700", "8000", "2", "1530", room="220"),
        Cours("group", "LATIN3", "020700", "8007", "2", "1530", room="220"),
        Cours("group", "LATIN3", "020700", "8007", "2", "1530", room="220"),
    )
    pt = imports.parse_source(Source("emp_sts.xml", edt_xml(tt)))
    assert len(pt.lessons) == 1
    assert [t.shown for t in pt.lessons[0].teachers] == ["epp-8000", "epp-8007"]
    assert [p.severity for p in pt.problems] == ["warning"]
    assert "apparaît deux fois" in pt.problems[0].message


def test_alternances_of_the_file_with_their_problems():
    alternances = {
        "H": [*MONDAYS, date(2026, 9, 30)],  # a Wednesday: its week's Monday is used
        "A": MONDAYS[::2],
    }
    data = edt_xml(_tt(Cours("class", "301", "020100", "8000", "1", "0810"),
                       alternances=alternances))  # fmt: skip
    data = data.replace(b"<DATE_DEBUT_SEMAINE>2026-09-14<", b"<DATE_DEBUT_SEMAINE>14 sept<", 1)
    pt = imports.parse_source(Source("emp_sts.xml", data))
    assert pt.alternances is not None
    assert sorted(pt.alternances["H"].mondays) == [MONDAYS[0], MONDAYS[2], date(2026, 9, 28)]
    messages = {p.severity: p.message for p in pt.problems}
    assert "« 14 sept » invalide" in messages["error"]
    assert "ne commence pas un lundi" in messages["warning"]
    line = next(p.line for p in pt.problems if p.severity == "error")
    assert b"14 sept" in data.splitlines()[line - 1]


def test_a_file_without_alternances_leaves_the_weeks_to_the_calendar():
    pt = imports.parse_source(
        Source(
            "emp_sts.xml",
            edt_xml(_tt(Cours("class", "301", "020100", "8000", "1", "0810"), alternances={})),
        )  # fmt: skip
    )
    assert pt.alternances is None and len(pt.lessons) == 1


def test_csv_teacher_ids_in_every_form():
    refs = csv_template.teacher_refs("8000, epp-8001 | STS-local-12/lea.martin")
    assert [r.keys[0] for r in refs] == [
        ("sts", "epp-8000"), ("sts", "epp-8001"), ("sts", "local-12"), ("csv", "lea.martin"),
    ]  # fmt: skip
    assert ("login", "lea.martin") in refs[-1].keys


def test_a_zip_holds_one_timetable(tmp_path):
    edt = edt_xml(_tt(Cours("class", "301", "020100", "8000", "1", "0810")))
    one = tmp_path / "export.zip"
    with zipfile.ZipFile(one, "w") as z:
        z.writestr("emp_sts.xml", edt)
        z.writestr("lisezmoi.csv", "nom;valeur\n")
    pt = imports.read(one)
    assert pt.label == "export.zip:emp_sts.xml" and len(pt.lessons) == 1
    two = tmp_path / "deux.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.xml", edt)
        z.writestr("b.xml", edt)
    with pytest.raises(UnreadableFile, match="importez-en un seul"):
        imports.read(two)
