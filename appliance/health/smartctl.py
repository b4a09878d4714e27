"""Running smartctl: argv builders, one runner, the `-d sat` retry, self-test scheduling.

smartctl needs root (or CAP_SYS_RAWIO); only the root one-shot `smart_spool` calls these.
Its command line is its interface: pure functions build argv tuples, `run_json` runs one
with a timeout and returns the parsed JSON (smartctl prints JSON even when it fails, with
the reason in `smartctl.messages` and the bit mask in `smartctl.exit_status`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from appliance.errors import CartableError
from appliance.health import command
from appliance.health.command import Result, Runner
from appliance.i18n import N_

SMARTCTL = "smartctl"
DEFAULT_TIMEOUT = 120.0
# What smartctl says when it cannot tell how to talk through a USB enclosure.
_NEEDS_TYPE = ("Unknown USB bridge", "specify device type with the -d option")


def subprocess_runner(argv: Sequence[str], timeout: float) -> Result:
    """`command.run`, except that a missing or hung smartctl raises CartableError (a
    spool entry then says why the disk could not be read)."""
    res = command.run(argv, timeout)
    if res.missing:
        raise CartableError(
            N_(
                "La commande %(argv)s est introuvable : installez le paquet qui la fournit "
                "(smartmontools pour smartctl)."
            ),
            argv=argv[0],
        )
    if res.timed_out:
        raise CartableError(
            N_(
                "La commande %(argv)s n'a pas répondu en %(timeout)s s : le disque "
                "est peut-être en train de se bloquer. Réessayez ; si cela se répète, vérifiez-le."
            ),
            argv=" ".join(argv),
            timeout=format(timeout, ".0f"),
        )
    return res


def scan_argv() -> tuple[str, ...]:
    return (SMARTCTL, "--json", "--scan-open")


def info_argv(device: str, device_type: str | None = None) -> tuple[str, ...]:
    """`smartctl --json -a [-d TYPE] DEVICE`."""
    return (SMARTCTL, "--json", "-a", *(("-d", device_type) if device_type else ()), device)


def selftest_argv(device: str, kind: str, device_type: str | None = None) -> tuple[str, ...]:
    """`smartctl --json -t short|long [-d TYPE] DEVICE` (returns at once; the disk tests
    itself in the background)."""
    if kind not in ("short", "long"):
        raise ValueError(f"unknown self-test kind {kind!r}")
    return (SMARTCTL, "--json", "-t", kind, *(("-d", device_type) if device_type else ()), device)


def run_json(
    argv: Sequence[str], *, runner: Runner = subprocess_runner, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """Run a smartctl command; return its JSON output.

    Raises CartableError when smartctl is missing, hangs, or prints no JSON.
    """
    res = runner(argv, timeout)
    code, out, err = res.code, res.stdout, res.stderr
    try:
        data = json.loads(out)
    except json.JSONDecodeError as exc:
        raise CartableError(
            N_(
                "smartctl n'a pas rendu de JSON (code %(code)s) : %(detail)s. "
                "Vérifiez que smartmontools est en version 7 ou plus."
            ),
            code=code,
            detail=(err or out).strip()[:300],
        ) from exc
    data.setdefault("smartctl", {}).setdefault("exit_status", code)
    return data


def needs_device_type(data: dict[str, Any]) -> bool:
    """True when smartctl could not open the disk because it needs `-d TYPE` (USB bridge)."""
    text = " ".join(m.get("string", "") for m in data.get("smartctl", {}).get("messages", []))
    return any(s.lower() in text.lower() for s in _NEEDS_TYPE)


def read_device(
    device: str, device_type: str | None = None, *, runner: Runner = subprocess_runner
) -> dict[str, Any]:
    """`smartctl -a` for one disk, retried with `-d sat` when a USB bridge is unknown.

    Returns smartctl's JSON; `cartable.device_type` records the type that worked and
    `cartable.first_attempt` the failed first answer when a retry happened.
    """
    data = run_json(info_argv(device, device_type), runner=runner)
    used = device_type
    if device_type is None and needs_device_type(data):
        first = data
        data = run_json(info_argv(device, "sat"), runner=runner)
        used = "sat"
        data["cartable"] = {"first_attempt": first.get("smartctl", {})}
    data.setdefault("cartable", {})["device_type"] = used
    return data


def parse_scan(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Given `smartctl --json --scan-open` output, return [{"name", "type", "protocol"}]."""
    return [
        {"name": d["name"], "type": d.get("type"), "protocol": d.get("protocol")}
        for d in data.get("devices", [])
        if d.get("name") and not d.get("open_error")
    ]


def scan_devices(*, runner: Runner = subprocess_runner) -> list[str]:
    """Names of the disks smartctl finds (NVMe controllers and ATA/SCSI disks)."""
    return [d["name"] for d in parse_scan(run_json(scan_argv(), runner=runner))]


def selftest_due(
    now: float, last_short: float | None, last_long: float | None, short_days: int, long_days: int
) -> str | None:
    """Which self-test to start now: "long", "short" or None.

    Given the time and when each kind was last started (None: never); an interval of 0
    days disables that kind. A due long test also covers a due short one.
    """

    def due(last: float | None, days: int) -> bool:
        return days > 0 and (last is None or now - last >= days * 86400 - 3600)

    if due(last_long, long_days):
        return "long"
    if due(last_short, short_days):
        return "short"
    return None


def supports_selftest(data: dict[str, Any]) -> bool:
    """True when the disk's answer allows starting a self-test.

    ATA disks say so in their capabilities; for NVMe (smartctl 7.3+) and SCSI, smartctl
    itself refuses a disk that cannot, which the caller sees in the exit status. A disk
    that could not be read at all (exit bits 0-1) is never tested.
    """
    if data.get("smartctl", {}).get("exit_status", 0) & 0b11:
        return False
    caps = data.get("ata_smart_data", {}).get("capabilities")
    if caps is not None:
        return bool(caps.get("self_tests_supported"))
    return bool(data.get("device"))
