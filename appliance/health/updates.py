"""Pending Debian updates: `apt list --upgradable` parsed, and cached in a small JSON file.

apt reads its package lists without privileges; refreshing them (`apt-get update`) is
root's job (Debian's apt-daily.timer does it), so the age of the lists is reported too.
An update is a security one when one of its suites ends in `-security`.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

from appliance.health import command
from appliance.health.command import Runner
from backup.fsutil import atomic_write

_LINE = re.compile(r"^(\S+?)/(\S+)\s+(\S+)\s+(\S+)(?:\s+\[upgradable from: ([^\]]+)\])?")
LISTS_STAMP = Path("/var/lib/apt/periodic/update-success-stamp")
LISTS_DIR = Path("/var/lib/apt/lists")


def parse_upgradable(text: str) -> list[dict[str, Any]]:
    """Given `apt list --upgradable` output, return [{"name", "suites", "version", "arch",
    "from", "security"}] ("Listing..." and warnings are skipped)."""
    out = []
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        suites = m.group(2).split(",")
        out.append(
            {
                "name": m.group(1),
                "suites": suites,
                "version": m.group(3),
                "arch": m.group(4),
                "from": m.group(5),
                "security": any(s.endswith("-security") for s in suites),
            }
        )
    return out


def lists_age_hours(now: float | None = None) -> float | None:
    """Hours since apt's package lists were last refreshed, or None when unknown."""
    now = time.time() if now is None else now
    for path in (LISTS_STAMP, LISTS_DIR):
        try:
            return max(now - os.stat(path).st_mtime, 0.0) / 3600.0
        except OSError:
            continue
    return None


def check_updates(runner: Runner = command.run, now: float | None = None) -> dict[str, Any]:
    """Run apt now; return {"checked_at", "count", "security_count", "security" (names),
    "lists_age_hours", "error"} (error set, counts None, when apt could not be run)."""
    now = time.time() if now is None else now
    res = runner(("apt", "list", "--upgradable"), 300.0)
    result: dict[str, Any] = {"checked_at": int(now), "lists_age_hours": lists_age_hours(now)}
    if not res.ok:
        result.update(
            count=None,
            security_count=None,
            security=[],
            error=(res.stderr.strip().splitlines() or [f"apt code {res.code}"])[-1],
        )
        return result
    pkgs = parse_upgradable(res.stdout)
    sec = sorted(p["name"] for p in pkgs if p["security"])
    result.update(count=len(pkgs), security_count=len(sec), security=sec, error=None)
    return result


def pending_updates(
    cache_path: str | Path,
    *,
    max_age_hours: float = 6.0,
    now: float | None = None,
    runner: Runner = command.run,
) -> dict[str, Any]:
    """check_updates' result, served from `cache_path` while younger than `max_age_hours`.

    The cache is rewritten atomically (temporary file then rename).
    """
    now = time.time() if now is None else now
    path = Path(cache_path)
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if now - float(cached["checked_at"]) < max_age_hours * 3600:
            cached["cached"] = True
            return cached
    except (OSError, ValueError, KeyError, TypeError):
        pass
    result = check_updates(runner, now)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(result))
    except OSError:
        pass  # a read-only data folder must not stop the check itself
    result["cached"] = False
    return result
