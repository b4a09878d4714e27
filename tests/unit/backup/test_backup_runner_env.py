"""The runner's environment and masking: no secret leaks in, every prompt says no."""

import shlex

from backup.passphrase import Secret
from backup.runner import Borg, BorgResult, _result, mask_argv, mask_text


def test_environment_is_clean_and_answers_no(tmp_path, monkeypatch):
    monkeypatch.setenv("BORG_PASSPHRASE", "fuite")
    monkeypatch.setenv("BORG_PASSCOMMAND", "cat /fuite")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent")
    borg = Borg(tmp_path, host_id="serveur@abc")
    env = borg.environment(passphrase_fd=7)
    assert "BORG_PASSPHRASE" not in env and "BORG_PASSCOMMAND" not in env
    assert "SSH_AUTH_SOCK" not in env
    assert env["BORG_PASSPHRASE_FD"] == "7"
    assert env["BORG_EXIT_CODES"] == "modern"
    assert env["LANG"] == env["LC_ALL"] == "C.UTF-8"
    assert env["BORG_RELOCATED_REPO_ACCESS_IS_OK"] == "no"
    assert env["BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK"] == "no"
    assert env["BORG_BASE_DIR"] == str(tmp_path / "borg")
    assert env["BORG_HOST_ID"] == "serveur@abc"
    assert borg.environment(relocated_ok=True)["BORG_RELOCATED_REPO_ACCESS_IS_OK"] == "yes"


def test_rsh_pins_host_keys_and_never_prompts(tmp_path):
    borg = Borg(tmp_path / "état avec espace", ssh_identity=tmp_path / "id")
    parts = shlex.split(borg.rsh())
    assert parts[:3] == ["ssh", "-F", "none"]
    opts = [parts[i + 1] for i, p in enumerate(parts) if p == "-o"]
    assert "BatchMode=yes" in opts and "StrictHostKeyChecking=yes" in opts
    assert f"UserKnownHostsFile={tmp_path / 'état avec espace' / 'ssh' / 'known_hosts'}" in opts
    assert "ServerAliveInterval=10" in opts and "ServerAliveCountMax=30" in opts
    assert "IdentitiesOnly=yes" in opts and parts[parts.index("-i") + 1] == str(tmp_path / "id")


def test_command_puts_lock_wait_first(tmp_path):
    borg = Borg(tmp_path, borg_bin="/opt/borg", lock_wait=42)
    assert borg.command(("list", "/d")) == ["/opt/borg", "--lock-wait", "42", "list", "/d"]


def test_masking():
    secret = Secret("abcd-efgh-ijkm")
    assert mask_text("phrase abcd-efgh-ijkm ici", [secret.reveal()]) == "phrase ****** ici"
    assert mask_text("ssh://user:motdepasse@host/x") == "ssh://user:******@host/x"
    assert mask_argv(["borg", "x=abcd-efgh-ijkm"], [secret.reveal()]) == ("borg", "x=******")


def test_result_parses_json_and_log_json():
    records = [
        {"type": "log_message", "levelname": "ERROR", "message": "Repository /d does not exist."}
    ]
    res = _result(("borg", "info"), 13, "", records, 0.4, None, ("info", "--json", "/d"))
    assert isinstance(res, BorgResult) and not res.ok and res.severity == "error"
    assert res.message.startswith("Il n'y a pas de dépôt à cet endroit.")
    assert "Détail technique : Repository /d does not exist." in res.message
    ok = _result(("borg",), 0, '{"archives": []}', [], 0.1, None, ("list", "--json", "/d"))
    assert ok.ok and ok.json == {"archives": []} and ok.message == "L'opération a réussi."
    lines = '{"path": "a"}\n{"path": "b"}\n'
    items = _result(("borg",), 0, lines, [], 0.1, None, ("list", "--json-lines", "/d::a"))
    assert [i["path"] for i in items.json] == ["a", "b"]
    warn = _result(("borg",), 100, "{}", [], 0.1, None, ("create", "--json"))
    assert warn.ok and warn.severity == "warning"
    slow = _result(("borg",), 143, "", [], 9, 1.0, ("check",))
    assert not slow.ok and slow.problem == "timeout"
    assert slow.message.startswith("Durée maximale dépassée")
