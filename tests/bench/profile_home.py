"""Profile the logged-in student home page in-process (Flask test client).

With pyinstrument when it is installed (`pip install pyinstrument`: a call tree), else
cProfile. `--homework N` first writes N homework items for the student's class, as
`timetable_web_bench` does (issue 11's home page "with 200 homework items").

Run: .venv/bin/python -m tests.bench.profile_home [--requests 300] [--homework 200]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import tempfile
import time
from pathlib import Path

from appliance import config as config_mod
from appliance.core import create_box
from appliance.directory import demo, people
from tests.bench.timetable_web_bench import seed_homework
from webui.app import create_app


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--homework", type=int, default=0)
    args = ap.parse_args(argv)
    n = args.requests
    tmp = Path(tempfile.mkdtemp())
    (tmp / "c.toml").write_text("")
    cfg = config_mod.load(tmp / "c.toml", tmp / "d", env={})
    box = create_box(cfg)
    accounts = demo.seed(box.conn(), cfg.data_dir)
    login, pw = next((lg, p) for prof, lg, p in accounts if lg == "lea.martin")
    if args.homework:
        student = people.get_by_login(box.conn(), login)
        print(seed_homework(box.conn(), student["id"], args.homework))
    client = create_app(box).test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/login", data={"login": login, "password": pw, "csrf_token": token})
    assert client.get("/").status_code == 200
    start = time.process_time()
    for _ in range(n):
        client.get("/")
    print(f"{(time.process_time() - start) / n * 1000:.2f} ms of CPU per home page")
    try:
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            client.get("/")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            "webui|flask_babel|flask_wtf|appliance|sessions.py|ctx.py"
        )
        return
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(n):
        client.get("/")
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
