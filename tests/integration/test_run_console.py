"""`cartable run --demo` as `make run` starts it: the console ends with the demo logins,
the scheduler's INFO lines go to DATA/cartable.log (#9)."""

import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_200(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"cartable run ended early (code {proc.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} never answered 200")


def test_run_console_ends_with_the_demo_logins_and_no_scheduler_lines(tmp_path):
    data = tmp_path / "demo"
    cfg = tmp_path / "cartable.toml"
    # a short sampling interval, so that the scheduler runs a job while we watch
    cfg.write_text("[health]\nsample_interval_seconds = 5\n", encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "appliance", "--config", str(cfg), "--data-dir", str(data)]
        + ["run", "--demo", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal: a suite started in the background by a script inherits
        # SIGINT ignored, and Python then never turns it into KeyboardInterrupt (found
        # running `make test` from a script on a fresh Debian 12).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        _wait_for_200(f"http://127.0.0.1:{port}/login", proc)
        time.sleep(6)  # a sampling job runs meanwhile
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)

    logins = [line.split("\t") for line in (data / "demo-logins.txt").read_text().splitlines()]
    logins = [row for row in logins if len(row) == 3]
    assert len(logins) >= 10
    lines = [line for line in out.splitlines() if line.strip()]
    tail = "\n".join(lines[-(len(logins) + 1) :])
    for _profile, login, password in logins:
        assert login in tail and password in tail, f"{login} not among the last lines:\n{out}"
    # the address is on the console, above the logins
    assert f"http://127.0.0.1:{port}/" in "\n".join(lines[: -len(logins)])
    console = out + err
    assert " INFO " not in console and "apscheduler" not in console, console
    # the jobs' findings (health state changes…) are for the pages, the mails and the log
    assert "cartable.health" not in console, console
    assert "Traceback" not in console
    log = (data / "cartable.log").read_text(encoding="utf-8")
    assert "apscheduler" in log and "health.sample" in log and " INFO " in log


def test_the_console_keeps_the_jobs_errors_and_other_warnings_only():
    """Health state changes are warnings of the health job: shown on the health page and
    in the log file, not between the logins and the prompt; errors always reach it."""
    from appliance.cli.run import _not_a_job_finding

    def record(name: str, level: int) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "x", None, None)

    assert not _not_a_job_finding(record("cartable.health", logging.WARNING))
    assert not _not_a_job_finding(record("apscheduler.executors.default", logging.WARNING))
    assert _not_a_job_finding(record("cartable.health", logging.ERROR))
    assert _not_a_job_finding(record("cartable.healthy-other", logging.WARNING))
    assert _not_a_job_finding(record("cartable.web", logging.WARNING))


def test_a_saturated_portal_says_so_once_a_minute_not_on_every_request(tmp_path):
    """waitress warns "Task queue depth is N" on each request that finds every thread
    busy: at 8:00 thousands of lines a minute in the journal. `serve` lets one through a
    minute."""
    import concurrent.futures

    data = tmp_path / "data"
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("[web]\nthreads = 1\n", encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    base = [sys.executable, "-m", "appliance", "--config", str(cfg), "--data-dir", str(data)]
    secret = tmp_path / "password"
    secret.write_text("correct horse battery staple 42\n", encoding="utf-8")
    subprocess.run([*base, "init", "--uai", "0679999X", "--school-name", "Lycée test",
                    "--admin-login", "admin", "--admin-password-file", str(secret),
                    "--portal-url", "https://ent.test"], check=True, env=env,
                   capture_output=True)  # fmt: skip
    err = tmp_path / "stderr.txt"
    with err.open("wb") as sink:
        proc = subprocess.Popen([*base, "serve", "--port", str(port)], env=env,
                                stdout=subprocess.DEVNULL, stderr=sink)  # fmt: skip
        try:
            _wait_for_200(f"http://127.0.0.1:{port}/login", proc)

            def fetch(_):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=30) as r:
                    return r.status

            with concurrent.futures.ThreadPoolExecutor(40) as pool:
                statuses = list(pool.map(fetch, range(400)))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
    assert statuses == [200] * 400
    lines = [ln for ln in err.read_text().splitlines() if "Task queue depth" in ln]
    assert len(lines) == 1, lines
