"""The only privileged part of health: a root one-shot that reads SMART into a spool folder.

Why: smartctl needs root (or CAP_SYS_RAWIO), and the web and worker processes must stay
unprivileged. So a systemd timer runs `cartable health smart-spool` as root once a day
(and the technician can run it on demand). It:

1. lists the disks (`smartctl --scan-open`, or the configured `health.smart_devices`);
2. runs `smartctl --json -a` on each (retrying `-d sat` for an unknown USB bridge);
3. writes `<disk>.json` into the spool folder atomically (temporary file, fsync, rename);
4. starts the self-tests that are due (short weekly, long monthly by default), recorded in
   `selftests.json`; their results appear in the next day's reading.

The worker only reads the spool (`read_spool`). Hardening of the root side: the spool
folder must belong to root and not be writable by group or others (the data folder around
it belongs to the unprivileged user, who could otherwise plant a symlink); every file is
opened relative to the folder's descriptor with O_NOFOLLOW.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from appliance.errors import CartableError
from appliance.health import smartctl
from appliance.i18n import N_
from backup.fsutil import atomic_write

SELFTESTS_FILE = "selftests.json"
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def spool_name(device: str) -> str:
    """File name of a disk's spool entry: `/dev/sda` → `sda.json`."""
    name = device.removeprefix("/dev/").replace("/", "_")
    return _SAFE.sub("_", name) + ".json"


def open_spool_dir(path: str | Path) -> int:
    """Create (mode 0755) or open the spool folder; return its descriptor.

    Raises CartableError when it is a symlink, is not owned by the current user, or is
    writable by group or others.
    """
    path = Path(path)
    try:
        path.mkdir(mode=0o755, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        raise CartableError(
            N_(
                "Le dossier de dépôt SMART %(path)s est inutilisable (%(strerror)s). "
                "Il doit être un vrai dossier (pas un lien) appartenant à root."
            ),
            path=path,
            strerror=exc.strerror,
        ) from exc
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        os.close(fd)
        raise CartableError(
            N_(
                "Le dossier de dépôt SMART %(path)s doit appartenir à l'utilisateur qui lance la "
                "tâche (root) et n'être modifiable par personne d'autre : "
                "chown root: %(path)s && chmod 755 %(path)s."
            ),
            path=path,
        )
    return fd


def write_atomic(dir_fd: int, name: str, data: dict[str, Any]) -> None:
    """Write `data` as JSON to `name` inside the folder `dir_fd` through
    `backup.fsutil.atomic_write` (temporary file, fsync, rename, fsync of the folder; a
    link planted at the temporary name is not followed). Readable by all (0644)."""
    body = json.dumps(data, ensure_ascii=False, indent=1)
    atomic_write(name, body, mode=0o644, dir_fd=dir_fd)


def _read_json(dir_fd: int, name: str) -> dict[str, Any]:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
    except OSError:
        return {}
    with os.fdopen(fd, "rb") as f:
        try:
            return json.loads(f.read().decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {}


def run_spool(
    spool_dir: str | Path,
    devices: list[str] | None = None,
    *,
    short_days: int = 7,
    long_days: int = 30,
    now: float | None = None,
    runner: smartctl.Runner | None = None,
) -> list[dict[str, Any]]:
    """Read every disk into the spool and start the self-tests due.

    Given the folder, the disks (None or empty: scan), the self-test intervals in days;
    returns one summary per disk: {"device", "file", "exit_status", "selftest_started",
    "error"}. Raises CartableError when the folder is unsafe or smartctl is missing.
    """
    now = time.time() if now is None else now
    runner = runner or smartctl.subprocess_runner
    dir_fd = open_spool_dir(spool_dir)
    try:
        names = devices or smartctl.scan_devices(runner=runner)
        tests = _read_json(dir_fd, SELFTESTS_FILE)
        out = []
        for device in names:
            out.append(_spool_one(dir_fd, device, tests, now, short_days, long_days, runner))
        write_atomic(dir_fd, SELFTESTS_FILE, tests)
        return out
    finally:
        os.close(dir_fd)


def _spool_one(
    dir_fd: int,
    device: str,
    tests: dict[str, Any],
    now: float,
    short_days: int,
    long_days: int,
    runner: smartctl.Runner,
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "device": device,
        "file": spool_name(device),
        "error": None,
        "selftest_started": None,
    }
    try:
        data = smartctl.read_device(device, runner=runner)
    except CartableError as exc:
        data = {"smartctl": {"exit_status": 2, "messages": [{"string": exc.message}]}}
        summary["error"] = exc.message
    summary["exit_status"] = data.get("smartctl", {}).get("exit_status")
    entry = {"device": device, "collected_at": int(now), "data": data}
    dev_type = data.get("cartable", {}).get("device_type")
    key = data.get("serial_number") or device
    done = tests.setdefault(key, {})
    kind = smartctl.selftest_due(now, done.get("short"), done.get("long"), short_days, long_days)
    running = data.get("ata_smart_data", {}).get("self_test", {}).get("status", {})
    if (
        kind
        and summary["error"] is None
        and smartctl.supports_selftest(data)
        and running.get("value", 0) >> 4 != 0xF
    ):
        try:
            started = smartctl.run_json(
                smartctl.selftest_argv(device, kind, dev_type), runner=runner
            )
            if started.get("smartctl", {}).get("exit_status", 0) & 0b111 == 0:
                done[kind] = int(now)
                if kind == "long":  # a long test covers what a short one would check
                    done["short"] = int(now)
                summary["selftest_started"] = kind
                entry["selftest_started"] = {"kind": kind, "at": int(now)}
        except CartableError as exc:
            summary["error"] = exc.message
    write_atomic(dir_fd, summary["file"], entry)
    return summary


def read_spool(
    spool_dir: str | Path, *, now: float | None = None, max_age_hours: float = 36.0
) -> list[dict[str, Any]]:
    """What the worker reads: every `<disk>.json` of the spool folder.

    Returns [{"device", "collected_at", "age_hours", "stale", "data", "selftest_started",
    "error"}], sorted by device; an unreadable file gives an entry with `error` set and
    `data` None. A missing folder gives [].
    """
    now = time.time() if now is None else now
    folder = Path(spool_dir)
    if not folder.is_dir():
        return []
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        if path.name == SELFTESTS_FILE or path.name.startswith("."):
            continue
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            collected = float(entry["collected_at"])
            data = entry["data"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            out.append(
                {
                    "device": path.stem,
                    "collected_at": None,
                    "age_hours": None,
                    "stale": True,
                    "data": None,
                    "selftest_started": None,
                    "error": f"{path.name} illisible : {exc}",
                }
            )
            continue
        age = max(now - collected, 0.0) / 3600.0
        out.append(
            {
                "device": entry.get("device", path.stem),
                "collected_at": int(collected),
                "age_hours": round(age, 2),
                "stale": age > max_age_hours,
                "data": data,
                "selftest_started": entry.get("selftest_started"),
                "error": None,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line of the one-shot (`cartable health smart-spool`); returns the exit code.

    Options override the configuration (`health.smart_spool_dir`, `health.smart_devices`,
    `health.smart_short_test_days`, `health.smart_long_test_days`).
    """
    parser = argparse.ArgumentParser(
        prog="cartable health smart-spool", description="Relève SMART de chaque disque (root)."
    )
    parser.add_argument("--spool-dir")
    parser.add_argument("--device", action="append", default=[])
    parser.add_argument("--short-days", type=int)
    parser.add_argument("--long-days", type=int)
    args = parser.parse_args(argv)
    from appliance.health.settings import HealthSettings

    try:
        from appliance.config import load

        settings = HealthSettings.from_config(load())
    except CartableError:
        settings = HealthSettings()
    try:
        done = run_spool(
            args.spool_dir or settings.smart_spool_dir,
            args.device or settings.smart_devices,
            short_days=settings.smart_short_test_days
            if args.short_days is None
            else args.short_days,
            long_days=settings.smart_long_test_days if args.long_days is None else args.long_days,
        )
    except CartableError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(json.dumps(done, ensure_ascii=False, indent=1))
    return 0 if all(d["error"] is None for d in done) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
