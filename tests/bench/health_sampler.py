"""Benchmark: CPU and memory cost of the health sampler at its 10-second interval.

Not a pytest test. Run: `.venv/bin/python tests/bench/health_sampler.py [--minutes 5]`.

Two child processes run side by side for the same wall time:
- "sampler": takes a sample every interval (with `--full`, the worker's whole
  `HealthMonitor.sample_tick`: sampling, rules and batched writes to a temporary
  metrics.db, plus the maintenance job every 5 minutes);
- "reference": the same interpreter with the same imports, waking at the same interval
  and doing nothing — what any Python worker costs anyway.

The parent reads each child's CPU time (user + system) with psutil after both are ready
and at the end, and their resident memory every interval. It prints JSON: CPU as a share
of one core for each, the sampler's net share (minus the reference), RSS at the end and
at its peak, and whether the targets of issue 5 are met (under 1 % of a core, under 50 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_CPU_PCT = 1.0
TARGET_RSS_MB = 50.0


def child(kind: str, interval: float, full: bool) -> None:
    """Loop forever (the parent ends us), working at each tick when `kind` is sampler."""
    import psutil  # noqa: F401 - same imports in both children

    from appliance.health.sampler import Sampler

    work = None
    if kind == "sampler":
        if full:
            from appliance.health.jobs import HealthMonitor
            from appliance.health.settings import HealthSettings

            tmp = tempfile.mkdtemp(prefix="cartable-bench-")
            monitor = HealthMonitor(Path(tmp) / "metrics.db", HealthSettings())
            state = {"n": 0}

            def work() -> None:
                monitor.sample_tick()
                state["n"] += 1
                if state["n"] % max(int(300 / interval), 1) == 0:
                    monitor.maintenance_tick()
        else:
            sampler = Sampler()
            work = sampler.sample
        work()  # the first sample primes the counters
    print("ready", flush=True)
    next_t = time.monotonic()
    while True:
        next_t += interval
        if work is not None:
            work()
        time.sleep(max(0.0, next_t - time.monotonic()))


def cpu_seconds(proc) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def measure(minutes: float, interval: float, full: bool) -> dict:
    import psutil

    argv = [sys.executable, __file__, "--child", "", "--interval", str(interval)]
    if full:
        argv.append("--full")
    procs = {}
    for kind in ("sampler", "reference"):
        a = list(argv)
        a[3] = kind
        procs[kind] = subprocess.Popen(a, stdout=subprocess.PIPE, text=True)  # noqa: S603
    try:
        for p in procs.values():
            if p.stdout.readline().strip() != "ready":
                raise RuntimeError("a child did not start")
        ps = {k: psutil.Process(p.pid) for k, p in procs.items()}
        start_cpu = {k: cpu_seconds(p) for k, p in ps.items()}
        peak = {k: p.memory_info().rss for k, p in ps.items()}
        start = time.monotonic()
        end = start + minutes * 60
        while time.monotonic() < end:
            time.sleep(min(interval, max(end - time.monotonic(), 0)))
            for k, p in ps.items():
                peak[k] = max(peak[k], p.memory_info().rss)
        wall = time.monotonic() - start
        used = {k: cpu_seconds(p) - start_cpu[k] for k, p in ps.items()}
        rss = {k: p.memory_info().rss for k, p in ps.items()}
    finally:
        for p in procs.values():
            p.terminate()
            p.wait(10)
    mb = 1024 * 1024

    def report(k: str) -> dict:
        return {
            "cpu_seconds": round(used[k], 3),
            "cpu_pct_of_one_core": round(used[k] / wall * 100, 4),
            "rss_mb_end": round(rss[k] / mb, 1),
            "rss_mb_peak": round(peak[k] / mb, 1),
        }

    net = (used["sampler"] - used["reference"]) / wall * 100
    return {
        "benchmark": "health_sampler",
        "mode": "sample_tick (sampling, rules, batched writes)" if full else "sampler only",
        "interval_seconds": interval,
        "wall_seconds": round(wall, 1),
        "samples": int(wall // interval),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "sampler": report("sampler"),
        "reference_idle_python": report("reference"),
        "net_cpu_pct_of_one_core": round(net, 4),
        "targets": {"cpu_pct_of_one_core": TARGET_CPU_PCT, "rss_mb": TARGET_RSS_MB},
        "meets_cpu_target": report("sampler")["cpu_pct_of_one_core"] < TARGET_CPU_PCT,
        "meets_memory_target": peak["sampler"] / mb < TARGET_RSS_MB,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument(
        "--full",
        action="store_true",
        help="measure HealthMonitor.sample_tick instead of the sampler alone",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.interval, args.full)
        return 0
    result = measure(args.minutes, args.interval, args.full)
    from tests.bench.common import save

    save("health_sampler", result)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
