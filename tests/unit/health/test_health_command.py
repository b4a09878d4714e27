"""appliance.health.command.run, the one runner of the health probes, on real programs:
its output and code, a clean environment, a missing program, a hung one killed."""

from __future__ import annotations

import time

from appliance.health.command import CLEAN_ENV, MISSING, TIMED_OUT, Result, run


def test_output_and_code_of_a_real_command():
    res = run(["sh", "-c", "printf 'é\\n'; printf 'oups' >&2; exit 3"], 10)
    assert res == Result(3, "é\n", "oups")
    assert not res.ok and not res.missing and not res.timed_out
    assert run(["true"], 10).ok


def test_no_shell_and_a_clean_environment(monkeypatch):
    monkeypatch.setenv("CARTABLE_SECRET_PROBE", "fuite")
    monkeypatch.setenv("PATH", "/nowhere")
    res = run(["env"], 10)
    env = dict(line.split("=", 1) for line in res.stdout.splitlines())
    assert env == CLEAN_ENV
    assert run(["echo", "$HOME", ";", "id"], 10).stdout == "$HOME ; id\n"


def test_undecodable_bytes_are_replaced():
    res = run(["printf", "\\377ok"], 10)
    assert res.ok and res.stdout == "\ufffdok"


def test_a_missing_program():
    res = run(["cartable-no-such-tool", "-x"], 10)
    assert res == Result(MISSING, "", "cartable-no-such-tool: introuvable", missing=True)


def test_a_hung_program_is_killed_at_the_timeout():
    start = time.monotonic()
    res = run(["sleep", "30"], 0.5)
    assert time.monotonic() - start < 5
    assert res.timed_out and not res.missing and res.code == TIMED_OUT
    assert res.stderr == "sleep: pas de réponse en 0 s"


def test_a_real_exit_code_124_is_not_a_timeout():
    res = run(["sh", "-c", "exit 124"], 10)
    assert res.code == 124 and not res.timed_out
