"""The cahier de textes's school (tests/diary_school.py) in the test box's real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from appliance.schoollife.year import local_today, monday_of
from tests.diary_school import build


@pytest.fixture
def today() -> date:
    return local_today()


@pytest.fixture
def school(conn, today):
    return build(conn, today)


@pytest.fixture
def monday(today) -> date:
    return monday_of(today)


def day(monday: date, offset: int) -> date:
    return monday + timedelta(days=offset)
