"""When the database is held by a long write (a big import) or the disk is full, people get
a plain answer: the web a 503 (with Retry-After) or a 507 page, never a 500; the CLI one line
and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time

import pytest

from appliance import config as config_mod
from appliance.core import create_box
from appliance.db import BUSY_TIMEOUT_MS, connect, transaction
from appliance.school import set_school
from tests.conftest import csrf_token, make_person, text
from tests.integration.test_cli import init_school, run

HOLD_SECONDS = BUSY_TIMEOUT_MS / 1000 + 3


class WriteLockHolder:
    """Another real connection that holds the write lock (BEGIN IMMEDIATE) for `seconds`,
    as a long import's transaction does, in its own thread."""

    def __init__(self, db_path, seconds: float):
        self.db_path, self.seconds = db_path, seconds
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        other = sqlite3.connect(self.db_path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE school SET name = name")
        self.taken.set()
        time.sleep(self.seconds)
        other.execute("ROLLBACK")
        other.close()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(10)
        return self

    def __exit__(self, *exc):
        self.thread.join()


def _login_post(client, login_name, password, **headers):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"login": login_name, "password": password, "csrf_token": token},
        headers=headers,
    )


def test_login_during_a_long_write_gets_503_with_retry_after(client, box, conn):
    _pid, name, pw = make_person(conn, "teacher")
    # Two logins, each waiting busy_timeout, while the lock is held.
    with WriteLockHolder(box.config.db_path, 2 * HOLD_SECONDS):
        r = _login_post(client, name, pw)
        assert r.status_code == 503, r.status_code
        assert int(r.headers["Retry-After"]) > 0
        page = text(r)
        assert "occupée" in page and "réessayez" in page.lower()
        r = _login_post(client, name, pw, Accept="application/json")
        assert r.status_code == 503 and r.is_json
        assert r.get_json()["error"] and r.get_json()["retry_after"] > 0
    r = _login_post(client, name, pw)
    assert r.status_code == 302  # the lock is gone: the login goes through


def test_cli_command_during_a_long_write_prints_one_line(tmp_path):
    cfg, data = init_school(tmp_path)
    with WriteLockHolder(data / "cartable.db", HOLD_SECONDS):
        r = run(
            [
                "user",
                "add",
                "eleve.un",
                "--profile",
                "student",
                "--first-name",
                "Un",
                "--last-name",
                "Eleve",
            ],
            data_dir=data,
            config=cfg,
        )
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "occupée" in lines[0], r.stderr


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 3 MB file system (tmpfs; needs root), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("monter un petit système de fichiers demande root")
    mnt = tmp_path / "petit-disque"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)], capture_output=True
    )
    if proc.returncode != 0:
        pytest.skip(f"mount tmpfs impossible ici : {proc.stderr!r}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=True)


def fill(disk) -> None:
    """Write a file until the file system refuses (ENOSPC)."""
    fd = os.open(disk / "remplissage", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_full_disk_login_gets_a_disk_full_page_and_the_cli_one_line(tiny_disk, tmp_path):
    cfg_file = tmp_path / "cartable.toml"
    cfg_file.write_text("")
    data = tiny_disk / "data"
    box = create_box(config_mod.load(cfg_file, data, env={}))
    set_school(box.conn(), uai="0679999X", name="Collège Test")
    _pid, name, pw = make_person(box.conn(), "teacher")
    box.conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    from webui.app import create_app

    app = create_app(box)
    client = app.test_client()
    token = csrf_token(client, "/login")
    fill(tiny_disk)
    r = client.post("/login", data={"login": name, "password": pw, "csrf_token": token})
    assert r.status_code == 507, r.status_code
    assert "disque plein" in text(r).lower()

    r = run(
        [
            "user",
            "add",
            "eleve.deux",
            "--profile",
            "student",
            "--first-name",
            "Deux",
            "--last-name",
            "Eleve",
        ],
        data_dir=data,
        config=cfg_file,
    )
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "disque plein" in lines[0].lower(), r.stderr
    box.conn().close()


def test_rollback_after_the_disk_filled_reports_the_real_error(tiny_disk):
    """SQLite ends the transaction itself on SQLITE_FULL: the error people see must be the
    full disk, not 'cannot rollback - no transaction is active'."""
    conn = connect(tiny_disk / "t.db")
    conn.execute("CREATE TABLE t (x BLOB)")
    fill(tiny_disk)
    with pytest.raises(Exception) as exc:
        with transaction(conn):
            for _ in range(200):
                conn.execute("INSERT INTO t VALUES (randomblob(65536))")
    assert "cannot rollback" not in str(exc.value)
    assert "disque plein" in str(exc.value).lower()
    assert not conn.in_transaction
    conn.close()
