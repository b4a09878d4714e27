"""Checks of the box that are not hardware: clock, last backup, services.

Each returns a plain dict; none raises for a state of the box (that is what they report).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.health import command
from appliance.health.command import Runner

TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
STA_UNSYNC = 0x0040
TIME_ERROR = 5


class _Timeval(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_usec", ctypes.c_long)]


class _Timex(ctypes.Structure):
    """struct timex of <sys/timex.h> (Linux, glibc)."""

    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time", _Timeval),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_reserved", ctypes.c_int * 11),
    ]


def kernel_clock_synchronised() -> bool | None:
    """What the kernel says (adjtimex, read-only): True when an NTP daemon disciplines
    the clock, False when not, None when it can't be asked. This is what timedatectl's
    NTPSynchronized reports, and it works with chrony, ntpd or systemd-timesyncd."""
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name, use_errno=True)
        tx = _Timex()
        state = libc.adjtimex(ctypes.byref(tx))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    return state != TIME_ERROR and not tx.status & STA_UNSYNC


def clock_status(runner: Runner = command.run) -> dict[str, Any]:
    """{"synchronised": bool | None, "source": how it was learnt, "detail"}.

    Asks `timedatectl show -p NTPSynchronized --value` first, then the kernel (adjtimex),
    then systemd-timesyncd's flag file.
    """
    res = runner(("timedatectl", "show", "-p", "NTPSynchronized", "--value"), 10.0)
    value = res.stdout.strip().lower()
    if res.ok and value in ("yes", "no"):
        return {"synchronised": value == "yes", "source": "timedatectl", "detail": None}
    kernel = kernel_clock_synchronised()
    if kernel is not None:
        return {"synchronised": kernel, "source": "adjtimex", "detail": None}
    if TIMESYNC_FLAG.exists():
        return {"synchronised": True, "source": str(TIMESYNC_FLAG), "detail": None}
    return {
        "synchronised": None,
        "source": None,
        "detail": "Ni timedatectl ni le noyau n'ont pu dire si l'heure est synchronisée.",
    }


def _as_epoch(value: datetime | float | int | str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return datetime.fromisoformat(value).timestamp()
    return float(value)


def backup_status(
    last_success: datetime | float | str | None,
    *,
    now: float | None = None,
    max_age_hours: float = 26.0,
) -> dict[str, Any]:
    """Age of the last successful backup (given by the caller) against the dead-man limit.

    Returns {"last_success" (epoch or None), "age_hours", "max_age_hours", "overdue"}.
    """
    now = time.time() if now is None else now
    last = _as_epoch(last_success)
    age = None if last is None else max(now - last, 0.0) / 3600.0
    return {
        "last_success": last,
        "age_hours": None if age is None else round(age, 2),
        "max_age_hours": max_age_hours,
        "overdue": age is None or age > max_age_hours,
    }


def services_status(services: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Given {service name: alive (bool) or {"alive": bool, "detail": str}}, return
    [{"name", "alive", "detail"}] sorted by name."""
    out = []
    for name, state in sorted(services.items()):
        if isinstance(state, Mapping):
            out.append(
                {"name": name, "alive": bool(state.get("alive")), "detail": state.get("detail")}
            )
        else:
            out.append({"name": name, "alive": bool(state), "detail": None})
    return out
