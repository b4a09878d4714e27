"""What a timetable file can get wrong: each error (nothing written, exit 1), each warning
(the lesson kept) with its file and line, unreadable files (exit 2), and --dry-run."""

from __future__ import annotations

import json

import pytest

from appliance.directory.imports.records import UnreadableFile
from appliance.schoollife import lessons, timetable
from tests.bench.timetable_files import (
    Cours,
    Timetable,
    alternances_of,
    csv_bytes,
    edt_xml,
    line_of,
    school_weeks,
)
from tests.conftest import SAMPLES
from tests.hostile_files import write_zip_bomb
from tests.integration.schoollife.conftest import (
    A_WEEK,
    END,
    HOLIDAYS,
    START,
    TECH,
    person_id,
)
from tests.integration.test_cli import run

WEEKS = school_weeks(START, END, HOLIDAYS, A_WEEK)
# Lessons of the sample collège (its classes, groups, teachers, subjects and rooms).
GOOD = [
    Cours("class", "301", "020100", "8000", "1", "0810", room="101"),
    Cours("class", "301", "061300", "8001", "1", "0905", room="102"),
    Cours("group", "LATIN3", "020700", "8000", "2", "1530", room="220", alternance="A"),
    Cours("class", "6 A", "030201", "8002", "4", "1330", room="103", alternance="B"),
]


def timetable_of(*extra: Cours, uai: str = "0679999X", alternances: bool = True) -> Timetable:
    return Timetable(uai, 2026, [*GOOD, *extra], alternances_of(WEEKS) if alternances else None)


def write(tmp_path, tt: Timetable, name: str = "emp_sts.xml", data: bytes | None = None):
    path = tmp_path / name
    path.write_bytes(edt_xml(tt) if data is None else data)
    return path


def lesson_count(conn) -> int:
    return conn.execute("SELECT count(*) FROM lesson").fetchone()[0]


def only(plan, severity: str, text: str):
    found = [p for p in plan.problems if p.severity == severity and text in p.message]
    assert len(found) == 1, [p.message for p in plan.problems]
    return found[0]


# --- errors: nothing is written ----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("day", "7", "Jour « 7 » invalide"),
        ("day", "", "Le jour du cours manque"),
        ("start", "", "L'heure de début du cours manque"),
        ("start", "2530", "Heure de début « 2530 » invalide"),
        ("start", "8h", "Heure de début « 8h » invalide"),
        ("duration", "0000", "Durée « 0000 » invalide"),
        ("duration", "1h", "Durée « 1h » invalide"),
        ("alternance", "Q1", "alternance « Q1 », que le fichier ne définit pas"),
    ],
)
def test_a_malformed_lesson_is_an_error_of_its_line(with_year, tmp_path, field, value, text):
    bad = Cours("class", "501", "020100", "8003", "3", "1010", room="PIEGE")
    setattr(bad, field, value)
    path = write(tmp_path, timetable_of(bad))
    plan = timetable.plan(with_year.conn, path, effective_from=START)
    problem = only(plan, "error", text)
    assert problem.line == line_of(path.read_bytes(), "<CODE_SALLE>PIEGE</CODE_SALLE>")
    assert problem.file == "emp_sts.xml"
    assert not plan.applicable
    with pytest.raises(timetable.PlanHasErrors):
        timetable.apply(with_year.conn, plan, TECH)
    assert lesson_count(with_year.conn) == 0


def test_another_schools_file_is_refused_and_the_cli_exits_1(with_year, tmp_path):
    path = write(tmp_path, timetable_of(uai="0671234A"))
    r = run(["timetable", "import", str(path), "--json"], data_dir=with_year.data,
            config=with_year.cfg)  # fmt: skip
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["applied"] is False
    error = [p for p in out["problems"] if p["severity"] == "error"]
    assert len(error) == 1 and "0671234A" in error[0]["message"]
    assert error[0]["line"] == line_of(path.read_bytes(), "<UAJ>")
    assert lesson_count(with_year.conn) == 0
    assert not timetable.list_imports(with_year.conn)


def test_csv_weeks_other_than_h_a_b_are_an_error(with_year, tmp_path):
    tt = timetable_of(Cours("class", "501", "020100", "8003", "3", "1010", room="PIEGE",
                            alternance="Q1"), alternances=False)  # fmt: skip
    path = write(tmp_path, tt, "edt.csv", csv_bytes(tt))
    plan = timetable.plan(with_year.conn, path, effective_from=START)
    problem = only(plan, "error", "Semaines « Q1 » inconnues")
    assert problem.line == line_of(path.read_bytes(), "PIEGE")


def test_a_truncated_file_is_an_error_with_its_line(with_year, tmp_path):
    data = edt_xml(timetable_of())
    path = write(tmp_path, timetable_of(), data=data[: len(data) // 2])
    plan = timetable.plan(with_year.conn, path, effective_from=START)
    problem = only(plan, "error", "tronqué")
    assert problem.line == path.read_bytes().count(b"\n") + 1
    assert plan.counts()["lessons"] == 0


def test_an_entity_bomb_is_refused(with_year, tmp_path):
    data = edt_xml(timetable_of()).replace(
        b"<EDT_STS>",
        b'<!DOCTYPE EDT_STS [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>\n<EDT_STS>',
    )
    path = write(tmp_path, timetable_of(), data=data)
    r = run(["timetable", "import", str(path)], data_dir=with_year.data, config=with_year.cfg)
    assert r.returncode == 1 and "bombes XML" in r.stderr
    assert lesson_count(with_year.conn) == 0


def test_a_file_resaved_in_utf8_under_its_latin9_declaration_is_refused(with_year, tmp_path):
    tt = timetable_of()
    tt.teachers = {"8000": ("epp", "Cœline", "Lefèvre")}
    path = write(tmp_path, tt, data=edt_xml(tt, encoding="utf-8"))
    plan = timetable.plan(with_year.conn, path, effective_from=START)
    problem = only(plan, "error", "réenregistré en UTF-8")
    assert problem.line == line_of(path.read_bytes(), "<INDIVIDU ID=")


@pytest.mark.parametrize("case", ["missing", "not_a_timetable", "sts", "zip_bomb", "empty"])
def test_an_unreadable_file_exits_2(with_year, tmp_path, case):
    path = tmp_path / "fichier.xml"
    if case == "not_a_timetable":
        path = tmp_path / "notes.csv"
        path.write_text("nom;prenom;note\nMARTIN;Léa;12\n", encoding="utf-8")
    elif case == "sts":
        path = SAMPLES / "college-sample" / "sts_emp_0679999X_2026.xml"
    elif case == "zip_bomb":
        path = write_zip_bomb(tmp_path / "edt.zip", members=2, member_bytes=160 * 1024 * 1024)
    elif case == "empty":
        path.write_bytes(b"\n")
    r = run(["timetable", "import", str(path)], data_dir=with_year.data, config=with_year.cfg)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("Erreur : ") and "Traceback" not in r.stderr
    if case == "sts":
        assert "cartable import" in r.stderr
    with pytest.raises(UnreadableFile):
        timetable.plan(with_year.conn, path, effective_from=START)
    assert lesson_count(with_year.conn) == 0


# --- warnings: the lesson is kept ----------------------------------------------------------


def test_each_warning_names_its_line_and_the_lesson_is_kept(with_year, tmp_path):
    conn = with_year.conn
    traps = [
        # A group the timetable software invented: kept for its teacher and its room.
        Cours("group", "AP", "020100", "8005", "5", "1625", room="PIEGE-AP"),
        Cours("class", "2NDE9", "020100", "8006", "4", "0810", room="PIEGE-CLASSE"),
        Cours("class", "501", "999999", "8003", "3", "1105", room="PIEGE-MAT"),
        Cours("class", "501", "020100", "77777", "2", "0810", room="PIEGE-PROF"),
        Cours("class", "501", "020100", "8003", "2", "1830", room="PIEGE-TARD"),
        Cours("class", "501", "020100", "8003", "6", "0905", room="PIEGE-SAMEDI"),
        # The same teacher, class and room as GOOD[0], at the same time.
        Cours("class", "4 A", "020100", "8000", "1", "0810", room="PIEGE-PROF-DOUBLE"),
        Cours("class", "301", "030201", "8007", "1", "0810", room="PIEGE-CLASSE-DOUBLE"),
        Cours("class", "501", "030201", "8002", "1", "0810", room="101"),
    ]
    tt = timetable_of(*traps)
    tt.horaires = {d: ("0810", "1720") for d in range(1, 6)}
    path = write(tmp_path, tt)
    data = path.read_bytes()
    plan = timetable.plan(conn, path, effective_from=START)
    assert plan.applicable, [p.message for p in plan.errors]

    def at(room: str) -> int:
        return line_of(data, f"<CODE_SALLE>{room}</CODE_SALLE>")

    assert only(plan, "warning", "groupe « AP » est inconnu").line == at("PIEGE-AP")
    assert only(plan, "warning", "classe « 2NDE9 » est inconnue").line == at("PIEGE-CLASSE")
    assert only(plan, "warning", "matière 999999 est inconnue").line == at("PIEGE-MAT")
    assert only(plan, "warning", "enseignant epp-77777 est inconnu").line == at("PIEGE-PROF")
    assert only(plan, "warning", "hors des horaires").line == at("PIEGE-TARD")
    assert only(plan, "warning", "jour sans cours").line == at("PIEGE-SAMEDI")
    text = data.decode("iso8859-15").splitlines()
    first, second_101 = [n for n, t in enumerate(text, 1) if "<CODE_SALLE>101<" in t]

    def pair(problem) -> set[int]:
        """The two lines a clash names: its own and the one its message cites."""
        return {problem.line, int(problem.message.split("(ligne ")[1].split(")")[0])}

    teacher = only(plan, "warning", "epp-8000) a deux cours en même temps")
    audience = only(plan, "warning", "classe 301 a deux cours en même temps")
    room = only(plan, "warning", "salle 101 accueille deux cours")
    assert pair(teacher) == {first, at("PIEGE-PROF-DOUBLE")}
    assert pair(audience) == {first, at("PIEGE-CLASSE-DOUBLE")}
    assert pair(room) == {first, second_101}

    result = timetable.apply(conn, plan, TECH)
    assert result.lessons == plan.counts()["lessons"]
    stored_rooms = {r[0] for r in conn.execute("SELECT DISTINCT room FROM lesson")}
    assert {c.room for c in tt.lessons} == stored_rooms  # every lesson kept
    # The unknown group's lesson: in its teacher's and its room's timetable, nobody else's.
    week = ("2026-11-30", "2026-12-05")
    teacher_id = person_id(conn, "epp-8005")
    assert any(i["audience"] == {"kind": "group", "code": "AP"}
               for i in lessons.lessons_between(conn, *week, person_id=teacher_id))  # fmt: skip
    assert [
        i["audience"]["code"] for i in lessons.lessons_between(conn, *week, room="PIEGE-AP")
    ] == ["AP"]
    students = [r[0] for r in conn.execute("SELECT id FROM person WHERE profile = 'student'")]
    for student in students[:40]:
        seen = lessons.lessons_between(conn, *week, person_id=student)
        assert all(i["audience"]["code"] not in ("AP", "2NDE9") for i in seen)
    # The unknown teacher is left off; the unknown subject keeps its code as its name.
    row = conn.execute(
        "SELECT id, subject_label FROM lesson WHERE room = 'PIEGE-PROF' LIMIT 1"
    ).fetchone()
    assert lessons.get_lesson(conn, row["id"])["teachers"] == []
    mat = conn.execute("SELECT subject_label FROM lesson WHERE room = 'PIEGE-MAT'").fetchone()
    assert mat[0] == "999999"


def test_two_teachers_of_the_same_lesson_make_one_lesson_with_both(with_year, tmp_path):
    conn = with_year.conn
    co = Cours("group", "LATIN3", "020700", "8007", "2", "1530", room="220", alternance="A")
    path = write(tmp_path, timetable_of(co))
    plan = timetable.plan(conn, path, effective_from=START)
    assert not [p for p in plan.problems if "deux cours" in p.message]
    timetable.apply(conn, plan, TECH)
    latin = lessons.lessons_between(conn, "2026-11-30", "2026-12-05", room="220")
    logins = {
        conn.execute(
            "SELECT login FROM person WHERE id = ?", (person_id(conn, f"epp-{i}"),)
        ).fetchone()[0]
        for i in ("8000", "8007")
    }
    assert len(latin) == 1 and set(latin[0]["teachers"]) == logins


# --- --dry-run ------------------------------------------------------------------------------


def test_dry_run_writes_nothing(with_year, tmp_path):
    path = write(tmp_path, timetable_of())
    before = list(with_year.conn.iterdump())
    r = run(["timetable", "import", str(path), "--dry-run", "--json", "--from", "2026-09-01"],
            data_dir=with_year.data, config=with_year.cfg)  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["applied"] is False and out["import_id"] is None
    assert out["counts"]["lessons"] > 0 and out["counts"]["weeks"] == len(WEEKS)
    assert list(with_year.conn.iterdump()) == before
    plain = run(["timetable", "import", str(path), "--dry-run"], data_dir=with_year.data,
                config=with_year.cfg)  # fmt: skip
    assert plain.returncode == 0 and "Simulation : rien n'a été écrit." in plain.stdout
    assert list(with_year.conn.iterdump()) == before
