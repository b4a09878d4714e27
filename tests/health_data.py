"""A metrics.db as the worker leaves it, for the tests of the health pages and commands:
real sampler samples written with MetricStore, an alert opened by the real rule engine,
and recorded smartctl outputs put in a spool folder the way the root one-shot does."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from appliance.health import smart_spool
from appliance.health.jobs import HealthMonitor
from appliance.health.sampler import Sampler
from appliance.health.settings import HealthSettings
from appliance.health.store import MetricStore

FIX = Path(__file__).resolve().parent / "fixtures" / "health"
SECRET = "relais-SMTP-tres-secret-42"
FS_KEY = "fs.space:/"


def write_samples(metrics_path: Path, count: int = 4, pause: float = 0.2) -> int:
    """Write `count` real samples (rates measured `pause` seconds apart), stamped 10 s
    apart and ending a few seconds ago as a worker sampling every 10 s would have left
    them; return the number of points written."""
    store = MetricStore.open(metrics_path)
    sampler = Sampler()
    written = 0
    end = int(time.time()) - 2
    try:
        for i in range(count):
            sample = sampler.sample()
            ts = end - (count - 1 - i) * 10
            written += store.write([(ts, name, v) for name, v in sample["points"]])
            if i + 1 < count:
                time.sleep(pause)
    finally:
        store.close()
    return written


def open_filesystem_warning(metrics_path: Path) -> None:
    """Let the worker's monitor open a warning on "/" (threshold lowered to 0.001 %),
    as it would on a nearly full disk."""
    settings = HealthSettings(
        fs_warning_pct=0.001, fs_critical_pct=100, min_duration_seconds=0, write_batch_seconds=10
    )
    monitor = HealthMonitor(metrics_path, settings)
    try:
        monitor.sample_tick()
        monitor.sample_tick()
    finally:
        monitor.close()


def spool_disk(spool_dir: Path, device: str, fixture: str) -> None:
    """Put a recorded `smartctl --json -a` output in the spool, as the root one-shot does."""
    spool_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    spool_dir.chmod(0o755)
    data = json.loads((FIX / "smart" / fixture).read_text(encoding="utf-8"))
    fd = smart_spool.open_spool_dir(spool_dir)
    entry = {"device": device, "collected_at": int(time.time()), "data": data}
    try:
        smart_spool.write_atomic(fd, smart_spool.spool_name(device), entry)
    finally:
        os.close(fd)


def free_port() -> int:
    """A loopback TCP port where nothing listens (right now)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health_config(tmp_path: Path, web_port: int | None = None) -> str:
    """TOML for a test box: a secret relay password, a spool folder in tmp_path, and
    the portal's port (one where nothing listens by default)."""
    return (
        "[web]\n"
        f"port = {web_port or free_port()}\n"
        "[mail]\n"
        f'password = "{SECRET}"\n'
        "[health]\n"
        f'smart_spool_dir = "{tmp_path / "smart"}"\n'
    )
