"""The one place that executes borg.

Given argv tuples from `commands`, `Borg.run` starts borg with a clean environment
(`BORG_EXIT_CODES=modern`, a UTF-8 locale, every prompt answered "no", borg's
cache/config/security/keys dirs under the state folder, a pinned-host-key `BORG_RSH`),
hands the passphrase over a pipe (`BORG_PASSPHRASE_FD`), enforces a timeout, parses
`--json` stdout and `--log-json` stderr, and turns the exit code into a plain-French
message. Every command line, log line and message it produces is masked.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from backup import orphans
from backup.errors import N_, BorgError, HostKeyError, Phrase
from backup.exit_codes import Explanation, explain, recognise
from backup.fsutil import atomic_write
from backup.passphrase import Secret

log = logging.getLogger("cartable.backup.borg")

MASK = "******"
LISTING = "borg.output.list"  # the logger of `--list` lines (one per item or archive)
TERM_GRACE_SECONDS = 30
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_KEEP_ENV = ("PATH", "HOME", "TMPDIR", "TZ", "USER", "LOGNAME")
_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret and every password in a URL replaced by ******."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + "@", text)


def mask_argv(argv: Sequence[str], secrets: Iterable[str] = ()) -> tuple[str, ...]:
    """`argv` with secrets masked in every argument (for logs and history)."""
    secrets = tuple(secrets)
    return tuple(mask_text(str(a), secrets) for a in argv)


def default_host_id(state_dir: Path) -> str:
    """A stable id for this server in borg's lock files (`BORG_HOST_ID`).

    Borg's own default includes `uuid.getnode()`, which is random on some virtual
    machines; then borg can no longer recognise its own stale locks. We use
    /etc/machine-id, or an id kept in the state folder.
    """
    host = socket.gethostname().split(".")[0] or "cartable"
    try:
        machine = Path("/etc/machine-id").read_text().strip()
    except OSError:
        machine = ""
    if not machine:
        path = Path(state_dir) / "host-id"
        try:
            machine = path.read_text().strip()
        except OSError:
            machine = uuid.uuid4().hex
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, machine + "\n")
    return f"{host}@{machine}"


@dataclass(frozen=True)
class BorgResult:
    """What one borg run did. Everything in it is masked; it holds no secret.

    `json` is the parsed stdout for `--json` (a dict) or `--json-lines` (a list); `log`
    the `--log-json` records of stderr (plain lines appear as {"type": "text"}).
    `problem` names a recognised cause ("hostkey_changed", "disk_full", "timeout"…).
    """

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    json: Any
    log: tuple[dict, ...]
    duration: float
    timed_out: bool
    explanation: Explanation
    detail: str
    problem: str | None = None
    problem_message: str | None = None
    stopped_at: float | None = None

    @property
    def ok(self) -> bool:
        """True for success and for warnings (the archive is usable)."""
        return self.explanation.severity in ("ok", "warning") and not self.timed_out

    @property
    def severity(self) -> str:
        return "error" if self.timed_out else self.explanation.severity

    @property
    def message(self) -> str:
        """Plain French (a Phrase, translated when shown): what happened, what to do, then
        borg's own words (as they are)."""
        head = self.problem_message or self.explanation.message
        if self.timed_out:
            head = Phrase(N_("Durée maximale dépassée : borg a été arrêté. %(head)s"), head=head)
        if self.detail and self.severity != "ok":
            return Phrase(
                N_("%(head)s (Détail technique : %(detail)s)"), head=head, detail=self.detail
            )
        return head


@dataclass(frozen=True)
class Borg:
    """How borg runs on this server; `run` executes one command.

    Given the state folder (borg's dirs go in `state_dir/borg`, the pinned SSH host keys
    in `state_dir/ssh/known_hosts`), the borg binary, the lock wait and default timeout
    in seconds, an optional SSH private key, and `hold_fds`: descriptors borg inherits
    (the job lock: no other job starts while a borg runs; a borg orphaned by a killed job
    is stopped by the next one, see `orphans`).
    """

    state_dir: Path
    borg_bin: str = "borg"
    lock_wait: int = 600
    timeout: float = 12 * 3600
    ssh_identity: Path | None = None
    remote_path: str | None = None
    host_id: str | None = None
    hold_fds: tuple[int, ...] = field(default=())

    @property
    def base_dir(self) -> Path:
        return Path(self.state_dir) / "borg"

    @property
    def known_hosts(self) -> Path:
        return Path(self.state_dir) / "ssh" / "known_hosts"

    def holding(self, *fds: int) -> Borg:
        """A copy of this runner whose borg processes inherit `fds` (see class doc)."""
        return replace(self, hold_fds=tuple(self.hold_fds) + tuple(fds))

    def rsh(self) -> str:
        """The ssh command for `BORG_RSH`: batch mode, pinned host keys, keepalives."""
        parts = ["ssh", "-F", "none", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"]
        parts += ["-o", f"UserKnownHostsFile={self.known_hosts}"]
        parts += ["-o", "GlobalKnownHostsFile=/dev/null", "-o", "UpdateHostKeys=no"]
        parts += ["-o", "CheckHostIP=no", "-o", "ConnectTimeout=20"]
        parts += ["-o", "ServerAliveInterval=10", "-o", "ServerAliveCountMax=30"]
        if self.ssh_identity:
            parts += ["-i", str(self.ssh_identity), "-o", "IdentitiesOnly=yes"]
        return shlex.join(parts)

    def environment(self, *, passphrase_fd: int | None = None, relocated_ok: bool = False) -> dict:
        """The whole environment borg gets (nothing else leaks in from ours)."""
        env = {k: os.environ[k] for k in _KEEP_ENV if k in os.environ}
        env.setdefault("PATH", _DEFAULT_PATH)
        env.update(
            BORG_EXIT_CODES="modern",
            LANG="C.UTF-8",
            LC_ALL="C.UTF-8",
            BORG_BASE_DIR=str(self.base_dir),
            BORG_RSH=self.rsh(),
            BORG_HOST_ID=self.host_id or default_host_id(self.state_dir),
            BORG_HOSTNAME_IS_UNIQUE="yes",
            BORG_RELOCATED_REPO_ACCESS_IS_OK="yes" if relocated_ok else "no",
            BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK="no",
            BORG_CHECK_I_KNOW_WHAT_I_AM_DOING="NO",
            BORG_DELETE_I_KNOW_WHAT_I_AM_DOING="NO",
        )
        env["BORG_DISPLAY_PASSPHRASE"] = "no"  # noqa: S105 (an answer, not a secret)
        if self.remote_path:
            env["BORG_REMOTE_PATH"] = self.remote_path
        if passphrase_fd is not None:
            env["BORG_PASSPHRASE_FD"] = str(passphrase_fd)
        return env

    def command(self, argv: Sequence[str]) -> list[str]:
        """The full command line for `argv`: binary, common options, then argv."""
        return [self.borg_bin, "--lock-wait", str(int(self.lock_wait)), *argv]

    def run(
        self,
        argv: Sequence[str],
        *,
        passphrase: Secret | None = None,
        timeout: float | None = None,
        cwd: Path | None = None,
        relocated_ok: bool = False,
        check: bool = True,
        on_log: Callable[[dict], None] | None = None,
        on_start: Callable[[int], None] | None = None,
        stop_signal: int = signal.SIGTERM,
        keep_listing: bool = True,
    ) -> BorgResult:
        """Run `borg <argv>` and return its `BorgResult`.

        Given the argv from `commands`, the passphrase (sent through a pipe), a timeout in
        seconds (default `self.timeout`; on expiry borg gets `stop_signal`, then SIGKILL),
        a working folder, whether a moved repository is accepted, and callbacks for each
        log record and for the started pid. With `keep_listing` false, the per-item lines
        of `--list` go to `on_log` only (not into the result: an archive may hold millions
        of files). Raises BorgError (HostKeyError too, for SSH
        host key problems) when `check` and borg failed; warnings do not raise.
        """
        secrets = (passphrase.reveal(),) if passphrase else ()
        shown = mask_argv(self.command(argv), secrets)
        log.info("borg : %s", shlex.join(shown))
        start = time.monotonic()
        proc = self._spawn(argv, passphrase, cwd, relocated_ok)
        tracked = orphans.record(self.state_dir, proc.pid, shown)
        try:
            if on_start:
                on_start(proc.pid)
            out, records, stopped_at = _communicate(
                proc, timeout or self.timeout, stop_signal, secrets, on_log, keep_listing
            )
        finally:
            orphans.forget(tracked)
        duration = time.monotonic() - start
        result = _result(shown, proc.returncode, out, records, duration, stopped_at, argv)
        level = logging.INFO if result.severity == "ok" else logging.WARNING
        log.log(level, "borg %s : code %s en %.1f s", argv[0], result.returncode, duration)
        if check and not result.ok:
            if result.problem in ("hostkey_changed", "hostkey_unknown"):
                raise BorgHostKeyError(result.message, result)
            raise BorgError(result.message, result)
        return result

    def _spawn(
        self, argv: Sequence[str], passphrase: Secret | None, cwd: Path | None, relocated: bool
    ) -> subprocess.Popen:
        """Start borg in its own session; the passphrase goes into a pipe it inherits.

        Borg gets SIGTERM when this thread ends (`orphans.child_setup`): it is started by
        the thread that waits for it, so it never outlives its job."""
        self.base_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.known_hosts.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        read_fd = None
        fds = list(self.hold_fds)
        if passphrase is not None:
            read_fd, write_fd = os.pipe()
            try:  # a pipe holds 64 KiB: the write cannot block
                os.write(write_fd, passphrase.reveal().encode("utf-8") + b"\n")
            finally:
                os.close(write_fd)
            fds.append(read_fd)
        try:
            return subprocess.Popen(
                self.command(argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.environment(passphrase_fd=read_fd, relocated_ok=relocated),
                cwd=cwd,
                pass_fds=tuple(fds),
                start_new_session=True,
                preexec_fn=orphans.child_setup(os.getpid()),  # noqa: PLW1509 (prctl only)
            )
        except OSError as exc:
            raise BorgError(
                N_(
                    "Impossible de lancer borg (%(borg_bin)s) : %(strerror)s. Vérifiez "
                    "que borgbackup est installé."
                ),
                None,
                borg_bin=self.borg_bin,
                strerror=exc.strerror,
            ) from exc
        finally:
            if read_fd is not None:
                os.close(read_fd)


class BorgHostKeyError(BorgError, HostKeyError):
    """Borg could not connect because the SSH host key is unknown or has changed."""


def _communicate(
    proc: subprocess.Popen,
    timeout: float,
    stop_signal: int,
    secrets: tuple[str, ...],
    on_log: Callable[[dict], None] | None,
    keep_listing: bool = True,
) -> tuple[str, list[dict], float | None]:
    """Read stdout and stderr while waiting for `proc`; stop it at `timeout`.

    Returns (stdout, log records, epoch time of the stop signal or None).
    """
    chunks: list[bytes] = []
    records: list[dict] = []

    def read_out() -> None:
        assert proc.stdout is not None  # started with stdout=PIPE
        chunks.append(proc.stdout.read())

    def read_err() -> None:
        assert proc.stderr is not None  # started with stderr=PIPE
        for raw in proc.stderr:
            rec = _parse_log_line(mask_text(raw.decode("utf-8", "replace").rstrip(), secrets))
            if rec is None:
                continue
            if keep_listing or rec.get("name") != LISTING:
                records.append(rec)
            _log_record(rec)
            if on_log:
                try:
                    on_log(rec)
                except Exception:  # a progress display must never break a backup
                    log.exception("Erreur dans le suivi de progression")

    threads = [threading.Thread(target=read_out), threading.Thread(target=read_err)]
    for t in threads:
        t.daemon = True
        t.start()
    stopped_at = None
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        stopped_at = time.time()
        _signal_group(proc, stop_signal)
        try:
            proc.wait(timeout=TERM_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
    for t in threads:
        t.join(timeout=10)
    out = b"".join(chunks).decode("utf-8", "replace")
    return mask_text(out, secrets), records, stopped_at


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _parse_log_line(line: str) -> dict | None:
    if not line.strip():
        return None
    if line.startswith("{"):
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            pass
        else:
            if isinstance(rec, dict):
                return rec
    return {"type": "text", "message": line, "levelname": "ERROR", "time": time.time()}


def _log_record(rec: dict) -> None:
    if rec.get("type") not in ("log_message", "text"):
        return
    level = getattr(logging, str(rec.get("levelname", "INFO")), logging.INFO)
    if rec.get("name") == LISTING:  # one line per file or archive: not for the journal
        level = min(level, logging.DEBUG)
    log.log(level, "borg dit : %s", str(rec.get("message", "")).strip())


_EXC_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


def _one_line(message: str) -> str:
    """A borg message on one line; for a traceback, its exception line."""
    lines = [ln.strip() for ln in message.strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    if "Traceback (most recent call last)" in message:
        found = [ln for ln in lines if _EXC_LINE.match(ln)]
        return (found[-1] if found else lines[0])[:300]
    return " ".join(lines)[:300]


def _result(
    shown: tuple[str, ...],
    returncode: int,
    out: str,
    records: list[dict],
    duration: float,
    stopped_at: float | None,
    argv: Sequence[str],
) -> BorgResult:
    timed_out = stopped_at is not None
    parsed: Any = None
    if "--json" in argv and out.strip():
        try:
            parsed = json.loads(out)
        except json.JSONDecodeError:
            parsed = None
    elif "--json-lines" in argv:
        parsed = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    messages = [
        _one_line(str(r.get("message", "")))
        for r in records
        if r.get("type") in ("log_message", "text")
        and r.get("levelname") in ("WARNING", "ERROR", "CRITICAL")
    ]
    messages = [m for m in messages if m and m != "Local Exception"]
    detail = " | ".join(dict.fromkeys(messages[-4:]))[:1200]
    everything = "\n".join(str(r.get("message", "")) for r in records)
    problem = problem_message = None
    if timed_out:
        problem = "timeout"
    if returncode != 0 and (found := recognise(everything)):
        problem, problem_message = found
    return BorgResult(
        argv=shown,
        returncode=returncode,
        stdout=out,
        json=parsed,
        log=tuple(records),
        duration=duration,
        timed_out=timed_out,
        explanation=explain(returncode),
        detail=detail,
        problem=problem,
        problem_message=problem_message,
        stopped_at=stopped_at,
    )
