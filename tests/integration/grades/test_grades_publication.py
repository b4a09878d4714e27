"""Publication dates (#13): families see an assessment's marks from its publication time
on, in their marks, their averages and the class's figures; its teachers, the head
teacher and the direction see them at once. The class's kept figures follow the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from appliance.schoollife.grades import assessments, reading
from appliance.schoollife.grades.config_keys import GradeSettings
from tests.integration.grades.conftest import days_ago

PLAIN = GradeSettings()


@pytest.fixture
def pending(school):
    """A published maths assessment, and one published in two hours."""
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(3), marks={"lea": 10, "noah": 14})
    s.assess(
        "prof.maths",
        "class",
        "5A",
        "L1300",
        days_ago(1),
        title="Pas encore rendu",
        marks={"lea": 20, "noah": 4},
        publish_at=datetime.now(UTC) + timedelta(hours=2),
    )
    return s


def _maths(s, viewer, student="lea", now=None):
    data = reading.student_grades(
        s.conn, s.person(viewer), s.person(student), s.current, PLAIN, now=now
    )
    return next(x for x in data["subjects"] if x["subject_code"] == "L1300")


@pytest.mark.parametrize("viewer", ["lea", "sophie"])
def test_families_see_nothing_of_it_before_its_time(pending, viewer):
    maths = _maths(pending, viewer)
    assert [m["title"] for m in maths["marks"]] == ["Contrôle"]
    assert maths["average"] == 10
    assert (maths["class_average"], maths["min"], maths["max"]) == (12, 10, 14)
    assert maths["all_marks"] is False


@pytest.mark.parametrize("viewer", ["prof.maths", "direction"])
def test_its_teacher_and_the_direction_see_it_at_once(pending, viewer):
    maths = _maths(pending, viewer)
    assert [(m["title"], m["published"]) for m in maths["marks"]] == [
        ("Contrôle", True),
        ("Pas encore rendu", False),
    ]
    assert maths["average"] == 15 and maths["class_average"] == 12
    assert (maths["min"], maths["max"]) == (9, 15)


def test_the_head_teacher_sees_every_subject_at_once(pending):
    s = pending
    s.assess(
        "prof.francais",
        "class",
        "5A",
        "L0202",
        days_ago(1),
        marks={"lea": 16},
        publish_at=datetime.now(UTC) + timedelta(days=1),
    )
    data = reading.student_grades(s.conn, s.person("prof.maths"), s.person("lea"), s.current, PLAIN)
    french = next(x for x in data["subjects"] if x["subject_code"] == "L0202")
    assert french["average"] == 16 and french["all_marks"]
    # prof.francais sees French at once, but not mathematics at all.
    data = reading.student_grades(
        s.conn, s.person("prof.francais"), s.person("lea"), s.current, PLAIN
    )
    assert [x["subject_code"] for x in data["subjects"]] == ["L0202"]
    assert data["overall_average"] is None and not data["complete"]


def test_once_its_time_has_come_families_see_it_without_any_write(pending):
    s = pending
    before = _maths(s, "lea")
    assert before["average"] == 10
    after = _maths(s, "lea", now=datetime.now(UTC) + timedelta(hours=3))
    assert [m["title"] for m in after["marks"]] == ["Contrôle", "Pas encore rendu"]
    assert after["average"] == 15 and (after["min"], after["max"]) == (9, 15)
    # The kept figures of the first moment are still right for that moment.
    assert _maths(s, "lea")["average"] == 10


def test_moving_the_publication_time_shows_it(pending):
    s = pending
    a = assessments.of_audience(s.conn, "class", s.classes["5A"], "L1300", s.current["id"])[-1]
    assert not assessments.is_published(a)
    assessments.update(
        s.conn,
        s.actor("prof.maths"),
        a,
        title=a["title"],
        day=a["date"],
        out_of=20,
        coefficient=1,
        publish_at=datetime.now(UTC) - timedelta(minutes=5),
    )
    assert _maths(s, "lea")["average"] == 15


def test_the_api_shows_families_the_published_marks_only(client, pending):
    s = pending
    r = client.get(f"/api/v1/grades?period={s.current['id']}", headers=s.bearer("lea"))
    maths = next(x for x in r.get_json()["subjects"] if x["subject_code"] == "L1300")
    assert [m["mark"] for m in maths["marks"]] == [10] and maths["average"] == 10.0
    r = client.get(
        f"/api/v1/grades?period={s.current['id']}&login=lea", headers=s.bearer("prof.maths")
    )
    maths = next(x for x in r.get_json()["subjects"] if x["subject_code"] == "L1300")
    assert [m["mark"] for m in maths["marks"]] == [10, 20] and maths["average"] == 15.0
