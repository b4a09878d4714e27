"""The demo school (`make run`) has a school year around today and a timetable, with a
change or two in the coming days, so that its pages have something to show."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from appliance.directory import demo
from appliance.schoollife import demo as schoollife_demo
from appliance.schoollife import lessons, year


def test_the_demo_school_gets_a_year_and_a_timetable(box, tmp_path):
    conn = box.conn()
    demo.seed(conn, tmp_path)
    today = year.local_today()
    info = year.year_info(conn)
    assert info["start"] <= today.isoformat() <= info["end"] or today.month in (7, 8)
    assert len(info["weeks"]) >= 34 and len(info["holidays"]) >= 4
    pupil = conn.execute("SELECT id FROM person WHERE login = 'lea.martin'").fetchone()[0]
    latin = conn.execute("SELECT id FROM person WHERE login = 'hugo.martin'").fetchone()[0]
    other = conn.execute("SELECT id FROM person WHERE login = 'louis.coeur'").fetchone()[0]
    monday = date.fromisoformat(info["weeks"][5]["monday"])
    week = (monday, monday + timedelta(days=5))
    mine = lessons.lessons_between(conn, *week, person_id=pupil)
    assert len(mine) >= 20 and {i["audience"]["code"] for i in mine} == {"5A"}
    assert "victor.hugo" in {t for i in mine for t in i["teachers"]}
    # Hugo is in the Latin group, Louis (same class) is not.
    hugo = lessons.lessons_between(conn, *week, person_id=latin)
    assert any(i["subject"] == "Latin" for i in hugo)
    assert not any(
        i["subject"] == "Latin" for i in lessons.lessons_between(conn, *week, person_id=other)
    )
    changed = conn.execute("SELECT status, note FROM lesson WHERE status <> 'planned'").fetchall()
    if today.isoformat() < info["end"]:
        statuses = {r["status"] for r in changed}
        assert statuses <= {"cancelled", "moved", "replaced", "added"} and changed
        assert any(r["note"] == "Absence de M. Hugo" for r in changed)
        # Made by the change services, audited as the demo's.
        audited = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action LIKE 'schoollife.lesson_%' "
            "AND actor_login = ?",
            (schoollife_demo.DEMO_ACTOR.login,),
        ).fetchone()[0]
        assert audited == len(changed)
    count = conn.execute("SELECT count(*) FROM lesson").fetchone()[0]
    # Seeding again (the next `make run`) adds nothing.
    demo.seed(conn, tmp_path)
    assert conn.execute("SELECT count(*) FROM lesson").fetchone()[0] == count
    assert not schoollife_demo.ensure(conn)


def test_the_demo_calendar_of_the_years_zone_c_and_of_the_others():
    start, end, holidays = schoollife_demo.calendar_for(date(2026, 12, 2))
    assert (start, end) == (date(2026, 9, 1), date(2027, 7, 3))
    assert ("2026-10-18", "2026-11-01") in holidays and ("2027-02-07", "2027-02-21") in holidays
    assert ("2027-03-29", "2027-03-29") in holidays  # Easter Monday 2027
    assert ("2027-05-06", "2027-05-08") in holidays and ("2027-05-08", "2027-05-08") not in holidays
    start, end, holidays = schoollife_demo.calendar_for(date(2031, 3, 1))
    assert start == date(2030, 9, 1) and len(holidays) >= 8
    year.validate(start, end, None, holidays)  # a year the service accepts


def test_the_demo_changes_made_on_a_week_end_are_next_weeks(box, tmp_path):
    """`make run` on a Saturday (or a Friday evening, when the week's lessons are over): the
    cancelled lesson with its note is next week's, so the home still shows one."""
    conn = box.conn()
    demo.seed(conn, tmp_path)
    weeks = year.year_info(conn)["weeks"]
    # A Saturday followed by a school week, a few weeks from the start of the year.
    for w, following in zip(weeks, weeks[1:], strict=False):
        monday = date.fromisoformat(w["monday"])
        if date.fromisoformat(following["monday"]) == monday + timedelta(days=7):
            saturday = monday + timedelta(days=5)
            break
    else:
        pytest.fail("the demo year has no two school weeks in a row")
    before = {r[0] for r in conn.execute("SELECT id FROM lesson WHERE status <> 'planned'")}
    schoollife_demo.week_changes(conn, saturday)
    made = conn.execute(
        "SELECT date, note FROM lesson WHERE status = 'cancelled' AND note = 'Absence de M. Hugo'"
        f" AND id NOT IN ({','.join('?' * len(before))})",
        tuple(before),
    ).fetchall()
    assert [r["date"] for r in made]
    next_week = (saturday + timedelta(days=2), saturday + timedelta(days=8))
    assert all(next_week[0] <= date.fromisoformat(r["date"]) <= next_week[1] for r in made)
