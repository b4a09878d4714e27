"""The half-day rules on the sample collège's real timetable (#13): a student absent the
whole Tuesday morning has a complete half-day; absent in one lesson only, a half-day with
an absence but not complete; a group's lesson belongs to its members' half-day; a lesson
across the split belongs to both; a lesson without a roll call is never an absence."""

from __future__ import annotations

from datetime import date, timedelta

from appliance.schoollife import attendance
from appliance.schoollife.attendance import events, halfdays
from tests.integration.attendance.conftest import AGATHE, CLASS, TUESDAY, ZOE

MONTH = (date(2026, 12, 1), date(2026, 12, 31))


def _summary(college, login, split=None):
    pid = college.person(login)["id"]
    return halfdays.summary(college.conn, pid, *MONTH, split=split)


def _events(college, login):
    return events.for_student(college.conn, college.person(login)["id"])


def test_absent_the_whole_tuesday_morning_is_one_complete_half_day(college):
    morning = [x for x in college.day_lessons(CLASS, TUESDAY) if x["start"] < "12:30"]
    assert [x["start"] for x in morning] == ["08:10", "09:05"]  # Agathe's morning: 2 lessons
    for lesson in morning:
        college.take(lesson, absent=[AGATHE])
    s = _summary(college, AGATHE)
    assert (s.half_days, s.complete_half_days, s.complete_unjustified) == (1, 1, 1)
    assert (s.late_count, s.late_minutes) == (0, 0)
    # One absence over the two lessons, from the first's start to the last's end.
    [event] = _events(college, AGATHE)
    assert (event["kind"], event["date"], event["start_time"], event["end_time"]) == (
        "absence",
        "2026-12-01",
        "08:10",
        "10:00",
    )
    assert [x["start"] for x in events.lessons_of(college.conn, event["id"])] == ["08:10", "09:05"]


def test_absent_in_one_lesson_only_is_a_half_day_with_an_absence_not_complete(college):
    first = college.lesson(CLASS, TUESDAY, "08:10")
    second = college.lesson(CLASS, TUESDAY, "09:05")
    college.take(first, absent=[AGATHE])
    s = _summary(college, AGATHE)
    assert (s.half_days, s.complete_half_days, s.complete_unjustified) == (1, 0, 0)
    # The second lesson's roll call not taken: still not complete (never a guess).
    college.take(second, absent=[])
    s = _summary(college, AGATHE)
    assert (s.half_days, s.complete_half_days) == (1, 0)
    assert len(_events(college, AGATHE)) == 1


def test_a_group_lesson_is_part_of_its_members_half_day(college):
    """Zoé is in 301 and in the Latin group (Tuesday 11:05): her morning has three lessons."""
    for start in ("08:10", "09:05"):
        college.take(college.lesson(CLASS, TUESDAY, start), absent=[ZOE])
    assert _summary(college, ZOE).complete_half_days == 0  # Latin's roll call not taken
    latin = college.lesson("LATIN3", TUESDAY, "11:05")
    college.take(latin, absent=[])
    assert _summary(college, ZOE).complete_half_days == 0  # she came to Latin
    college.take(latin, absent=[ZOE])
    s = _summary(college, ZOE)
    assert (s.half_days, s.complete_half_days) == (1, 1)
    # The Latin lesson follows the two others with no presence between: one absence.
    [event] = _events(college, ZOE)
    assert (event["start_time"], event["end_time"]) == ("08:10", "12:00")
    # Agathe is not in the Latin group: her morning is complete without it.
    for start in ("08:10", "09:05"):
        college.take(college.lesson(CLASS, TUESDAY, start), absent=[ZOE, AGATHE])
    assert _summary(college, AGATHE).complete_half_days == 1


def test_a_lesson_across_the_split_belongs_to_both_half_days(college):
    """With the split at 14:00, Tuesday's 13:30-14:25 lesson is in the morning and the
    afternoon of 301's pupils."""
    for start in ("08:10", "09:05", "13:30"):
        college.take(college.lesson(CLASS, TUESDAY, start), absent=[AGATHE])
    s = _summary(college, AGATHE, split="14:00")
    assert (s.half_days, s.complete_half_days) == (2, 1)  # the afternoon is not complete
    # At the usual 12:30 the same absences make a complete morning and half an afternoon.
    s = _summary(college, AGATHE)
    assert (s.half_days, s.complete_half_days) == (2, 1)
    # Absent at 13:30 only, split at 14:00: both half-days have an absence, none complete.
    other = "agathe.roux"
    college.take(college.lesson(CLASS, TUESDAY, "13:30"), absent=[AGATHE, other])
    s = _summary(college, other, split="14:00")
    assert (s.half_days, s.complete_half_days) == (2, 0)
    assert _summary(college, other).half_days == 1
    assert halfdays.halves("13:30", "14:25", "14:00") == (True, True)
    assert halfdays.halves("11:30", "12:30", "12:30") == (True, False)
    assert halfdays.halves("12:30", "13:25", "12:30") == (False, True)


def test_the_whole_afternoon_with_a_cancelled_lesson(college):
    """A cancelled lesson is not in the timetable: missing the others completes it."""
    afternoon = [x for x in college.day_lessons(CLASS, TUESDAY) if x["start"] > "12:30"]
    assert len(afternoon) == 3
    college.conn.execute(
        "UPDATE lesson SET status = 'cancelled' WHERE id = ?", (afternoon[2]["id"],)
    )
    for lesson in afternoon[:2]:
        college.take(lesson, absent=[AGATHE])
    s = _summary(college, AGATHE)
    assert (s.half_days, s.complete_half_days) == (1, 1)


def test_a_presence_between_two_absences_makes_two_events(college):
    lessons = college.day_lessons(CLASS, TUESDAY)  # 08:10 09:05 13:30 14:25 16:25
    college.take(lessons[0], absent=[AGATHE])
    college.take(lessons[2], absent=[AGATHE])
    # The 09:05 roll call not taken: it does not break the absence (nor is part of it).
    [one] = _events(college, AGATHE)
    assert (one["start_time"], one["end_time"]) == ("08:10", "14:25")
    college.take(lessons[1], absent=[])  # she was there at 09:05
    two = _events(college, AGATHE)
    assert [(e["start_time"], e["end_time"]) for e in two] == [
        ("08:10", "09:05"),
        ("13:30", "14:25"),
    ]
    assert two[0]["id"] == one["id"]  # the first keeps the event (its excuses, its reason)
    # The teacher corrects the afternoon: she was there; that event goes.
    college.take(lessons[2], absent=[])
    assert [e["id"] for e in _events(college, AGATHE)] == [one["id"]]


def test_a_split_event_keeps_its_settlement_on_both_parts(
    college,
):
    lessons = college.day_lessons(CLASS, TUESDAY)
    for lesson in lessons[:3]:
        college.take(lesson, absent=[AGATHE])
    [event] = _events(college, AGATHE)
    events.settle(
        college.conn,
        event["id"],
        reason_code="maladie",
        justified=True,
        actor=college.actor("eric.aubert"),
    )
    college.take(lessons[1], absent=[])
    parts = _events(college, AGATHE)
    assert len(parts) == 2 and all(p["justified"] and p["reason_code"] == "maladie" for p in parts)


def test_reasons_decide_what_counts_without_an_admissible_reason(college):
    morning = [x for x in college.day_lessons(CLASS, TUESDAY) if x["start"] < "12:30"]
    for lesson in morning:
        college.take(lesson, absent=[AGATHE])
    [event] = _events(college, AGATHE)
    cpe = college.actor("eric.aubert")
    events.settle(college.conn, event["id"], reason_code="convenance", justified=True, actor=cpe)
    s = _summary(college, AGATHE)
    assert (s.complete_half_days, s.complete_unjustified) == (1, 1)  # not an admissible one
    events.settle(college.conn, event["id"], reason_code="maladie", justified=False, actor=cpe)
    assert _summary(college, AGATHE).complete_unjustified == 1  # a reason, not accepted
    events.settle(college.conn, event["id"], reason_code="maladie", justified=True, actor=cpe)
    s = _summary(college, AGATHE)
    assert (s.complete_half_days, s.complete_unjustified) == (1, 0)


def test_lateness_is_counted_in_minutes_and_never_makes_a_half_day(college):
    first, second = college.day_lessons(CLASS, TUESDAY)[:2]
    college.take(first, late={AGATHE: 12})
    college.take(second, late={AGATHE: 5})
    s = _summary(college, AGATHE)
    assert (s.half_days, s.late_count, s.late_minutes) == (0, 2, 17)
    assert [e["kind"] for e in _events(college, AGATHE)] == ["late", "late"]
    # Late then absent at 09:05: the late arrival ends nothing, the absence is alone.
    college.take(second, absent=[AGATHE])
    s = _summary(college, AGATHE)
    assert (s.half_days, s.complete_half_days, s.late_count) == (1, 0, 1)


def test_a_lesson_without_a_roll_call_is_never_an_absence(college):
    pid = college.person(AGATHE)["id"]
    assert events.for_student(college.conn, pid) == []
    assert halfdays.summary(college.conn, pid, *MONTH) == halfdays.Summary()


def test_the_report_cards_read_a_period(college):
    """`absences_summary_for_report`: half-days with an absence, of which unjustified,
    lateness, over the days asked (the grades' report cards, #13)."""
    days = [TUESDAY, TUESDAY + timedelta(days=7)]
    for day in days:
        for lesson in [x for x in college.day_lessons(CLASS, day) if x["start"] < "12:30"]:
            college.take(lesson, absent=[AGATHE])
    college.take(college.lesson(CLASS, days[1], "13:30"), late={AGATHE: 3})
    pid = college.person(AGATHE)["id"]
    [first, _second] = [e for e in _events(college, AGATHE) if e["kind"] == "absence"]
    events.settle(
        college.conn,
        first["id"],
        reason_code="maladie",
        justified=True,
        actor=college.actor("eric.aubert"),
    )
    got = halfdays.absences_summary_for_report(college.conn, pid, "2026-11-01", "2026-12-31")
    assert got == {"half_days": 2, "unjustified": 1, "late": 1}
    # The same from the package, where the report cards import it.
    assert (
        attendance.absences_summary_for_report(college.conn, pid, date(2026, 11, 1), "2026-12-31")
        == got
    )
    assert halfdays.absences_summary_for_report(college.conn, pid, TUESDAY, TUESDAY) == {
        "half_days": 1,
        "unjustified": 0,
        "late": 0,
    }
