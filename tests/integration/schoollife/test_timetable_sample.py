"""The sample collège's real timetable export (emp_sts.xml), imported after its directory:
every weekly lesson lands on the weeks its alternance lists, students see only their
classes' and groups' lessons, and what the file gets wrong is reported with its line."""

from __future__ import annotations

import json
from datetime import date

from appliance.schoollife import lessons, timetable, year
from tests.integration.schoollife.conftest import (
    START,
    TECH,
    TIMETABLE,
    expected,
    expected_dated,
    login_of,
    person_id,
    stored,
)
from tests.integration.test_cli import run


def test_the_year_weeks_are_the_files_weeks(with_year):
    info = year.year_info(with_year.conn)
    weeks = [[w["monday"], w["letter"]] for w in info["weeks"]]
    # Cartable's calendar also counts the week of Tuesday 1 September (a B week).
    assert weeks[0] == ["2026-08-31", "B"] and weeks[1:] == expected()["weeks"]


def test_every_lesson_of_the_file_on_every_week_of_its_alternance(with_year):
    plan, result = timetable.run_import(with_year.conn, TIMETABLE, actor=TECH, effective_from=START)
    assert plan.applicable, [p.message for p in plan.errors]
    want = expected_dated()
    assert stored(with_year.conn) == want
    assert result.lessons == plan.counts()["lessons"] == len(want)
    assert result.weeks == plan.counts()["weeks"] == len(expected()["weeks"])
    assert len(plan.lessons) == len(expected()["lessons"])
    # Provenance: the import, the file's key and line of each weekly lesson.
    row = with_year.conn.execute(
        "SELECT import_id, source_key, source_line, origin FROM lesson LIMIT 1"
    ).fetchone()
    assert row["import_id"] == result.import_id and row["origin"] == "import"
    assert row["source_key"].count("|") == 5 and row["source_line"] > 1
    run_row = timetable.list_imports(with_year.conn)[0]
    assert run_row["lessons"] == len(want) and run_row["effective_from"] == START.isoformat()
    audit = with_year.conn.execute(
        "SELECT details FROM audit_log WHERE action = 'schoollife.timetable_import'"
    ).fetchall()
    assert len(audit) == 1 and json.loads(audit[0]["details"])["lessons"] == len(want)


def test_teachers_groups_and_rooms_of_the_lessons(with_year):
    conn = with_year.conn
    timetable.run_import(conn, TIMETABLE, actor=TECH, effective_from=START)
    data = expected()
    monday = date(2026, 11, 30)
    week = (monday, date(2026, 12, 5))
    # A student of 301 in the German group, not in Latin: their class's lessons and their
    # groups' only.
    members = data["group_members"]
    student = conn.execute(
        "SELECT p.id FROM person p JOIN class_membership m ON m.person_id = p.id "
        "JOIN school_class c ON c.id = m.class_id WHERE c.code = '301' AND p.id IN "
        "(SELECT person_id FROM group_membership gm JOIN teaching_group g ON g.id = gm.group_id "
        "WHERE g.code = '_301ALL2') AND p.id NOT IN (SELECT person_id FROM group_membership gm "
        "JOIN teaching_group g ON g.id = gm.group_id WHERE g.code = 'LATIN3') LIMIT 1"
    ).fetchone()[0]
    mine = lessons.lessons_between(conn, *week, person_id=student)
    codes = {item["audience"]["code"] for item in mine}
    assert "301" in codes and "_301ALL2" in codes
    assert "LATIN3" not in codes and "_301ESP2" not in codes and "6 A" not in codes
    assert set(members) >= {"LATIN3", "_301ALL2"}
    want = {
        (d, s, e, code, subject, room)
        for (d, s, e, code, subject, room) in expected_dated()
        if monday.isoformat() <= d <= "2026-12-05" and code in ("301", "_301ALL2")
    }
    got = {
        (i["date"], i["start"], i["end"], i["audience"]["code"], i["subject_code"], i["room"])
        for i in mine
    }
    assert got == want
    assert [(i["date"], i["start"]) for i in mine] == sorted((i["date"], i["start"]) for i in mine)
    # A teacher's week: every lesson they give, with their login; the subject's name.
    teacher = person_id(conn, "epp-8000")
    taught = lessons.lessons_between(conn, *week, person_id=teacher)
    pattern = [x for x in data["lessons"] if x["teacher_id"] == "8000"]
    per_week = sum(1 for x in pattern if x["alternance"] in ("H", "A"))  # 30/11 is an A week
    assert len(taught) == per_week
    assert all(login_of(conn, teacher) in i["teachers"] for i in taught)
    assert {i["subject"] for i in taught if i["subject_code"] == "020700"} == {"Lca Latin"}
    # A room's week, and a class's.
    room = lessons.lessons_between(conn, *week, room="218")
    assert room and all(i["room"] == "218" for i in room)
    class_id = conn.execute("SELECT id FROM school_class WHERE code = '6 A'").fetchone()[0]
    six = lessons.lessons_between(conn, *week, class_id=class_id)
    assert six and {i["audience"]["code"] for i in six} == {"6 A"}
    # The teacher STS lists without a function has no account: their lessons have none.
    orphan = [x for x in data["lessons"] if x["teacher_id"] == "8014"]
    assert orphan
    rows = conn.execute(
        "SELECT count(*) FROM lesson l WHERE l.subject_code = ? AND l.audience_code = ? "
        "AND NOT EXISTS (SELECT 1 FROM lesson_teacher t WHERE t.lesson_id = l.id)",
        (orphan[0]["subject_code"], orphan[0]["code"]),
    ).fetchone()[0]
    assert rows > 0


def test_the_files_problems_with_their_lines(with_year):
    plan = timetable.plan(with_year.conn, TIMETABLE, effective_from=START)
    text = TIMETABLE.read_bytes().decode("iso8859-15").splitlines()
    by_message = {p.message: p for p in plan.problems}
    unknown = [p for p in plan.problems if "epp-8014" in p.message]
    assert len(unknown) == 1 and unknown[0].severity == "warning"
    assert 'ID="8014"' in text[unknown[0].line - 2] + text[unknown[0].line - 1]
    rooms = [p for p in plan.problems if p.message.startswith("La salle")]
    # Room 218 holds three lessons on Tuesday at 09:05: the second and the third are reported.
    assert sorted(p.message.split()[2] for p in rooms) == ["208", "210", "218", "218"]
    assert all(p.severity == "warning" for p in rooms)
    for p in rooms:
        room = p.message.split()[2]
        assert f"<CODE_SALLE>{room}</CODE_SALLE>" in text[p.line - 1]
    assert plan.applicable and not plan.errors and len(by_message) == len(plan.problems)


def test_the_command_line_json_and_its_exit_code(with_year):
    r = run(
        ["timetable", "import", str(TIMETABLE), "--from", "2026-09-01", "--json"],
        data_dir=with_year.data,
        config=with_year.cfg,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["counts"] == {"lessons": len(expected_dated()), "replaced": 0, "weeks": 35}
    assert out["applied"] is True and out["import_id"] == 1
    assert out["problems"] and all(
        set(p) >= {"file", "line", "severity", "message"} for p in out["problems"]
    )
    assert {p["file"] for p in out["problems"]} == {"emp_sts.xml"}
    again = run(
        ["timetable", "import", str(TIMETABLE), "--from", "2026-09-01"],
        data_dir=with_year.data,
        config=with_year.cfg,
    )
    assert again.returncode == 0, again.stderr
    assert f"{len(expected_dated())} remplacés" in again.stdout
    assert "attention : emp_sts.xml, ligne" in again.stdout
    assert stored(with_year.conn) == expected_dated()


def test_the_year_is_needed_first(school):
    r = run(
        ["timetable", "import", str(TIMETABLE), "--json"], data_dir=school.data, config=school.cfg
    )
    assert r.returncode == 1
    assert "cartable year set" in r.stderr and "Traceback" not in r.stderr
    assert school.conn.execute("SELECT count(*) FROM lesson").fetchone()[0] == 0


def test_from_defaults_to_today_and_after_the_year_is_refused(with_year):
    plan = timetable.plan(with_year.conn, TIMETABLE)
    first = min(d for p in plan.lessons for d in p.dates)
    assert first >= year.local_today().isoformat() or not plan.dated_count
    r = run(
        ["timetable", "import", str(TIMETABLE), "--from", "2027-07-10"],
        data_dir=with_year.data,
        config=with_year.cfg,
    )
    assert r.returncode == 1 and "10/07/2027" in r.stderr and "03/07/2027" in r.stderr
    r = run(
        ["timetable", "import", str(TIMETABLE), "--from", "le 3 mars"],
        data_dir=with_year.data,
        config=with_year.cfg,
    )
    assert r.returncode == 1 and "le 3 mars" in r.stderr
