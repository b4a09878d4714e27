"""A small school for the cahier de textes's tests, built in a real database: two classes,
a Latin group drawn from one of them, their teachers in their subjects, students, parents,
the direction, and a timetable of dated lessons around a given day.

    school = build(conn, today)        # -> School (ids, logins, passwords, lessons)
    add_lesson(conn, day, "08:00", "09:00", MATHS, class_id=..., teacher_id=...)

The lessons are written straight into the timetable's table (as an import would leave
them), so that a test controls each one's day and status.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from appliance.directory import logins, people
from appliance.schoollife import year
from appliance.schoollife.year import monday_of
from appliance.security.audit import Actor

MATHS, FRENCH, LATIN = "061300", "020100", "021000"
SUBJECTS = {MATHS: "Mathématiques", FRENCH: "Français", LATIN: "Latin"}
TECH = Actor(None, "tech", "local")


@dataclass
class Person:
    id: int
    login: str
    password: str

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.login, "192.0.2.10")


@dataclass
class School:
    today: date
    people: dict[str, Person] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    # (audience code, subject code, day) -> lesson id
    lessons: dict[tuple[str, str, str], int] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]

    def lesson(self, code: str, subject: str, day: date) -> int:
        return self.lessons[(code, subject, day.isoformat())]


def _person(conn, school: School, key: str, profile: str, first: str, last: str, **extra):
    login = logins.fold(f"{first}.{last}").lower().replace(" ", "")
    password = "cahier de textes " + secrets.token_hex(4)
    pid = people.create_person(
        conn,
        login=login,
        profile=profile,
        first_name=first,
        last_name=last,
        password=password,
        check_rules=False,
        **extra,
    )
    school.people[key] = Person(pid, login, password)
    return pid


def add_lesson(
    conn,
    day: date,
    start: str,
    end: str,
    subject: str,
    *,
    class_id: int | None = None,
    group_id: int | None = None,
    code: str,
    teacher_id: int | None = None,
    status: str = "planned",
) -> int:
    cur = conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
        "audience_kind, audience_code, class_id, group_id, room, status, origin, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'B12', ?, 'import', '2026-09-01T00:00:00+00:00')",
        (
            day.isoformat(),
            start,
            end,
            subject,
            SUBJECTS.get(subject, subject),
            "class" if class_id is not None else "group",
            code,
            class_id,
            group_id,
            status,
        ),
    )
    lesson_id = int(cur.lastrowid)
    if teacher_id is not None:
        conn.execute("INSERT INTO lesson_teacher VALUES (?, ?)", (lesson_id, teacher_id))
    return lesson_id


def build(conn, today: date, *, weeks: int = 3, holidays=()) -> School:
    """The school, its year around `today` (with `holidays`, (first, last) pairs) and
    `weeks` weeks of lessons from the Monday before `today`:

    - 5A: maths (Ada Lovelace) Monday, Wednesday, Friday 08:00; French (Victor Hugo)
      Tuesday and Thursday 10:00; 4B: maths (Ada Lovelace) Tuesday 14:00;
    - LAT5, the Latin group (Jules César), Wednesday 15:00, with one student of 5A.
    """
    school = School(today)
    for code, name in SUBJECTS.items():
        conn.execute("INSERT INTO subject (code, name) VALUES (?, ?)", (code, name))
    for code in ("5A", "4B"):
        school.classes[code] = conn.execute(
            "INSERT INTO school_class (code, name, level) VALUES (?, ?, ?)", (code, code, code[0])
        ).lastrowid
    school.groups["LAT5"] = conn.execute(
        "INSERT INTO teaching_group (code, name) VALUES ('LAT5', 'Latin 5e')"
    ).lastrowid
    math = _person(conn, school, "maths", "teacher", "Ada", "Lovelace")
    french = _person(conn, school, "french", "teacher", "Victor", "Hugo")
    latin = _person(conn, school, "latin", "teacher", "Jules", "César")
    teach = (
        "INSERT INTO teaching (teacher_id, class_id, group_id, subject_code) VALUES (?, ?, ?, ?)"
    )
    conn.execute(teach, (math, school.classes["5A"], None, MATHS))
    conn.execute(teach, (math, school.classes["4B"], None, MATHS))
    conn.execute(teach, (french, school.classes["5A"], None, FRENCH))
    conn.execute(teach, (latin, None, school.groups["LAT5"], LATIN))
    for key, first, last, code, in_latin in (
        ("lea", "Léa", "Martin", "5A", True),
        ("noah", "Noah", "Benali", "5A", False),
        ("ines", "Inès", "Dubois", "4B", False),
    ):
        pid = _person(conn, school, key, "student", first, last)
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (pid, school.classes[code]))
        if in_latin:
            conn.execute("INSERT INTO group_membership VALUES (?, ?)", (pid, school.groups["LAT5"]))
    link = "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)"
    conn.execute(link, (_person(conn, school, "sophie", "relative", "Sophie", "Martin"),
                        school["lea"].id))  # fmt: skip
    conn.execute(link, (_person(conn, school, "claire", "relative", "Claire", "Dubois"),
                        school["ines"].id))  # fmt: skip
    _person(conn, school, "principal", "staff", "Paul", "Principal", function="DIR")
    _person(conn, school, "cpe", "staff", "Nadia", "Moreau", function="CPE")
    _person(conn, school, "admin", "admin", "Alex", "Technicien")
    monday = monday_of(today)
    year.set_year(
        conn, TECH, monday - timedelta(days=63), monday + timedelta(days=250), None, list(holidays)
    )
    for week in range(weeks):
        base = monday + timedelta(days=7 * week)
        for offset, start, end, subject, code, teacher in (
            (0, "08:00", "09:00", MATHS, "5A", math),
            (2, "08:00", "09:00", MATHS, "5A", math),
            (4, "08:00", "09:00", MATHS, "5A", math),
            (1, "10:00", "11:00", FRENCH, "5A", french),
            (3, "10:00", "11:00", FRENCH, "5A", french),
            (1, "14:00", "15:00", MATHS, "4B", math),
        ):
            day = base + timedelta(days=offset)
            school.lessons[(code, subject, day.isoformat())] = add_lesson(
                conn, day, start, end, subject, class_id=school.classes[code], code=code,
                teacher_id=teacher,
            )  # fmt: skip
        day = base + timedelta(days=2)
        school.lessons[("LAT5", LATIN, day.isoformat())] = add_lesson(
            conn, day, "15:00", "16:00", LATIN, group_id=school.groups["LAT5"], code="LAT5",
            teacher_id=latin,
        )  # fmt: skip
    if conn.in_transaction:
        conn.commit()
    return school


def audience(school: School, code: str) -> dict:
    """The class or group `code` as the diary's services take it."""
    if code in school.classes:
        return {"kind": "class", "id": school.classes[code], "code": code, "name": code}
    return {"kind": "group", "id": school.groups[code], "code": code, "name": code}
