"""The sample collège with its real timetable (its EDT_STS file, imported through the real
import over its school year), copied for each test from a template made once; and the
helpers the attendance tests share: people by login, the lessons of a day, a roll call
taken by someone at a given moment."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance import timefmt
from appliance.core import Box, create_box, open_box
from appliance.directory import reconcile
from appliance.school import set_school
from appliance.schoollife import timetable, year
from appliance.schoollife.attendance import roll
from appliance.security.audit import Actor
from tests.integration.schoollife.conftest import (
    A_WEEK,
    DIRECTORY_FILES,
    END,
    HOLIDAYS,
    START,
    TECH,
    TIMETABLE,
    UAI,
)

# A Tuesday of the sample's timetable (and the Tuesdays after it).
TUESDAY = date(2026, 12, 1)
# The class followed here, its head teacher, and two of its pupils: Agathe (class 301 and
# the German half-group) and Zoé (class 301 and the Latin group, Tuesday 11:05).
CLASS = "301"
HEAD = "sylvie.morel"
AGATHE = "agathe.bailly"
ZOE = "zoe.tessier"
CPE = "eric.aubert"
AED = "gaetan.lucas"


@dataclass
class College:
    data: Path
    box: Box

    @property
    def conn(self):
        return self.box.conn()

    def person(self, login: str) -> dict:
        found = self.conn.execute(
            "SELECT id, login, profile, state, function, first_name, last_name FROM person "
            "WHERE login = ?",
            (login,),
        ).fetchone()
        assert found is not None, login
        return dict(found)

    def actor(self, login: str) -> Actor:
        p = self.person(login)
        return Actor(p["id"], p["login"], "192.0.2.7")

    def lesson(self, code: str, day: date, start: str) -> dict:
        found = self.conn.execute(
            "SELECT id FROM lesson WHERE audience_code = ? AND date = ? AND start_time = ?",
            (code, day.isoformat(), start),
        ).fetchone()
        assert found is not None, (code, day, start)
        return roll.lesson_target(self.conn, found["id"])

    def day_lessons(self, code: str, day: date) -> list[dict]:
        ids = [
            r["id"]
            for r in self.conn.execute(
                "SELECT id FROM lesson WHERE audience_code = ? AND date = ? ORDER BY start_time",
                (code, day.isoformat()),
            )
        ]
        return [roll.lesson_target(self.conn, i) for i in ids]

    def take(
        self,
        lesson: dict,
        absent=(),
        late=None,
        *,
        who: str = CPE,
        at: datetime | None = None,
    ) -> dict:
        """The roll call of `lesson` taken by `who` (logins), on the evening of its day."""
        ids = [self.person(login)["id"] for login in absent]
        lates = {self.person(login)["id"]: m for login, m in (late or {}).items()}
        moment = at or evening(date.fromisoformat(lesson["date"]))
        return roll.save(
            self.conn,
            self.person(who),
            lesson,
            absent=ids,
            late=lates,
            actor=self.actor(who),
            now=moment,
        )


def evening(day: date) -> datetime:
    """18:00 on `day` in the school's zone."""
    return datetime(day.year, day.month, day.day, 18, 0, tzinfo=timefmt.zone())


@pytest.fixture(scope="session")
def college_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("attendance-template")
    cfg = root / "cartable.toml"
    cfg.write_text("")
    box = create_box(config_mod.load(cfg, root / "data", env={}))
    conn = box.conn()
    set_school(conn, uai=UAI, name="Collège Sample")
    plan = reconcile.plan(conn, DIRECTORY_FILES, today=date(2026, 9, 1), school_year=2026)
    assert plan.applicable, [p.message for p in plan.errors]
    reconcile.apply(conn, plan, actor="tech", initial_passwords=False)
    year.set_year(conn, TECH, START, END, A_WEEK, HOLIDAYS)
    timetable.run_import(conn, TIMETABLE, actor=TECH, effective_from=START)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return root / "data"


@pytest.fixture
def college(tmp_path, college_template) -> College:
    data = tmp_path / "data"
    shutil.copytree(college_template, data)
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("")
    box = open_box(config_mod.load(cfg, data, env={}))
    yield College(data, box)
    box.conn().close()


PASSWORD = "le cahier de vie scolaire"


@pytest.fixture
def web(college):
    """The portal of the sample collège, and `login(login)` giving a test client logged in
    as that person (a password set for the test)."""
    from appliance.directory import people
    from tests.conftest import login as post_login
    from webui.app import create_app

    app = create_app(college.box)
    app.config["TESTING"] = True

    def client_of(login: str):
        pid = college.person(login)["id"]
        people.set_password(college.conn, pid, PASSWORD, check_rules=False)
        client = app.test_client()
        r = post_login(client, login, PASSWORD)
        assert r.status_code == 302 and "/login" not in r.headers["Location"], login
        return client

    app.extensions["test.client_of"] = client_of
    return app


def client_of(app, login: str):
    return app.extensions["test.client_of"](login)


def today_lesson(college, start: str = "08:00", end: str = "08:55", teacher: str = "pascal.barre"):
    """A lesson of 301 today (a lesson added by hand), taught by `teacher`."""
    today = datetime.now(timefmt.zone()).date()
    class_id = college.conn.execute(
        "SELECT id FROM school_class WHERE code = ?", (CLASS,)
    ).fetchone()[0]
    lesson_id = college.conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
        "audience_kind, audience_code, class_id, status, origin) "
        "VALUES (?, ?, ?, '020100', 'Français', 'class', ?, ?, 'added', 'manual')",
        (today.isoformat(), start, end, CLASS, class_id),
    ).lastrowid
    college.conn.execute(
        "INSERT INTO lesson_teacher VALUES (?, ?)", (lesson_id, college.person(teacher)["id"])
    )
    return roll.lesson_target(college.conn, lesson_id)
