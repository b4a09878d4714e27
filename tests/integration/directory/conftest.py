"""Real SQLite databases in tmp_path, the shared sample exports, and year-1/2 directories.

Importing the sample school creates ~300 accounts (argon2 hashing, a few seconds), so it is
done once per session into a template database that each test copies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from appliance.db import connect
from appliance.directory import reconcile
from tests.integration.directory.directory_helpers import (
    YEAR1_DAY,
    YEAR2_DAY,
    close_for_copy,
    new_db,
    sample,
)


@pytest.fixture
def conn(tmp_path):
    c = new_db(tmp_path / "cartable.db")
    yield c
    c.close()


@pytest.fixture(scope="session")
def year1_template(tmp_path_factory, shared) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("template") / "year1.db"
    c = new_db(path)
    result = reconcile.apply(c, reconcile.plan(c, sample(shared), today=YEAR1_DAY), actor="tech")
    close_for_copy(c)
    return path, result.import_id


@pytest.fixture
def year1(tmp_path, year1_template):
    """A directory holding the sample school after its year-1 import."""
    path = tmp_path / "year1.db"
    shutil.copy(year1_template[0], path)
    c = connect(path)
    yield c
    c.close()


@pytest.fixture(scope="session")
def year2_template(tmp_path_factory, shared, year1_template) -> Path:
    path = tmp_path_factory.mktemp("template") / "year2.db"
    shutil.copy(year1_template[0], path)
    c = connect(path)
    plan = reconcile.plan(c, sample(shared, "college-sample-next-year"), today=YEAR2_DAY)
    reconcile.apply(c, plan, actor="tech")
    close_for_copy(c)
    return path


@pytest.fixture
def year2(tmp_path, year2_template):
    """The sample school after the year-1 import, then the next year's (on YEAR2_DAY)."""
    path = tmp_path / "year2.db"
    shutil.copy(year2_template, path)
    c = connect(path)
    yield c
    c.close()
