"""The cahier de textes's small school (tests/diary_school.py) for the devoirs à rendre: two
classes, a Latin group, their teachers, students and parents, in the test box's real
database; and a helper that gives a work through the real service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from appliance import timefmt
from appliance.directory import people
from appliance.files.assignments import works
from appliance.schoollife.diary import audiences
from appliance.schoollife.year import local_today
from tests.diary_school import MATHS, build


@pytest.fixture
def school(conn):
    return build(conn, local_today())


def in_days(days: float, hour: int = 18) -> str:
    """« YYYY-MM-DDTHH:MM » in the school's zone, `days` from now at `hour`."""
    moment = datetime.now(timefmt.zone()) + timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def give(conn, box, school, *, code="5A", teacher="maths", subject=MATHS, days=3, late=False,
         title="Exposé sur Pythagore", files=()):  # fmt: skip
    author = people.get_person(conn, school[teacher].id)
    return works.create(
        conn,
        box.config,
        school[teacher].actor,
        author,
        audience=audiences.by_code(conn, "class" if code != "LAT5" else "group", code),
        subject_code=subject,
        title=title,
        instructions="Rédigez **deux** pages.",
        due=in_days(days),
        late_allowed=late,
        files=files,
    )


def pass_due(conn, item_id: int, hours: float = 1) -> None:
    """Move a work's due time into the past (as if the time had come)."""
    past = (datetime.now(timefmt.zone()) - timedelta(hours=hours)).astimezone(UTC)
    conn.execute(
        "UPDATE assignment SET due_at = ? WHERE id = ?",
        (past.replace(microsecond=0).isoformat(), item_id),
    )
