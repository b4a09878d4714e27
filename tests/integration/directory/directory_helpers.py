"""Helpers of the directory integration tests: paths, dates, a fresh database, a dump."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from appliance.db import connect, migrate
from tests.conftest import MESSY  # noqa: F401 (re-exported)

UAI = "0679999X"
YEAR1_DAY = date(2026, 11, 20)
YEAR2_DAY = date(2027, 9, 15)
SAMPLE_FILES = ("ElevesSansAdresses.xml", "ResponsablesAvecAdresses.xml")


def new_db(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    migrate(conn)
    conn.execute("INSERT INTO school (id, uai, name) VALUES (1, ?, 'Collège Exemple')", (UAI,))
    return conn


def sample(shared: Path, folder: str = "college-sample") -> list[Path]:
    base = shared / folder
    sts = sorted(base.glob("sts_emp_*.xml"))
    return [base / n for n in SAMPLE_FILES] + sts


def expected(shared: Path, folder: str = "college-sample") -> dict:
    return json.loads((shared / folder / "expected.json").read_text(encoding="utf-8"))


def dump(conn: sqlite3.Connection) -> list[str]:
    """The whole database as SQL text, to prove that nothing changed."""
    return list(conn.iterdump())


def close_for_copy(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
