"""A generated lycée (`school_files`: 3,000 students, 5,500 legal guardians, 250 staff and
teachers) imported into a fresh cartable.db by the real import (plan + apply), for the
messages' benchmark and the test of lists at a real size."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from appliance.db import connect, migrate
from appliance.directory import reconcile
from appliance.school import set_school
from tests.bench import school_files

UAI = "0679999X"
YEAR = 2026
LYCEE = {"n_students": 3000, "n_guardians": 5500, "n_staff": 250}


def build(directory: Path, **sizes: int):
    """(connection to the imported database, the generated School)."""
    school = school_files.generate(**(sizes or LYCEE), uai=UAI, year=YEAR)
    paths = school_files.write_school(school, directory)
    conn = connect(directory / "cartable.db")
    migrate(conn)
    set_school(conn, uai=UAI, name="Lycée du banc d'essai")
    plan = reconcile.plan(conn, paths, today=date(2026, 10, 1), school_year=YEAR)
    if not plan.applicable:
        raise RuntimeError(f"plan has errors: {[p.message for p in plan.errors[:5]]}")
    reconcile.apply(conn, plan, actor="bench", initial_passwords=False)
    return conn, school
