"""The support bundle: one .tar.gz a technician can send for help.

It holds the diagnosis (JSON), the configuration without its secrets, recent logs (the
journal of Cartable's units when journalctl works, else the given log files, tail only),
and a few facts about the system. Secret values are also blanked out of the logs.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
import socket
import tarfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from appliance.health import command
from appliance.health.command import Runner

MASK = "••••••"
LOG_TAIL_BYTES = 2 * 1024 * 1024
_SECRET_NAME = re.compile(r"pass(word|phrase)?|secret|token|api_?key|credential", re.I)


def clean_config(
    config: Mapping[str, Any] | Iterable[tuple[Any, Any, str]], secret_keys: Iterable[str] = ()
) -> dict[str, Any]:
    """The configuration without secrets, as {key: value} (or {key: {"value", "source"}}).

    Accepts a {dotted key: value} mapping plus the names of the secret keys, or the
    (Key, shown value, source) triples of `Config.public_items()`. A key is blanked when
    it is declared secret or its name looks like one (password, token…).
    """
    secrets = set(secret_keys)
    out: dict[str, Any] = {}
    if isinstance(config, Mapping):
        for name, value in sorted(config.items()):
            hidden = name in secrets or _SECRET_NAME.search(name.rpartition(".")[2])
            out[name] = MASK if hidden and value else value
        return out
    for key, value, source in config:
        hidden = getattr(key, "secret", False) or _SECRET_NAME.search(key.name)
        out[key.name] = {"value": MASK if hidden and value else value, "source": source}
    return dict(sorted(out.items()))


def redact(text: str, secret_values: Iterable[str]) -> str:
    """`text` with every secret value (4 characters or more) replaced by the mask."""
    for value in sorted({v for v in secret_values if v and len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def _tail(path: Path, limit: int = LOG_TAIL_BYTES) -> str:
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(size - limit, 0))
        return f.read().decode("utf-8", "replace")


def collect_logs(
    units: Sequence[str],
    files: Sequence[str],
    *,
    since_hours: float = 48,
    runner: Runner = command.run,
) -> dict[str, str]:
    """{name in the bundle: text}: the journal of `units` when journalctl answers, plus the
    `files` (their last 2 MB) when it does not; a missing file is noted, not fatal."""
    logs: dict[str, str] = {}
    if units:
        argv = [
            "journalctl",
            "--no-pager",
            "-o",
            "short-iso",
            "--since",
            f"-{int(since_hours)}h",
            "-n",
            "20000",
        ]
        for unit in units:
            argv += ["-u", unit]
        res = runner(argv, 60.0)
        if res.ok and res.stdout.strip() and "-- No entries --" not in res.stdout[:200]:
            logs["logs/journal.txt"] = res.stdout
        else:
            logs["logs/journal-unavailable.txt"] = (
                res.stderr or res.stdout or f"journalctl code {res.code}"
            )
    if "logs/journal.txt" not in logs:
        for name in files:
            path = Path(name)
            try:
                logs[f"logs/{path.name}"] = _tail(path)
            except OSError as exc:
                logs[f"logs/{path.name}.missing.txt"] = f"{name} : {exc.strerror}"
    return logs


def _system_facts() -> dict[str, Any]:
    import psutil

    return {
        "hostname": socket.gethostname(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "boot_time": int(psutil.boot_time()),
        "cpu_count": psutil.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "disks": [p._asdict() for p in psutil.disk_partitions(all=False)],
    }


def write_support_bundle(
    out: IO[bytes],
    *,
    diagnosis: list[dict[str, Any]],
    config: Mapping[str, Any] | Iterable[tuple[Any, Any, str]],
    secret_keys: Iterable[str] = (),
    secret_values: Iterable[str] = (),
    journal_units: Sequence[str] = (),
    log_files: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    now: float | None = None,
    runner: Runner = command.run,
) -> list[str]:
    """Write the bundle as .tar.gz into the binary stream `out`; return the member names.

    Given the diagnosis results, the configuration (see `clean_config`), the secret values
    to blank out of the logs, the journal units and fallback log files, and `extra`
    documents ({name: JSON-able}, e.g. the alert history).
    """
    now = time.time() if now is None else now
    secrets = list(secret_values)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    root = f"cartable-assistance-{stamp}"
    members: dict[str, str] = {
        "diagnosis.json": json.dumps(diagnosis, ensure_ascii=False, indent=1, default=str),
        "config.json": json.dumps(
            clean_config(config, secret_keys), ensure_ascii=False, indent=1, default=str
        ),
        "system.json": json.dumps(_system_facts(), ensure_ascii=False, indent=1, default=str),
    }
    for name, doc in (extra or {}).items():
        members[name] = json.dumps(doc, ensure_ascii=False, indent=1, default=str)
    members.update(collect_logs(journal_units, log_files, runner=runner))
    members["README.txt"] = (
        "Paquet d'assistance Cartable.\n"
        "diagnosis.json : résultat de toutes les vérifications ; config.json : configuration "
        "sans ses secrets ; logs/ : journaux récents ; system.json : le matériel.\n"
    )
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in members.items():
            data = redact(text, secrets).encode("utf-8")
            info = tarfile.TarInfo(f"{root}/{name}")
            info.size, info.mtime, info.mode = len(data), int(now), 0o600
            tar.addfile(info, io.BytesIO(data))
    return [f"{root}/{n}" for n in members]


def support_bundle_bytes(**kwargs: Any) -> bytes:
    """`write_support_bundle` into memory; returns the .tar.gz bytes (for a download)."""
    buf = io.BytesIO()
    write_support_bundle(buf, **kwargs)
    return buf.getvalue()
