"""Usage statistics counting adds < 2 % to a home page's time (issue 14).

Not a pytest test. Run: `.venv/bin/python -m tests.bench.stats_bench [--rounds 500] [--pages 10]`

- The demo school (`cartable run --demo`'s), one database; two portals built by the same
  `create_app` on it: one with the statistics on (the default: the after-request hook
  counts into the process's counter), one with them off (`stats.enabled = false`: no hook).
- A logged-in student's home page, through each portal's Flask client in this process
  (no network: the comparison is not drowned in a server's and a load generator's noise
  on 2 shared cores), timed as this thread's CPU time (`time.thread_time`: the waits for
  a core taken by another process do not count). Each round asks `--pages` home pages of
  each portal, one page on one then one on the other (which goes first swapped every
  page and every round), each page timed, the garbage collected before each round; the
  counter is flushed to SQLite between rounds (as the web process's flusher thread does
  once a minute, untimed here, timed on its own).
- Result: the median over rounds of (time with counting ÷ time without) − 1, and the
  pooled ratio of all rounds; target < 2 %. Beside it, the same measure with both portals
  without counting (half as many rounds: the setup's own difference, the noise floor),
  and the cost of one request's count alone (the hook's common path: a session already
  counted this minute).

Results go to tests/bench/results/stats.json (see `run_all.py` for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import tempfile
import time
from pathlib import Path

from appliance import config as config_mod
from appliance.core import create_box
from appliance.directory import demo
from appliance.stats import counting
from tests.bench.common import machine, save

TARGET = 0.02


def _portal(config_file: Path, data: Path, *, counting_on: bool):
    from webui.app import create_app

    env = {} if counting_on else {"CARTABLE_STATS_ENABLED": "false"}
    box = create_box(config_mod.load(config_file, data, env=env))
    return box, create_app(box)


def _logged_in(app, login: str, password: str):
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.status_code
    assert client.get("/").status_code == 200
    return client


def _round(on, off, pages: int) -> tuple[float, float]:
    """The CPU time of this thread for `pages` home pages on each portal, one page on one
    then one on the other (the first swapped every page), so that both meet the same
    moment of the machine; the other processes' work, which only makes this thread
    wait, does not count in a thread's CPU time."""
    gc.collect()
    spent = {id(on): 0.0, id(off): 0.0}
    clock = time.thread_time
    for i in range(pages):
        for client in (on, off) if i % 2 == 0 else (off, on):
            start = clock()
            client.get("/")
            spent[id(client)] += clock() - start
    return spent[id(on)], spent[id(off)]


def _hook_cost(app, box, login: str, n: int = 100_000) -> float:
    """µs per call of the app's after-request count on its common path (a logged-in
    person's home page, already counted this minute), called in a request context."""
    from flask import g, session

    from appliance.directory import people

    hook = next(f for f in app.after_request_funcs[None] if f.__name__ == "count_visit")
    person = people.get_by_login(box.conn(), login)
    response = app.response_class("ok")
    with app.test_request_context("/"):
        app.preprocess_request()
        g.person = person
        session["sid"] = "bench-session"
        hook(response)
        best = float("inf")
        for _ in range(5):
            started = time.thread_time()
            for _ in range(n):
                hook(response)
            best = min(best, (time.thread_time() - started) / n * 1e6)
    return best


def run(rounds: int, pages: int, *, control: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="stats-bench-"))
    config_file = tmp / "cartable.toml"
    config_file.write_text("")
    data = tmp / "data"
    # The demo written through a box of its own, closed: neither portal's connection is
    # the one that wrote it (that one was measured slower, with or without counting).
    seeding = create_box(config_mod.load(config_file, data, env={}))
    accounts = demo.seed(seeding.conn(), data)
    seeding.conn().close()
    box_on, app_on = _portal(config_file, data, counting_on=not control)
    box_off, app_off = _portal(config_file, data, counting_on=False)
    login, pw = next((lg, p) for prof, lg, p in accounts if prof == "student")
    on, off = _logged_in(app_on, login, pw), _logged_in(app_off, login, pw)
    counter = counting.counter_for(box_on)
    assert control or counter.pending(), "the portal with counting on counted nothing"
    _round(on, off, pages)  # warm both (templates, caches)
    times_on, times_off, ratios = [], [], []
    flush_s = []
    for i in range(rounds):
        if i % 2:
            spent_off, spent_on = _round(off, on, pages)
        else:
            spent_on, spent_off = _round(on, off, pages)
        times_on.append(spent_on)
        times_off.append(spent_off)
        ratios.append(spent_on / spent_off)
        started = time.perf_counter()
        counter.flush(box_on.conn())
        flush_s.append(time.perf_counter() - started)
    hook_us = 0.0 if control else _hook_cost(app_on, box_on, login)
    stored = box_on.conn().execute("SELECT sum(visits) FROM usage_stat").fetchone()[0]
    overhead = statistics.median(ratios) - 1
    pooled = sum(times_on) / sum(times_off) - 1
    return {
        "machine": machine(),
        "rounds": rounds,
        "pages": pages,
        "home_off_ms": round(statistics.median(times_off) / pages * 1000, 3),
        "home_on_ms": round(statistics.median(times_on) / pages * 1000, 3),
        "overhead_median": round(overhead, 4),
        "overhead_pooled": round(pooled, 4),
        "ratios": [round(r, 4) for r in ratios],
        "hook_us": round(hook_us, 3),
        "hook_share": round(hook_us / 1000 / (statistics.median(times_off) / pages * 1000), 5),
        "flush_median_ms": round(statistics.median(flush_s) * 1000, 3),
        "stored_visits": stored,
        "targets": {"under_2_percent": overhead < TARGET},
    }


def render_section(r: dict) -> list[str]:
    """The section of docs/benchmarks.md (called by `run_all.py`)."""
    met = "met" if r["targets"]["under_2_percent"] else "**not met**"
    spread = sorted(r["ratios"])
    return [
        "## Usage statistics: counting on vs off on a home page (issue 14)",
        "",
        f"Command: `.venv/bin/python -m tests.bench.stats_bench --rounds {r['rounds']} "
        f"--pages {r['pages']}` ({r['machine']['date']}). The demo school; a logged-in "
        "student's home page through two portals on the same database, statistics on (the "
        "after-request count) and off (`stats.enabled = false`), in this process (Flask "
        f"client, the thread's CPU time), {r['rounds']} rounds of {r['pages']} pages on "
        "each, one page on one portal then one on the other, which goes first swapped "
        "every page.",
        "",
        "| what | CPU ms per home page (median of the rounds) |",
        "|---|---|",
        f"| counting off (reference) | {r['home_off_ms']} |",
        f"| counting on | {r['home_on_ms']} |",
        "",
        f"- added by the counting: **{r['overhead_median'] * 100:+.2f} %** (median of the "
        f"rounds' ratios; pooled {r['overhead_pooled'] * 100:+.2f} %; rounds from "
        f"{(spread[0] - 1) * 100:+.1f} % to {(spread[-1] - 1) * 100:+.1f} %) "
        f"(target < 2 %: {met})",
        f"- the same measure with both portals without counting ({r['control_rounds']} "
        f"rounds, the setup's own difference): {r['control_median'] * 100:+.2f} % "
        f"(pooled {r['control_pooled'] * 100:+.2f} %)",
        f"- the count itself, called alone (the after-request hook on its common path: a "
        f"session already counted this minute; best of 5 × 100,000): {r['hook_us']} µs, "
        f"{r['hook_share'] * 100:.2f} % of a home page; a flush (one transaction): "
        f"{r['flush_median_ms']} ms, once a minute",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument(
        "--control", action="store_true", help="both portals without counting (A/A: the bias)"
    )
    args = parser.parse_args()
    result = run(args.rounds, args.pages, control=args.control)
    if args.control:
        print(
            f"A/A control: {result['overhead_median'] * 100:+.2f} % (median), "
            f"{result['overhead_pooled'] * 100:+.2f} % (pooled)"
        )
        return
    # The same measure with both portals without counting: what the setup alone gives.
    control = run(max(args.rounds // 2, 1), args.pages, control=True)
    result["control_rounds"] = control["rounds"]
    result["control_median"] = control["overhead_median"]
    result["control_pooled"] = control["overhead_pooled"]
    path = save("stats", result)
    print("\n".join(render_section(result)))
    print(f"(saved to {path})")


if __name__ == "__main__":
    main()
