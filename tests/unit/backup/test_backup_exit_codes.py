"""Every exit code borg 1.4 can return (modern codes) is explained in plain French."""

import re
from pathlib import Path

import pytest

from backup.errors import BorgError
from backup.exit_codes import PROBLEMS, TABLE, explain, recognise, severity
from backup.runner import BorgResult


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


def _english():
    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[3] / "webui/translations/en/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id and m.string}
    return lambda text: catalog.get(text, text)


# Signals (named, a named one without its own text, an unknown one), an unknown warning.
SIGNAL_AND_FALLBACK_CODES = [143, 137, 130, 129, -15, 138, 200, 120, 57]


@pytest.mark.parametrize("code", sorted(TABLE) + SIGNAL_AND_FALLBACK_CODES)
def test_every_explanation_reads_in_english_and_stays_the_same_in_french(code):
    en = _english()
    exp = explain(code)
    # French: what, a space, what to do (the text the CLI, logs and run history show).
    assert exp.message == f"{exp.what} {exp.todo}".strip()
    english = exp.message.translated(en)
    assert english.strip() and english != exp.message
    assert exp.what not in english and (not exp.todo or exp.todo not in english)
    # Raised as borg's error, the French stays and the web UI's language is English.
    err = BorgError(exp.message, None)
    assert str(err) == err.message == exp.message
    assert err.translated(en) == english


def test_problems_and_borg_result_messages_read_in_english():
    en = _english()
    found = [recognise(sample) for sample in PROBLEM_SAMPLES]
    assert [name for name, _ in found] == [name for name, _p, _m in PROBLEMS]
    for (name, message), (_n, _p, french) in zip(found, PROBLEMS, strict=True):
        english = message.translated(en)
        assert message == french and english.strip() and english != french, name
    res = BorgResult(
        argv=("create",),
        returncode=13,
        stdout="",
        json=None,
        log=(),
        duration=1.0,
        timed_out=True,
        explanation=explain(13),
        detail="Repository /x does not exist.",
    )
    assert res.message == (
        "Durée maximale dépassée : borg a été arrêté. Il n'y a pas de dépôt à cet endroit. "
        + explain(13).todo
        + " (Détail technique : Repository /x does not exist.)"
    )
    english = BorgError(res.message, res).translated(en)
    assert english.startswith("Maximum duration exceeded: borg was stopped. There is no repo")
    assert english.endswith("(Technical details: Repository /x does not exist.)")


PROBLEM_SAMPLES = [
    "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@",
    "Host key verification failed.",
    "b@h: Permission denied (publickey).",
    "ssh: connect to host x port 22: Connection refused",
    "OSError: [Errno 28] No space left on device",
    "OSError: [Errno 30] Read-only file system",
]
