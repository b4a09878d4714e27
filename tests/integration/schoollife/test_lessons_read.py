"""The read service other pages build on: one person's, class's, group's or room's lessons
between two days, in time order, in one documented shape, changes included."""

from __future__ import annotations

import pytest

from appliance.errors import CartableError, NotFound
from appliance.schoollife import lessons, timetable
from tests.integration.schoollife.conftest import START, TECH, TIMETABLE, person_id

KEYS = {
    "id", "date", "start", "end", "subject_code", "subject", "audience", "teachers", "room",
    "status", "note", "moved_from",
}  # fmt: skip


@pytest.fixture
def imported(with_year):
    timetable.run_import(with_year.conn, TIMETABLE, actor=TECH, effective_from=START)
    return with_year.conn


def test_the_shape_and_the_order(imported):
    everything = lessons.lessons_between(imported, "2026-11-30", "2026-12-05")
    assert everything and all(set(item) == KEYS for item in everything)
    keys = [(i["date"], i["start"], i["audience"]["code"]) for i in everything]
    assert keys == sorted(keys)
    week = {"2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"}
    assert {i["date"] for i in everything} <= week
    item = everything[0]
    assert item["status"] == "planned" and item["note"] is None and item["moved_from"] is None
    assert item["audience"]["kind"] in ("class", "group") and isinstance(item["teachers"], list)
    # One day only, both ends included.
    day = lessons.lessons_between(imported, "2026-12-01", "2026-12-01")
    assert day and {i["date"] for i in day} == {"2026-12-01"}


def test_a_change_is_read_back(imported):
    lesson = lessons.lessons_between(imported, "2026-12-01", "2026-12-01", room="218")[0]
    imported.execute(
        "UPDATE lesson SET status = 'moved', note = 'Salle changée', date = '2026-12-03', "
        "moved_from_date = date, moved_from_start = start_time, moved_from_end = end_time, "
        "moved_from_room = room, room = '101' WHERE id = ?",
        (lesson["id"],),
    )
    moved = lessons.get_lesson(imported, lesson["id"])
    assert moved["status"] == "moved" and moved["note"] == "Salle changée"
    assert moved["date"] == "2026-12-03" and moved["room"] == "101"
    assert moved["moved_from"] == {
        "date": "2026-12-01", "start": lesson["start"], "end": lesson["end"], "room": "218",
    }  # fmt: skip
    assert lesson["id"] not in {
        i["id"] for i in lessons.lessons_between(imported, "2026-12-01", "2026-12-01", room="218")
    }
    with pytest.raises(NotFound):
        lessons.get_lesson(imported, 10**9)


def test_one_selector_at_a_time_and_days_as_days(imported):
    teacher = person_id(imported, "epp-8000")
    with pytest.raises(CartableError):
        lessons.lessons_between(imported, "2026-12-01", "2026-12-04", person_id=teacher, room="218")
    with pytest.raises(CartableError):
        lessons.lessons_between(imported, "demain", "2026-12-04")
    assert lessons.lessons_between(imported, "2026-12-05", "2026-12-01") == []


def test_a_group_and_a_person_without_lessons(imported):
    group = imported.execute("SELECT id FROM teaching_group WHERE code = 'LATIN3'").fetchone()[0]
    latin = lessons.lessons_between(imported, "2026-11-30", "2026-12-05", group_id=group)
    assert latin and {i["audience"]["code"] for i in latin} == {"LATIN3"}
    parent = imported.execute("SELECT id FROM person WHERE profile = 'relative' LIMIT 1").fetchone()
    assert lessons.lessons_between(imported, "2026-11-30", "2026-12-05", person_id=parent[0]) == []
