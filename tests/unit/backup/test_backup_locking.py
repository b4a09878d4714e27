"""The job lock (never two jobs at once) and stale borg lock detection."""

import json
import os
import subprocess

import pytest

from backup.errors import JobBusy
from backup.locking import find_stale_locks, job_lock


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_job_lock_excludes_a_second_job_and_names_the_first(tmp_path):
    with job_lock(tmp_path, "backup"):
        with pytest.raises(JobBusy, match="« backup », processus"):
            with job_lock(tmp_path, "drill"):
                pass
        with pytest.raises(JobBusy):
            with job_lock(tmp_path, "check", wait_seconds=0.6):
                pass
    with job_lock(tmp_path, "drill") as lock:
        assert lock.job == "drill"


def test_only_dead_processes_of_this_host_are_stale(tmp_path):
    repo = tmp_path / "depot"
    excl = repo / "lock.exclusive"
    excl.mkdir(parents=True)
    dead = _dead_pid()
    (excl / f"vm.local@abc.{dead}-0").touch()
    (excl / f"vm.local@abc.{os.getpid()}-0").touch()  # alive
    (excl / f"autre@def.{dead}-0").touch()  # another host: never ours to break
    (repo / "lock.roster").write_text(
        json.dumps({"exclusive": [["vm.local@abc", dead, 0]], "shared": [["x@y", dead, 0]]})
    )
    stale = find_stale_locks([repo, tmp_path / "absent"], "vm.local@abc")
    assert {(s.where.name, s.pid) for s in stale} == {
        (f"vm.local@abc.{dead}-0", dead),
        ("lock.roster", dead),
    }
    assert find_stale_locks([repo], "autre-hote@zzz") == []
