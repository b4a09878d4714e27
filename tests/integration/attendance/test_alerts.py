"""The monthly alert (#13): four or more complete half-days without an admissible reason
in a calendar month; seen by the vie scolaire and the student's head teacher, told to them
once, gone when accepted reasons bring the count below the threshold."""

from __future__ import annotations

from datetime import date

from appliance.community import notifications
from appliance.schoollife.attendance import alerts, events, notify, roll, schedule
from tests.integration.attendance.conftest import AGATHE, CLASS, CPE, HEAD


def _away_all_day(college, login: str, day: date) -> None:
    """The student absent in every lesson of theirs that day (class and groups)."""
    pid = college.person(login)["id"]
    ids = [
        r["id"]
        for r in college.conn.execute(
            "SELECT l.id FROM lesson l WHERE l.date = ? AND l.status != 'cancelled' AND ("
            "l.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) OR "
            "l.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?)) "
            "ORDER BY l.start_time",
            (day.isoformat(), pid, pid),
        )
    ]
    assert ids, day
    for lesson_id in ids:
        college.take(roll.lesson_target(college.conn, lesson_id), absent=[login])


def _notices(college) -> list[tuple]:
    return [
        tuple(r)
        for r in college.conn.execute(
            "SELECT p.login, n.month, n.complete_unjustified FROM attendance_alert_notice n "
            "JOIN person p ON p.id = n.student_id ORDER BY 1"
        )
    ]


def test_four_complete_half_days_without_an_admissible_reason_raise_an_alert(college):
    _away_all_day(college, AGATHE, date(2026, 12, 1))  # Tuesday: 2 complete half-days
    assert alerts.month_alerts(college.conn, "2026-12") == []
    _away_all_day(college, AGATHE, date(2026, 12, 3))  # Thursday: 2 more
    [alert] = alerts.month_alerts(college.conn, "2026-12")
    assert (alert["login"], alert["class"], alert["complete_unjustified"]) == (AGATHE, CLASS, 4)
    assert (alert["complete_half_days"], alert["half_days"]) == (4, 4)
    assert _notices(college) == [(AGATHE, "2026-12", 4)]  # told once, by the roll call
    # Told to the CPEs (function EDU) and the head teacher; not the assistant, the direction.
    told = {
        college.conn.execute("SELECT login FROM person WHERE id = ?", (pid,)).fetchone()[0]
        for pid in notify.alert_recipients(college.conn, college.person(AGATHE)["id"])
    }
    assert told == {"eric.aubert", "celine.morin", HEAD}
    for login in told:  # each told once, in their timeline
        entries = notifications.timeline(college.conn, college.person(login)["id"])
        assert [(n["type"], n["link"]) for n in entries] == [
            ("absence", "/vie-scolaire/signalements?mois=2026-12")
        ]
        assert (
            "4 demi-journées complètes d'absence sans motif recevable en 12/2026"
            in (entries[0]["text"])
        )
    # Checking again tells nobody again.
    assert alerts.check(college.conn, None, "2026-12") == ([], [])


def test_three_are_not_enough_and_the_alert_goes_with_accepted_reasons(college):
    _away_all_day(college, AGATHE, date(2026, 12, 1))
    morning = [x for x in college.day_lessons(CLASS, date(2026, 12, 3)) if x["start"] < "12:30"]
    for lesson in morning:  # Thursday morning only: three complete half-days
        college.take(lesson, absent=[AGATHE])
    pid = college.person(AGATHE)["id"]
    groups = college.conn.execute(
        "SELECT count(*) FROM lesson l JOIN group_membership m ON m.group_id = l.group_id "
        "WHERE m.person_id = ? AND l.date = '2026-12-03' AND l.start_time < '12:30'",
        (pid,),
    ).fetchone()[0]
    assert groups == 0  # her Thursday morning is her class's
    assert alerts.month_alerts(college.conn, "2026-12") == [] and _notices(college) == []
    for lesson in [
        x for x in college.day_lessons(CLASS, date(2026, 12, 3)) if x["start"] > "12:30"
    ]:
        college.take(lesson, absent=[AGATHE])
    assert [a["login"] for a in alerts.month_alerts(college.conn, "2026-12")] == [AGATHE]
    # The family's excuse for Tuesday accepted (illness): 2 left, below the threshold.
    tuesday = [e for e in events.for_student(college.conn, pid) if e["date"] == "2026-12-01"]
    for event in tuesday:
        events.settle(
            college.conn,
            event["id"],
            reason_code="maladie",
            justified=True,
            actor=college.actor(CPE),
        )
    assert alerts.month_alerts(college.conn, "2026-12") == []
    assert _notices(college) == []  # forgotten: crossing it again tells them again


def test_a_calendar_month_the_head_teacher_and_the_vie_scolaire(college):
    # Monday 30 November and Tuesday 1 December: two months, two half-days each.
    _away_all_day(college, AGATHE, date(2026, 11, 30))
    _away_all_day(college, AGATHE, date(2026, 12, 1))
    assert alerts.month_alerts(college.conn, "2026-11") == []
    assert alerts.month_alerts(college.conn, "2026-12") == []
    _away_all_day(college, AGATHE, date(2026, 12, 3))
    cpe, head = college.person(CPE), college.person(HEAD)
    assert [a["login"] for a in alerts.visible(college.conn, cpe, "2026-12")] == [AGATHE]
    assert [a["login"] for a in alerts.visible(college.conn, head, "2026-12")] == [AGATHE]
    assert [c["code"] for c in alerts.head_classes(college.conn, head)] == [CLASS]
    other_head = college.person("aurelie.pichon")  # heads 6 A
    assert alerts.visible(college.conn, other_head, "2026-12") == []
    # Pascal Barre teaches 301 (Tuesday 08:10) but heads no class: no alert for him.
    assert "pascal.barre" in college.lesson(CLASS, date(2026, 12, 1), "08:10")["teachers"]
    assert alerts.visible(college.conn, college.person("pascal.barre"), "2026-12") == []


def test_the_daily_check_raises_what_the_roll_calls_did_not(college):
    """A reason made non-admissible afterwards (the school's list edited): the evening
    check raises the alert the roll calls could not."""
    _away_all_day(college, AGATHE, date(2026, 12, 1))
    _away_all_day(college, AGATHE, date(2026, 12, 3))
    for event in events.for_student(college.conn, college.person(AGATHE)["id"]):
        events.settle(
            college.conn,
            event["id"],
            reason_code="rendez_vous_medical",
            justified=True,
            actor=college.actor(CPE),
        )
    assert _notices(college) == []
    college.conn.execute(
        "UPDATE attendance_reason SET admissible = 0 WHERE code = 'rendez_vous_medical'"
    )
    got = schedule.check_alerts(college.box, day=date(2026, 12, 4))
    assert got == {"raised": 1, "cleared": 0}
    assert _notices(college) == [(AGATHE, "2026-12", 4)]
    row = college.conn.execute(
        "SELECT actor_login, details FROM audit_log WHERE action = 'attendance.alerts_check'"
    ).fetchone()
    assert row["actor_login"] == "système" and '"raised": 1' in row["details"]
    assert schedule.check_alerts(college.box, day=date(2026, 12, 4)) == {"raised": 0, "cleared": 0}
    [job] = schedule.jobs(college.box)
    assert (job.id, job.trigger, job.trigger_args["hour"]) == ("attendance.alerts", "cron", 17)
