"""Locks: the job lock that keeps backup jobs from overlapping, and borg's stale locks.

The job lock is an flock on `state_dir/job.lock`: the kernel drops it when its process
dies, so it can never go stale. Borg's own locks are folders (`lock.exclusive/`, whose
file names are `HOST.PID-THREAD`) and a `lock.roster` JSON file, in the repository and
in borg's cache; a crash leaves them behind. Those owned by this server (same borg host
id) whose process is gone are stale and can be broken safely while we hold the job lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from backup.errors import N_, JobBusy, Phrase
from backup.orphans import reap_orphans


@dataclass(frozen=True)
class JobLock:
    """The held job lock: its open descriptor (inheritable by borg), path and job name."""

    fd: int
    path: Path
    job: str


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return ""
    job, pid, since = info.get("job", "?"), info.get("pid", "?"), info.get("since", "")
    return Phrase(
        N_(" (tâche « %(job)s », processus %(pid)s, depuis %(since)s)"),
        job=job,
        pid=pid,
        since=since,
    )


@contextmanager
def job_lock(state_dir: Path, job: str, *, wait_seconds: float = 0) -> Iterator[JobLock]:
    """Hold the backup job lock of `state_dir` for the block; yields a `JobLock`.

    Waits up to `wait_seconds` for another job to finish, then raises JobBusy naming it.
    A borg left running by a job that died (it inherited the lock) is stopped first
    (`orphans.reap_orphans`), so a killed job never blocks the next one.
    """
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = state_dir / "job.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_seconds
    try:
        reap_orphans(state_dir)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if reap_orphans(state_dir):
                    continue  # the holder was an orphan borg, now stopped
                if time.monotonic() >= deadline:
                    raise JobBusy(
                        N_(
                            "Une autre tâche de sauvegarde est en cours%(holder)s. Les tâches "
                            "ne se chevauchent jamais : réessayez quand elle sera finie."
                        ),
                        holder=_holder(path),
                    ) from None
                time.sleep(0.5)
        since = datetime.now().astimezone().isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"job": job, "pid": os.getpid(), "since": since}).encode(), 0)
        yield JobLock(fd, path, job)
    finally:
        os.close(fd)  # closing drops the flock (unless borg inherited it and still runs)


@dataclass(frozen=True)
class StaleLock:
    """A borg lock entry left by a dead process of this server."""

    where: Path
    host: str
    pid: int


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (dead, not yet reaped by its new parent) holds no lock any more
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _parse_lock_name(name: str) -> tuple[str, int] | None:
    try:
        host_pid, _thread = name.rsplit("-", 1)
        host, pid = host_pid.rsplit(".", 1)
        return host, int(pid)
    except ValueError:
        return None


def lock_places(repo_path: Path | None, cache_dir: Path | None) -> list[Path]:
    """The folders where borg keeps locks for a repository and its cache."""
    return [p for p in (repo_path, cache_dir) if p is not None]


def find_stale_locks(places: Iterable[Path], host_id: str) -> list[StaleLock]:
    """Borg lock entries in `places` owned by `host_id` whose process is dead.

    Locks of other hosts are never reported: we cannot know whether they still run.
    """
    stale: list[StaleLock] = []
    for place in places:
        excl = Path(place) / "lock.exclusive"
        try:
            names = os.listdir(excl)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            names = []
        for name in names:
            parsed = _parse_lock_name(name)
            if parsed and parsed[0] == host_id and not _pid_alive(parsed[1]):
                stale.append(StaleLock(excl / name, parsed[0], parsed[1]))
        roster = Path(place) / "lock.roster"
        try:
            data = json.loads(roster.read_text() or "{}")
        except (OSError, ValueError):
            data = {}
        for kind in ("exclusive", "shared"):
            for entry in data.get(kind, []) or []:
                if len(entry) >= 2 and entry[0] == host_id and not _pid_alive(int(entry[1])):
                    stale.append(StaleLock(roster, entry[0], int(entry[1])))
    return stale
