"""Shared pieces of the benchmarks: a demo school on disk, a waitress server in a
subprocess, wrk runs and their parsing. Benchmarks are not part of `make test`."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "tests" / "bench" / "results"


def web_cpus_default() -> str:
    """The product's default `web.cpus`, for the reference servers run as `cartable serve`
    runs (`appliance.cli.run.pin_cpus`)."""
    from appliance.config import core_keys

    return next(k.default for k in core_keys() if k.name == "web.cpus")


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def process(cmd: list[str], url: str, env: dict | None = None):
    """Start a server process, wait until `url` answers, stop it at the end."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    full_env.update(env or {})
    proc = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(url)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def cartable_cmd(config: Path, data: Path, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "appliance",
        "--config",
        str(config),
        "--data-dir",
        str(data),
        *args,
    ]


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process `pid` has used so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # after the command's ")": state is field 3, utime 14 and stime 15 (counted from 1)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> int:
    """Voluntary and involuntary context switches of every thread of `pid` so far."""
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            text = status.read_text()
        except OSError:  # a thread that just ended
            continue
        for line in text.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def wrk(
    url: str,
    connections: int,
    seconds: int,
    headers: dict | None = None,
    script: Path | None = None,
    pid: int | None = None,
) -> dict:
    """Run wrk with --latency (and a Lua `script` making each request, when given); return
    requests/s, errors and latency percentiles (ms). Given the server's `pid`, also the
    server's CPU time per request (ms, from /proc: what the load of the machine changes
    least)."""
    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: apt-get install wrk")
    cmd = ["wrk", "--latency", "-t", "2", "-c", str(connections), "-d", f"{seconds}s"]
    if script is not None:
        cmd += ["-s", str(script)]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    cpu_before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    cpu_used = cpu_seconds(pid) - cpu_before if pid else 0.0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {}
    for p, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
        pct[f"p{p}_ms"] = round(float(value) * factor, 2)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    done = int(re.search(r"(\d+) requests in", out).group(1))
    cpu = {"server_cpu_ms_per_request": round(cpu_used / done * 1000, 3)} if pid and done else {}
    return {
        "requests_per_s": rps,
        "requests": done,
        **pct,
        **cpu,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(x) for x in errors.groups()) if errors else 0,
    }


def save(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return path


def load_average() -> float:
    """The machine's load average over the last minute (other jobs share its cores)."""
    return round(os.getloadavg()[0], 2)


def machine() -> dict:
    import platform

    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
