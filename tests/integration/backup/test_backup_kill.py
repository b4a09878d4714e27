"""A `cartable backup run` killed as a power cut or the OOM killer kills it (SIGKILL to its
whole process group): borg must not outlive it, and the next run succeeds unattended.
Real processes, a real data folder, a real borg on a repository in tmp_path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.fixtures.backup.support import requires_borg
from tests.integration.test_cli import init_school, run

pytestmark = requires_borg


def ok(r):
    assert r.returncode == 0, f"{r.stdout}\n{r.stderr}"
    return r


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(what)


def _borg_children(pid: int) -> list[psutil.Process]:
    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    out = []
    for k in kids:
        try:
            argv = k.cmdline()
            if any(os.path.basename(a) == "borg" for a in argv[:2]) and "create" in argv:
                out.append(k)
        except psutil.NoSuchProcess:
            pass
    return out


def test_sigkill_of_the_whole_job_leaves_no_borg_and_the_next_run_succeeds(tmp_path):
    cfg, data = init_school(tmp_path, config_text="[backup]\nfree_space_margin_mb = 0\n")
    repo = tmp_path / "depot"
    ok(run(["backup", "init", "--label", "local", "--repo", str(repo)], data_dir=data, config=cfg))
    # enough data for `borg create` to take several seconds: a school's many small files
    for d in range(60):
        folder = data / "files" / "people" / str(d)
        folder.mkdir(parents=True)
        for i in range(500):
            (folder / f"devoir-{i}.txt").write_bytes(os.urandom(2000))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    cmd = [sys.executable, "-m", "appliance", "--config", str(cfg), "backup", "run"]
    job = subprocess.Popen(
        [*cmd, "--data-dir", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, as a service has
    )
    (borg,) = _wait(lambda: _borg_children(job.pid), 60, "borg create never started")
    _wait(lambda: (repo / "lock.exclusive").exists(), 30, "borg never took its lock")
    time.sleep(0.5)
    assert job.poll() is None, "the backup ended before it could be killed: add data"
    os.killpg(job.pid, signal.SIGKILL)
    job.wait()
    # borg does not outlive the job that started it (it would have run on for seconds)
    _wait(lambda: _gone(borg.pid), 5, f"borg {borg.pid} outlived its job")
    leftover = [
        p
        for p in psutil.process_iter(["cmdline"])
        if p.info["cmdline"] and str(repo) in " ".join(p.info["cmdline"]) and not _gone(p.pid)
    ]
    assert leftover == []
    # and the next run, unattended, succeeds at once
    started = time.monotonic()
    r = ok(run(["backup", "run", "--json"], data_dir=data, config=cfg))
    (rec,) = json.loads(r.stdout)
    assert rec["outcome"] == "ok", rec["message"]
    assert time.monotonic() - started < 120
