"""The demo school's periods and marks (`cartable run --demo`, `make run`).

`ensure(conn)` gives the demo school, when it has no periods, three trimesters of its
year (ends of entry and class councils a few days after each), assessments of its three
teachers' classes up to today with a mark for every student (a few `abs` and `nr`),
one still unpublished (its teacher sees it, families not yet), the first trimester's
appraisals, and that trimester locked once its council is past. This is a demo, never a
real school.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from appliance.db import rows
from appliance.schoollife import year
from appliance.schoollife.grades import assessments, periods, report_cards
from appliance.security.audit import Actor

DEMO_ACTOR = Actor(None, "démo", None)
_TITLES = ("Interrogation écrite", "Devoir surveillé", "Exercices", "Contrôle", "Exposé")
_APPRAISALS = (
    "Bon trimestre, travail régulier et sérieux. Continuez ainsi.",
    "Des résultats encourageants ; la participation à l'oral doit progresser.",
    "Ensemble fragile : il faut apprendre les leçons avec plus de régularité.",
)


def _spread(seed: str, low: int, high: int) -> int:
    """A stable pseudo-random number in [low, high] from `seed`."""
    value = int(hashlib.sha256(seed.encode()).hexdigest()[:8], 16)
    return low + value % (high - low + 1)


def trimesters(school_year: year.SchoolYear) -> list[tuple[date, date]]:
    """Three trimesters: to the end of November, to mid-March, to the end of the year."""
    first = school_year.first_calendar_year
    ends = (date(first, 11, 30), date(first + 1, 3, 14), school_year.end)
    out, start = [], school_year.start
    for end in ends:
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def _school_days(school_year: year.SchoolYear, first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if school_year.is_school_day(day) and day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def ensure(
    conn: sqlite3.Connection, data_dir: Path | None = None, *, today: date | None = None
) -> bool:
    """Give the demo school its periods and marks when it has no periods; True when
    something was added (nothing without a school year)."""
    today = today or year.local_today()
    school_year = year.load_year(conn)
    if school_year is None or periods.list_periods(conn):
        return False
    periods.set_periods(conn, DEMO_ACTOR, "trimester", trimesters(school_year))
    for p in periods.list_periods(conn):
        end = date.fromisoformat(p["to"])
        periods.update_period(
            conn,
            DEMO_ACTOR,
            p["id"],
            entry_end=min(end + timedelta(days=5), school_year.end),
            council_date=min(end + timedelta(days=8), school_year.end),
        )
    teachings = rows(
        conn,
        "SELECT t.teacher_id, p.login, t.subject_code, coalesce(c.code, g.code) AS code, "
        "CASE WHEN t.class_id IS NULL THEN 'group' ELSE 'class' END AS kind "
        "FROM teaching t JOIN person p ON p.id = t.teacher_id "
        "LEFT JOIN school_class c ON c.id = t.class_id "
        "LEFT JOIN teaching_group g ON g.id = t.group_id "
        "WHERE t.subject_code IS NOT NULL ORDER BY p.login, code",
    )
    for period in periods.list_periods(conn):
        first, last = date.fromisoformat(period["from"]), date.fromisoformat(period["to"])
        days = _school_days(school_year, first, min(last, today))
        for t in teachings:
            for n in range(min(3, len(days) // 10)):
                day = days[(n + 1) * len(days) // 4]
                _assessment(conn, t, day, n)
    _unpublished(conn, teachings, school_year, today)
    _appraisals_and_lock(conn, today)
    return True


def _assessment(conn: sqlite3.Connection, t: dict, day: date, n: int) -> None:
    seed = f"{t['login']}{t['code']}{day}"
    out_of = (20, 20, 10)[n % 3]
    a = assessments.create(
        conn,
        DEMO_ACTOR,
        teacher_id=t["teacher_id"],
        audience=assessments.audience(conn, t["kind"], t["code"]),
        subject_code=t["subject_code"],
        title=_TITLES[_spread(seed, 0, len(_TITLES) - 1)],
        day=day,
        out_of=out_of,
        coefficient=(1, 2, 0.5)[n % 3],
        publish_at=datetime(day.year, day.month, day.day, 17, 0) + timedelta(days=3),
        today=day,
    )
    typed: dict[int, object] = {}
    for line in assessments.roster(conn, a):
        roll = _spread(f"{seed}{line['login']}", 0, 40)
        if roll == 0:
            typed[line["id"]] = "abs"
        elif roll == 1:
            typed[line["id"]] = "nr"
        else:
            base = _spread(line["login"], 8, 16)
            typed[line["id"]] = max(0, min(out_of, round((base + roll % 7 - 3) * out_of / 20, 1)))
    assessments.set_marks(conn, DEMO_ACTOR, a, typed, today=day)


def _unpublished(conn, teachings, school_year, today: date) -> None:
    """One assessment of today, published in two days: its teacher already sees it."""
    period = periods.period_of_day(conn, today)
    if period is None or not teachings or not school_year.is_school_day(today):
        return
    t = teachings[0]
    a = assessments.create(
        conn,
        DEMO_ACTOR,
        teacher_id=t["teacher_id"],
        audience=assessments.audience(conn, t["kind"], t["code"]),
        subject_code=t["subject_code"],
        title="Contrôle (copies pas encore rendues)",
        day=today,
        out_of=20,
        coefficient=1,
        publish_at=datetime.now(UTC) + timedelta(days=2),
        today=today,
    )
    typed = {
        line["id"]: _spread(f"{line['login']}today", 7, 18) for line in assessments.roster(conn, a)
    }
    assessments.set_marks(conn, DEMO_ACTOR, a, typed, today=today)


def _appraisals_and_lock(conn: sqlite3.Connection, today: date) -> None:
    """The first trimester's appraisals, and its lock once its council is past."""
    first = periods.list_periods(conn)[0]
    if first["to"] >= today.isoformat():
        return
    students = rows(
        conn,
        "SELECT DISTINCT p.id, p.login, p.profile FROM class_membership m "
        "JOIN person p ON p.id = m.person_id WHERE p.profile = 'student' ORDER BY p.login",
    )
    for s in students:
        text = _APPRAISALS[_spread(s["login"], 0, len(_APPRAISALS) - 1)]
        report_cards.set_appraisal(conn, DEMO_ACTOR, first, s, None, text)
        for subject in rows(
            conn,
            "SELECT DISTINCT a.subject_code FROM grade_mark gm JOIN assessment a "
            "ON a.id = gm.assessment_id WHERE a.period_id = ? AND gm.student_id = ?",
            (first["id"], s["id"]),
        ):
            code = subject["subject_code"]
            text = _APPRAISALS[_spread(s["login"] + code, 0, len(_APPRAISALS) - 1)]
            report_cards.set_appraisal(conn, DEMO_ACTOR, first, s, code, text)
    if first["council_date"] and first["council_date"] < today.isoformat():
        periods.set_locked(conn, DEMO_ACTOR, first["id"], True)
