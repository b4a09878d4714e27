"""What one request costs the served portal, from the cheapest to a real API call, beside
the bare Flask hello app (issues 11–14: the "≥ 0.30 of hello" targets).

Not a pytest test. Run: `.venv/bin/python -m tests.bench.request_costs [--seconds 5]
[--threads 8,16]`

- The school: the demo school; a student's bearer token.
- Each path is loaded by wrk at 50 connections under waitress (the product's settings, or
  each `--threads` count), and for each run the server's CPU time per request (user +
  system, /proc/<pid>/stat) and its threads' context switches per request (voluntary +
  involuntary, /proc/<pid>/task/*/status) are read.
- The paths: the bare hello app (reference); a static file (no database); the API without
  a token (401: no database); the API's `me` with the token (two statements); the week of
  the timetable (two statements); the login page (a template, no statement).

What it shows (docs/benchmarks.md): under load, a request's CPU follows its number of
context switches more than its Python work. Every call that lets go of the interpreter's
lock (each SQLite statement's steps, a file read) hands the lock to waitress's main thread
or another worker, and each hand-over is a switch of threads the 2 cores pay for.

Results go to tests/bench/results/request_costs.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from appliance import config as config_mod
from tests.bench.common import (
    cartable_cmd,
    context_switches,
    free_port,
    load_average,
    machine,
    process,
    save,
    wrk,
)


def measure(pid: int, url: str, seconds: int, headers: dict | None = None) -> dict:
    before = context_switches(pid)
    run = wrk(url, 50, seconds, headers, pid=pid)
    switches = context_switches(pid) - before
    return {
        "requests_per_s": run["requests_per_s"],
        "non_2xx": run["non_2xx"],
        "cpu_ms_per_request": run["server_cpu_ms_per_request"],
        "switches_per_request": round(switches / max(run["requests"], 1), 1),
    }


def demo_school(tmp_path: Path):
    """The demo school in `tmp_path`, with a student's bearer token: (config file, data
    folder, settings, the token's header, the path of the student's school week)."""
    from appliance.core import create_box
    from appliance.directory import demo, people
    from appliance.security import audit, tokens
    from tests.bench.timetable_web_bench import _school_week

    cfg, data = tmp_path / "cartable.toml", tmp_path / "data"
    cfg.write_text("")
    settings = config_mod.load(cfg, data, env={})
    box = create_box(settings)
    demo.seed(box.conn(), data)
    student = people.get_by_login(box.conn(), "lea.martin")
    _id, token = tokens.create(box.conn(), student["id"], "bench", actor=audit.SYSTEM)
    monday = _school_week(box.conn())
    box.conn().close()
    week = f"/api/v1/timetable?from={monday}&to={monday + timedelta(days=6)}"
    return cfg, data, settings, {"Authorization": f"Bearer {token}"}, week


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--threads", default="", help="waitress threads to try, e.g. 4,8,16")
    args = ap.parse_args(argv)
    result: dict = {"machine": machine(), "seconds": args.seconds, "load": {}, "runs": {}}
    result["load"]["before"] = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cfg, data, settings, bearer, week = demo_school(tmp_path)
        counts = [int(t) for t in args.threads.split(",") if t] or [settings["web.threads"]]
        paths = [
            ("static file", "/static/favicon.svg", None),
            ("API without a token (401)", "/api/v1/me", None),
            ("API me (token)", "/api/v1/me", bearer),
            ("API week (token)", week, bearer),
            ("login page", "/login", None),
        ]
        for threads in counts:
            (tmp_path / f"t{threads}.toml").write_text(f"[web]\nthreads = {threads}\n")
            hello_port, port = free_port(), free_port()
            hello = [sys.executable, "-m", "tests.bench.hello_app", str(hello_port),
                     str(threads), str(settings["web.connection_limit"])]  # fmt: skip
            serve = cartable_cmd(tmp_path / f"t{threads}.toml", data, "serve", "--port", str(port))
            base = f"http://127.0.0.1:{port}"
            hello_url = f"http://127.0.0.1:{hello_port}/"
            with process(hello, hello_url) as hp, process(serve, base + "/login") as sp:
                wrk(hello_url, 10, 2)
                wrk(base + week, 10, 2, bearer)
                runs = {"hello (reference)": measure(hp.pid, hello_url, args.seconds)}
                for name, path, headers in paths:
                    runs[name] = measure(sp.pid, base + path, args.seconds, headers)
            result["runs"][str(threads)] = runs
            print(f"waitress threads {threads}", file=sys.stderr)
            for name, r in runs.items():
                print(f"  {name:<28} {r['requests_per_s']:>8.0f}/s  "
                      f"{r['cpu_ms_per_request']:.3f} ms CPU  "
                      f"{r['switches_per_request']:>5} switches", file=sys.stderr)  # fmt: skip
    result["load"]["after"] = load_average()
    save("request_costs", result)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
