"""The one way the health probes run a command (smartctl, upsc, timedatectl, apt,
journalctl): a fixed argv, no shell, a timeout, a clean environment, text decoded as
UTF-8, and a `Result` back instead of an exception for a missing or hung command.

Probes take a `runner` argument (`Runner`, `run` by default) so that a test can hand them
recorded outputs of the real tools.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# The locale fixes the tools' wording and number format (parsers rely on it); the PATH
# holds the system folders only, so that nothing in the caller's PATH stands in for a tool.
CLEAN_ENV = {"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
MISSING = 127  # the shells' code for "command not found"
TIMED_OUT = 124  # timeout(1)'s code


@dataclass(frozen=True)
class Result:
    """What one command did: its exit code, its output and error text.

    `missing` (the program is not installed: code 127) and `timed_out` (killed after the
    timeout: code 124) are set by `run` itself, never guessed from the code, since a tool
    such as smartctl may exit with any code.
    """

    code: int
    stdout: str = ""
    stderr: str = ""
    missing: bool = False
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        """True when the command ran and exited 0."""
        return self.code == 0


Runner = Callable[[Sequence[str], float], Result]


def run(argv: Sequence[str], timeout: float) -> Result:
    """Run `argv` (no shell) for at most `timeout` seconds; return its Result.

    Never raises for the command's sake: a missing program gives code 127 and
    « NAME: introuvable », a hung one is killed and gives code 124 and « NAME: pas de
    réponse en N s ». Undecodable bytes are replaced, not fatal.
    """
    argv = [str(a) for a in argv]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv from the probe, no shell
            argv,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            check=False,
            env=CLEAN_ENV,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        return Result(MISSING, "", f"{argv[0]}: introuvable", missing=True)
    except subprocess.TimeoutExpired:
        return Result(
            TIMED_OUT, "", f"{argv[0]}: pas de réponse en {timeout:.0f} s", timed_out=True
        )
    return Result(done.returncode, done.stdout, done.stderr)
