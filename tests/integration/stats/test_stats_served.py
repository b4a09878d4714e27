"""The counting as the school's server runs it: `cartable serve` (waitress, a real
process) counts a student's pages in its memory and writes them itself, here when
systemd's SIGTERM stops it (it also does every minute); the health probe, static files
and the login page leave nothing."""

from __future__ import annotations

import subprocess
import time

from appliance import config as config_mod
from appliance.core import open_box
from appliance.db import rows
from appliance.health import probes
from appliance.stats import counting
from tests.conftest import make_person
from tests.health_data import free_port
from tests.integration.test_cli import CARTABLE, _wait_port_answer, init_school
from tests.integration.test_cli_listen import _get, _log_in, _opener


def test_serve_counts_in_memory_and_writes_when_stopped(tmp_path):
    port = free_port()
    cfg, data = init_school(tmp_path, config_text=f"[web]\nport = {port}\n")
    box = open_box(config_mod.load(cfg, data, env={}))
    _id, login, password = make_person(box.conn(), "student")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [*CARTABLE, "--config", str(cfg), "--data-dir", str(data), "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_port_answer(base + "/login", proc)
        assert probes.portal_probe("127.0.0.1", port)["alive"]
        opener = _opener()
        _log_in(opener, base, login, password)
        for _ in range(3):
            assert "Mon compte" in _get(opener, base + "/")
        _get(opener, base + "/static/cartable.css")
        # Counted in the portal's memory: nothing written yet (the first flush comes a
        # minute after the start; a machine so slow that it is past cannot tell).
        if time.monotonic() - started < counting.FLUSH_SECONDS - 5:
            assert rows(box.conn(), "SELECT * FROM usage_stat") == []
    finally:
        proc.terminate()  # SIGTERM, as systemd stops it
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in out, out
    found = rows(box.conn(), "SELECT service, profile, visits, people FROM usage_stat")
    assert found == [{"service": "accueil", "profile": "eleve", "visits": 1, "people": 1}]
