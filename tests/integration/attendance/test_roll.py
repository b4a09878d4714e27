"""The roll call (#13): the lesson's class list at that date, who takes it and until when,
"tous présents", planned absences pre-filling it, the lessons whose roll call was not
taken, and a timetable re-import that never deletes a lesson with a roll call."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta

import pytest

from appliance import timefmt
from appliance.errors import CartableError, Conflict
from appliance.schoollife import timetable
from appliance.schoollife.attendance import events, planned, roll
from appliance.security import policy
from tests.integration.attendance.conftest import AED, AGATHE, CLASS, CPE, TUESDAY, ZOE, evening
from tests.integration.schoollife.conftest import TECH, TIMETABLE


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timefmt.zone())


def _teacher_of(college, lesson) -> str:
    [login] = lesson["teachers"]
    return login


def test_the_class_list_is_the_class_or_the_group_at_that_date(college):
    lesson = college.lesson(CLASS, TUESDAY, "08:10")
    found = roll.get_roll(college.conn, lesson)
    logins = [s["login"] for s in found["students"]]
    members = college.conn.execute(
        "SELECT count(*) FROM class_membership m JOIN school_class c ON c.id = m.class_id "
        "WHERE c.code = ?",
        (CLASS,),
    ).fetchone()[0]
    assert len(logins) == members == 31 and AGATHE in logins
    assert not found["taken"] and {s["status"] for s in found["students"]} == {None}
    # Sorted by name, as on paper.
    names = [(s["last_name"].casefold(), s["first_name"].casefold()) for s in found["students"]]
    assert names == sorted(names)
    latin = roll.get_roll(college.conn, college.lesson("LATIN3", TUESDAY, "11:05"))
    assert [s["login"] for s in latin["students"]] == [ZOE]
    # Taken, the list is kept: a student who leaves the class later stays on it.
    college.take(lesson, absent=[AGATHE])
    agathe = college.person(AGATHE)["id"]
    college.conn.execute("DELETE FROM class_membership WHERE person_id = ?", (agathe,))
    kept = roll.get_roll(college.conn, lesson)
    assert AGATHE in [s["login"] for s in kept["students"]] and kept["taken"]
    assert AGATHE not in [
        s["login"]
        for s in roll.get_roll(college.conn, college.lesson(CLASS, TUESDAY, "09:05"))["students"]
    ]
    # A student who left the school (departed) is not on a new roll call.
    college.conn.execute("UPDATE person SET state = 'departed' WHERE login = 'agathe.roux'")
    assert "agathe.roux" not in [
        s["login"]
        for s in roll.get_roll(college.conn, college.lesson(CLASS, TUESDAY, "13:30"))["students"]
    ]


def test_the_teacher_takes_it_on_the_day_the_vie_scolaire_any_day(college):
    lesson = college.lesson(CLASS, TUESDAY, "08:10")
    teacher = _teacher_of(college, lesson)
    # On the day, before and after the lesson, until midnight.
    college.take(lesson, absent=[AGATHE], who=teacher, at=_at(TUESDAY, 8, 12))
    college.take(lesson, absent=[], late={AGATHE: 7}, who=teacher, at=_at(TUESDAY, 23, 59))
    # The next day: closed for the teacher, open for the vie scolaire.
    with pytest.raises(Conflict, match="jusqu'à la fin de la journée"):
        college.take(
            lesson, absent=[AGATHE], who=teacher, at=_at(TUESDAY + timedelta(days=1), 0, 1)
        )
    for office in (CPE, AED, "elodie.fontaine"):  # CPE, assistant d'éducation, direction
        college.take(lesson, absent=[AGATHE], who=office, at=_at(TUESDAY + timedelta(days=30), 9))
    # Never before the lesson's day, never a cancelled lesson.
    with pytest.raises(Conflict, match="pas avant"):
        college.take(lesson, absent=[], who=CPE, at=_at(TUESDAY - timedelta(days=1), 18))
    college.conn.execute("UPDATE lesson SET status = 'cancelled' WHERE id = ?", (lesson["id"],))
    with pytest.raises(Conflict, match="annulé"):
        college.take(college.lesson(CLASS, TUESDAY, "08:10"), absent=[], who=CPE)
    rows = college.conn.execute(
        "SELECT actor_login, details FROM audit_log WHERE action = 'attendance.roll' ORDER BY id"
    ).fetchall()
    # Each change audited with who made it; the same roll call saved again is no change.
    assert [r["actor_login"] for r in rows] == [teacher, teacher, CPE]


def test_only_the_lessons_teachers_and_the_vie_scolaire_may_take_it(college):
    lesson = college.lesson(CLASS, TUESDAY, "08:10")
    teacher = college.person(_teacher_of(college, lesson))
    other = college.person(_teacher_of(college, college.lesson(CLASS, TUESDAY, "13:30")))
    assert teacher["id"] != other["id"]
    conn = college.conn
    assert policy.may(teacher, "attendance.roll.take", lesson, conn)
    assert not policy.may(other, "attendance.roll.take", lesson, conn)
    for login in (CPE, AED, "elodie.fontaine"):
        assert policy.may(college.person(login), "attendance.roll.take", lesson, conn)
    for login in ("isabelle.meunier", AGATHE):  # documentation, a student
        assert not policy.may(college.person(login), "attendance.roll.view", lesson, conn)
    # The lesson given to a replacement (the timetable's "replaced"): the replacement
    # takes it, the absent teacher no longer does.
    conn.execute("UPDATE lesson SET status = 'replaced' WHERE id = ?", (lesson["id"],))
    conn.execute("DELETE FROM lesson_teacher WHERE lesson_id = ?", (lesson["id"],))
    conn.execute(
        "INSERT INTO lesson_teacher (lesson_id, person_id) VALUES (?, ?)",
        (lesson["id"], other["id"]),
    )
    replaced = college.lesson(CLASS, TUESDAY, "08:10")
    assert policy.may(other, "attendance.roll.take", replaced, conn)
    assert not policy.may(teacher, "attendance.roll.take", replaced, conn)
    college.take(replaced, absent=[AGATHE], who=other["login"], at=_at(TUESDAY, 8, 15))
    assert (
        roll.get_roll(conn, replaced)["taken_by"] == f"{other['first_name']} {other['last_name']}"
    )


def test_tous_presents_and_corrections(college):
    lesson = college.lesson(CLASS, TUESDAY, "08:10")
    saved = college.take(lesson, absent=[])
    assert saved["taken"] and {s["status"] for s in saved["students"]} == {"present"}
    assert college.conn.execute("SELECT count(*) FROM attendance_event").fetchone()[0] == 0
    college.take(lesson, absent=[AGATHE], late={ZOE: 10})
    got = {
        s["login"]: (s["status"], s["minutes"])
        for s in roll.get_roll(college.conn, lesson)["students"]
    }
    assert got[AGATHE] == ("absent", None) and got[ZOE] == ("late", 10)
    assert sum(v[0] == "present" for v in got.values()) == 29


@pytest.mark.parametrize(
    ("absent", "late", "message"),
    [
        ([999_999], {}, "pas sur la liste"),
        ([], {999_999: 5}, "pas sur la liste"),
        (["both"], {"both": 5}, "à la fois absent et en retard"),
        ([], {"late": 0}, "de 1 à 240"),
        ([], {"late": 241}, "de 1 à 240"),
    ],
)
def test_a_wrong_roll_call_saves_nothing(college, absent, late, message):
    lesson = college.lesson(CLASS, TUESDAY, "08:10")
    agathe = college.person(AGATHE)["id"]
    ids = [agathe if a == "both" else a for a in absent]
    lates = {agathe if k in ("both", "late") else k: m for k, m in late.items()}
    with pytest.raises(CartableError, match=message):
        roll.save(
            college.conn,
            college.person(CPE),
            lesson,
            absent=ids,
            late=lates,
            actor=college.actor(CPE),
            now=evening(TUESDAY),
        )
    assert not roll.get_roll(college.conn, lesson)["taken"]


def test_a_planned_absence_pre_fills_the_roll_calls_it_covers(college):
    conn = college.conn
    agathe, zoe = college.person(AGATHE)["id"], college.person(ZOE)["id"]
    trip = planned.create(
        conn,
        student_id=agathe,
        kind="trip",
        first=TUESDAY,
        start="08:00",
        end="10:00",
        actor=college.actor(CPE),
    )
    assert trip["reason_code"] == "sortie_scolaire"
    # An exemption from one subject (the sample's timetable has no PE: technology here).
    planned.create(
        conn,
        student_id=zoe,
        kind="other",
        first=TUESDAY - timedelta(days=1),
        last=TUESDAY + timedelta(days=30),
        subject_code="070200",
        reason_code="rendez_vous_medical",
        actor=college.actor(CPE),
    )
    first = college.lesson(CLASS, TUESDAY, "08:10")
    pre = {s["login"]: s for s in roll.get_roll(conn, first)["students"]}
    assert pre[AGATHE]["status"] == "absent" and pre[AGATHE]["planned"]["id"] == trip["id"]
    assert pre[ZOE]["status"] is None  # the exemption covers technology only
    afternoon = roll.get_roll(conn, college.lesson(CLASS, TUESDAY, "13:30"))
    assert {s["login"]: s["status"] for s in afternoon["students"]}[AGATHE] is None
    techno = conn.execute(
        "SELECT id FROM lesson WHERE audience_code = ? AND subject_code = '070200' AND date >= ? "
        "ORDER BY date, start_time LIMIT 1",
        (CLASS, TUESDAY.isoformat()),
    ).fetchone()
    techno_lesson = roll.lesson_target(conn, techno["id"])
    assert {s["login"]: s["status"] for s in roll.get_roll(conn, techno_lesson)["students"]}[
        ZOE
    ] == "absent"
    # The roll call saved with the pre-filled absence: the absence has the planned reason,
    # already justified, and the family is not told of it as news.
    college.take(first, absent=[AGATHE])
    [event] = events.for_student(conn, agathe)
    assert (event["reason_code"], event["justified"], event["planned_id"]) == (
        "sortie_scolaire",
        True,
        trip["id"],
    )
    # The teacher may say otherwise: she came after all.
    college.take(college.lesson(CLASS, TUESDAY, "09:05"), absent=[])
    assert len(events.for_student(conn, agathe)) == 1
    with pytest.raises(CartableError, match="EPS"):
        planned.create(conn, student_id=zoe, kind="pe_exemption", first=TUESDAY, actor=None)
    with pytest.raises(CartableError, match="élève"):
        planned.create(
            conn, student_id=college.person(CPE)["id"], kind="trip", first=TUESDAY, actor=None
        )
    with pytest.raises(CartableError, match="avant le premier"):
        planned.create(
            conn,
            student_id=zoe,
            kind="trip",
            first=TUESDAY,
            last=TUESDAY - timedelta(days=1),
            actor=None,
        )
    with pytest.raises(CartableError, match="heure de début et l'heure de fin"):
        planned.create(conn, student_id=zoe, kind="trip", first=TUESDAY, start="10:00", actor=None)
    planned.delete(conn, trip["id"], actor=college.actor(CPE))
    assert events.for_student(conn, agathe)[0]["reason_code"] == "sortie_scolaire"  # kept


def test_appels_non_faits_lists_the_ended_lessons_without_a_roll_call(college):
    conn = college.conn
    day_total = conn.execute(
        "SELECT count(*) FROM lesson WHERE date = ? AND status != 'cancelled'",
        (TUESDAY.isoformat(),),
    ).fetchone()[0]
    assert day_total > 20
    found, total = roll.missing(conn, TUESDAY, now=_at(TUESDAY, 10, 0), limit=100)
    assert total == len(found) and {x["end"] for x in found} <= {"09:05", "10:00"}
    found, total = roll.missing(conn, TUESDAY, now=evening(TUESDAY), limit=100)
    assert total == day_total
    # Past its first page.
    page1, n = roll.missing(conn, TUESDAY, now=evening(TUESDAY), limit=10)
    page3, _ = roll.missing(conn, TUESDAY, now=evening(TUESDAY), limit=10, offset=20)
    assert n == day_total and len(page1) == 10 and len(page3) == day_total - 20
    assert not {x["id"] for x in page1} & {x["id"] for x in page3}
    assert [(x["start"], x["audience"]["code"]) for x in page1] == sorted(
        (x["start"], x["audience"]["code"]) for x in page1
    )
    college.take(college.lesson(CLASS, TUESDAY, "08:10"), absent=[])
    assert roll.missing(conn, TUESDAY, now=evening(TUESDAY), limit=100)[1] == day_total - 1
    assert roll.missing(conn, TUESDAY + timedelta(days=1), now=evening(TUESDAY), limit=100) == (
        [],
        0,
    )


def test_a_timetable_reimport_never_deletes_a_lesson_with_a_roll_call(college):
    conn = college.conn
    taken = college.lesson(CLASS, TUESDAY, "08:10")
    college.take(taken, absent=[AGATHE])
    untaken = college.lesson(CLASS, TUESDAY, "09:05")
    assert ("roll_call", "lesson_id") in timetable.dependent_columns(conn)
    plan = timetable.plan(conn, TIMETABLE, effective_from=TUESDAY)
    assert plan.kept == 1
    result = timetable.apply(conn, plan, TECH)
    assert result.kept == 1
    assert conn.execute("SELECT 1 FROM lesson WHERE id = ?", (taken["id"],)).fetchone()
    assert not conn.execute("SELECT 1 FROM lesson WHERE id = ?", (untaken["id"],)).fetchone()
    same = conn.execute(
        "SELECT count(*) FROM lesson WHERE audience_code = ? AND date = ? AND start_time = '08:10'",
        (CLASS, TUESDAY.isoformat()),
    ).fetchone()[0]
    assert same == 1  # the file's same lesson is not created twice
    assert roll.get_roll(conn, roll.lesson_target(conn, taken["id"]))["taken"]
    assert len(events.for_student(conn, college.person(AGATHE)["id"])) == 1
    # Nothing else can delete it either: the key refuses.
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM lesson WHERE id = ?", (taken["id"],))


def test_a_teachers_day_shows_each_lessons_roll_call(college):
    lesson = college.lesson(CLASS, TUESDAY, "08:10")
    teacher = college.person(_teacher_of(college, lesson))
    day = roll.teacher_day(college.conn, teacher, TUESDAY)
    assert lesson["id"] in [x["id"] for x in day] and all(
        teacher["login"] in x["teachers"] for x in day
    )
    assert {x["roll"] for x in day} == {None}
    college.take(lesson, absent=[AGATHE], late={ZOE: 4})
    state = {x["id"]: x["roll"] for x in roll.teacher_day(college.conn, teacher, TUESDAY)}
    assert state[lesson["id"]]["absent"] == 1 and state[lesson["id"]]["late"] == 1
