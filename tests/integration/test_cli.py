"""The `cartable` command, run as a technician runs it: a real process, real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CARTABLE = [sys.executable, "-m", "appliance"]


def run(args, env_extra=None, stdin=None, data_dir=None, config=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    env.update(env_extra or {})
    cmd = [*CARTABLE]
    if config:
        cmd += ["--config", str(config)]
    cmd += list(args)
    if data_dir:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, timeout=60)


def init_school(tmp_path, *, name="Collège Jean-Moulin", uai="0671234a", config_text=""):
    """Initialise a school with `cartable init` as a technician would; return (cfg, data)."""
    cfg = tmp_path / "cartable.toml"
    cfg.write_text(config_text)
    data = tmp_path / "data"
    pw = tmp_path / "admin.pw"
    pw.write_text("une phrase de passe solide\n")
    args = ["init", "--school-name", name, "--uai", uai, "--admin-login", "tech"]
    r = run([*args, "--admin-password-file", str(pw)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert "tech" in r.stdout and uai.upper() in r.stdout
    return cfg, data


@pytest.fixture
def school(tmp_path):
    cfg, data = init_school(tmp_path)
    return cfg, data, tmp_path


def test_init_creates_data_folder_database_and_admin(school):
    cfg, data, _ = school
    assert (data / "cartable.db").exists()
    assert oct((data / "secret_key").stat().st_mode & 0o777) == "0o600"
    r = run(["user", "list", "--json"], data_dir=data, config=cfg)
    users = json.loads(r.stdout)
    assert users == [{**users[0], "login": "tech", "profile": "admin", "state": "active"}]
    # Running init again only applies migrations.
    r = run(["init"], data_dir=data, config=cfg, stdin="")
    assert r.returncode == 0


def test_init_non_interactive_needs_its_options(tmp_path):
    r = run(
        ["init", "--uai", "0671234A"],
        data_dir=tmp_path / "d",
        stdin="",
        config=_empty_cfg(tmp_path),
    )
    assert r.returncode != 0
    assert "--school-name" in r.stderr
    assert "Traceback" not in r.stderr


def _empty_cfg(tmp_path):
    c = tmp_path / "c.toml"
    c.write_text("")
    return c


def test_user_lifecycle_from_the_command_line(school):
    cfg, data, tmp = school
    pw = tmp / "p.txt"
    pw.write_text("motdepasse-eleve-2026\n")
    r = run(
        [
            "user",
            "add",
            "lea.martin",
            "--profile",
            "student",
            "--first-name",
            "Léa",
            "--last-name",
            "Martin",
            "--password-file",
            str(pw),
        ],
        data_dir=data,
        config=cfg,
    )
    assert r.returncode == 0, r.stderr
    r = run(
        [
            "user",
            "add",
            "marc.prof",
            "--profile",
            "teacher",
            "--first-name",
            "Marc",
            "--last-name",
            "Prof",
            "--password-file",
            "-",
        ],
        data_dir=data,
        config=cfg,
        stdin="un mot de passe de prof\n",
    )
    assert r.returncode == 0, r.stderr
    r = run(["user", "list", "--json", "--profile", "student"], data_dir=data, config=cfg)
    (lea,) = json.loads(r.stdout)
    assert {k: lea[k] for k in ("login", "profile", "state", "first_name", "last_name")} == {
        "login": "lea.martin",
        "profile": "student",
        "state": "active",
        "first_name": "Léa",
        "last_name": "Martin",
    }
    assert lea["classes"] == []
    assert run(["user", "disable", "lea.martin"], data_dir=data, config=cfg).returncode == 0
    r = run(["user", "show", "lea.martin", "--json"], data_dir=data, config=cfg)
    assert json.loads(r.stdout)["state"] == "disabled"
    assert run(["user", "enable", "lea.martin"], data_dir=data, config=cfg).returncode == 0
    r = run(
        ["user", "passwd", "lea.martin", "--password-file", "-"],
        data_dir=data,
        config=cfg,
        stdin="nouvelle phrase secrète\n",
    )
    assert r.returncode == 0, r.stderr
    r = run(["user", "passwd", "lea.martin", "--reset"], data_dir=data, config=cfg)
    assert "Mot de passe initial" in r.stdout
    # Every admin action is in the audit log.
    import sqlite3

    actions = [
        row[0]
        for row in sqlite3.connect(data / "cartable.db").execute(
            "SELECT action FROM audit_log ORDER BY id"
        )
    ]
    for a in ("init", "person.create", "person.disable", "person.enable", "person.password_reset"):
        assert a in actions


def test_guest_needs_an_expiry(school):
    cfg, data, _ = school
    add = [
        "user",
        "add",
        "x.guest",
        "--profile",
        "guest",
        "--first-name",
        "X",
        "--last-name",
        "Guest",
    ]
    r = run(add, data_dir=data, config=cfg)
    assert r.returncode == 1 and "expiration" in r.stderr
    r = run([*add, "--expires", "2099-06-30"], data_dir=data, config=cfg)
    assert r.returncode == 0 and "Mot de passe initial" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "show", "nobody"], "nobody"),
        (
            [
                "user",
                "add",
                "tech",
                "--profile",
                "admin",
                "--first-name",
                "A",
                "--last-name",
                "B",
                "--password-file",
                "-",
            ],
            "déjà pris",
        ),
        (
            [
                "user",
                "add",
                "weak",
                "--profile",
                "staff",
                "--first-name",
                "A",
                "--last-name",
                "B",
                "--password-file",
                "-",
            ],
            "12 caractères",
        ),
        (["user", "passwd", "tech", "--password-file", "/nonexistent/file"], "/nonexistent/file"),
    ],
)
def test_mistakes_get_one_line_and_no_traceback(school, args, message):
    cfg, data, _ = school
    r = run(args, data_dir=data, config=cfg, stdin="court\n")
    assert r.returncode == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_uninitialised_data_dir_says_what_to_do(tmp_path):
    r = run(["user", "list"], data_dir=tmp_path / "empty", config=_empty_cfg(tmp_path))
    assert r.returncode == 1 and "cartable init" in r.stderr and "Traceback" not in r.stderr


def test_environment_variables_give_config_and_data_dir(school):
    cfg, data, _ = school
    r = run(
        ["user", "list", "--json"],
        env_extra={"CARTABLE_CONFIG": str(cfg), "CARTABLE_DATA_DIR": str(data)},
    )
    assert r.returncode == 0 and json.loads(r.stdout)[0]["login"] == "tech"


def test_config_example_and_check(tmp_path):
    r = run(["config", "example"])
    assert r.returncode == 0 and "[web]" in r.stdout and "CARTABLE_WEB_PORT" in r.stdout
    good = tmp_path / "good.toml"
    good.write_text("[web]\nport = 8443\n")
    r = run(["config", "check"], config=good)
    assert r.returncode == 0 and "valide" in r.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("[web]\nport = 8443\ncolour = 'blue'\n")
    r = run(["config", "check"], config=bad)
    assert r.returncode == 1 and "web.colour" in r.stderr and "Traceback" not in r.stderr


def test_newer_database_refuses_to_start(school):
    import sqlite3

    cfg, data, _ = school
    c = sqlite3.connect(data / "cartable.db")
    c.execute("INSERT INTO schema_migrations VALUES (9999, 'future', 'x')")
    c.commit()
    r = run(["user", "list"], data_dir=data, config=cfg)
    assert r.returncode == 1 and "plus récent" in r.stderr and "Traceback" not in r.stderr


def test_every_command_answers_help():
    for args in (
        ["--help"],
        ["init", "--help"],
        ["run", "--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["user", "--help"],
        ["user", "add", "--help"],
        ["user", "list", "--help"],
        ["config", "check", "--help"],
    ):
        r = run(args)
        assert r.returncode == 0, args
        assert "--config" in r.stdout and "--data-dir" in r.stdout, args


def test_serve_answers_on_the_given_port(school):
    import socket
    import time
    import urllib.request

    cfg, data, _ = school
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    proc = subprocess.Popen(
        [*CARTABLE, "serve", "--port", str(port), "--config", str(cfg), "--data-dir", str(data)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    assert r.status == 200
                    assert "Collège Jean-Moulin" in r.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the portal never answered")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_run_demo_creates_the_demo_school_once(tmp_path):
    """`cartable run --demo` seeds the demo school; the logins are printed and kept."""
    from appliance import config as config_mod
    from appliance.core import create_box
    from appliance.directory import demo

    cfg = config_mod.load(_empty_cfg(tmp_path), tmp_path / "demo", env={})
    box = create_box(cfg)
    first = demo.seed(box.conn(), cfg.data_dir)
    again = demo.seed(box.conn(), cfg.data_dir)
    assert first == again
    profiles = {p for p, _l, _pw in first}
    assert profiles == {"admin", "teacher", "staff", "student", "relative", "guest"}
    assert Path(cfg.data_dir / "demo-logins.txt").stat().st_mode & 0o077 == 0
    classes = {r[0] for r in box.conn().execute("SELECT code FROM school_class")}
    assert classes == {"5A", "4B"}
    # A few messages between the demo people (issue 12), sent once.
    subjects = [r[0] for r in box.conn().execute("SELECT subject FROM message ORDER BY id")]
    assert subjects[:2] == ["Sortie à la Cité des sciences", "Re : Sortie à la Cité des sciences"]
    assert len(subjects) == 4


def _wait_port_answer(url, proc, timeout=30):
    import time
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"process ended early: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} never answered")


def test_run_demo_serves_the_portal_and_prints_the_logins(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    env["CARTABLE_DATA_DIR"] = str(tmp_path / "demo")
    proc = subprocess.Popen(
        [*CARTABLE, "--config", str(_empty_cfg(tmp_path)), "run", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        page = _wait_port_answer(f"http://127.0.0.1:{port}/login", proc)
        assert "Jules-Ferry" in page
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "admin" in out and "sophie.martin" in out
    # the scheduler started with its jobs: said in the log file, not on the console (#9)
    assert "housekeeping" in (tmp_path / "demo" / "cartable.log").read_text(encoding="utf-8")
    # the demo's slips print the address it is served on, not 8080
    import sqlite3

    with sqlite3.connect(tmp_path / "demo" / "cartable.db") as db:
        assert db.execute("SELECT portal_url FROM school").fetchone()[0] == (
            f"http://127.0.0.1:{port}"
        )


def test_worker_starts_its_jobs_and_stops_on_sigterm(school):
    import time

    cfg, data, _ = school
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    proc = subprocess.Popen(
        [*CARTABLE, "--config", str(cfg), "--data-dir", str(data), "worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    time.sleep(2.5)
    proc.terminate()
    out, _ = proc.communicate(timeout=15)
    assert "housekeeping" in out
    assert "Traceback" not in out
