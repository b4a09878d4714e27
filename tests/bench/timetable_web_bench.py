"""Requests per second of a student's timetable against a bare Flask "hello" app (#11):
their week through the JSON API (`GET /api/v1/timetable`, a bearer token) and their home
page (today's and the next day's lessons, changes first, then the tiles), on the demo
school's full timetable (26 lessons a week, changes this week and next). All three under
waitress with the same settings, measured in the same run with wrk, interleaved rounds,
the median round's ratio kept.

Target (issue 11): each ≥ 0.30 of hello at 50 connections.
Run: .venv/bin/python -m tests.bench.timetable_web_bench [--seconds 10] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from appliance import config as config_mod
from tests.bench.common import cartable_cmd, free_port, machine, process, save, wrk
from tests.bench.web_bench import _student_cookie


def _school_week(conn) -> date:
    """The Monday of this week, or of the year's first school week outside the year."""
    from appliance.schoollife import year

    info = year.require_year(conn)
    monday = year.monday_of(year.local_today())
    return monday if monday in info.letters else info.weeks[0][0]


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
        from appliance.directory import demo, people
        from appliance.schoollife import lessons
        from appliance.security import audit, tokens

        box = create_box(settings)
        accounts = demo.seed(box.conn(), data)
        login, password = next((lg, pw) for prof, lg, pw in accounts if lg == "lea.martin")
        student = people.get_by_login(box.conn(), login)
        _id, token = tokens.create(box.conn(), student["id"], "bench", actor=audit.SYSTEM)
        monday = _school_week(box.conn())
        week = lessons.lessons_between(
            box.conn(), monday, monday + timedelta(days=6), person_id=student["id"]
        )
        box.conn().close()

        hello_port, port = free_port(), free_port()
        hello_url = f"http://127.0.0.1:{hello_port}/"
        base = f"http://127.0.0.1:{port}"
        api_url = f"{base}/api/v1/timetable?from={monday}&to={monday + timedelta(days=6)}"
        hello = [sys.executable, "-m", "tests.bench.hello_app", str(hello_port), str(threads),
                 str(limit)]  # fmt: skip
        serve = cartable_cmd(cfg, data, "serve", "--port", str(port))
        result = {
            "machine": machine(),
            "waitress_threads": threads,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "week_lessons": len(week),
            "week": monday.isoformat(),
        }
        with process(hello, hello_url), process(serve, base + "/login"):
            cookie = {"Cookie": _student_cookie(base, login, password)}
            bearer = {"Authorization": f"Bearer {token}"}
            request = urllib.request.Request(api_url, headers=bearer)
            items = json.loads(urllib.request.urlopen(request).read())["items"]
            assert len(items) == len(week) > 20, (len(items), len(week))
            home = urllib.request.urlopen(urllib.request.Request(base + "/", headers=cookie))
            assert "Toute la semaine" in home.read().decode(), "no timetable on the home page"
            wrk(hello_url, 10, 2)  # warm-up
            wrk(api_url, 10, 2, bearer)
            wrk(base + "/", 10, 2, cookie)
            runs: dict[str, list[dict]] = {"hello": [], "api_week": [], "home": []}
            for _ in range(args.rounds):
                runs["hello"].append(wrk(hello_url, 50, args.seconds))
                runs["api_week"].append(wrk(api_url, 50, args.seconds, bearer))
                runs["home"].append(wrk(base + "/", 50, args.seconds, cookie))
    for name in ("api_week", "home"):
        ratios = sorted(
            r["requests_per_s"] / h["requests_per_s"]
            for h, r in zip(runs["hello"], runs[name], strict=True)
        )
        result[f"ratios_{name}"] = [round(r, 3) for r in ratios]
        result[f"ratio_{name}"] = round(ratios[len(ratios) // 2], 3)
    for key, measured in runs.items():
        measured.sort(key=lambda r: r["requests_per_s"])
        result[f"{key}_c50"] = {
            **measured[len(measured) // 2],
            "all_requests_per_s": [r["requests_per_s"] for r in measured],
        }
    result["targets"] = {
        "api_week_at_least_0.30": result["ratio_api_week"] >= 0.30,
        "home_at_least_0.30": result["ratio_home"] >= 0.30,
        "no_errors": all(result[f"{k}_c50"]["non_2xx"] == 0 for k in ("api_week", "home")),
    }
    save("timetable_web", result)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
