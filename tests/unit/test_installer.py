"""The installer only runs the CLI: every command its units and script call must exist."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "installer"


def test_install_script_is_valid_bash():
    subprocess.run(["bash", "-n", str(INSTALLER / "install.sh")], check=True)


def test_every_command_the_units_run_exists():
    commands = set()
    for unit in (INSTALLER / "systemd").glob("*.service"):
        for line in unit.read_text().splitlines():
            m = re.match(r"Exec\w*=/opt/cartable/bin/cartable (.+)", line)
            if m:
                commands.add(m.group(1).strip())
    assert {"serve", "worker", "init"} <= commands
    for command in commands:
        r = subprocess.run(
            [sys.executable, "-m", "appliance", *command.split(), "--help"],
            capture_output=True,
            text=True,
        )
        assert r.returncode == 0, f"`cartable {command}` does not exist: {r.stderr}"


def test_units_run_unprivileged_except_the_smart_reader():
    for unit in (INSTALLER / "systemd").glob("*.service"):
        text = unit.read_text()
        if unit.name == "cartable-smart.service":
            assert "User=" not in text
        else:
            assert "User=cartable" in text and "NoNewPrivileges=yes" in text


def _init_args(*args: str) -> list[str]:
    """The `cartable init` options install.sh builds from its own (its init_args function)."""
    script = (INSTALLER / "install.sh").read_text()
    func = re.search(r"^init_args\(\) \{.*?^\}", script, re.S | re.M).group(0)
    out = subprocess.run(
        ["bash", "-c", func + '\ninit_args "$@"; printf "%s\\n" "${INIT_ARGS[@]}"', "_", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.splitlines()


def test_installer_passes_a_portal_url_to_init():
    import socket

    given = ["--school-name", "Collège Jean-Moulin", "--uai", "0671234A"]
    assert _init_args(*given) == [*given, "--portal-url", "https://" + socket.getfqdn()]
    mine = [*given, "--portal-url", "https://ent.college.test"]
    assert _init_args(*mine) == mine
    assert "--portal-url" in (INSTALLER / "install.sh").read_text().split("# Usage")[1][:400]
