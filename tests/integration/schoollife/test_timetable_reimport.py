"""A new timetable in February: lessons before --from stay exactly as they were, those
from it on are replaced, and a lesson something hangs on (a roll call, a cahier de textes
entry) or one a person added is never deleted."""

from __future__ import annotations

from datetime import date

from appliance.schoollife import timetable
from tests.bench.timetable_files import Cours, Timetable, alternances_of, edt_xml, school_weeks
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

FEBRUARY = date(2027, 2, 1)
NEW = [
    Cours("class", "301", "020100", "8000", "2", "0810", room="NOUVELLE"),
    Cours("class", "6 A", "061300", "8001", "3", "1010", room="NOUVELLE", alternance="A"),
]


def _rows_before(conn, day: date) -> list[tuple]:
    return [
        tuple(r)
        for r in conn.execute("SELECT * FROM lesson WHERE date < ? ORDER BY id", (day.isoformat(),))
    ]


def _new_file(tmp_path) -> object:
    weeks = school_weeks(START, END, HOLIDAYS, A_WEEK)
    path = tmp_path / "emp_sts_fevrier.xml"
    path.write_bytes(edt_xml(Timetable("0679999X", 2026, NEW, alternances_of(weeks))))
    return path, weeks


def test_a_mid_year_import_leaves_the_past_alone(with_year, tmp_path):
    conn = with_year.conn
    first = timetable.run_import(conn, TIMETABLE, actor=TECH, effective_from=START)[1]
    past = _rows_before(conn, FEBRUARY)
    later = conn.execute(
        "SELECT count(*) FROM lesson WHERE date >= ?", (FEBRUARY.isoformat(),)
    ).fetchone()[0]
    assert past and later
    path, weeks = _new_file(tmp_path)
    plan = timetable.plan(conn, path, effective_from=FEBRUARY)
    assert plan.replaced == later  # the preview says how many it replaces
    result = timetable.apply(conn, plan, TECH)
    assert result.replaced == later
    assert _rows_before(conn, FEBRUARY) == past  # the very same rows, ids included
    after = {r for r in stored(conn) if r[0] >= FEBRUARY.isoformat()}
    mondays = [m for m, _ in weeks if m >= FEBRUARY]
    a_mondays = [m for m, letter in weeks if letter == "A" and m >= FEBRUARY]
    assert len(after) == result.lessons == len(mondays) + len(a_mondays)
    assert {r[3] for r in after} == {"301", "6 A"} and {r[5] for r in after} == {"NOUVELLE"}
    assert {r for r in stored(conn) if r[0] < FEBRUARY.isoformat()} == {
        r for r in expected_dated() if r[0] < FEBRUARY.isoformat()
    }
    runs = timetable.list_imports(conn)
    assert [r["effective_from"] for r in runs] == ["2027-02-01", "2026-09-01"]
    assert runs[0]["replaced"] == later and first.import_id == runs[1]["id"]


def test_a_lesson_something_hangs_on_is_kept_and_not_created_twice(with_year, tmp_path):
    conn = with_year.conn
    timetable.run_import(conn, TIMETABLE, actor=TECH, effective_from=START)
    # What a later service adds: a table whose rows hang on lessons (a roll call).
    conn.execute(
        "CREATE TABLE roll_call (id INTEGER PRIMARY KEY, "
        "lesson_id INTEGER NOT NULL REFERENCES lesson(id), taken_at TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX roll_call_lesson ON roll_call (lesson_id)")
    today = conn.execute(
        "SELECT id, source_key, date FROM lesson WHERE date = '2027-02-01' ORDER BY start_time "
        "LIMIT 1"
    ).fetchone()
    conn.execute(
        "INSERT INTO roll_call (lesson_id, taken_at) VALUES (?, '2027-02-01T08:15:00+01:00')",
        (today["id"],),
    )
    # And a lesson a person added by hand: no import ever replaces it.
    conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
        "audience_kind, audience_code, room, status, note, origin) VALUES ('2027-03-03', "
        "'13:30', '15:30', '040600', 'Histoire', 'class', '301', 'MUSEE', 'added', "
        "'Sortie au musée', 'manual')"
    )
    total = conn.execute(
        "SELECT count(*) FROM lesson WHERE date >= '2027-02-01' AND origin = 'import'"
    ).fetchone()[0]
    plan = timetable.plan(conn, TIMETABLE, effective_from=FEBRUARY)
    assert plan.replaced == total - 1 and plan.kept == 1
    result = timetable.apply(conn, plan, TECH)
    assert result.replaced == total - 1 and result.kept == 1
    kept = conn.execute("SELECT * FROM lesson WHERE id = ?", (today["id"],)).fetchone()
    assert kept is not None and kept["source_key"] == today["source_key"]
    same_slot = conn.execute(
        "SELECT count(*) FROM lesson WHERE source_key = ? AND date = ?",
        (today["source_key"], today["date"]),
    ).fetchone()[0]
    assert same_slot == 1  # the file's same lesson that day is the kept one
    assert conn.execute("SELECT count(*) FROM lesson WHERE origin = 'manual'").fetchone()[0] == 1
    assert stored(conn) - {("2027-03-03", "13:30", "15:30", "301", "040600", "MUSEE")} == (
        expected_dated()
    )
    # A new file without that lesson: the kept one stays, the new ones come beside it.
    path, _ = _new_file(tmp_path)
    result = timetable.apply(conn, timetable.plan(conn, path, effective_from=FEBRUARY), TECH)
    assert result.kept == 1
    assert conn.execute("SELECT 1 FROM lesson WHERE id = ?", (today["id"],)).fetchone()
