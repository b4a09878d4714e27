"""installer/system-deps.sh, run for real: on this machine (which has every package the
tests need, since `make test` ran it first), as root and as an unprivileged user (#9)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "installer" / "system-deps.sh"
FAKE = "cartable-no-such-package"

# Every external program the tests (or the product) drive, by the test profile's package
# that provides it: a program added to the tests without its package fails here.
TOOLS = (
    "chromium",
    "smartctl",
    "upsc",
    "pdftotext",
    "ssh",
    "ssh-keygen",
    "ssh-keyscan",
    "sshd",
    "mkfs.ext4",
    "losetup",
    "mount",
    "umount",
    "blkid",
    "findmnt",
    "wrk",
    "sudo",
    "runuser",
    "time",
)


def _run(*args: str, extra: str | None = None, as_user: str | None = None):
    env = {k: v for k, v in os.environ.items() if k != "CARTABLE_EXTRA_DEBS"}
    if extra:
        env["CARTABLE_EXTRA_DEBS"] = extra
    if as_user:
        # the script on stdin: the clone may sit in a folder the user can't enter (/root)
        cmd = ["runuser", "-u", as_user, "--", "bash", "-s", "--", *args]
        with open(SCRIPT, encoding="utf-8") as script:
            return subprocess.run(
                cmd, stdin=script, capture_output=True, text=True, env=env, timeout=300
            )
    cmd = [str(SCRIPT), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def _package_of(program: str) -> str:
    """The Debian package that installed `program` (dpkg -S, through the /usr merge)."""
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")
    assert path, f"{program} is missing: installer/system-deps.sh test should install it"
    real = Path(path).resolve()
    candidates = {str(real), path}
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.add(p[4:])  # dpkg may know /bin/mount as such on Debian 12
    for p in candidates:
        proc = subprocess.run(["dpkg-query", "-S", p], capture_output=True, text=True)
        if proc.returncode == 0:
            return proc.stdout.split(":")[0].split(",")[0].strip()
    pytest.fail(f"dpkg does not know which package installed {path}")


def test_everything_present_is_a_silent_noop_well_under_a_second():
    started = time.monotonic()
    proc = _run("test")
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""
    assert elapsed < 1.0


def test_the_test_profile_holds_the_package_of_every_tool_the_tests_use():
    listed = set(_run("test", "--list").stdout.split())
    assert set(_run("run", "--list").stdout.split()) <= listed
    missing = {tool: _package_of(tool) for tool in TOOLS}
    missing = {tool: pkg for tool, pkg in missing.items() if pkg not in listed}
    assert missing == {}


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run it as another user")
def test_without_root_or_sudo_it_prints_the_one_command_and_stops():
    proc = _run("test", extra=FAKE, as_user="nobody")
    assert proc.returncode == 2
    assert f"paquets Debian manquants ({FAKE})" in proc.stderr
    assert f"missing Debian packages ({FAKE})" in proc.stderr
    # sudo is in the test profile, so the command to give is the sudo one
    assert f"sudo apt-get install -y --no-install-recommends {FAKE}" in proc.stderr
    assert proc.stdout == ""


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: apt-get is run for real")
def test_when_apt_get_fails_it_says_so_and_prints_the_command():
    proc = _run("run", extra=FAKE)
    assert proc.returncode == 1
    assert f"installation de {FAKE}" in proc.stderr
    assert f"apt-get n'a pas pu installer {FAKE}" in proc.stderr
    assert f"apt-get install -y --no-install-recommends {FAKE}" in proc.stderr


def test_an_unknown_profile_is_refused_by_name():
    proc = _run("serveur")
    assert proc.returncode == 64
    assert "profil inconnu « serveur » (run, test ou server)" in proc.stderr


def test_check_installs_nothing_and_names_what_is_missing():
    """`--check` (what .ci/run asks after installing): all present says so; a missing
    package is named, nothing is installed, exit status 3."""
    proc = _run("test", "--check")
    assert proc.returncode == 0, proc.stderr
    count = len(_run("test", "--list").stdout.split())
    assert f"les {count} paquets Debian du profil test sont installés" in proc.stderr
    started = time.monotonic()
    proc = _run("test", "--check", extra=FAKE)
    assert proc.returncode == 3
    assert f"paquets Debian manquants (profil test) : {FAKE}" in proc.stderr
    assert f"missing Debian packages (test profile): {FAKE}" in proc.stderr
    assert "installation de" not in proc.stderr and time.monotonic() - started < 1.0
