"""Generated schools bigger than the sample: their whole week as EDT_STS (with the file's
alternances) and as our CSV (the calendar's A/B letters) give the same dated lessons; the
traps real files hold are each reported on their line; the CSV's own forms are read."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance.core import create_box, open_box
from appliance.directory import reconcile
from appliance.school import set_school
from appliance.schoollife import lessons, timetable, year
from tests.bench import school_files
from tests.bench.timetable_files import (
    TRAP_ROOMS,
    add_traps,
    csv_bytes,
    edt_xml,
    for_school,
    line_of,
    school_weeks,
)
from tests.integration.schoollife.conftest import TECH

START, END = date(2026, 9, 1), date(2027, 7, 3)
HOLIDAYS = [
    (date(2026, 10, 18), date(2026, 11, 1)),
    (date(2026, 12, 20), date(2027, 1, 3)),
    (date(2027, 2, 7), date(2027, 2, 21)),
    (date(2027, 4, 4), date(2027, 4, 18)),
    (date(2026, 11, 11), date(2026, 11, 11)),
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated lycée of 700 students, its directory imported and its year set."""
    root = tmp_path_factory.mktemp("generated")
    school = school_files.generate(700, 1300, 90, half_classes=True)
    paths = school_files.write_school(school, root / "files")
    cfg = root / "cartable.toml"
    cfg.write_text("")
    box = create_box(config_mod.load(cfg, root / "data", env={}))
    conn = box.conn()
    set_school(conn, uai=school.uai, name="Lycée généré")
    plan = reconcile.plan(conn, paths, today=START, school_year=2026)
    reconcile.apply(conn, plan, "tech", initial_passwords=False)
    year.set_year(conn, TECH, START, END, None, HOLIDAYS)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return school, root / "data"


@pytest.fixture
def conn(generated, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(generated[1], data)
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("")
    box = open_box(config_mod.load(cfg, data, env={}))
    yield box.conn()
    box.conn().close()


def _dated(conn) -> set[tuple]:
    return set(
        conn.execute(
            "SELECT l.date, l.start_time, l.end_time, l.audience_code, l.subject_code, l.room, "
            "group_concat(t.person_id) FROM lesson l LEFT JOIN lesson_teacher t "
            "ON t.lesson_id = l.id GROUP BY l.id"
        ).fetchall()
    )


def _expected_count(tt, weeks) -> int:
    """Dated lessons from the file's own lists: each lesson on its alternance's Mondays plus
    its day, from the first day on, never on a holiday."""

    def off(day: date) -> bool:
        return any(a <= day <= b for a, b in HOLIDAYS)

    total = 0
    for c in tt.lessons:
        for monday in tt.alternances[c.alternance]:
            day = monday + timedelta(days=int(c.day) - 1)
            total += START <= day <= END and not off(day)
    return total


def test_a_generated_lycee_as_edt_and_as_csv_gives_the_same_lessons(generated, conn, tmp_path):
    school, _ = generated
    weeks = school_weeks(START, END, HOLIDAYS)
    tt = for_school(school, weeks)
    assert len(tt.lessons) > 800
    edt = tmp_path / "emp_sts.xml"
    edt.write_bytes(edt_xml(tt))
    plan = timetable.plan(conn, edt, effective_from=START)
    assert plan.applicable and not plan.warnings, [p.message for p in plan.problems[:5]]
    result = timetable.apply(conn, plan, TECH)
    assert result.lessons == _expected_count(tt, weeks)
    assert result.weeks == len(weeks)
    from_edt = _dated(conn)
    # The same week in our CSV template: no alternances, the calendar's A/B letters.
    csv_path = tmp_path / "emploi_du_temps.csv"
    tt.alternances = None
    csv_path.write_bytes(csv_bytes(tt, encoding="cp1252"))
    plan = timetable.plan(conn, csv_path, effective_from=START)
    assert plan.file["kind"] == "csv" and plan.file["encoding"] == "utf-8"  # ASCII only
    assert plan.applicable and not plan.warnings, [p.message for p in plan.problems[:5]]
    again = timetable.apply(conn, plan, TECH)
    assert again.replaced == result.lessons and again.lessons == result.lessons
    assert _dated(conn) == from_edt
    # 11 November is a holiday: no lesson that day, the rest of its week has some.
    assert not conn.execute("SELECT 1 FROM lesson WHERE date = '2026-11-11'").fetchone()
    assert conn.execute("SELECT 1 FROM lesson WHERE date = '2026-11-12'").fetchone()


def test_each_trap_of_a_generated_file_is_a_warning_on_its_line(generated, conn, tmp_path):
    school, _ = generated
    weeks = school_weeks(START, END, HOLIDAYS)
    tt = add_traps(for_school(school, weeks), school)
    path = tmp_path / "emp_sts.xml"
    data = edt_xml(tt)
    path.write_bytes(data)
    plan = timetable.plan(conn, path, effective_from=START)
    assert plan.applicable, [p.message for p in plan.errors]

    def line(trap: str) -> int:
        return line_of(data, f"<CODE_SALLE>{TRAP_ROOMS[trap]}</CODE_SALLE>")

    def lines_of(text: str) -> set[int]:
        found = {p.line for p in plan.warnings if text in p.message}
        assert found, text
        return found

    assert line("unknown_group") in lines_of("groupe « AP » est inconnu")
    assert line("unknown_class") in lines_of("classe « 2NDE99 » est inconnue")
    assert lines_of("matière 999999 est inconnue") == {line("unknown_subject")}
    assert lines_of("enseignant epp-99999 est inconnu") == {line("unknown_teacher")}
    assert line("outside_day") in lines_of("hors des horaires")
    assert line("day_without_lessons") in lines_of("jour sans cours")
    doubles = [p for p in plan.warnings if "deux cours en même temps" in p.message]
    assert any(
        p.line == line("teacher_twice") or f"(ligne {line('teacher_twice')})" in p.message
        for p in doubles
        if p.message.startswith("L'enseignant")
    )
    room_lines = {
        n for n, t in enumerate(data.decode("iso8859-15").splitlines(), 1)
        if f">{TRAP_ROOMS['room_twice']}<" in t
    }  # fmt: skip
    assert any(
        p.message.startswith("La salle PIEGE-SALLE") and p.line in room_lines for p in doubles
    )
    result = timetable.apply(conn, plan, TECH)
    assert result.lessons == _expected_count(tt, weeks)
    for room in TRAP_ROOMS.values():
        assert lessons.lessons_between(conn, START, END, room=room), room


def test_the_csv_template_in_french_with_logins_and_two_teachers(generated, conn, tmp_path):
    school, _ = generated
    teachers = [
        r[0] for r in conn.execute("SELECT login FROM person WHERE profile = 'teacher' LIMIT 2")
    ]
    klass = school.divisions[0].code
    text = (
        "\ufeffClasse;Matière;Enseignant;Jour;Début;Durée;Salle;Semaines;Commentaire\n"
        f"{klass};020100;{teachers[0]};lundi;8h10;00:55;A01;;une remarque\n"
        f"{klass};020100;{teachers[1]};lundi;8h10;00:55;A01;;\n"
        f"{klass};061300;{teachers[0]};2;10:10;01:50;A02;A;\n"
    )
    path = tmp_path / "edt.csv"
    path.write_bytes(text.encode("utf-8"))
    plan = timetable.plan(conn, path, effective_from=START)
    assert [p.message for p in plan.errors] == []
    assert [p.line for p in plan.warnings if "Colonnes inconnues" in p.message] == [1]
    timetable.apply(conn, plan, TECH)
    week = ("2026-11-30", "2026-12-05")  # an A week? the letters decide the maths lesson
    found = lessons.lessons_between(conn, *week, room="A01")
    assert len(found) == 1 and sorted(found[0]["teachers"]) == sorted(teachers)
    assert found[0]["start"] == "08:10" and found[0]["end"] == "09:05"
    letter = year.load_year(conn).letter(date(2026, 11, 30))
    maths = lessons.lessons_between(conn, *week, room="A02")
    assert len(maths) == (1 if letter == "A" else 0)
    assert all(m["end"] == "12:00" for m in maths)
    assert Path(path).exists()
