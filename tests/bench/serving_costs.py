"""One step for a page of rows: what `db.rows` saves the served portal, in the same rounds
as the bare hello app and `cartable serve` itself (issues 11 to 14: "≥ 0.30 of hello").

Not a pytest test. Run: `.venv/bin/python -m tests.bench.serving_costs [--seconds 5]
[--rounds 5]`

- One step for a page of rows: 100 rows of one query read row by row (`fetchall`: a step
  of SQLite each, each letting go of the interpreter's lock) and through `db.rows` (one
  step: `json_group_array`), on the portal with these two routes (`serving_app.py`); and
  a token's `GET /api/v1/me` (two statements of one row) on it and on `cartable serve`.
- The reference: the bare Flask hello app (`hello_app.py`) with the same waitress settings.
- wrk at 50 connections; each server's CPU time per request (`/proc/<pid>/stat`) and its
  threads' context switches per request; rounds interleaved, the median round kept.

Results go to tests/bench/results/serving_costs.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
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
from tests.bench.request_costs import measure


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    from appliance.core import create_box
    from appliance.directory import demo, people
    from appliance.security import audit, tokens

    result: dict = {"machine": machine(), "seconds": args.seconds, "rounds": args.rounds}
    result["load"] = {"before": load_average()}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        cfg, data = tmp_path / "cartable.toml", tmp_path / "data"
        cfg.write_text("")
        settings = config_mod.load(cfg, data, env={})
        box = create_box(settings)
        demo.seed(box.conn(), data)
        student = people.get_by_login(box.conn(), "lea.martin")
        _id, token = tokens.create(box.conn(), student["id"], "bench", actor=audit.SYSTEM)
        box.conn().close()
        bearer = {"Authorization": f"Bearer {token}"}
        ports = {name: free_port() for name in ("hello", "portal", "serve")}
        hello = [sys.executable, "-m", "tests.bench.hello_app", str(ports["hello"]),
                 str(settings["web.threads"]), str(settings["web.connection_limit"])]  # fmt: skip

        portal = [sys.executable, "-m", "tests.bench.serving_app", str(cfg), str(data),
                  str(ports["portal"])]  # fmt: skip

        def url(name: str, path: str) -> str:
            return f"http://127.0.0.1:{ports[name]}{path}"

        cases = {
            "hello": ("hello", "/", None),
            "me (token), the bench's portal": ("portal", "/api/v1/me", bearer),
            "me (token), cartable serve": ("serve", "/api/v1/me", bearer),
            "100 rows, row by row": ("portal", "/_bench/rows/plain", None),
            "100 rows, one step (db.rows)": ("portal", "/_bench/rows/one", None),
        }
        runs: dict[str, list[dict]] = {name: [] for name in cases}
        with (
            process(hello, url("hello", "/")) as hp,
            process(portal, url("portal", "/login")) as pp,
            process(
                cartable_cmd(cfg, data, "serve", "--port", str(ports["serve"])),
                url("serve", "/login"),
            ) as sp,
        ):
            pids = {"hello": hp.pid, "portal": pp.pid, "serve": sp.pid}
            plain = json.loads(_body(url("portal", "/_bench/rows/plain")))
            one = json.loads(_body(url("portal", "/_bench/rows/one")))
            assert plain == one and len(one["items"]) == 100, "the two reads differ"
            for server, path, headers in cases.values():
                wrk(url(server, path), 10, 2, headers)  # warm-up
            for _ in range(args.rounds):
                for name, (server, path, headers) in cases.items():
                    runs[name].append(measure(pids[server], url(server, path), args.seconds,
                                               headers))  # fmt: skip
    result["load"]["after"] = load_average()
    result["runs"] = runs
    summary = {}
    for name, measured in runs.items():
        ratios = [m["requests_per_s"] / h["requests_per_s"]
                  for m, h in zip(measured, runs["hello"], strict=True)]  # fmt: skip
        summary[name] = {
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


def _body(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


if __name__ == "__main__":
    main()


def render_section(r: dict) -> list[str]:
    """The docs/benchmarks.md section of these results (`run_all.py`)."""
    s = r["summary"]
    lines = [
        "## One step for a page of rows (issues 11 to 14)",
        "",
        f"Command: `.venv/bin/python -m tests.bench.serving_costs --rounds {r['rounds']} "
        f"--seconds {r['seconds']}` ({r['machine']['date']}; load average "
        f"{r['load']['before']} before, {r['load']['after']} after, on 2 cores). The demo "
        "school; wrk at 50 connections, waitress with the product's settings, rounds "
        "interleaved, the median round kept; each server's CPU time and its threads' context "
        "switches per request read from /proc. `db.rows` reads a SELECT's rows in one step "
        "of SQLite (`json_group_array`, parsed in C) instead of one step a row, each step "
        "letting go of the interpreter's lock and each let-go costing waitress's threads "
        "switches.",
        "",
        "| what | requests/s | ratio to hello (median; rounds) | CPU ms / request | "
        "switches / request |",
        "|---|---|---|---|---|",
    ]
    for name, m in s.items():
        rounds = ", ".join(str(x) for x in m["ratios_to_hello"])
        lines.append(
            f"| {name} | {m['requests_per_s']:.0f} | {m['ratio_to_hello']} ({rounds}) | "
            f"{m['cpu_ms_per_request']} | {m['switches_per_request']} |"
        )
    plain, one = s["100 rows, row by row"], s["100 rows, one step (db.rows)"]
    ours, serve = s["me (token), the bench's portal"], s["me (token), cartable serve"]
    lines += [
        "",
        f"- 100 rows in one step: **{one['ratio_to_hello']}** of hello against "
        f"{plain['ratio_to_hello']} row by row; {one['cpu_ms_per_request']} ms of CPU a "
        f"request against {plain['cpu_ms_per_request']}, {one['switches_per_request']} "
        f"switches against {plain['switches_per_request']}.",
        "- The same token's `me` (two statements of one row) on the bench's portal and on "
        f"`cartable serve`: {ours['ratio_to_hello']} and {serve['ratio_to_hello']}. A search "
        "by hand on "
        "2026-12-04 (the statistics' flusher thread, waitress's `ident` and body limit, the "
        "command line's modules loaded) found no one setting behind the gap, in noise as large "
        f"as this run's: `cartable serve`'s rounds from {serve['ratios_to_hello'][0]} to "
        f"{serve['ratios_to_hello'][-1]}.",
        "",
    ]
    return lines
