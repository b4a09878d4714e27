"""Changing the timetable (#11): cancel, move, replace, add, restore, each audited in the
same transaction; what the checks refuse; what families read first (the home's days,
the week with its A/B letter and its holidays)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from appliance.errors import CartableError, NotFound
from appliance.schoollife import changes, lessons, week, year
from appliance.security.audit import Actor
from tests.integration.schoollife.timetable_school import TECH, build, school_day

CPE = Actor(None, "cpe", "192.0.2.7")


@pytest.fixture
def hand(conn):
    return build(conn)


def _audit(conn, action: str) -> list[dict]:
    found = conn.execute(
        "SELECT actor_login, target, details FROM audit_log WHERE action = ? ORDER BY id",
        (action,),
    ).fetchall()
    return [{**dict(r), "details": json.loads(r["details"] or "{}")} for r in found]


def test_cancel_keeps_the_lesson_in_place_with_its_note_and_audits_it(conn, hand):
    tuesday = school_day(hand, 1)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    done = changes.cancel(conn, lesson_id, note="Absence de Mme Curie", actor=CPE)
    assert (done["status"], done["note"], done["date"], done["start"]) == (
        "cancelled", "Absence de Mme Curie", tuesday.isoformat(), "08:00",
    )  # fmt: skip
    [row] = _audit(conn, "schoollife.lesson_cancel")
    assert row["actor_login"] == "cpe" and row["target"] == f"lesson:{lesson_id}"
    assert row["details"]["audience"] == "class:5A" and row["details"]["note"] is True
    # The student of 5A sees it cancelled; the parent of another class's pupil does not.
    mine = lessons.lessons_between(conn, tuesday, tuesday, person_id=hand.ids["lea"])
    assert [x["status"] for x in mine if x["id"] == lesson_id] == ["cancelled"]
    theirs = lessons.lessons_between(conn, tuesday, tuesday, person_id=hand.ids["ines"])
    assert lesson_id not in {x["id"] for x in theirs}


def test_a_note_with_a_control_character_is_refused_and_nothing_is_written(conn, hand):
    lesson_id = hand.lesson_id(conn, school_day(hand, 1), "08:00", "5A")
    with pytest.raises(CartableError) as caught:
        changes.cancel(conn, lesson_id, note="Absent\x1b[31m", actor=CPE)
    assert caught.value.field == "note"
    with pytest.raises(CartableError) as caught:
        changes.cancel(conn, lesson_id, note="x" * 201, actor=CPE)
    assert caught.value.field == "note"
    assert lessons.get_lesson(conn, lesson_id)["status"] == "planned"
    assert _audit(conn, "schoollife.lesson_cancel") == []
    with pytest.raises(NotFound):
        changes.cancel(conn, 999_999, note="", actor=CPE)


def test_move_keeps_the_first_place_even_when_moved_twice(conn, hand):
    tuesday, thursday = school_day(hand, 1), school_day(hand, 3)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    moved = changes.move(conn, lesson_id, day=thursday, start="14h00", end="15:00", room="B20",
                         note="Salle libre l'après-midi", actor=CPE)  # fmt: skip
    assert (moved["status"], moved["date"], moved["start"], moved["end"], moved["room"]) == (
        "moved", thursday.isoformat(), "14:00", "15:00", "B20",
    )  # fmt: skip
    assert moved["moved_from"] == {
        "date": tuesday.isoformat(), "start": "08:00", "end": "09:00", "room": "B12",
    }  # fmt: skip
    again = changes.move(conn, lesson_id, day=thursday, start="16:00", end="17:00", note="",
                         actor=CPE)  # fmt: skip
    assert again["room"] == "B20" and again["moved_from"]["start"] == "08:00"
    # Shown at its new place, and as moved away at its old one.
    away = lessons.moved_away_between(conn, tuesday, tuesday, person_id=hand.ids["lea"])
    assert [x["id"] for x in away] == [lesson_id]
    assert lessons.moved_away_between(conn, tuesday, tuesday, room="B12")[0]["id"] == lesson_id
    details = [r["details"] for r in _audit(conn, "schoollife.lesson_move")]
    assert [d["first_move"] for d in details] == [True, False]
    assert details[0]["to"] == {"date": thursday.isoformat(), "start": "14:00", "end": "15:00"}


def test_a_room_change_alone_is_not_moved_away(conn, hand):
    tuesday = school_day(hand, 1)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    changes.move(conn, lesson_id, day=tuesday, start="08:00", end="09:00", room="B30",
                 note="Salle B12 inondée", actor=CPE)  # fmt: skip
    assert lessons.moved_away_between(conn, tuesday, tuesday, person_id=hand.ids["lea"]) == []
    assert lessons.get_lesson(conn, lesson_id)["moved_from"]["room"] == "B12"


@pytest.mark.parametrize(
    ("start", "end", "room", "field", "words"),
    [
        ("09:00", "10:00", "B14", "room", "La salle B14 est déjà occupée de 09:00 à 10:00"),
        ("10:00", "11:00", "B99", "start", "déjà cours de 10:00 à 11:00"),  # lea's Latin group?
        ("09:30", "09:45", "B99", "start", "curie a déjà cours de 09:00 à 10:00"),
        ("25:00", "26:00", "B99", "start", "Heure « 25:00 » invalide"),
        ("10:00", "09:00", "B99", "end", "doit venir après"),
    ],
)
def test_a_move_that_clashes_is_refused(conn, hand, start, end, room, field, words):
    thursday = school_day(hand, 3)
    lesson_id = hand.lesson_id(conn, school_day(hand, 1), "08:00", "5A")
    if field == "start" and start == "10:00":
        # Another 5A lesson at 10:00 on Thursday: the class is busy.
        changes.add(conn, day=thursday, start="10:00", end="11:00", subject_code="030201",
                    audience="class:5A", teachers=["lovelace"], room="B40", note="",
                    actor=CPE)  # fmt: skip
    with pytest.raises(CartableError) as caught:
        changes.move(conn, lesson_id, day=thursday, start=start, end=end, room=room, note="",
                     actor=CPE)  # fmt: skip
    assert caught.value.field == field and words in caught.value.message
    assert lessons.get_lesson(conn, lesson_id)["status"] == "planned"


def test_a_move_out_of_the_year_is_refused(conn, hand):
    lesson_id = hand.lesson_id(conn, school_day(hand, 1), "08:00", "5A")
    after = year.require_year(conn).end + timedelta(days=3)
    with pytest.raises(CartableError) as caught:
        changes.move(conn, lesson_id, day=after, start="08:00", end="09:00", note="", actor=CPE)
    assert caught.value.field == "date" and "en dehors de l'année scolaire" in caught.value.message


def test_a_cancelled_lesson_frees_its_room(conn, hand):
    tuesday = school_day(hand, 1)
    physics = hand.lesson_id(conn, tuesday, "09:00", "4B")
    changes.cancel(conn, physics, note="", actor=CPE)
    maths = hand.lesson_id(conn, tuesday, "08:00", "5A")
    moved = changes.move(conn, maths, day=tuesday, start="09:00", end="10:00", room="B14",
                         note="", actor=CPE)  # fmt: skip
    assert moved["room"] == "B14"


def test_replace_then_restore_brings_the_planned_teacher_back(conn, hand):
    tuesday = school_day(hand, 1)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    done = changes.replace(conn, lesson_id, teachers="lovelace", note="Remplacement", actor=CPE)
    assert (done["status"], done["teachers"]) == ("replaced", ["lovelace"])
    # Curie no longer has it in her week; Lovelace has.
    curie = lessons.lessons_between(conn, tuesday, tuesday, person_id=hand.ids["curie"])
    assert lesson_id not in {x["id"] for x in curie}
    ada = lessons.lessons_between(conn, tuesday, tuesday, person_id=hand.ids["lovelace"])
    assert lesson_id in {x["id"] for x in ada}
    assert _audit(conn, "schoollife.lesson_replace")[0]["details"]["teachers"] == ["lovelace"]
    changes.replace(conn, lesson_id, teachers=["hugo"], note="", actor=CPE)
    restored = changes.restore(conn, lesson_id, actor=CPE)
    assert (restored["status"], restored["teachers"], restored["note"]) == (
        "planned", ["curie"], None,
    )  # fmt: skip
    assert _audit(conn, "schoollife.lesson_restore")[0]["details"]["was"] == "replaced"


def test_a_replacement_must_be_a_free_active_teacher(conn, hand):
    tuesday = school_day(hand, 1)
    lesson_id = hand.lesson_id(conn, tuesday, "10:00", "LATIN")
    for teachers, words in (
        ([], "au moins un professeur"),
        (["lea"], "« lea » n'est l'identifiant d'aucun professeur"),
        (["personne"], "« personne »"),
    ):
        with pytest.raises(CartableError) as caught:
            changes.replace(conn, lesson_id, teachers=teachers, note="", actor=CPE)
        assert caught.value.field == "teachers" and words in caught.value.message
    changes.move(conn, hand.lesson_id(conn, tuesday, "09:00", "4B"), day=tuesday,
                 start="10:00", end="11:00", room="B14", note="", actor=CPE)  # fmt: skip
    with pytest.raises(CartableError) as caught:
        changes.replace(conn, lesson_id, teachers=["curie"], note="", actor=CPE)
    assert caught.value.field == "teachers" and "curie a déjà cours" in caught.value.message


def test_restore_a_moved_lesson_puts_it_back(conn, hand):
    tuesday, friday = school_day(hand, 1), school_day(hand, 4)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    changes.move(conn, lesson_id, day=friday, start="15:00", end="16:00", room="B50",
                 note="Rattrapage", actor=CPE)  # fmt: skip
    changes.cancel(conn, lesson_id, note="Finalement annulé", actor=CPE)
    back = changes.restore(conn, lesson_id, actor=CPE)
    assert (back["date"], back["start"], back["end"], back["room"], back["status"]) == (
        tuesday.isoformat(), "08:00", "09:00", "B12", "planned",
    )  # fmt: skip
    assert back["moved_from"] is None and back["note"] is None


def test_add_an_extra_lesson_survives_a_later_import(conn, hand):
    wednesday = school_day(hand, 2, next_week=True)
    added = changes.add(conn, day=wednesday, start="14:00", end="15:00", subject_code="061300",
                        audience={"kind": "class", "code": "4B"}, teachers=["lovelace"],
                        room="B14", note="Devoir surveillé", actor=CPE)  # fmt: skip
    assert (added["status"], added["audience"], added["note"]) == (
        "added", {"kind": "class", "code": "4B"}, "Devoir surveillé",
    )  # fmt: skip
    row = conn.execute("SELECT origin FROM lesson WHERE id = ?", (added["id"],)).fetchone()
    assert row["origin"] == "manual"
    [audit] = _audit(conn, "schoollife.lesson_add")
    assert audit["target"] == f"lesson:{added['id']}"
    ines = lessons.lessons_between(conn, wednesday, wednesday, person_id=hand.ids["ines"])
    assert added["id"] in {x["id"] for x in ines}
    # An added lesson cancelled then restored is an added lesson again.
    changes.cancel(conn, added["id"], note="", actor=CPE)
    assert changes.restore(conn, added["id"], actor=CPE)["status"] == "added"
    for values, field in (
        ({"subject_code": "999999"}, "subject_code"),
        ({"audience": "class:6Z"}, "audience"),
        ({"audience": "école:5A"}, "audience"),
    ):
        args = {"day": wednesday, "start": "16:00", "end": "17:00", "subject_code": "061300",
                "audience": "class:4B", "teachers": ["lovelace"], "room": "", "note": "",
                **values}  # fmt: skip
        with pytest.raises(CartableError) as caught:
            changes.add(conn, **args, actor=CPE)
        assert caught.value.field == field


def test_change_reads_the_forms_and_the_apis_values(conn, hand):
    tuesday, thursday = school_day(hand, 1), school_day(hand, 3)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    moved = changes.change(conn, lesson_id, {"status": "moved",
                           "start": f"{thursday}T15:00", "end": f"{thursday}T16:00"},
                           actor=CPE)  # fmt: skip
    assert (moved["date"], moved["start"], moved["room"]) == (thursday.isoformat(), "15:00", "B12")
    for values, field in (
        ({"status": "moved"}, "start"),
        ({"status": "moved", "start": f"{thursday}T15:00", "end": f"{tuesday}T16:00"}, "end"),
        ({"status": "danse"}, "status"),
        ({}, "status"),
    ):
        with pytest.raises(CartableError) as caught:
            changes.change(conn, lesson_id, values, actor=CPE)
        assert caught.value.field == field


def test_coming_days_today_and_the_next_day_with_lessons_changes_first(conn, hand):
    today = hand.today
    wanted = today
    # A weekday with lessons and the next one: the home page of this test runs on any day.
    while wanted.weekday() >= 4:
        wanted -= timedelta(days=1)
    nxt = wanted + timedelta(days=1)
    maths_next = hand.lesson_id(conn, nxt, "08:00", "5A")
    changes.cancel(conn, maths_next, note="Absence de Mme Curie", actor=CPE)
    maths_today = hand.lesson_id(conn, wanted, "08:00", "5A")
    later = wanted + timedelta(days=7)
    changes.move(conn, maths_today, day=later, start="15:00", end="16:00", note="", actor=CPE)
    days = lessons.coming_days(conn, hand.ids["lea"], wanted, year.load_year(conn))
    assert days["today"]["date"] == wanted.isoformat() and days["next"]["date"] == nxt.isoformat()
    assert [x["id"] for x in days["today"]["moved_away"]] == [maths_today]
    assert [(c["lesson"]["id"], c["moved_away"]) for c in days["changes"]] == [
        (maths_today, True), (maths_next, False),
    ]  # fmt: skip
    # A Friday: the next day with lessons is Monday.
    friday = school_day(hand, 4)
    days = lessons.coming_days(conn, hand.ids["noah"], friday, year.load_year(conn))
    assert days["next"]["date"] == (friday + timedelta(days=3)).isoformat()


def test_coming_days_in_holidays_and_after_the_last_lesson(conn, hand):
    monday = hand.monday
    info = year.require_year(conn)
    year.set_year(conn, TECH, info.start, info.end, None,
                  [(monday + timedelta(days=7), monday + timedelta(days=13))])  # fmt: skip
    conn.execute("DELETE FROM lesson WHERE date >= ?", ((monday + timedelta(days=7)).isoformat(),))
    saturday = monday + timedelta(days=12)
    days = lessons.coming_days(conn, hand.ids["lea"], saturday, year.load_year(conn))
    assert days["today"]["holiday"] is True and days["today"]["lessons"] == []
    assert days["next"] is None and days["changes"] == []


def test_the_week_with_its_letter_its_holidays_and_its_days(conn, hand):
    monday = hand.monday
    info = year.require_year(conn)
    year.set_year(conn, TECH, info.start, info.end, None,
                  [(monday + timedelta(days=7), monday + timedelta(days=13))])  # fmt: skip
    this = week.week_view(conn, monday, hand.today, person_id=hand.ids["lea"])
    letters = dict(year.load_year(conn).weeks)
    assert this["letter"] == letters[monday] and this["letter"] in ("A", "B")
    assert [d["date"].weekday() for d in this["days"]] == [0, 1, 2, 3, 4]
    assert not this["holiday_week"] and this["days"][1]["lessons"][0]["teacher_names"] == [
        "Marie Curie"
    ]
    assert [e["lesson"]["subject"] for e in this["days"][1]["entries"]] == [
        "Mathématiques", "Latin",
    ]  # fmt: skip
    holidays = week.week_view(conn, monday + timedelta(days=8), hand.today,
                              person_id=hand.ids["lea"])  # fmt: skip
    assert holidays["holiday_week"] and holidays["letter"] is None
    assert all(d["holiday"] for d in holidays["days"])
    after = week.week_view(conn, monday + timedelta(days=14), hand.today, class_id=1)
    assert after["letter"] != this["letter"]  # the holiday week does not count
    # A Saturday lesson shows the Saturday.
    changes.add(conn, day=monday + timedelta(days=5), start="09:00", end="10:00",
                subject_code="061300", audience="class:5A", teachers=["curie"], room="B12",
                note="Rattrapage", actor=CPE)  # fmt: skip
    this = week.week_view(conn, monday, hand.today, person_id=hand.ids["lea"])
    assert [d["date"].weekday() for d in this["days"]] == [0, 1, 2, 3, 4, 5]
    assert week.week_start("", hand.today) == monday
    with pytest.raises(CartableError):
        week.week_start("2026-13-45", hand.today)
