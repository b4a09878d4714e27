"""Where the portal really listens, recorded by the process that serves it.

`cartable serve --port P` (or `run --port P`) listens elsewhere than `web.port`; a worker
or `cartable diagnose` running in another process would then ask the wrong port and report
a portal that works as down. The serving process writes `<data_dir>/web-listen.json`
({"host", "port", "pid"}) once its socket is bound and removes it when it stops;
`address(config)` gives that address while the process lives, else the configuration's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import psutil

from backup.fsutil import atomic_write

FILE_NAME = "web-listen.json"


def _path(config: Any) -> Path:
    return Path(config.data_dir) / FILE_NAME


def record(config: Any, host: str, port: int) -> None:
    """Write the address this process listens on (atomically; mode 0644)."""
    data = {"host": host, "port": int(port), "pid": os.getpid()}
    atomic_write(_path(config), json.dumps(data).encode() + b"\n")


def forget(config: Any) -> None:
    """Remove the record when it is this process's (a newer server may have replaced it)."""
    if _read(config).get("pid") == os.getpid():
        _path(config).unlink(missing_ok=True)


def _read(config: Any) -> dict[str, Any]:
    try:
        data = json.loads(_path(config).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def address(config: Any) -> tuple[str, int]:
    """(host, port) of the running portal: the recorded one while its process lives,
    else `web.host`/`web.port` of `config`."""
    data = _read(config)
    pid, host, port = data.get("pid"), data.get("host"), data.get("port")
    if (
        isinstance(pid, int)
        and isinstance(host, str)
        and isinstance(port, int)
        and psutil.pid_exists(pid)
    ):
        return host, port
    return config["web.host"], config["web.port"]
