"""A box holding the sample collège's directory (imported once per session into a template
data folder that each test copies), its school year, and helpers to import timetables."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance.core import Box, create_box, open_box
from appliance.directory import reconcile
from appliance.school import set_school
from appliance.schoollife import year
from appliance.security.audit import Actor
from tests.conftest import SAMPLES

UAI = "0679999X"
DIRECTORY_FILES = [
    SAMPLES / "college-sample" / name
    for name in (
        "ElevesSansAdresses.xml",
        "ResponsablesAvecAdresses.xml",
        "sts_emp_0679999X_2026.xml",
    )
]
TIMETABLE = SAMPLES / "college-sample-timetable" / "emp_sts.xml"
EXPECTED = SAMPLES / "college-sample-timetable" / "timetable-expected.json"
TECH = Actor(None, "tech", "local")
# The sample's calendar: classes from Tuesday 1 September, A week on 7 September; the
# holidays are the weeks the file's alternances leave out (both ends included here).
START, END, A_WEEK = date(2026, 9, 1), date(2027, 7, 3), date(2026, 9, 7)
HOLIDAYS = [
    (date(2026, 10, 17), date(2026, 11, 1)),
    (date(2026, 12, 19), date(2027, 1, 3)),
    (date(2027, 2, 13), date(2027, 2, 28)),
    (date(2027, 4, 10), date(2027, 4, 25)),
]


@dataclass
class School:
    cfg: Path
    data: Path
    box: Box

    @property
    def conn(self):
        return self.box.conn()


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("schoollife-template")
    cfg = root / "cartable.toml"
    cfg.write_text("")
    box = create_box(config_mod.load(cfg, root / "data", env={}))
    conn = box.conn()
    set_school(conn, uai=UAI, name="Collège Sample")
    plan = reconcile.plan(conn, DIRECTORY_FILES, today=date(2026, 9, 1), school_year=2026)
    assert plan.applicable, [p.message for p in plan.errors]
    reconcile.apply(conn, plan, actor="tech", initial_passwords=False)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return root / "data"


@pytest.fixture
def school(tmp_path, sample_template) -> School:
    """The sample collège's directory, no school year yet."""
    data = tmp_path / "data"
    shutil.copytree(sample_template, data)
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("")
    box = open_box(config_mod.load(cfg, data, env={}))
    yield School(cfg, data, box)
    box.conn().close()


@pytest.fixture
def with_year(school) -> School:
    """The sample collège with its school year set."""
    year.set_year(school.conn, TECH, START, END, A_WEEK, HOLIDAYS)
    return school


def expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def expected_dated(data: dict | None = None) -> set[tuple]:
    """(date, start, end, audience code, subject code, room) of every lesson the sample's
    timetable gives over its weeks, from timetable-expected.json alone."""
    data = data or expected()
    weeks = [(date.fromisoformat(m), letter) for m, letter in data["weeks"]]
    out = set()
    for lesson in data["lessons"]:
        mondays = [m for m, letter in weeks if lesson["alternance"] in ("H", letter)]
        start = int(lesson["start"][:2]) * 60 + int(lesson["start"][2:])
        length = int(lesson["duration"][:2]) * 60 + int(lesson["duration"][2:])
        for monday in mondays:
            day = monday + timedelta(days=lesson["day"] - 1)
            out.add((
                day.isoformat(),
                f"{start // 60:02d}:{start % 60:02d}",
                f"{(start + length) // 60:02d}:{(start + length) % 60:02d}",
                lesson["code"],
                lesson["subject_code"],
                lesson["room"],
            ))  # fmt: skip
    return out


def stored(conn) -> set[tuple]:
    return {
        tuple(r)
        for r in conn.execute(
            "SELECT date, start_time, end_time, audience_code, subject_code, room FROM lesson"
        )
    }


def person_id(conn, source_value: str) -> int:
    return conn.execute(
        "SELECT person_id FROM external_id WHERE source = 'sts' AND value = ?", (source_value,)
    ).fetchone()[0]


def login_of(conn, person: int) -> str:
    return conn.execute("SELECT login FROM person WHERE id = ?", (person,)).fetchone()[0]
