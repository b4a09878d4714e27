"""A mid-year re-import of the timetable never deletes a lesson the cahier de textes hangs
on (its content or the homework given in it), on the sample collège's real timetable."""

from __future__ import annotations

from datetime import date

from appliance.schoollife import timetable
from appliance.schoollife.diary import audiences, entries, homework, reading
from appliance.security.audit import Actor
from tests.integration.schoollife.conftest import START, TECH, TIMETABLE

REIMPORT = date(2026, 11, 2)  # back from the Toussaint holidays


def _lesson(conn, day: str) -> dict:
    """A lesson of a class the directory knows, on `day`, with its teacher."""
    return dict(
        conn.execute(
            "SELECT l.id, l.date, l.class_id, l.subject_code, l.source_key, t.person_id "
            "FROM lesson l JOIN lesson_teacher t ON t.lesson_id = l.id "
            "WHERE l.date = ? AND l.class_id IS NOT NULL ORDER BY l.start_time, l.id LIMIT 1",
            (day,),
        ).fetchone()
    )


def test_a_reimport_keeps_the_lessons_with_a_cahier_de_textes(with_year):
    conn = with_year.conn
    timetable.run_import(conn, TIMETABLE, actor=TECH, effective_from=START)
    assert {("diary_entry", "lesson_id"), ("homework", "lesson_id")} <= set(
        timetable.dependent_columns(conn)
    )
    before = _lesson(conn, "2026-10-06")  # before --from
    with_content = _lesson(conn, "2026-11-03")  # after --from: content written
    with_homework = _lesson(conn, "2026-11-05")  # after --from: homework given
    plain = _lesson(conn, "2026-11-04")  # after --from: nothing hangs on it
    teacher = Actor(with_content["person_id"], "prof", "192.0.2.1")
    entries.write(conn, teacher, with_content["id"], "Révisions avant le contrôle")
    entries.write(conn, teacher, before["id"], "Chapitre 1")
    audience = audiences.get(conn, "class", with_homework["class_id"])
    item = homework.create(
        conn,
        Actor(with_homework["person_id"], "prof2", "192.0.2.1"),
        audience=audience,
        subject_code=with_homework["subject_code"],
        lesson_id=with_homework["id"],
        text="Exercice 12",
        kind="exercise",
        due=with_homework["date"],
    )
    count = conn.execute("SELECT count(*) FROM lesson").fetchone()[0]

    plan, result = timetable.run_import(conn, TIMETABLE, actor=TECH, effective_from=REIMPORT)
    assert result is not None and plan.kept == 2 and result.kept == 2

    ids = {r[0] for r in conn.execute("SELECT id FROM lesson")}
    assert {before["id"], with_content["id"], with_homework["id"]} <= ids
    assert plain["id"] not in ids  # replaced by the new file's same lesson
    # The same lesson of the new file is not created twice beside the one kept.
    same_day = conn.execute(
        "SELECT count(*) FROM lesson WHERE source_key = ? AND date = ?",
        (with_content["source_key"], with_content["date"]),
    ).fetchone()[0]
    assert same_day == 1
    assert conn.execute("SELECT count(*) FROM lesson").fetchone()[0] == count
    assert entries.get(conn, with_content["id"])["content"] == "Révisions avant le contrôle"
    assert entries.get(conn, before["id"])["content"] == "Chapitre 1"
    assert reading.get(conn, item["id"])["lesson_id"] == with_homework["id"]
