"""`web.cpus`: `cartable serve` keeps its threads on one core by default, on every core with
"all", on the cores listed otherwise, and refuses a core the machine does not have (a real
process; the threads' CPUs read from /proc)."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance.cli.run import pin_cpus
from appliance.errors import ConfigError
from tests.health_data import free_port
from tests.integration.test_cli import CARTABLE, _wait_port_answer, init_school, run

ALLOWED = sorted(os.sched_getaffinity(0))


def _cpu_list(text: str) -> list[int]:
    """ "0-2,5" → [0, 1, 2, 5] (the kernel's Cpus_allowed_list)."""
    found: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        found += range(int(low), int(high or low) + 1)
    return found


def _threads_cpus(pid: int) -> dict[int, list[int]]:
    """Each thread of `pid` → the CPUs it may run on."""
    out = {}
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        for line in status.read_text().splitlines():
            if line.startswith("Cpus_allowed_list:"):
                out[int(status.parent.name)] = _cpu_list(line.split(":", 1)[1].strip())
    return out


def _serve(tmp_path, cpus: str | None):
    port = free_port()
    text = "[security]\nadmin_totp_required = false\n"
    if cpus is not None:
        text += f'[web]\ncpus = "{cpus}"\n'
    cfg, data = init_school(tmp_path, config_text=text)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    cmd = [*CARTABLE, "--config", str(cfg), "--data-dir", str(data), "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)  # fmt: skip
    return proc, port


@pytest.mark.parametrize(
    "cpus, expected",
    [
        (None, [ALLOWED[-1]] if len(ALLOWED) > 1 else ALLOWED),  # the default, "auto"
        ("all", ALLOWED),
        (str(ALLOWED[0]), [ALLOWED[0]]),
    ],
)
def test_the_portals_threads_run_on_the_cores_of_web_cpus(tmp_path, cpus, expected):
    proc, port = _serve(tmp_path, cpus)
    try:
        page = _wait_port_answer(f"http://127.0.0.1:{port}/login", proc)
        assert "csrf_token" in page
        threads = _threads_cpus(proc.pid)
        # waitress's workers and the main thread, all of them
        assert len(threads) >= 9, threads
        assert set(map(tuple, threads.values())) == {tuple(expected)}, threads
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0]
    if expected != ALLOWED:
        assert f"cœur(s) {expected}" in out, out


def test_a_core_the_machine_does_not_have_is_refused_naming_the_key(tmp_path):
    missing = max(ALLOWED) + 1
    proc, _port = _serve(tmp_path, f"{ALLOWED[0]},{missing}")
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode != 0
    assert f"web.cpus : le cœur {missing} n'est pas disponible ici" in out, out
    assert "Traceback" not in out


def test_a_value_that_is_not_cpus_is_refused_when_the_configuration_is_read(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text('[web]\ncpus = "deux"\n')
    with pytest.raises(ConfigError) as caught:
        config_mod.load(cfg, tmp_path / "data", env={})
    assert "web.cpus" in str(caught.value) and "deux" in str(caught.value)
    r = run(["config", "check"], data_dir=tmp_path / "data", config=cfg)
    assert r.returncode != 0 and "web.cpus" in r.stderr, r.stderr
    cfg.write_text("")
    env_ok = config_mod.load(cfg, tmp_path / "data", env={"CARTABLE_WEB_CPUS": "all"})
    assert env_ok["web.cpus"] == "all"


def test_pin_cpus_keeps_the_calling_thread_and_the_threads_it_starts():
    """Linux's affinity is per thread: a thread that pins itself keeps the others as they
    were, and the threads it starts afterwards inherit its CPUs."""
    seen: dict[str, object] = {}

    def pinned() -> None:
        seen["returned"] = pin_cpus(str(ALLOWED[0]))
        seen["self"] = sorted(os.sched_getaffinity(0))
        child = threading.Thread(target=lambda: seen.update(child=sorted(os.sched_getaffinity(0))))
        child.start()
        child.join()

    t = threading.Thread(target=pinned)
    t.start()
    t.join()
    assert seen == {"returned": [ALLOWED[0]], "self": [ALLOWED[0]], "child": [ALLOWED[0]]}
    assert sorted(os.sched_getaffinity(0)) == ALLOWED  # this thread untouched
    assert pin_cpus("all") is None
