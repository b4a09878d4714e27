"""The month's alerts of a 3,000-student lycée (issue 13): under 2 s.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.attendance_bench`

- The lycée: 3,000 students (`tests.bench.school_files`, half classes in every level),
  its directory and its year of lessons imported (`tests.bench.timetable_bench`'s school,
  not timed); November 2026's roll calls all taken: every student on the list of every
  lesson of their classes and groups (about 16,000 lessons, 400,000 rows), written in
  bulk, then the absences and lateness of a generated month (a few whole days away, half
  days, single lessons, late arrivals; a hundred students away three whole days, others
  past the threshold by chance) made into events by the service itself
  (`events.rebuild_day`), as the roll calls would.
- Measured: `alerts.month_alerts(conn, "2026-11")`, the "signalements" page and
  `GET /api/v1/attendance/alerts` for the vie scolaire: every student's half-days of the
  month, complete ones, without an admissible reason (median of 5 runs, and the first);
  and `alerts.check` over every student (the worker's evening job, which also writes the
  alerts told).
- Reference (the floor of any count): one SQL `count(*)` of the month's absent rows.

Results go to tests/bench/results/attendance.json (see `run_all.py` for docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from appliance.db import now_iso, scalar, transaction
from appliance.schoollife import timetable
from appliance.schoollife.attendance import alerts, events
from appliance.security.audit import Actor
from tests.bench import timetable_bench
from tests.bench.common import machine, save

MONTH = "2026-11"
FIRST, LAST = date(2026, 11, 1), date(2026, 11, 30)
TARGET_S = 2.0
STUDENTS = 3000
ACTOR = Actor(None, "bench", "local")


def _roll_calls(conn) -> int:
    """Every lesson of the month taken, every student of its list present (bulk)."""
    stamp = now_iso()
    span = (FIRST.isoformat(), LAST.isoformat())
    with transaction(conn):
        conn.execute(
            "INSERT INTO roll_call (lesson_id, taken_at, updated_at) SELECT id, ?, ? FROM lesson "
            "WHERE date BETWEEN ? AND ? AND status != 'cancelled' "
            "AND (class_id IS NOT NULL OR group_id IS NOT NULL)",
            (stamp, stamp, *span),
        )
        conn.execute(
            "INSERT INTO roll_entry (lesson_id, student_id, status) "
            "SELECT l.id, m.person_id, 'present' FROM lesson l JOIN class_membership m "
            "ON m.class_id = l.class_id WHERE l.date BETWEEN ? AND ? AND l.status != 'cancelled' "
            "UNION ALL SELECT l.id, m.person_id, 'present' FROM lesson l JOIN group_membership m "
            "ON m.group_id = l.group_id WHERE l.date BETWEEN ? AND ? AND l.status != 'cancelled'",
            (*span, *span),
        )
    return int(scalar(conn, "SELECT count(*) FROM roll_entry"))


def _month_of_absences(conn, seed: int = 13) -> dict:
    """A month of absences and lateness, then the events the service makes of them."""
    rnd = random.Random(seed)
    days: dict[tuple[int, str], list[tuple[str, int]]] = defaultdict(list)
    for lesson_id, student_id, day, start in conn.execute(
        "SELECT e.lesson_id, e.student_id, l.date, l.start_time FROM roll_entry e "
        "JOIN lesson l ON l.id = e.lesson_id"
    ):
        days[(student_id, day)].append((start, lesson_id))
    students = sorted({sid for sid, _d in days})
    truants = set(rnd.sample(students, 100))  # away three whole days: past the threshold
    truant_days = {
        sid: set(rnd.sample(sorted({d for s, d in days if s == sid}), 3)) for sid in truants
    }
    absent: list[tuple[int, int]] = []
    late: list[tuple[int, int, int]] = []
    touched: set[tuple[int, str]] = set()
    for (sid, day), lessons in days.items():
        lessons.sort()
        roll = rnd.random()
        if sid in truants and day in truant_days[sid] or roll < 0.015:
            chosen = lessons  # the whole day
        elif roll < 0.035:
            chosen = [x for x in lessons if x[0] < "12:30"]  # the morning
        elif roll < 0.065:
            chosen = [rnd.choice(lessons)]  # one lesson
        else:
            chosen = []
            if roll < 0.095:
                late.append((rnd.randint(2, 20), lessons[0][1], sid))
                touched.add((sid, day))
        absent += [(lesson_id, sid) for _start, lesson_id in chosen]
        if chosen:
            touched.add((sid, day))
    with transaction(conn):
        conn.executemany(
            "UPDATE roll_entry SET status = 'absent' WHERE lesson_id = ? AND student_id = ?", absent
        )
        conn.executemany(
            "UPDATE roll_entry SET status = 'late', minutes = ? WHERE lesson_id = ? "
            "AND student_id = ? AND status = 'present'",
            late,
        )
        for sid, day in sorted(touched):
            events.rebuild_day(conn, sid, day)
    return {
        "student_days": len(days),
        "absent_rows": len(absent),
        "late_rows": len(late),
        "events": int(scalar(conn, "SELECT count(*) FROM attendance_event")),
        "truants": len(truants),
    }


def _timed(fn, runs: int = 5) -> tuple[float, float, object]:
    times, out = [], None
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return round(times[0], 3), round(statistics.median(times), 3), out


def main(argv: list[str] | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="cartable-attendance-bench-") as tmp:
        conn, path, _tt = timetable_bench._school(Path(tmp))
        timetable.run_import(conn, path, actor=ACTOR, effective_from=timetable_bench.START)
        lessons = int(scalar(
            conn, "SELECT count(*) FROM lesson WHERE date BETWEEN ? AND ?",
            (FIRST.isoformat(), LAST.isoformat()),
        ))  # fmt: skip
        rows = _roll_calls(conn)
        month = _month_of_absences(conn)
        conn.execute("ANALYZE")
        first, median, found = _timed(lambda: alerts.month_alerts(conn, MONTH, split="12:30"))
        ref_first, ref_median, absent_rows = _timed(
            lambda: scalar(
                conn,
                "SELECT count(*) FROM roll_entry e JOIN lesson l ON l.id = e.lesson_id "
                "WHERE e.status = 'absent' AND l.date BETWEEN ? AND ?",
                (FIRST.isoformat(), LAST.isoformat()),
            )
        )
        gc.collect()
        start = time.perf_counter()
        raised, _cleared = alerts.check(conn, None, MONTH, split="12:30")
        check_s = round(time.perf_counter() - start, 3)
        conn.close()
    alerted = found if isinstance(found, list) else []
    result = {
        "machine": machine(),
        "students": STUDENTS,
        "month": MONTH,
        "lessons": lessons,
        "roll_rows": rows,
        **month,
        "reference_absent_rows": absent_rows,
        "alerts": len(alerted),
        "alerts_first_s": first,
        "alerts_median_s": median,
        "reference_first_s": ref_first,
        "reference_median_s": ref_median,
        "check_s": check_s,
        "raised": len(raised),
        "targets": {"under_2s": max(first, median) < TARGET_S},
    }
    print(json.dumps(result, indent=1, ensure_ascii=False))
    save("attendance", result)


if __name__ == "__main__":
    main()
