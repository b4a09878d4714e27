"""Timetable import benchmark (issue 11): plan + apply of a generated lycée's timetable,
against a reference measured in the same run.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.timetable_bench`

- The lycée: 3,000 students (`tests.bench.school_files`, half classes in every level),
  its directory imported first (not timed), the school year 2026-2027 of zone C set;
  its week (`tests.bench.timetable_files`: about 3,900 weekly lessons, A/B half-hours)
  written as EDT_STS (ISO-8859-15, alternances H/A/B, holidays as missing weeks).
- Measured: `timetable.plan` (read, check, resolve, expand, clashes) then
  `timetable.apply` (one transaction) from the first day of the year: every weekly lesson
  over the school weeks, about 130,000 dated lessons (target: under 10 s in all).
  Then a mid-year re-import of the same file from 2027-02-01: lessons before it untouched.
- Reference (the floor any importer pays): parsing the same file with defusedxml's
  ElementTree alone, plus one `executemany` of as many rows into a table shaped like
  `lesson` (same columns and indexes), in one transaction, in a fresh database.

Results go to tests/bench/results/timetable.json (see `run_all.py` for docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import json
import tempfile
import time
from datetime import date
from pathlib import Path

from appliance.db import connect, migrate, scalar, transaction
from appliance.directory import reconcile
from appliance.school import set_school
from appliance.schoollife import timetable, year
from appliance.security.audit import Actor
from tests.bench import school_files, timetable_files
from tests.bench.common import machine, save

UAI = "0679999X"
YEAR = 2026
START, END = date(2026, 9, 1), date(2027, 7, 3)
HOLIDAYS = [
    (date(2026, 10, 18), date(2026, 11, 1)),
    (date(2026, 12, 20), date(2027, 1, 3)),
    (date(2027, 2, 7), date(2027, 2, 21)),
    (date(2027, 4, 4), date(2027, 4, 18)),
]
MID_YEAR = date(2027, 2, 1)
TARGET_S = 10.0
ACTOR = Actor(None, "bench", "local")


def _school(tmp: Path):
    school = school_files.generate(3000, 5500, 250, uai=UAI, year=YEAR, half_classes=True)
    paths = school_files.write_school(school, tmp / "directory")
    conn = connect(tmp / "lycee.db")
    migrate(conn)
    set_school(conn, uai=UAI, name="Lycée du banc d'essai")
    plan = reconcile.plan(conn, paths, today=date(2026, 9, 1), school_year=YEAR)
    reconcile.apply(conn, plan, actor="bench", initial_passwords=False)
    year.set_year(conn, ACTOR, START, END, None, HOLIDAYS)
    weeks = timetable_files.school_weeks(START, END, HOLIDAYS)
    tt = timetable_files.for_school(school, weeks)
    path = tmp / "emp_sts.xml"
    path.write_bytes(timetable_files.edt_xml(tt))
    return conn, path, tt


def _timed_import(conn, path: Path, effective_from: date) -> dict:
    gc.collect()
    start = time.perf_counter()
    made = timetable.plan(conn, path, effective_from=effective_from)
    planned = time.perf_counter()
    if not made.applicable:
        raise RuntimeError(f"plan has errors: {[p.message for p in made.errors[:5]]}")
    result = timetable.apply(conn, made, ACTOR)
    applied = time.perf_counter()
    return {
        "plan_s": round(planned - start, 3),
        "apply_s": round(applied - planned, 3),
        "total_s": round(applied - start, 3),
        "weekly_lessons": len(made.lessons),
        "lessons": result.lessons,
        "replaced": result.replaced,
        "weeks": result.weeks,
        "warnings": len(made.warnings),
    }


def reference(path: Path, n_rows: int, db_path: Path) -> dict:
    """defusedxml's parse of the file, then one executemany of `n_rows` lesson-shaped rows
    into a fresh database with the same table and indexes."""
    from defusedxml.ElementTree import fromstring

    start = time.perf_counter()
    root = fromstring(path.read_bytes())
    del root
    parsed = time.perf_counter()
    conn = connect(db_path)
    migrate(conn)
    conn.execute("PRAGMA foreign_keys = OFF")  # no directory here: ids point nowhere
    rows = (
        (i + 1, f"2026-{9 + i % 4:02d}-{1 + i % 28:02d}", "08:10", "09:05", "020100",
         "FRANCAIS", "class", f"C{i % 90}", 1 + i % 90, None, f"R{i % 150}", None,
         f"class:C{i % 90}|020100|{i % 5 + 1}|08:10-09:05|H|R", 100 + i % 4000, "x")
        for i in range(n_rows)
    )  # fmt: skip
    before = time.perf_counter()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO lesson (id, date, start_time, end_time, subject_code, subject_label, "
            "audience_kind, audience_code, class_id, group_id, room, import_id, source_key, "
            "source_line, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    inserted = time.perf_counter()
    conn.close()
    return {
        "parse_s": round(parsed - start, 3),
        "insert_s": round(inserted - before, 3),
        "total_s": round((parsed - start) + (inserted - before), 3),
        "rows": n_rows,
    }


def main(argv: list[str] | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="cartable-timetable-bench-") as tmp:
        tmp_path = Path(tmp)
        conn, path, tt = _school(tmp_path)
        first = _timed_import(conn, path, START)
        before = scalar(conn, "SELECT count(*) FROM lesson WHERE date < ?", (MID_YEAR.isoformat(),))
        ids_before = scalar(
            conn, "SELECT sum(id) FROM lesson WHERE date < ?", (MID_YEAR.isoformat(),)
        )
        again = _timed_import(conn, path, MID_YEAR)
        past_kept = (
            scalar(conn, "SELECT count(*) FROM lesson WHERE date < ?", (MID_YEAR.isoformat(),))
            == before
            and scalar(conn, "SELECT sum(id) FROM lesson WHERE date < ?", (MID_YEAR.isoformat(),))
            == ids_before
        )
        conn.close()
        ref = reference(path, first["lessons"], tmp_path / "reference.db")
    result = {
        "machine": machine(),
        "students": 3000,
        "file_mb": round(len(timetable_files.edt_xml(tt)) / 1e6, 2),
        "first": first,
        "mid_year": {**again, "from": MID_YEAR.isoformat(), "past_untouched": past_kept},
        "reference": ref,
        "first_over_reference": round(first["total_s"] / ref["total_s"], 2),
        "targets": {"under_10s": first["total_s"] < TARGET_S, "past_untouched": past_kept},
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    save("timetable", result)


if __name__ == "__main__":
    main()
