"""What serving costs the portal under waitress: its threads on one core or on every core
(`web.cpus`), and a page of rows in one step of SQLite or one step a row, in the
same rounds as the bare hello app (issues 11 to 14: the "≥ 0.30 of hello" targets).

Not a pytest test. Run: `.venv/bin/python -m tests.bench.serving_costs [--seconds 5]
[--rounds 5]`

- One core or every core: `cartable serve` with the default `web.cpus = "auto"` (one
  core) and with `"all"`, each compared with the hello app run the same way; on a token's
  `GET /api/v1/me` (two statements of one row) and a student's week `GET /api/v1/timetable`.
- One step for a page of rows: 100 rows of one query read row by row (`fetchall`: a step
  of SQLite each, each letting go of the interpreter's lock) and as one JSON text built by
  SQLite (`json_group_array`: one step), on the portal with these two routes
  (`serving_app.py`), on one core.
- The reference: the bare Flask hello app (`hello_app.py`) with the same waitress settings.
- The demo school; wrk at 50 connections; each server's CPU time per request
  (`/proc/<pid>/stat`) and its threads' context switches per request; rounds interleaved,
  the median round kept.

Results go to tests/bench/results/serving_costs.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path

from tests.bench.common import (
    cartable_cmd,
    free_port,
    load_average,
    machine,
    process,
    save,
    wrk,
)
from tests.bench.request_costs import demo_school, measure
from tests.bench.web_bench import _student_cookie


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)

    result: dict = {"machine": machine(), "seconds": args.seconds, "rounds": args.rounds}
    result["load"] = {"before": load_average()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cfg, data, settings, bearer, week = demo_school(tmp_path)
        every = tmp_path / "every-core.toml"
        every.write_text('[web]\ncpus = "all"\n')
        names = ("hello", "hello_all", "portal", "serve", "serve_all")
        ports = {name: free_port() for name in names}
        threads, limit = str(settings["web.threads"]), str(settings["web.connection_limit"])
        commands = {
            "hello": [sys.executable, "-m", "tests.bench.hello_app", str(ports["hello"]),
                      threads, limit],
            "hello_all": [sys.executable, "-m", "tests.bench.hello_app", str(ports["hello_all"]),
                          threads, limit, "all"],
            "portal": [sys.executable, "-m", "tests.bench.serving_app", str(cfg), str(data),
                       str(ports["portal"])],
            "serve": cartable_cmd(cfg, data, "serve", "--port", str(ports["serve"])),
            "serve_all": cartable_cmd(every, data, "serve", "--port", str(ports["serve_all"])),
        }  # fmt: skip

        def url(name: str, path: str) -> str:
            return f"http://127.0.0.1:{ports[name]}{path}"

        cookie: dict[str, str] = {}  # the student's session, once the portal answers
        # name → (server, path, headers, the hello it is compared with)
        cases = {
            "hello (one core: web.cpus auto)": ("hello", "/", None, "hello"),
            "hello, every core": ("hello_all", "/", None, "hello_all"),
            "me (token), cartable serve": ("serve", "/api/v1/me", bearer, "hello"),
            "me (token), cartable serve, every core": ("serve_all", "/api/v1/me", bearer,
                                                       "hello_all"),
            "week (token), cartable serve": ("serve", week, bearer, "hello"),
            "week (token), cartable serve, every core": ("serve_all", week, bearer, "hello_all"),
            "the login page (no session), cartable serve": ("serve", "/login", None, "hello"),
            "a form page logged in (/compte/mot-de-passe)": ("serve", "/compte/mot-de-passe",
                                                               cookie, "hello"),
            "the student's home (the demo's data)": ("serve", "/", cookie, "hello"),
            "100 rows, row by row": ("portal", "/_bench/rows/plain", None, "hello"),
            "100 rows, one step (json_group_array)": ("portal", "/_bench/rows/one", None, "hello"),
        }  # fmt: skip
        reference = {"hello": "hello (one core: web.cpus auto)", "hello_all": "hello, every core"}
        runs: dict[str, list[dict]] = {name: [] for name in cases}
        with contextlib.ExitStack() as stack:
            pids = {}
            for name in names:
                ready = url(name, "/" if name.startswith("hello") else "/login")
                pids[name] = stack.enter_context(process(commands[name], ready)).pid
            cookie.update(_session_cookie(url("serve", ""), data))
            plain = json.loads(_body(url("portal", "/_bench/rows/plain")))
            one = json.loads(_body(url("portal", "/_bench/rows/one")))
            assert plain == one and len(one["items"]) == 100, "the two reads differ"
            for server, path, headers, _ref in cases.values():
                wrk(url(server, path), 10, 2, headers)  # warm-up
            for _ in range(args.rounds):
                for name, (server, path, headers, _ref) in cases.items():
                    runs[name].append(measure(pids[server], url(server, path), args.seconds,
                                               headers))  # fmt: skip
    result["load"]["after"] = load_average()
    result["runs"] = runs
    summary = {}
    for name, measured in runs.items():
        hello_runs = runs[reference[cases[name][3]]]
        ratios = [m["requests_per_s"] / h["requests_per_s"]
                  for m, h in zip(measured, hello_runs, strict=True)]  # fmt: skip
        summary[name] = {
            "compared_with": reference[cases[name][3]],
            "requests_per_s": _median([m["requests_per_s"] for m in measured]),
            "ratio_to_hello": round(_median(ratios), 3),
            "ratios_to_hello": sorted(round(r, 3) for r in ratios),
            "cpu_ms_per_request": _median([m["cpu_ms_per_request"] for m in measured]),
            "switches_per_request": _median([m["switches_per_request"] for m in measured]),
            "non_2xx": sum(m["non_2xx"] for m in measured),
        }
    result["summary"] = summary
    save("serving_costs", result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    for name, s in summary.items():
        print(f"{name:<40} {s['requests_per_s']:>8.0f}/s  ratio {s['ratio_to_hello']:.3f}  "
              f"{s['cpu_ms_per_request']:.3f} ms CPU  {s['switches_per_request']} switches",
              file=sys.stderr)  # fmt: skip
    return result


def _session_cookie(base: str, data: Path) -> dict[str, str]:
    """A session of the demo's student Léa, logged in through the form."""
    from appliance.directory import demo

    password = next(pw for _p, login, pw in demo.read_saved(data / "demo-logins.txt")
                    if login == "lea.martin")  # fmt: skip
    return {"Cookie": _student_cookie(base, "lea.martin", password)}


def _body(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def render_section(r: dict) -> list[str]:
    """The docs/benchmarks.md section of these results (`run_all.py`)."""
    s = r["summary"]
    lines = [
        "## One core for the portal, one step for a page of rows (issues 11 to 14)",
        "",
        f"Command: `.venv/bin/python -m tests.bench.serving_costs --rounds {r['rounds']} "
        f"--seconds {r['seconds']}` ({r['machine']['date']}; load average "
        f"{r['load']['before']} before, {r['load']['after']} after, on 2 cores). The demo "
        "school; wrk at 50 connections, waitress with the product's settings, rounds "
        "interleaved, the median round kept; each server's CPU time and its threads' context "
        "switches per request read from /proc. Each line is compared with the hello app run "
        "on the same cores.",
        "",
        "| what | compared with | requests/s | ratio (median; rounds) | CPU ms / request | "
        "switches / request |",
        "|---|---|---|---|---|---|",
    ]
    for name, m in s.items():
        rounds = ", ".join(str(x) for x in m["ratios_to_hello"])
        lines.append(
            f"| {name} | {m['compared_with']} | {m['requests_per_s']:.0f} | "
            f"{m['ratio_to_hello']} ({rounds}) | {m['cpu_ms_per_request']} | "
            f"{m['switches_per_request']} |"
        )
    one_core = s["me (token), cartable serve"]
    every = s["me (token), cartable serve, every core"]
    week = s["week (token), cartable serve"]
    week_all = s["week (token), cartable serve, every core"]
    h, h_all = s["hello (one core: web.cpus auto)"], s["hello, every core"]
    plain, one = s["100 rows, row by row"], s["100 rows, one step (json_group_array)"]
    lines += [
        "",
        f'- One core (`web.cpus = "auto"`, the default) against every core: a token\'s `me` '
        f"{one_core['requests_per_s']:.0f} against {every['requests_per_s']:.0f} requests a "
        f"second ({one_core['cpu_ms_per_request']} against {every['cpu_ms_per_request']} ms "
        f"of CPU, {one_core['switches_per_request']} against "
        f"{every['switches_per_request']} switches); the week {week['requests_per_s']:.0f} "
        f"against {week_all['requests_per_s']:.0f}; the hello app {h['requests_per_s']:.0f} "
        f"against {h_all['requests_per_s']:.0f}. On two cores, each time a thread lets go of "
        "the interpreter's lock the woken thread runs at once on the other core and the two "
        "hand it to and fro; on one core it waits its turn.",
        f"- 100 rows in one step: **{one['ratio_to_hello']}** of hello against "
        f"{plain['ratio_to_hello']} row by row; {one['cpu_ms_per_request']} ms of CPU a "
        f"request against {plain['cpu_ms_per_request']}, {one['switches_per_request']} "
        f"switches against {plain['switches_per_request']}.",
    ]
    form = s.get("a form page logged in (/compte/mot-de-passe)")
    if form:
        login, home = (
            s["the login page (no session), cartable serve"],
            s["the student's home (the demo's data)"],
        )
        lines.append(
            "- What any page costs before its own content: the login page (no session) "
            f"**{login['ratio_to_hello']}** of hello ({login['cpu_ms_per_request']} ms of CPU), "
            f"a form page of a logged-in student (the session, its CSRF token, the base "
            f"template) **{form['ratio_to_hello']}** ({form['cpu_ms_per_request']} ms), the "
            f"student's home with the demo's data **{home['ratio_to_hello']}** "
            f"({home['cpu_ms_per_request']} ms); 0.30 of hello is "
            f"{1000 / (0.3 * h['requests_per_s']):.2f} ms a request here."
        )
    return [*lines, ""]


if __name__ == "__main__":
    main()
