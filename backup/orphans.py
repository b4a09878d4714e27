"""Borg must not outlive the job that started it.

Borg runs in its own session (a Ctrl-C in the technician's terminal must not reach it) and
inherits the job lock (see `runner.Borg.hold_fds`). When the job dies at once (kill -9,
the OOM killer, a power cut of the service), nothing would stop borg: it would go on
holding the job lock and the repository's, and the next job would fail "another backup is
running". Two guards:

- `child_setup` runs in the child before exec: `prctl(PR_SET_PDEATHSIG, SIGTERM)` asks the
  kernel to send SIGTERM to borg when the thread that started it ends. `Borg.run` waits
  for borg in the thread that starts it, so that thread ends only with the job.
- Every borg is recorded in `state_dir/borg-running/<pid>.json` with its parent while it
  runs. `reap_orphans`, called before each job takes the job lock, stops any recorded
  borg whose parent is gone (SIGTERM to its process group, SIGKILL after a delay); the
  job then breaks the repository locks left by dead processes (`targets.clear_stale_locks`).
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

from backup.fsutil import atomic_write

log = logging.getLogger("cartable.backup")

RECORDS = "borg-running"
TERM_WAIT_SECONDS = 10.0
_PR_SET_PDEATHSIG = 1

_prctl: Any
try:  # resolved once here: the child between fork and exec only calls it
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
    _prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    _prctl.restype = ctypes.c_int
except (OSError, AttributeError):  # not Linux: only `reap_orphans` guards
    _prctl = None


def child_setup(parent_pid: int) -> Callable[[], None]:
    """The `preexec_fn` for borg: SIGTERM when its parent thread dies; if the parent
    already died between fork and prctl, borg stops at once."""

    def setup() -> None:
        if _prctl is not None:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0)
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), signal.SIGTERM)

    return setup


def _started(pid: int) -> float | None:
    """The start time of a live (not zombie) process, None when there is none."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def _same(pid: int, started: float | None) -> bool:
    now = _started(pid)
    return now is not None and started is not None and abs(now - started) < 1.0


def record(state_dir: Path, pid: int, command: Sequence[str]) -> Path | None:
    """Note that borg `pid` (its masked `command`) runs for this process; returns the
    record's path (None when it could not be written: the kernel guard still holds)."""
    folder = Path(state_dir) / RECORDS
    data = {
        "pid": pid,
        "started": _started(pid),
        "parent_pid": os.getpid(),
        "parent_started": _started(os.getpid()),
        "command": list(command)[:4],
    }
    path = folder / f"{pid}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        atomic_write(path, json.dumps(data))
    except OSError as exc:
        log.warning("Suivi du processus borg %s impossible : %s", pid, exc)
        return None
    return path


def forget(path: Path | None) -> None:
    """Remove a record written by `record` (borg has ended)."""
    if path is not None:
        path.unlink(missing_ok=True)


def _stop(pid: int, started: float, wait: float) -> str:
    """SIGTERM to borg's process group (borg and its ssh), SIGKILL after `wait` s."""
    for sig, delay in ((signal.SIGTERM, wait), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return "arrêté"
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if not _same(pid, started):
                return "arrêté" if sig == signal.SIGTERM else "tué (SIGKILL)"
            time.sleep(0.1)
    return "toujours présent"


def reap_orphans(state_dir: Path, *, wait: float = TERM_WAIT_SECONDS) -> list[str]:
    """Stop the recorded borg processes of `state_dir` whose parent is gone; returns one
    note per borg stopped. Records of borg processes that ended are removed; a borg whose
    job still runs is left alone. Never raises for a process it may not signal."""
    folder = Path(state_dir) / RECORDS
    try:
        paths = sorted(folder.glob("*.json"))
    except OSError:
        return []
    notes = []
    for path in paths:
        try:
            data = json.loads(path.read_text())
            pid, started = int(data["pid"]), data.get("started")
            parent, parent_started = int(data["parent_pid"]), data.get("parent_started")
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            continue
        if not _same(pid, started):
            path.unlink(missing_ok=True)  # borg ended (its job may have been killed after)
            continue
        if _same(parent, parent_started):
            continue  # its job still runs
        try:
            outcome = _stop(pid, started, wait)
        except PermissionError:
            log.warning("Processus borg orphelin %s : pas le droit de l'arrêter.", pid)
            continue
        note = (
            f"Processus borg orphelin {pid} (sa tâche, processus {parent}, s'est arrêtée "
            f"brutalement) : {outcome}."
        )
        log.warning(note)
        notes.append(note)
        if outcome != "toujours présent":
            path.unlink(missing_ok=True)
    return notes
