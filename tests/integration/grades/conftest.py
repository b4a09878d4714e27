"""A school built by hand for the grades tests (#13): who teaches what to whom is written
out below, so that every expected average and every access answer follows from it.

- 5A: Léa (a), Noah (b), Zoé (c); 5B: Inès (d), Louis (e); the Latin group LAT: Léa and
  Inès.
- prof.maths teaches 5A mathematics and physics (no assessment: the empty subject) and is
  5A's head teacher; prof.francais teaches French to 5A and 5B; prof.maths5b teaches 5B
  mathematics and is 5B's head teacher; prof.latin teaches LAT Latin.
- sophie is Léa's legal guardian, karim Inès's; direction is staff DIR, cpe staff EDU,
  tech the technician.
- The school year runs around today; the first trimester ended ten days ago (its entry
  too), the second runs now, the third comes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from appliance.schoollife import year
from appliance.schoollife.grades import assessments, periods
from appliance.security import audit, tokens
from appliance.security.audit import Actor
from tests.conftest import login, make_person

SUBJECTS = {
    "L1300": "Mathématiques",
    "L1500": "Physique-chimie",
    "L0202": "Français",
    "L0201": "Latin",
}


@dataclass
class School:
    conn: Any
    ids: dict[str, int] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    classes: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    periods: list[dict] = field(default_factory=list)
    today: date = field(default_factory=date.today)

    def actor(self, who: str) -> Actor:
        return Actor(self.ids[who], who, "192.0.2.10")

    def person(self, who: str) -> dict:
        row = self.conn.execute(
            "SELECT id, login, profile, state, function, first_name, last_name FROM person "
            "WHERE login = ?",
            (who,),
        ).fetchone()
        return {**dict(row), "kind": "person"}

    @property
    def current(self) -> dict:
        return periods.get_period(self.conn, self.periods[1]["id"])

    @property
    def past(self) -> dict:
        return periods.get_period(self.conn, self.periods[0]["id"])

    def assess(
        self,
        teacher: str,
        kind: str,
        code: str,
        subject: str,
        day: date,
        *,
        out_of: int = 20,
        coefficient: object = 1,
        marks: dict | None = None,
        publish_at: object = None,
        title: str = "Contrôle",
    ) -> dict:
        """An assessment made and marked through the services (its day's entry open)."""
        a = assessments.create(
            self.conn,
            self.actor(teacher),
            teacher_id=self.ids[teacher],
            audience=assessments.audience(self.conn, kind, code),
            subject_code=subject,
            title=title,
            day=day,
            out_of=out_of,
            coefficient=coefficient,
            publish_at=publish_at,
            today=day,
        )
        if marks:
            assessments.set_marks(
                self.conn,
                self.actor(teacher),
                a,
                {self.ids[who]: value for who, value in marks.items()},
                today=day,
            )
        return a

    def bearer(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def client(self, app, who: str):
        client = app.test_client()
        r = login(client, who, self.passwords[who])
        assert r.status_code == 302 and "/login" not in r.headers["Location"], who
        return client


def build_school(conn) -> School:
    s = School(conn)
    today = s.today
    year.set_year(conn, audit.SYSTEM, today - timedelta(days=100), today + timedelta(days=200))
    ranges = [
        (today - timedelta(days=100), today - timedelta(days=10)),
        (today - timedelta(days=9), today + timedelta(days=60)),
        (today + timedelta(days=61), today + timedelta(days=200)),
    ]
    s.periods = periods.set_periods(conn, audit.SYSTEM, "trimester", ranges)
    conn.executemany("INSERT INTO subject (code, name) VALUES (?, ?)", SUBJECTS.items())
    people = [
        ("prof.maths", "teacher", {}),
        ("prof.francais", "teacher", {}),
        ("prof.maths5b", "teacher", {}),
        ("prof.latin", "teacher", {}),
        ("lea", "student", {"first_name": "Léa", "last_name": "Martin"}),
        ("noah", "student", {"first_name": "Noah", "last_name": "Benali"}),
        ("zoe", "student", {"first_name": "Zoé", "last_name": "Lefèvre"}),
        ("ines", "student", {"first_name": "Inès", "last_name": "Dubois"}),
        ("louis", "student", {"first_name": "Louis", "last_name": "Cœur"}),
        ("sophie", "relative", {}),
        ("karim", "relative", {}),
        ("direction", "staff", {"function": "DIR"}),
        ("cpe", "staff", {"function": "EDU"}),
    ]
    for login_name, profile, extra in people:
        pid, _login, pw = make_person(conn, profile, login=login_name, **extra)
        s.ids[login_name], s.passwords[login_name] = pid, pw
        s.tokens[login_name] = tokens.create(conn, pid, "tests", actor=audit.SYSTEM)[1]
    for code in ("5A", "5B"):
        s.classes[code] = conn.execute(
            "INSERT INTO school_class (code, name) VALUES (?, ?)", (code, code)
        ).lastrowid
    s.groups["LAT"] = conn.execute(
        "INSERT INTO teaching_group (code, name) VALUES ('LAT', 'Latin 5e')"
    ).lastrowid
    for who, code in (
        ("lea", "5A"),
        ("noah", "5A"),
        ("zoe", "5A"),
        ("ines", "5B"),
        ("louis", "5B"),
    ):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (s.ids[who], s.classes[code]))
    for who in ("lea", "ines"):
        conn.execute("INSERT INTO group_membership VALUES (?, ?)", (s.ids[who], s.groups["LAT"]))
    teach = "INSERT INTO teaching (teacher_id, class_id, group_id, subject_code, head_teacher) "
    for who, cls, grp, subject, head in (
        ("prof.maths", "5A", None, "L1300", 1),
        ("prof.maths", "5A", None, "L1500", 0),
        ("prof.francais", "5A", None, "L0202", 0),
        ("prof.francais", "5B", None, "L0202", 0),
        ("prof.maths5b", "5B", None, "L1300", 1),
        ("prof.latin", None, "LAT", "L0201", 0),
    ):
        conn.execute(
            teach + "VALUES (?, ?, ?, ?, ?)",
            (s.ids[who], s.classes.get(cls), s.groups.get(grp), subject, head),
        )
    link = "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)"
    conn.execute(link, (s.ids["sophie"], s.ids["lea"]))
    conn.execute(link, (s.ids["karim"], s.ids["ines"]))
    return s


@pytest.fixture
def school(conn) -> School:
    return build_school(conn)


def words(response) -> str:
    """A page's text as read: tags dropped, entities decoded, spaces collapsed."""
    import html
    import re

    body = response.get_data(as_text=True)
    body = re.sub(r"<head>.*?</head>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def days_ago(n: int) -> date:
    return date.today() - timedelta(days=n)


def later(hours: float) -> datetime:
    from datetime import UTC

    return datetime.now(UTC) + timedelta(hours=hours)
