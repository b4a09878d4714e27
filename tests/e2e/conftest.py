"""Browser tests: a real `cartable serve` (waitress) on a free port, driven by Debian's
Chromium through Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ADMIN_PASSWORD = "la technique au service du collège"


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def server(tmp_path):
    """A freshly initialised school served by waitress; yields (base_url, paths)."""
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("")
    data = tmp_path / "data"
    pw = tmp_path / "pw"
    pw.write_text(ADMIN_PASSWORD + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    base = [sys.executable, "-m", "appliance", "--config", str(cfg), "--data-dir", str(data)]
    subprocess.run(
        [
            *base,
            "init",
            "--school-name",
            "Collège Navigateur",
            "--uai",
            "0671111B",
            "--admin-login",
            "tech",
            "--admin-password-file",
            str(pw),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 (open while the server runs)
    proc = subprocess.Popen(
        [*base, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/login", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("server did not start: " + Path(tmp_path / "server.log").read_text())
    yield url, {"data": data, "config": cfg}
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture
def worker(server, tmp_path):
    """A real `cartable worker` beside the server (as systemd runs them): it runs the jobs
    the pages queue (#10). Yields the process."""
    _url, paths = server
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    cmd = [sys.executable, "-m", "appliance", "--config", str(paths["config"]),
           "--data-dir", str(paths["data"]), "worker"]  # fmt: skip
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115 (open while the worker runs)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield proc
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (see .ci/run)")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def enrol_totp(page) -> None:
    """The technician's first login: enrol the TOTP app from the page's key, then go past
    the ten recovery codes shown once. Leaves the browser on the home page."""
    import pyotp
    from playwright.sync_api import expect

    secret = page.locator("#totp-secret").get_attribute("data-secret")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("code.recovery-code")).to_have_count(10)
    page.get_by_role("link", name="J'ai noté mes codes : continuer").click()
