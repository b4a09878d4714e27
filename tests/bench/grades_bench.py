"""Grades benchmarks (issue 13), each against a reference measured in the same run.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.grades_bench [--seconds 10]`

- The school: one class of 30 students, 10 subjects each with its teacher, a year of
  three trimesters and, per subject, 30 assessments over the year (10 a trimester) with a
  mark for every student (a few `abs`, `nr`, `disp`): 300 assessments, 9,000 marks.
- A student's grades: `GET /api/v1/grades?period=P` under waitress with wrk at 50
  connections, each request with the bearer token of one of the 30 students in turn and
  one of the three trimesters in turn (a Lua script): the whole class reads its year.
  Reference: the bare Flask "hello" app (`tests/bench/hello_app.py`) with the same
  waitress settings, loaded by the same wrk script (same headers, same rotation), so
  that the load generator costs both sides alike. Interleaved rounds, the median round's
  ratio kept (target ≥ 0.30).
- The class's report cards as one PDF (`printing.class_pdf`: every card, then reportlab)
  for the trimester, in this process, first call (nothing kept yet): target under 5 s.

Results go to tests/bench/results/grades.json (`run_all.py` writes docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from appliance import config as config_mod
from tests.bench.common import (
    cartable_cmd,
    free_port,
    load_average,
    machine,
    process,
    save,
    wrk,
)

STUDENTS, SUBJECTS, PER_TRIMESTER = 30, 10, 10
START, END = date(2026, 9, 1), date(2027, 7, 3)
TRIMESTERS = [(START, date(2026, 11, 28)), (date(2026, 11, 29), date(2027, 3, 6)),
              (date(2027, 3, 7), END)]  # fmt: skip
PDF_TARGET_S = 5.0


def build_school(box) -> dict:
    """The class, its teachers and a year of marks (see the module doc)."""
    from appliance.schoollife import year
    from appliance.schoollife.grades import assessments, periods
    from appliance.security import audit, tokens
    from appliance.security.audit import Actor

    conn = box.conn()
    year.set_year(conn, audit.SYSTEM, START, END)
    found = periods.set_periods(conn, audit.SYSTEM, "trimester", TRIMESTERS)
    class_id = conn.execute("INSERT INTO school_class (code, name) VALUES ('2A', '2A')").lastrowid
    students, tokens_of = [], []
    now = "2026-09-01T00:00:00+00:00"
    for n in range(STUDENTS):
        pid = conn.execute(
            "INSERT INTO person (login, profile, first_name, last_name, created_at, updated_at) "
            "VALUES (?, 'student', ?, ?, ?, ?)",
            (f"eleve.{n:02d}", f"Prénom{n:02d}", f"Nom{n:02d}", now, now),
        ).lastrowid
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (pid, class_id))
        students.append(pid)
        tokens_of.append(tokens.create(conn, pid, "bench", actor=audit.SYSTEM)[1])
    teachers = []
    for n in range(SUBJECTS):
        code = f"S{n:02d}"
        conn.execute("INSERT INTO subject (code, name) VALUES (?, ?)", (code, f"Matière {n}"))
        tid = conn.execute(
            "INSERT INTO person (login, profile, first_name, last_name, created_at, updated_at) "
            "VALUES (?, 'teacher', 'Prof', ?, ?, ?)",
            (f"prof.{n:02d}", f"Matière{n}", now, now),
        ).lastrowid
        conn.execute(
            "INSERT INTO teaching (teacher_id, class_id, subject_code, head_teacher) "
            "VALUES (?, ?, ?, ?)",
            (tid, class_id, code, int(n == 0)),
        )
        teachers.append((tid, code))
    audience = assessments.audience(conn, "class", "2A")
    made = 0
    for first, last in TRIMESTERS:
        span = (last - first).days
        for tid, code in teachers:
            actor = Actor(tid, "prof", None)
            for k in range(PER_TRIMESTER):
                day = first + timedelta(days=span * k // PER_TRIMESTER)
                a = assessments.create(
                    conn, actor, teacher_id=tid, audience=audience, subject_code=code,
                    title=f"Devoir {k + 1}", day=day, out_of=(20, 10, 40)[k % 3],
                    coefficient=(1, 2, 0.5)[k % 3], publish_at="2026-09-01T08:00", today=day,
                )  # fmt: skip
                out_of = a["out_of"]
                marks = {}
                for i, sid in enumerate(students):
                    roll = (i * 7 + k * 13 + made) % 41
                    marks[sid] = ("abs", "nr", "disp")[roll] if roll < 3 else (
                        round(out_of * ((roll + i) % 20) / 20, 1))  # fmt: skip
                assessments.set_marks(conn, actor, a, marks, today=day)
                made += 1
    return {"class_id": class_id, "periods": [p["id"] for p in found], "tokens": tokens_of,
            "assessments": made}  # fmt: skip


def lua_script(path: Path, tokens: list[str], period_ids: list[int], target: str) -> Path:
    """A wrk script: each request with the next student's token and the next trimester, to
    `target` (the grades; or "/" for the reference, so that both sides cost the load
    generator the same)."""
    query = "/api/v1/grades?period=" if target != "/" else "/?period="
    lines = [
        "local tokens = {" + ", ".join(f'"{t}"' for t in tokens) + "}",
        "local periods = {" + ", ".join(str(p) for p in period_ids) + "}",
        "local n = 0",
        "request = function()",
        "  n = n + 1",
        "  local t = tokens[(n % #tokens) + 1]",
        "  local p = periods[(math.floor(n / #tokens) % #periods) + 1]",
        f'  return wrk.format("GET", "{query}" .. p, {{["Authorization"] = "Bearer " .. t}})',
        "end",
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def pdf_timing(box, school: dict) -> dict:
    from appliance.schoollife.grades import periods, printing
    from appliance.schoollife.grades.config_keys import settings_of

    conn = box.conn()
    period = periods.get_period(conn, school["periods"][1])
    the_class = printing.class_by_code(conn, "2A")
    started = time.perf_counter()
    pdf, count = printing.class_pdf(conn, None, the_class, period, settings_of(box.config))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "cards": count, "bytes": len(pdf)}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "cartable.toml"
        cfg.write_text("")
        data = tmp / "data"
        settings = config_mod.load(cfg, data, env={})
        threads, limit = settings["web.threads"], settings["web.connection_limit"]
        from appliance.core import create_box
        from appliance.school import set_school

        box = create_box(settings)
        set_school(box.conn(), uai="0679999X", name="Lycée du banc d'essai")
        started = time.perf_counter()
        school = build_school(box)
        built_s = time.perf_counter() - started
        result = {
            "machine": machine(),
            "waitress_threads": threads,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "students": STUDENTS,
            "subjects": SUBJECTS,
            "assessments": school["assessments"],
            "marks": school["assessments"] * STUDENTS,
            "build_s": round(built_s, 1),
            "pdf": pdf_timing(box, school),
        }
        result["load"] = {"before": load_average()}
        script = lua_script(tmp / "grades.lua", school["tokens"], school["periods"], "grades")
        same = lua_script(tmp / "hello.lua", school["tokens"], school["periods"], "/")
        hello_port, port = free_port(), free_port()
        hello_url = f"http://127.0.0.1:{hello_port}/"
        base = f"http://127.0.0.1:{port}"
        hello = [sys.executable, "-m", "tests.bench.hello_app", str(hello_port), str(threads),
                 str(limit)]  # fmt: skip
        serve = cartable_cmd(cfg, data, "serve", "--port", str(port))
        with process(hello, hello_url) as hp, process(serve, base + "/login") as sp:
            wrk(hello_url, 10, 2, script=same)  # warm-up
            wrk(base + "/api/v1/grades", 10, 2, script=script)
            runs: dict[str, list[dict]] = {"hello_c50": [], "grades_c50": []}
            for _ in range(args.rounds):
                runs["hello_c50"].append(wrk(hello_url, 50, args.seconds, script=same, pid=hp.pid))
                runs["grades_c50"].append(wrk(base + "/api/v1/grades", 50, args.seconds,
                                              script=script, pid=sp.pid))  # fmt: skip
    ratios = sorted(
        g["requests_per_s"] / h["requests_per_s"]
        for h, g in zip(runs["hello_c50"], runs["grades_c50"], strict=True)
    )
    result["ratios_c50"] = [round(r, 3) for r in ratios]
    for key, measured in runs.items():
        measured.sort(key=lambda r: r["requests_per_s"])
        result[key] = measured[len(measured) // 2]
        result[key]["all_requests_per_s"] = [r["requests_per_s"] for r in measured]
    for key, measured in runs.items():
        result[f"cpu_ms_{key}"] = statistics.median(
            r["server_cpu_ms_per_request"] for r in measured
        )
    ratio = statistics.median(ratios)
    result["ratio_grades_to_hello_c50"] = round(ratio, 3)
    result["targets"] = {
        "ratio_at_least_0.30": ratio >= 0.30,
        "class_pdf_under_5s": result["pdf"]["seconds"] < PDF_TARGET_S,
        "no_errors": all(
            r["non_2xx"] == 0 and r["socket_errors"] == 0 for r in runs["grades_c50"]
        ),  # fmt: skip
    }
    result["load"]["after"] = load_average()
    save("grades", result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
