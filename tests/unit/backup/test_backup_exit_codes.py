"""Every exit code borg 1.4 can return (modern codes) is explained in plain French."""

import re
from pathlib import Path

import pytest

from backup.exit_codes import TABLE, explain, recognise, severity


def _borg_codes() -> set[int]:
    import borg  # borgbackup, from PyPI: make dev installs it

    root = Path(borg.__file__).parent
    codes = set()
    for path in root.rglob("*.py"):
        if "testsuite" in path.parts:
            continue
        codes |= {int(m) for m in re.findall(r"exit_mcode = (\d+)", path.read_text())}
    return codes


def test_every_borg_exit_code_has_an_explanation():
    codes = _borg_codes()
    assert {13, 14, 52, 62, 73, 80, 90, 100, 107} <= codes
    missing = sorted(codes - set(TABLE))
    assert not missing, f"codes sans explication : {missing}"


@pytest.mark.parametrize("code", sorted(TABLE))
def test_explanations_say_what_and_what_to_do(code):
    exp = explain(code)
    assert exp.what.endswith(".")
    if code:
        assert exp.todo, code
    assert exp.message.startswith(exp.what)


def test_severity_and_signals():
    assert severity(0) == "ok" and severity(1) == "warning" and severity(105) == "warning"
    assert severity(2) == "error" and severity(52) == "error" and severity(143) == "error"
    assert "arrêté" in explain(143).what  # 128 + SIGTERM
    assert "tué" in explain(-9).what  # subprocess's form of SIGKILL
    assert explain(57).what == TABLE[2][0]  # unknown error code: the generic one
    assert explain(52).what == "La phrase de passe est incorrecte pour ce dépôt."


def test_recognise_ssh_and_disk_problems():
    changed = "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@"
    assert recognise(changed)[0] == "hostkey_changed"
    assert recognise("Host key verification failed.")[0] == "hostkey_unknown"
    assert recognise("ssh: connect to host x port 22: Connection refused")[0] == "unreachable"
    assert recognise("b@h: Permission denied (publickey).")[0] == "ssh_auth"
    assert recognise("OSError: [Errno 28] No space left on device")[0] == "disk_full"
    assert recognise("all is well") is None
