"""Profile the logged-in student home page in-process (Flask test client + cProfile).

Run: .venv/bin/python -m tests.bench.profile_home [N]
"""

from __future__ import annotations

import cProfile
import pstats
import re
import sys
import tempfile
import time
from pathlib import Path

from appliance import config as config_mod
from appliance.core import create_box
from appliance.directory import demo
from webui.app import create_app


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    tmp = Path(tempfile.mkdtemp())
    (tmp / "c.toml").write_text("")
    cfg = config_mod.load(tmp / "c.toml", tmp / "d", env={})
    box = create_box(cfg)
    accounts = demo.seed(box.conn(), cfg.data_dir)
    login, pw = next((lg, p) for prof, lg, p in accounts if prof == "student")
    client = create_app(box).test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    client.post("/login", data={"login": login, "password": pw, "csrf_token": token})
    assert client.get("/").status_code == 200
    start = time.perf_counter()
    for _ in range(n):
        client.get("/")
    print(f"{(time.perf_counter() - start) / n * 1000:.2f} ms per home page")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get("/")
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        "webui|flask_babel|flask_wtf|appliance|sessions.py|ctx.py"
    )


if __name__ == "__main__":
    main()
