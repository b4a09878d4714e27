"""`cartable run --port P` / `serve --port P`: the port in force is the one the process
listens on, for the settings page, the health check and the slips (a real process)."""

import html
import http.cookiejar
import json
import re
import subprocess
import urllib.parse
import urllib.request

import pytest

from appliance import config as config_mod
from appliance.health import probes, wiring
from tests.health_data import free_port
from tests.integration.test_cli import CARTABLE, _wait_port_answer, init_school, run

ADMIN_PW = "une phrase de passe solide"


def _opener():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _get(opener, url: str) -> str:
    with opener.open(url, timeout=10) as r:
        return html.unescape(r.read().decode())


def _log_in(opener, base: str, login: str, password: str) -> None:
    page = _get(opener, base + "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"login": login, "password": password, "csrf_token": token, "next": ""}
    with opener.open(base + "/login", urllib.parse.urlencode(form).encode(), timeout=10) as r:
        assert r.status == 200


def _web_service_result(results: list[dict]) -> list[dict]:
    return [r for r in results if r["key"] == f"service:{probes.SERVICE_WEB}"]


@pytest.mark.parametrize(
    "command, host",
    [("run", None), ("serve", "127.0.0.2")],  # the whole of 127/8 is the loopback on Linux
)
def test_run_port_option_is_the_port_in_force(tmp_path, command, host):
    """Before the fix, the health check asked web.port (8080 or the file's) and said the
    portal was down, and the settings page showed that port. `serve --host H`: the same
    for the address."""
    config_port, port = free_port(), free_port()
    cfg, data = init_school(
        tmp_path,
        config_text=f"[web]\nport = {config_port}\n[security]\nadmin_totp_required = false\n"
        f'[health]\nsmart_spool_dir = "{tmp_path / "smart"}"\n',
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    where = ["--host", host] if host else []
    proc = subprocess.Popen(
        [
            *CARTABLE,
            "--config",
            str(cfg),
            "--data-dir",
            str(data),
            command,
            "--port",
            str(port),
            *where,
        ],  # fmt: skip
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://{host or '127.0.0.1'}:{port}"
        _wait_port_answer(base + "/login", proc)
        # `cartable diagnose` (another process) asks the portal where it really listens
        r = run(["diagnose", "--json"], data_dir=data, config=cfg)
        assert r.stdout, r.stderr
        assert not [
            x for x in _web_service_result(json.loads(r.stdout)) if x["status"] != "success"
        ]
        # so does a worker started apart, from the configuration file alone
        loaded = config_mod.load(cfg, data, env={})
        seen = wiring.services(loaded, "worker")
        assert seen[probes.SERVICE_WEB] == {"alive": True, "detail": None}
        # the settings page shows the port in force and where it comes from
        opener = _opener()
        _log_in(opener, base, "tech", ADMIN_PW)
        page = _get(opener, base + "/admin/reglages")
        row = re.search(r"<code>web\.port</code></td><td><code>(\d+)</code></td><td>([^<]*)<", page)
        assert row, page[:2000]
        assert row.groups() == (str(port), "option --port")
        if host:
            row = re.search(
                r"<code>web\.host</code></td><td><code>([^<]+)</code></td><td>([^<]*)<", page
            )
            assert row and row.groups() == (host, "option --host"), page[:2000]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=15)
    assert "Traceback" not in out
    # once the portal has stopped, the probe falls back to the configuration's port
    assert not (data / "web-listen.json").exists()
    assert wiring.services(loaded, "worker")[probes.SERVICE_WEB]["alive"] is False


def test_bad_port_option_is_one_line(tmp_path):
    cfg, data = init_school(tmp_path)
    r = run(["serve", "--port", "70000"], data_dir=data, config=cfg)
    assert r.returncode != 0
    assert "option --port" in r.stderr and "65535" in r.stderr
    assert "Traceback" not in r.stderr
