"""Requests per second of a student's timetable against a bare Flask "hello" app (#11):
their week through the JSON API (`GET /api/v1/timetable`, a bearer token) and their home
page (today's and the next day's lessons, changes first, the "travail à faire", then the
tiles), on the demo school's full timetable (26 lessons a week, changes this week and next)
and, on top of the demo's homework, `HOMEWORK` published items for the student's classes
and groups written through `homework.create` (their lessons' subjects and teachers), due
over the coming five weeks, a dozen of them in the next days. All three under
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
from tests.bench.common import (
    cartable_cmd,
    free_port,
    load_average,
    machine,
    process,
    save,
    wrk,
)
from tests.bench.web_bench import _student_cookie


def _school_week(conn) -> date:
    """The Monday of this week, or of the year's first school week outside the year."""
    from appliance.schoollife import year

    info = year.require_year(conn)
    monday = year.monday_of(year.local_today())
    return monday if monday in info.letters else info.weeks[0][0]


HOMEWORK = 200


def seed_homework(conn, student_id: int, count: int = HOMEWORK) -> dict:
    """`count` published homework items for the classes and groups of `student_id`, through
    `homework.create` as their teachers (the subjects and teachers of their lessons), due
    from today over five weeks (no Sunday): the first twelve in the next three days, the
    rest spread over the weeks. Returns the counts the bench records."""
    from appliance.db import rows
    from appliance.schoollife.diary import audiences, homework
    from appliance.schoollife.year import local_today
    from appliance.security.audit import Actor

    taught = rows(
        conn,
        "SELECT DISTINCT l.audience_kind AS kind, coalesce(l.class_id, l.group_id) AS id, "
        "l.subject_code, t.person_id AS teacher_id, p.login FROM lesson l "
        "JOIN lesson_teacher t ON t.lesson_id = l.id JOIN person p ON p.id = t.person_id "
        "WHERE (l.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) "
        "OR l.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?)) "
        "ORDER BY l.subject_code, kind, id",
        (student_id, student_id),
    )
    assert taught, "the student has no lesson"
    today = local_today()
    days = [today + timedelta(days=n) for n in range(35)]
    days = [d for d in days if d.weekday() != 6]
    soon = days[:3]
    published = "2026-01-01T08:00"  # long published
    for n in range(count):
        t = taught[n % len(taught)]
        due = soon[n % 3] if n < 12 else days[(n * 7) % len(days)]
        homework.create(
            conn, Actor(t["teacher_id"], t["login"], "bench"),
            audience=audiences.get(conn, t["kind"], t["id"]), subject_code=t["subject_code"],
            text=f"<p>Exercice {n + 1} : relire le cours et faire les exercices "
            f"{n % 20 + 1} à {n % 20 + 4} page {40 + n % 60}.</p>",
            kind=homework.KINDS[n % 4], due=due, minutes=15 + n % 4 * 15, publish_at=published,
        )  # fmt: skip
    week = rows(
        conn,
        "SELECT count(*) AS n FROM homework h WHERE h.due_date BETWEEN ? AND ? AND "
        "(h.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) OR "
        "h.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?))",
        (today.isoformat(), (today + timedelta(days=6)).isoformat(), student_id, student_id),
    )[0]["n"]
    total = rows(
        conn,
        "SELECT count(*) AS n FROM homework h WHERE h.due_date >= ? AND "
        "(h.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) OR "
        "h.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?))",
        (today.isoformat(), student_id, student_id),
    )[0]["n"]
    return {"seeded": count, "to_come": total, "this_week": week, "audiences": len(
        {(t["kind"], t["id"]) for t in taught})}  # fmt: skip


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
        seeded = seed_homework(box.conn(), student["id"])
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
            "homework": seeded,
        }
        result["load"] = {"before": load_average()}
        with process(hello, hello_url) as hp, process(serve, base + "/login") as sp:
            cookie = {"Cookie": _student_cookie(base, login, password)}
            bearer = {"Authorization": f"Bearer {token}"}
            request = urllib.request.Request(api_url, headers=bearer)
            items = json.loads(urllib.request.urlopen(request).read())["items"]
            assert len(items) == len(week) > 20, (len(items), len(week))
            home = urllib.request.urlopen(urllib.request.Request(base + "/", headers=cookie))
            page = home.read().decode()
            assert "Toute la semaine" in page, "no timetable on the home page"
            assert page.count('id="bientot-') == 6 and "de plus cette semaine" in page, (
                "no homework block on the home page"
            )
            wrk(hello_url, 10, 2)  # warm-up
            wrk(api_url, 10, 2, bearer)
            wrk(base + "/", 10, 2, cookie)
            runs: dict[str, list[dict]] = {"hello": [], "api_week": [], "home": []}
            for _ in range(args.rounds):
                runs["hello"].append(wrk(hello_url, 50, args.seconds, pid=hp.pid))
                runs["api_week"].append(wrk(api_url, 50, args.seconds, bearer, pid=sp.pid))
                runs["home"].append(wrk(base + "/", 50, args.seconds, cookie, pid=sp.pid))
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
    for key, measured in runs.items():
        result[f"cpu_ms_{key}"] = sorted(r["server_cpu_ms_per_request"] for r in measured)[
            len(measured) // 2
        ]
    result["targets"] = {
        "api_week_at_least_0.30": result["ratio_api_week"] >= 0.30,
        "home_at_least_0.30": result["ratio_home"] >= 0.30,
        "no_errors": all(result[f"{k}_c50"]["non_2xx"] == 0 for k in ("api_week", "home")),
    }
    result["load"]["after"] = load_average()
    save("timetable_web", result)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
