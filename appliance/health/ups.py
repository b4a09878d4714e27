"""The UPS through NUT: `upsc NAME@HOST` text output (JSON only exists from NUT 2.8.5).

`parse_upsc` turns the `name: value` lines into a dict, `decode_status` explains the
`ups.status` tokens, `read_ups` runs upsc and returns a summary with a level.
"""

from __future__ import annotations

from typing import Any

from appliance.health import command
from appliance.health.command import Runner
from appliance.health.rules import CRITICAL, OK, WARNING

# NUT's ups.status tokens (docs/new-drivers.txt, "Status data").
STATUS_TOKENS = {
    "OL": "sur secteur",
    "OB": "sur batterie",
    "LB": "batterie faible",
    "HB": "batterie haute",
    "RB": "batterie à remplacer",
    "CHRG": "en charge",
    "DISCHRG": "en décharge",
    "BYPASS": "en dérivation (sans protection)",
    "CAL": "calibration en cours",
    "OFF": "éteint",
    "OVER": "surcharge",
    "TRIM": "réduit une tension trop haute",
    "BOOST": "relève une tension trop basse",
    "FSD": "arrêt forcé en cours",
    "ALARM": "alarme",
    "TEST": "test en cours",
}


def parse_upsc(text: str) -> dict[str, str]:
    """Given upsc's output, return {variable: value} (lines without `: ` are ignored)."""
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition(": ")
        if sep and name and " " not in name.strip():
            out[name.strip()] = value.strip()
    return out


def decode_status(status: str) -> list[dict[str, str]]:
    """Given `ups.status` ("OB DISCHRG LB"), return [{"token", "label"}] in order."""
    return [{"token": t, "label": STATUS_TOKENS.get(t, t)} for t in status.split()]


def _num(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def summarize(
    variables: dict[str, str],
    *,
    charge_warning: float = 75.0,
    charge_critical: float = 40.0,
    runtime_critical_min: float = 5.0,
) -> dict[str, Any]:
    """Given upsc's variables and thresholds, return {"status", "tokens", "on_battery",
    "charge_pct", "runtime_s", "load_pct", "input_voltage", "battery_date", "model",
    "level", "reasons"}."""
    tokens = variables.get("ups.status", "").split()
    charge = _num(variables.get("battery.charge"))
    runtime = _num(variables.get("battery.runtime"))
    summary: dict[str, Any] = {
        "status": variables.get("ups.status", ""),
        "tokens": decode_status(variables.get("ups.status", "")),
        "on_battery": "OB" in tokens,
        "charge_pct": charge,
        "runtime_s": runtime,
        "load_pct": _num(variables.get("ups.load")),
        "input_voltage": _num(variables.get("input.voltage")),
        "battery_date": variables.get("battery.date") or variables.get("battery.mfr.date"),
        "model": variables.get("device.model") or variables.get("ups.model"),
    }
    reasons: list[tuple[str, str]] = []
    if "LB" in tokens or "FSD" in tokens:
        reasons.append((CRITICAL, "LB" if "LB" in tokens else "FSD"))
    if "OB" in tokens:
        reasons.append((WARNING, "OB"))
        if charge is not None and charge < charge_critical:
            reasons.append((CRITICAL, "charge"))
        elif charge is not None and charge < charge_warning:
            reasons.append((WARNING, "charge"))
        if runtime is not None and runtime < runtime_critical_min * 60:
            reasons.append((CRITICAL, "runtime"))
    for token in ("RB", "OVER", "BYPASS", "ALARM", "OFF"):
        if token in tokens:
            reasons.append((WARNING, token))
    if not tokens:
        reasons.append((WARNING, "no_status"))
    levels = [lvl for lvl, _ in reasons]
    summary["level"] = CRITICAL if CRITICAL in levels else WARNING if levels else OK
    summary["reasons"] = [r for _, r in reasons]
    return summary


def read_ups(
    name: str, *, runner: Runner = command.run, timeout: float = 10.0, **thresholds: float
) -> dict[str, Any]:
    """Run `upsc NAME` and summarize it; `thresholds` go to `summarize`.

    An unreachable UPS (driver stopped, data stale, upsd down, upsc missing) gives
    {"error": message, "level": "warning"} rather than raising.
    """
    res = runner(("upsc", name), timeout)
    variables = parse_upsc(res.stdout) if res.ok else {}
    if not res.ok or not variables:
        message = (res.stderr or res.stdout).strip().splitlines()
        return {
            "name": name,
            "error": message[-1] if message else f"upsc code {res.code}",
            "level": WARNING,
        }
    summary = summarize(variables, **thresholds)
    summary["name"] = name
    summary["error"] = None
    return summary
