"""From facts to observations: one function per source, thresholds from the settings.

Each returns a list of `rules.Observation`. Their keys are the alert keys, stable across
runs ("fs.space:/var", "smart:/dev/sda", "service:cartable-web"); silences use them too.
Categories are the diagnosis ones (see `diagnosis.CATEGORIES`).
"""

from __future__ import annotations

from typing import Any

from appliance.health.rules import CRITICAL, INFO, OK, WARNING, Observation, Threshold, worst
from appliance.health.settings import HealthSettings


def from_sample(sample: dict[str, Any], s: HealthSettings) -> list[Observation]:
    """Observations of a sampler sample (source "sample")."""

    def th(
        warn: float | None,
        crit: float | None,
        direction: str = "above",
        hyst: float | None = None,
        min_d: float | None = None,
    ) -> Threshold:
        return Threshold(
            warn,
            crit,
            direction,
            s.hysteresis_pct if hyst is None else hyst,
            s.min_duration_seconds if min_d is None else min_d,
            s.clear_duration_seconds,
        )

    out: list[Observation] = []

    def add(
        key: str, category: str, kind: str, value: float | None, t: Threshold, **context: Any
    ) -> None:
        out.append(
            Observation(key, category, kind, "sample", value=value, threshold=t, context=context)
        )

    for fs in sample.get("filesystems", []):
        mp = fs["mountpoint"]
        add(
            f"fs.space:{mp}",
            "resources",
            "fs_space",
            fs["used_pct"],
            th(s.fs_warning_pct, s.fs_critical_pct),
            mountpoint=mp,
            used_pct=fs["used_pct"],
            free_bytes=fs["free_bytes"],
            total_bytes=fs["total_bytes"],
        )
        if fs.get("inodes_used_pct") is not None:
            add(
                f"fs.inodes:{mp}",
                "resources",
                "fs_inodes",
                fs["inodes_used_pct"],
                th(s.inodes_warning_pct, s.inodes_critical_pct),
                mountpoint=mp,
                inodes_used_pct=fs["inodes_used_pct"],
            )
    mem = sample.get("memory", {})
    if mem.get("available_pct") is not None:
        add(
            "mem.available",
            "resources",
            "memory",
            mem["available_pct"],
            th(s.memory_available_warning_pct, s.memory_available_critical_pct, "below"),
            **mem,
        )
    swap = sample.get("swap", {})
    if swap.get("used_pct") is not None:
        add(
            "swap.used",
            "resources",
            "swap",
            swap["used_pct"],
            th(s.swap_warning_pct, None),
            used_pct=swap["used_pct"],
        )
    cpu = sample.get("cpu", {})
    if cpu.get("total_pct") is not None:
        add(
            "cpu.busy",
            "resources",
            "cpu",
            cpu["total_pct"],
            th(s.cpu_warning_pct, None, min_d=s.load_min_duration_seconds),
            total_pct=cpu["total_pct"],
        )
    load = sample.get("load", {})
    if load.get("status") == "ok":
        add(
            "load.average",
            "resources",
            "load",
            load["per_core_5"],
            th(
                s.load_warning_per_core,
                s.load_critical_per_core,
                hyst=0.1 * s.load_warning_per_core,
                min_d=s.load_min_duration_seconds,
            ),
            load5=load["5"],
            per_core_5=load["per_core_5"],
            cores=cpu.get("count", 1),
        )
    out += _temperatures(sample, s)
    return out


def _temperatures(sample: dict[str, Any], s: HealthSettings) -> list[Observation]:
    temps = sample.get("temperatures", {})
    fans = sample.get("fans", {})
    if temps.get("status") != "ok" and fans.get("status") != "ok":
        return [Observation("sensors.none", "temperatures", "sensors_none", "sample", level=INFO)]
    out = []
    for t in temps.get("sensors", []):
        high = t.get("high") or s.temp_default_high_c
        crit = t.get("critical") or s.temp_default_critical_c
        warn_at = high - s.temp_warning_margin_c
        crit_at = max(crit - s.temp_critical_margin_c, warn_at + 1.0)
        threshold = Threshold(
            warn_at,
            crit_at,
            "above",
            s.temp_hysteresis_c,
            s.min_duration_seconds,
            s.clear_duration_seconds,
        )
        out.append(
            Observation(
                f"temp:{t['name']}",
                "temperatures",
                "temperature",
                "sample",
                value=t["current"],
                threshold=threshold,
                context={
                    "sensor": t["name"],
                    "current": t["current"],
                    "warning": warn_at,
                    "critical": crit_at,
                },
            )
        )
    return out


def from_smart(
    entries: list[dict[str, Any]], reports: dict[str, dict[str, Any]], s: HealthSettings
) -> list[Observation]:
    """Observations of the SMART spool (source "smart").

    Given the spool entries (`smart_spool.read_spool`) and the parsed reports by device
    (`smart.parse_report`); SMART signs are decided at once (no minimum duration).
    """
    if not entries:
        return [Observation("smart.none", "disks", "smart_missing", "smart", level=INFO)]
    out = []
    for e in entries:
        dev = e["device"]
        if e["stale"] or e["data"] is None:
            out.append(
                Observation(
                    f"smart.stale:{dev}",
                    "disks",
                    "smart_stale",
                    "smart",
                    level=WARNING,
                    context={"device": dev, "age_hours": e["age_hours"]},
                )
            )
        rep = reports.get(dev)
        if rep is None:
            continue
        problems = rep["problems"]
        level = rep["verdict"] if rep["verdict"] in (OK, WARNING, CRITICAL) else INFO
        ctx = {
            k: rep[k]
            for k in (
                "device",
                "model",
                "serial",
                "kind",
                "power_on_hours",
                "temperature_c",
                "verdict",
            )
        }
        ctx["problems"] = problems
        ctx["unreadable_only"] = bool(problems) and all(p["code"] == "unreadable" for p in problems)
        out.append(Observation(f"smart:{dev}", "disks", "smart", "smart", level=level, context=ctx))
        if rep["temperature_c"] is not None:
            nvme = rep["kind"] == "nvme"
            warn = s.nvme_temp_warning_c if nvme else s.disk_temp_warning_c
            crit = s.nvme_temp_critical_c if nvme else s.disk_temp_critical_c
            out.append(
                Observation(
                    f"smart.temp:{dev}",
                    "temperatures",
                    "disk_temp",
                    "smart",
                    value=rep["temperature_c"],
                    threshold=Threshold(warn, crit, "above", s.temp_hysteresis_c, 0, 0),
                    context={"device": dev, "current": rep["temperature_c"], "warning": warn},
                )
            )
    return out


def from_raid(arrays: list[dict[str, Any]] | None) -> list[Observation]:
    """Observations of /proc/mdstat (source "raid"); None or [] means no software RAID."""
    if not arrays:
        return [Observation("raid.none", "disks", "raid_none", "raid", level=INFO)]
    return [
        Observation(
            f"raid:{a['name']}", "disks", "raid", "raid", level=a["level_of_concern"], context=a
        )
        for a in arrays
    ]


def from_ups(summary: dict[str, Any] | None, s: HealthSettings) -> list[Observation]:
    """Observations of the UPS (source "ups"); None when no UPS is configured."""
    if summary is None:
        return [Observation("ups.none", "power", "ups_none", "ups", level=INFO)]
    return [
        Observation(
            "ups.status",
            "power",
            "ups",
            "ups",
            level=summary["level"],
            clear_duration=120,
            context=summary,
        )
    ]


def _backup_observation(backup: dict[str, Any]) -> Observation:
    """A box with no repository is not backed up: an error, as an overdue backup is; backups
    switched off in the configuration are a warning (the box may be backed up otherwise)."""
    setup = backup.get("setup")
    if setup == "none":
        return Observation("backup.none", "backups", "backup_none", "box", level=CRITICAL)
    if setup == "disabled":
        return Observation("backup.disabled", "backups", "backup_disabled", "box", level=WARNING)
    level = CRITICAL if backup["overdue"] else OK
    return Observation("backup.age", "backups", "backup", "box", level=level, context=backup)


def from_box(
    s: HealthSettings,
    *,
    clock: dict[str, Any] | None = None,
    tls: dict[str, Any] | None = None,
    updates: dict[str, Any] | None = None,
    backup: dict[str, Any] | None = None,
    services: list[dict[str, Any]] | None = None,
) -> list[Observation]:
    """Observations of the box checks (source "box"); a check given as None is skipped."""
    out = []
    if clock is not None:
        sync = clock["synchronised"]
        level = INFO if sync is None else OK if sync else WARNING
        out.append(
            Observation(
                "clock.sync", "time", "clock", "box", level=level, min_duration=600, context=clock
            )
        )
    if tls is not None:
        if tls.get("path"):
            if tls.get("error"):
                out.append(
                    Observation("tls.expiry", "time", "tls", "box", level=WARNING, context=tls)
                )
            else:
                t = Threshold(s.tls_warning_days, s.tls_critical_days, "below")
                out.append(
                    Observation(
                        "tls.expiry",
                        "time",
                        "tls",
                        "box",
                        value=tls["days_left"],
                        threshold=t,
                        context=tls,
                    )
                )
        else:
            out.append(Observation("tls.none", "time", "tls_none", "box", level=INFO))
    if updates is not None:
        out.append(
            Observation(
                "updates.security",
                "updates",
                "updates",
                "box",
                level=_updates_level(updates),
                context=updates,
            )
        )
    if backup is not None:
        out.append(_backup_observation(backup))
    for svc in services or []:
        out.append(
            Observation(
                f"service:{svc['name']}",
                "services",
                "service",
                "box",
                level=OK if svc["alive"] else CRITICAL,
                context=svc,
            )
        )
    return out


def _updates_level(u: dict[str, Any]) -> str:
    if u.get("error"):
        return INFO
    stale = (u.get("lists_age_hours") or 0) > 7 * 24
    return WARNING if (u.get("security_count") or 0) > 0 or stale else OK


def from_trends(predictions: dict[str, dict[str, Any]], s: HealthSettings) -> list[Observation]:
    """Observations of the free-space trends (source "trend").

    Given {mountpoint: {"hours_left": float | None, "free_bytes": float}}.
    """
    out = []
    for mp, p in sorted(predictions.items()):
        ctx = {"mountpoint": mp, **p}
        if p.get("hours_left") is None:
            out.append(
                Observation(
                    f"fs.trend:{mp}", "resources", "fs_trend", "trend", level=OK, context=ctx
                )
            )
            continue
        t = Threshold(
            s.prediction_horizon_hours,
            s.prediction_critical_hours,
            "below",
            0.0,
            0,
            s.clear_duration_seconds,
        )
        out.append(
            Observation(
                f"fs.trend:{mp}",
                "resources",
                "fs_trend",
                "trend",
                value=p["hours_left"],
                threshold=t,
                context=ctx,
            )
        )
    return out


def overall(observations: list[Observation]) -> str:
    """The worst instant level of a list of observations (info counts as ok)."""
    return worst([o.instant_level() for o in observations if o.instant_level() != INFO])
