"""borg built in the background by `make run` (appliance/borg_install.py): while it builds,
after it failed, or when it is missing, the backups page and `cartable backup` say so
plainly (#9)."""

import fcntl
import os
import subprocess
import sys
import tomllib

import pytest

from appliance import borg_install
from appliance import config as config_mod
from appliance.core import create_box
from appliance.school import set_school
from tests.conftest import REPO, login_admin, text
from tests.fixtures.backup.support import BORG

MISSING_BORG = "/nonexistent/cartable-test/borg"


def _config(tmp_path, borg_path: str):
    cfg_file = tmp_path / "cartable.toml"
    cfg_file.write_text(f'[backup]\nborg_path = "{borg_path}"\n', encoding="utf-8")
    return config_mod.load(cfg_file, tmp_path / "data", env={})


@pytest.fixture
def missing_borg_client(tmp_path):
    from webui.app import create_app

    box = create_box(_config(tmp_path, MISSING_BORG))
    set_school(box.conn(), uai="0679999X", name="Collège Test", portal_url="https://ent.test")
    app = create_app(box)
    app.config["TESTING"] = True
    client = app.test_client()
    login_admin(client, box.conn())
    return client, box.config


@pytest.fixture
def build_in_progress(tmp_path):
    """The lock a running build holds (taken here on its own open file, as the build's)."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    fd = os.open(data / borg_install.LOCK_NAME, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    yield data
    os.close(fd)


def test_the_backups_page_says_borg_is_being_installed(missing_borg_client, build_in_progress):
    client, config = missing_borg_client
    page = text(client.get("/admin/sauvegardes/"))
    assert "borg est en cours d'installation" in page
    assert str(config.data_dir / "borg-install.log") in page


def test_the_backups_page_says_the_borg_install_failed(missing_borg_client):
    client, config = missing_borg_client
    (config.data_dir / borg_install.LOG_NAME).write_text("error: failed-wheel-build\n")
    page = text(client.get("/admin/sauvegardes/"))
    assert "L'installation de borg a échoué" in page
    assert "en cours d'installation" not in page


def test_the_backup_command_says_borg_is_being_installed(tmp_path, build_in_progress):
    cfg = tmp_path / "cartable.toml"
    create_box(_config(tmp_path, MISSING_BORG))  # an initialised data folder
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    cmd = [sys.executable, "-m", "appliance", "--config", str(cfg), "--data-dir"]
    cmd += [str(build_in_progress), "backup", "init", "--label", "local"]
    cmd += ["--repo", str(tmp_path / "depot")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode != 0
    assert "borg est en cours d'installation" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_nothing_is_said_when_borg_is_there(tmp_path):
    assert BORG, "borg is part of the test install (make test installs cartable[dev])"
    assert borg_install.unavailable(_config(tmp_path, BORG)) is None
    missing = borg_install.unavailable(_config(tmp_path, MISSING_BORG))
    assert missing["text"].startswith("borg est introuvable")
    assert missing["args"]["borg"] == MISSING_BORG


def test_a_second_build_does_not_start_while_one_holds_the_lock(build_in_progress):
    assert borg_install.installing(build_in_progress)
    assert borg_install.install(build_in_progress, wait=False) == 0
    assert not (build_in_progress / borg_install.LOG_NAME).exists()


def test_the_build_installs_the_pin_of_the_backup_extra():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["backup"] == [borg_install.requirement()]
    assert not any(d.startswith("borgbackup") for d in project["dependencies"])
