"""A small school built by hand for the timetable's pages, API and iCal tests: who is in
which class and group, who teaches what, whose parent is whose, and two weeks of
lessons around today (the school year is set around today, so that "today" and "the next
school day" exist whatever day the tests run).

    5A: students lea (also in the LATIN group) and noah; 4B: student ines.
    Teachers: curie (maths in 5A, physics in 4B), hugo (latin in LATIN), lovelace (spare).
    Parents: sophie (lea's legal guardian), claire (ines's), karim (noah's contact only,
    level 2: not a legal guardian).
    Staff: cpe (EDU), principal (DIR), secretary (SEC), agent (no function); admin; guest.

Every school day from this week's Monday to next week's Sunday has, for 5A, maths
08:00–09:00 in B12 with curie; 4B physics 09:00–10:00 in B14 with curie; on Tuesdays
and Thursdays LATIN 10:00–11:00 in L1 with hugo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from appliance.schoollife import year
from appliance.schoollife.year import local_today, monday_of
from appliance.security.audit import Actor
from tests.conftest import make_person

TECH = Actor(None, "tech", "local")


@dataclass
class HandSchool:
    ids: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    today: date = date.today()
    monday: date = date.today()

    def lesson_id(self, conn, day: date, start: str, audience: str) -> int:
        row = conn.execute(
            "SELECT id FROM lesson WHERE date = ? AND start_time = ? AND audience_code = ?",
            (day.isoformat(), start, audience),
        ).fetchone()
        assert row, (day, start, audience)
        return int(row[0])


PEOPLE = (
    ("lea", "student", {"first_name": "Léa", "last_name": "Martin"}),
    ("noah", "student", {"first_name": "Noah", "last_name": "Benali"}),
    ("ines", "student", {"first_name": "Inès", "last_name": "Dubois"}),
    ("curie", "teacher", {"first_name": "Marie", "last_name": "Curie"}),
    ("hugo", "teacher", {"first_name": "Victor", "last_name": "Hugo"}),
    ("lovelace", "teacher", {"first_name": "Ada", "last_name": "Lovelace"}),
    ("sophie", "relative", {"first_name": "Sophie", "last_name": "Martin"}),
    ("claire", "relative", {"first_name": "Claire", "last_name": "Dubois"}),
    ("karim", "relative", {"first_name": "Karim", "last_name": "Benali"}),
    ("cpe", "staff", {"function": "EDU"}),
    ("principal", "staff", {"function": "DIR"}),
    ("secretary", "staff", {"function": "SEC"}),
    ("agent", "staff", {}),
    ("admin", "admin", {}),
    ("guest", "guest", {}),
)


def build(conn, today: date | None = None) -> HandSchool:
    """The school of the module doc in `conn`; its year runs from 120 days before today to
    200 days after, without holidays unless the caller sets some."""
    today = today or local_today()
    school = HandSchool(today=today, monday=monday_of(today))
    for key, profile, extra in PEOPLE:
        pid, login, pw = make_person(conn, profile, login=key, **extra)
        school.ids[key], school.logins[key], school.passwords[key] = pid, login, pw
    conn.execute("UPDATE person SET must_change_password = 0")
    for code in ("5A", "4B"):
        school.classes[code] = conn.execute(
            "INSERT INTO school_class (code, name) VALUES (?, ?)", (code, code)
        ).lastrowid
    school.groups["LATIN"] = conn.execute(
        "INSERT INTO teaching_group (code, name) VALUES ('LATIN', 'Latin')"
    ).lastrowid
    for code, name in (("061300", "Mathématiques"), ("100100", "Physique-chimie"),
                       ("020700", "Latin"), ("030201", "Anglais LV1")):  # fmt: skip
        conn.execute("INSERT INTO subject (code, name) VALUES (?, ?)", (code, name))
    ids, cls, grp = school.ids, school.classes, school.groups
    for student, code in (("lea", "5A"), ("noah", "5A"), ("ines", "4B")):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids[student], cls[code]))
    conn.execute("INSERT INTO group_membership VALUES (?, ?)", (ids["lea"], grp["LATIN"]))
    teach = "INSERT INTO teaching (teacher_id, class_id, group_id, subject_code) VALUES (?,?,?,?)"
    conn.execute(teach, (ids["curie"], cls["5A"], None, "061300"))
    conn.execute(teach, (ids["curie"], cls["4B"], None, "100100"))
    conn.execute(teach, (ids["hugo"], None, grp["LATIN"], "020700"))
    link = "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, ?)"
    conn.execute(link, (ids["sophie"], ids["lea"], 1))
    conn.execute(link, (ids["claire"], ids["ines"], 1))
    conn.execute(link, (ids["karim"], ids["noah"], 2))
    conn.commit()
    year.set_year(conn, TECH, today - timedelta(days=120), today + timedelta(days=200))
    weekly = [
        (None, "08:00", "09:00", "061300", "Mathématiques", "class", "5A", "B12", "curie"),
        (None, "09:00", "10:00", "100100", "Physique-chimie", "class", "4B", "B14", "curie"),
        ((1, 3), "10:00", "11:00", "020700", "Latin", "group", "LATIN", "L1", "hugo"),
    ]
    for offset in range(12):
        day = school.monday + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for days, start, end, code, label, kind, aud, room, teacher in weekly:
            if days and day.weekday() not in days:
                continue
            lesson_id = conn.execute(
                "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
                "audience_kind, audience_code, class_id, group_id, room) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (day.isoformat(), start, end, code, label, kind, aud,
                 cls.get(aud) if kind == "class" else None,
                 grp.get(aud) if kind == "group" else None, room),
            ).lastrowid  # fmt: skip
            conn.execute(
                "INSERT INTO lesson_teacher (lesson_id, person_id) VALUES (?, ?)",
                (lesson_id, ids[teacher]),
            )
    conn.commit()
    return school


def school_day(school: HandSchool, weekday: int, next_week: bool = False) -> date:
    """The day of this week (or next) with that weekday (0 = Monday)."""
    return school.monday + timedelta(days=weekday + (7 if next_week else 0))
