"""The diagnosis: gather every fact, observe, and group the results by category.

`gather_facts` does the I/O (psutil, spool, /proc/mdstat, upsc, timedatectl, certificate,
apt, history for trends); `observe` turns facts into observations; `diagnose` turns them
into the result list that `cartable diagnose --json` prints and the health page shows.
`run_diagnosis` does the three.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance.health import certs, checks, mdstat, observations, smart_spool, trend, ups
from appliance.health.messages import render
from appliance.health.rules import CRITICAL, INFO, OK, RANK, WARNING, Observation
from appliance.health.sampler import sample_now
from appliance.health.settings import HealthSettings
from appliance.health.smart_log import reports_from_spool
from appliance.health.store import MetricStore
from appliance.health.updates import pending_updates

CATEGORIES: dict[str, str] = {
    "resources": "Ressources du système",
    "disks": "Disques et SMART",
    "temperatures": "Températures et ventilateurs",
    "power": "Alimentation et onduleur",
    "services": "Services",
    "backups": "Sauvegardes",
    "time": "Heure et certificats",
    "updates": "Mises à jour",
}
STATUS = {OK: "success", INFO: "info", WARNING: "warning", CRITICAL: "error"}
_NOT_GIVEN: Any = object()


@dataclass
class Facts:
    """Everything the checks read, as plain values (None: not checked)."""

    sample: dict[str, Any] | None = None
    smart_entries: list[dict[str, Any]] = field(default_factory=list)
    smart_reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    raid: list[dict[str, Any]] | None = None
    ups: dict[str, Any] | None = None
    clock: dict[str, Any] | None = None
    tls: dict[str, Any] | None = None
    updates: dict[str, Any] | None = None
    backup: dict[str, Any] | None = None
    services: list[dict[str, Any]] | None = None
    trends: dict[str, dict[str, Any]] = field(default_factory=dict)


def gather_facts(
    s: HealthSettings,
    *,
    store: MetricStore | None = None,
    sample: dict[str, Any] | None = None,
    services: Mapping[str, Any] | None = None,
    last_backup_at: Any = _NOT_GIVEN,
    backup_setup: str | None = None,
    updates_cache: str | Path | None = None,
    now: float | None = None,
    ups_reader: Callable[..., dict[str, Any]] = ups.read_ups,
) -> Facts:
    """Read the box. Given the settings and what the caller knows: the metric store (for
    trends and SMART history), a sample (taken now when None), the services' states
    {name: alive}, the time of the last successful backup (datetime, epoch or ISO; None
    when none ever succeeded; leave out when unknown), or instead `backup_setup` "none" (no
    repository set up: nothing is backed up) or "disabled" (`backup.enabled` is false), the
    updates cache file."""
    now = time.time() if now is None else now
    f = Facts(sample=sample or sample_now(0.5))
    f.smart_entries = smart_spool.read_spool(
        s.smart_spool_dir, now=now, max_age_hours=s.smart_max_age_hours
    )
    # Read-only here: the worker's checks record new readings, a diagnosis only reads.
    f.smart_reports = reports_from_spool(
        store.conn if store else None, f.smart_entries, record=False
    )
    f.raid = mdstat.read_mdstat(s.mdstat_path)
    if s.ups_name:
        f.ups = ups_reader(
            s.ups_name,
            charge_warning=s.ups_charge_warning_pct,
            charge_critical=s.ups_charge_critical_pct,
            runtime_critical_min=s.ups_runtime_critical_minutes,
        )
    f.clock = checks.clock_status()
    f.tls = certs.certificate_status(s.tls_cert_file) if s.tls_cert_file else {"path": None}
    if updates_cache is not None:
        f.updates = pending_updates(updates_cache, max_age_hours=s.updates_cache_hours, now=now)
    if backup_setup is not None:
        f.backup = {"setup": backup_setup}
    elif last_backup_at is not _NOT_GIVEN:
        f.backup = checks.backup_status(
            last_backup_at, now=now, max_age_hours=s.backup_max_age_hours
        )
    if services is not None:
        f.services = checks.services_status(services)
    if store is not None:
        filesystems = (f.sample or {}).get("filesystems", [])
        free = {fs["mountpoint"]: fs["free_bytes"] for fs in filesystems}
        f.trends = trend.predict_filesystems(store, free, now, s.prediction_window_hours)
    return f


def observe(f: Facts, s: HealthSettings) -> dict[str, list[Observation]]:
    """Observations by source ("sample", "smart", "raid", "ups", "box", "trend")."""
    return {
        "sample": observations.from_sample(f.sample, s) if f.sample else [],
        "smart": observations.from_smart(f.smart_entries, f.smart_reports, s),
        "raid": observations.from_raid(f.raid),
        "ups": observations.from_ups(f.ups, s),
        "box": observations.from_box(
            s, clock=f.clock, tls=f.tls, updates=f.updates, backup=f.backup, services=f.services
        ),
        "trend": observations.from_trends(f.trends, s),
    }


def diagnose(
    obs: list[Observation],
    *,
    silences: Mapping[str, Mapping[str, Any]] | None = None,
    active: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Results grouped by category, in CATEGORIES order, worst first within a category.

    Every observation not ok is one result; the ok ones of a category are gathered in one
    success result whose details list them; a category with nothing observed says so.
    `silences` ({key: row}) marks accepted warnings; `active` ({key: level}) lets an open
    alert's hysteresis show. Each result: id, key, category, category_label, status,
    level, summary, details, advice, silenced, silence_reason.
    """
    silences = silences or {}
    by_cat: dict[str, list[dict[str, Any]]] = {c: [] for c in CATEGORIES}
    fine: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    for o in obs:
        level = o.instant_level((active or {}).get(o.key, OK))
        msg = render(o.kind, level, o.context)
        if level == OK:
            fine[o.category].append(msg.summary)
            continue
        sil = silences.get(o.key) if level == WARNING else None
        by_cat[o.category].append(
            {
                "id": o.key,
                "key": o.key,
                "category": o.category,
                "category_label": CATEGORIES[o.category],
                "status": STATUS[level],
                "level": level,
                "summary": msg.summary,
                "details": msg.why,
                "advice": msg.advice,
                "silenced": sil is not None,
                "silence_reason": sil["reason"] if sil else None,
            }
        )
    out = []
    for cat, label in CATEGORIES.items():
        items = sorted(by_cat[cat], key=lambda r: -RANK.get(r["level"], 0))
        if fine[cat]:
            items.append(_ok_item(cat, label, fine[cat]))
        if not items:
            items.append(
                {
                    **_ok_item(cat, label, []),
                    "status": "info",
                    "level": INFO,
                    "summary": "Rien n'est vérifié ici pour l'instant.",
                }
            )
        out += items
    return out


def _ok_item(cat: str, label: str, lines: list[str]) -> dict[str, Any]:
    summary = lines[0] if len(lines) == 1 else f"Tout va bien ({len(lines)} vérifications)."
    return {
        "id": f"{cat}.ok",
        "key": None,
        "category": cat,
        "category_label": label,
        "status": "success",
        "level": OK,
        "summary": summary,
        "details": "\n".join(lines),
        "advice": "",
        "silenced": False,
        "silence_reason": None,
    }


def category_status(results: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """{category: {"label", "status", "color"}} for the at-a-glance row (silenced items
    count as fine); color is green, orange or red."""
    out = {}
    for cat, label in CATEGORIES.items():
        levels = [r["level"] for r in results if r["category"] == cat and not r["silenced"]]
        worst = max(levels, key=lambda lv: RANK.get(lv, 0), default=OK)
        color = {CRITICAL: "red", WARNING: "orange"}.get(worst, "green")
        out[cat] = {"label": label, "status": STATUS.get(worst, "success"), "color": color}
    return out


def run_diagnosis(
    s: HealthSettings,
    *,
    store: MetricStore | None = None,
    services: Mapping[str, Any] | None = None,
    last_backup_at: datetime | float | str | None = _NOT_GIVEN,
    backup_setup: str | None = None,
    updates_cache: str | Path | None = None,
    sample: dict[str, Any] | None = None,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """Run every check now and return the results (see `diagnose`).

    With a store, silences and open alerts are taken into account and trends computed.
    """
    from appliance.health.alerts import active_silences, open_levels

    now = time.time() if now is None else now
    f = gather_facts(
        s,
        store=store,
        sample=sample,
        services=services,
        last_backup_at=last_backup_at,
        backup_setup=backup_setup,
        updates_cache=updates_cache,
        now=now,
    )
    obs = [o for group in observe(f, s).values() for o in group]
    silences = active_silences(store.conn, now) if store else {}
    active = {k: lv for k, (lv, _) in open_levels(store.conn).items()} if store else {}
    return diagnose(obs, silences=silences, active=active)
