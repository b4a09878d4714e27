"""Faults, each leaving earlier archives restorable and the next run succeeding without a
human: missing or corrupt database, wrong passphrase, not enough space, a full disk, a
borg killed with -9 in the middle of `create`, a stale lock, a timeout, an absent
removable disk."""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backup import archives, jobs, restore, setup
from backup.commands import create_argv, with_lock_argv
from backup.passphrase import read_passphrase_file, write_passphrase_file
from backup.repos import Repository, RunRecord
from tests.fixtures.backup.support import requires_borg

pytestmark = requires_borg


@pytest.fixture
def local(ctx, tmp_path, school):
    """A local repository with one good backup."""
    setup.init_repository(ctx, "local", str(tmp_path / "depot"))
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    return tmp_path / "depot"


def _archive_names(ctx) -> list[str]:
    return [a.name for a in archives.list_archives(ctx, "local")]


def test_missing_database_fails_loudly(ctx, school, local):
    before = _archive_names(ctx)
    school.databases["metrics.db"].unlink()
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "error" and rec.alert
    assert "metrics.db est introuvable" in rec.message and "jamais de copie vide" in rec.message
    assert _archive_names(ctx) == before
    assert not list(ctx.staging_dir.rglob("*.db"))


def test_corrupt_database_fails_loudly(ctx, school, local):
    before = _archive_names(ctx)
    db = school.databases["cartable.db"]
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    data = bytearray(db.read_bytes())
    data[4096:8192] = os.urandom(4096)  # a whole page of garbage
    db.write_bytes(bytes(data))
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "error"
    assert "cartable.db" in rec.message and "abîmée" in rec.message
    assert _archive_names(ctx) == before
    assert not list(ctx.staging_dir.rglob("*.partial"))


def test_wrong_passphrase_is_explained(ctx, school, local):
    repo = ctx.registry.get("local")
    good = read_passphrase_file(repo.passphrase_file)
    write_passphrase_file(Path(repo.passphrase_file), type(good)("mauvaise-phrase"))
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "error" and rec.exit_code == 52
    assert "phrase de passe est incorrecte" in rec.message
    write_passphrase_file(Path(repo.passphrase_file), good)
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message


def test_not_enough_free_space_stops_cleanly(ctx, school, local):
    before = _archive_names(ctx)
    st = os.statvfs(local)
    tight = dataclasses.replace(ctx, margin_bytes=st.f_bavail * st.f_frsize + 1)
    (rec,) = jobs.run_backup(tight, school)
    assert rec.outcome == "error"
    assert rec.message.startswith("Pas assez de place") and "Libérez de la place" in rec.message
    assert _archive_names(ctx) == before
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok"


def _start_borg(ctx, argv, passphrase=None) -> subprocess.Popen:
    """Start borg directly with the runner's environment (to kill it ourselves)."""
    borg = ctx.borg
    fds, env = (), None
    if passphrase is not None:
        r, w = os.pipe()
        os.write(w, passphrase.reveal().encode() + b"\n")
        os.close(w)
        fds, env = (r,), borg.environment(passphrase_fd=r)
    proc = subprocess.Popen(
        borg.command(argv),
        env=env or borg.environment(),
        pass_fds=fds,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for fd in fds:
        os.close(fd)
    return proc


def _wait_for(path: Path, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} n'apparaît pas"
        time.sleep(0.05)


def _kill9(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the command borg was running, if any
    except ProcessLookupError:
        pass


def test_stale_lock_of_a_dead_process_is_broken_and_logged(ctx, school, local, caplog):
    proc = _start_borg(ctx, with_lock_argv(str(local), ["sleep", "60"]))
    _wait_for(local / "lock.exclusive")
    _kill9(proc)
    assert (local / "lock.exclusive").exists()  # borg died holding its lock
    caplog.set_level(logging.WARNING, logger="cartable.backup")
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    assert "Verrou borg périmé supprimé" in rec.message and str(proc.pid) in rec.message
    assert any("Verrou borg périmé" in r.getMessage() for r in caplog.records)


def test_borg_killed_during_create_then_next_run_succeeds(ctx, school, local, tmp_path):
    secret = read_passphrase_file(ctx.registry.get("local").passphrase_file)
    special = tmp_path / "special"
    special.mkdir()
    (special / "debut.bin").write_bytes(os.urandom(300_000))
    os.mkfifo(special / "tuyau")  # borg --read-special blocks on it: frozen mid-create
    argv = create_argv(str(local), "interrompue", [str(special)])
    argv = (argv[0], "--read-special", *argv[1:])
    proc = _start_borg(ctx, argv, secret)
    _wait_for(local / "lock.exclusive")
    time.sleep(1.0)
    assert proc.poll() is None
    _kill9(proc)
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    names = _archive_names(ctx)
    assert "interrompue" not in names and len(names) == 2
    (drill,) = restore.restore_drill(ctx, tmp_path / "exercice")
    assert drill.outcome == "ok", drill.message


def test_timeout_stops_borg_and_leaves_the_repository_usable(ctx, school, local):
    res = ctx.borg.run(with_lock_argv(str(local), ["sleep", "60"]), timeout=2, check=False)
    assert res.timed_out and not res.ok
    assert res.message.startswith("Durée maximale dépassée")
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message


def test_moved_repository_is_refused_with_a_way_to_accept_it(ctx, school, local, tmp_path):
    moved = tmp_path / "depot-deplace"
    local.rename(moved)
    setup.change_location(ctx, "local", str(moved))
    (rec,) = jobs.run_backup(ctx, school)  # borg would prompt; it must refuse at once
    assert rec.outcome == "error" and rec.exit_code == 62
    assert "déplacé" in rec.message and "cartable backup accept --label" in rec.message
    assert "est accepté" in setup.accept_relocation(ctx, "local")
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message


def _add_removable(ctx, label="usb", days_ago=0, last_ok_days=None) -> None:
    created = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    history = []
    if last_ok_days is not None:
        when = (datetime.now(UTC) - timedelta(days=last_ok_days)).isoformat()
        history.append(RunRecord(label, "backup", "ok", "ok", started=when, ended=when).to_dict())
    ctx.registry.add(
        Repository(
            label=label,
            url=f"removable://{uuid.uuid4()}/cartable",
            kind="removable",
            repo_id="0" * 64,
            created=created,
            passphrase_file=str(ctx.registry.get("local").passphrase_file),
            history=history,
        )
    )


def test_absent_removable_disk_is_skipped_then_alerts_when_too_old(ctx, school, local):
    _add_removable(ctx, "usb")
    _add_removable(ctx, "usb-vieux", days_ago=60, last_ok_days=30)
    recs = {r.label: r for r in jobs.run_backup(ctx, school)}
    assert recs["local"].outcome == "ok"
    assert recs["usb"].outcome == "skipped" and not recs["usb"].alert
    assert recs["usb"].message == "Ignoré : disque absent (non branché)."
    old = recs["usb-vieux"]
    assert old.outcome == "skipped" and old.alert
    assert "il y a 30 jours (plus de 14)" in old.message


@pytest.fixture
def small_disk(tmp_path):
    """A real 6 MB file system (tmpfs; needs root)."""
    if os.geteuid() != 0:
        pytest.skip("monter un petit système de fichiers demande root")
    mnt = tmp_path / "petit-disque"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mnt)], capture_output=True
    )
    if proc.returncode != 0:
        # a container denied mount(2): the kernel's rule, no package can change it
        pytest.skip(f"le noyau refuse mount ici (conteneur) : {proc.stderr!r}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_too_small_target_is_refused_and_the_other_repository_still_backed_up(
    ctx, school, local, small_disk
):
    setup.init_repository(ctx, "petit", str(small_disk / "depot"))
    (school.trees[0] / "gros.bin").write_bytes(os.urandom(8_000_000))
    recs = {r.label: r for r in jobs.run_backup(ctx, school)}
    assert recs["local"].outcome == "ok"
    small = recs["petit"]
    assert small.outcome == "error" and small.alert
    assert small.message.startswith("Pas assez de place sur le disque du dépôt « petit »")
    assert "Rien n'a été écrit" in small.message


def test_full_disk_during_create_then_next_run_succeeds(ctx, school, small_disk, tmp_path):
    setup.init_repository(ctx, "local", str(small_disk / "depot"))
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    st = os.statvfs(small_disk)
    filler = small_disk / "remplissage"
    filler.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 150_000))
    big = tmp_path / "gros"
    big.mkdir()
    (big / "gros.bin").write_bytes(os.urandom(1_000_000))
    secret = read_passphrase_file(ctx.registry.get("local").passphrase_file)
    res = ctx.borg.run(
        create_argv(str(small_disk / "depot"), "trop-grosse", [str(big)]),
        passphrase=secret,
        check=False,
    )
    assert not res.ok
    assert res.problem == "disk_full" or res.returncode == 14, res.message
    assert "place" in res.message or "plein" in res.message
    filler.unlink()
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    names = [a.name for a in archives.list_archives(ctx, "local")]
    assert len(names) == 2 and names[0] == rec.archive and "trop-grosse" not in names
    (drill,) = restore.restore_drill(ctx, tmp_path / "exercice")
    assert drill.outcome == "ok", drill.message


_ORPHAN_MAKER = """
import json, os, signal, subprocess, sys
from backup import orphans
from backup.locking import job_lock
cmd, env, state_dir = json.loads(sys.argv[1])
with job_lock(state_dir, "backup") as lock:
    # a job as an older Cartable ran it: borg in its own session, holding the job lock,
    # without the kernel guard; then the job is killed before borg ends
    proc = subprocess.Popen(cmd, env=env, pass_fds=(lock.fd,), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    orphans.record(state_dir, proc.pid, cmd)
    print(proc.pid, flush=True)
    sys.stdin.readline()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_an_orphan_borg_of_a_killed_job_is_stopped_by_the_next_one(ctx, school, local, caplog):
    """Before the fix: « Une autre tâche de sauvegarde est en cours (processus N) » naming
    the dead job, as long as its borg ran."""
    import json
    import sys

    import psutil

    cmd = ctx.borg.command(with_lock_argv(str(local), ["sleep", "300"]))
    maker = subprocess.Popen(
        [sys.executable, "-c", _ORPHAN_MAKER, json.dumps([cmd, ctx.borg.environment(),
                                                          str(ctx.state_dir)])],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )  # fmt: skip
    borg_pid = int(maker.stdout.readline())
    _wait_for(local / "lock.exclusive")
    maker.stdin.write("\n")
    maker.stdin.flush()
    maker.wait(timeout=10)
    assert psutil.pid_exists(borg_pid)  # the orphan still runs and holds both locks
    caplog.set_level(logging.WARNING, logger="cartable.backup")
    (rec,) = jobs.run_backup(ctx, school)
    assert rec.outcome == "ok", rec.message
    try:
        gone = psutil.Process(borg_pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        gone = True
    assert gone
    assert any(f"borg orphelin {borg_pid}" in r.getMessage() for r in caplog.records)
    assert not list((ctx.state_dir / "borg-running").glob("*.json"))
