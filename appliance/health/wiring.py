"""How the health services meet an opened box: what the CLI, the web UI and the worker share.

The services of this package take plain values (settings, paths, callables); this module
gives them what an installed Cartable knows: the typed settings of its configuration, its
`metrics.db`, which of its services are alive, the time of its last successful backup,
and it runs the diagnosis, the silences and the support bundle the same way for
`cartable diagnose`, `cartable health …` and the pages under /admin/sante.

`role` says who asks: "worker" (it is the worker, it probes the portal), "web" (it is the
portal, it reads the worker's heartbeat) or "cli" (it probes both).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from appliance import listening
from appliance.errors import CartableError
from appliance.health import alerts, probes
from appliance.health.diagnosis import run_diagnosis
from appliance.health.messages_hw import problem_text
from appliance.health.settings import HealthSettings, MailSettings
from appliance.health.smart_log import reports_from_spool, smart_history
from appliance.health.smart_spool import read_spool
from appliance.health.store import MetricStore
from appliance.i18n import N_
from appliance.security import audit

ROLES = ("worker", "web", "cli")
HISTORY_DAYS = 90


def health_settings(config: Any) -> HealthSettings:
    """The `health.*` keys of the loaded configuration."""
    return HealthSettings.from_config(config)


def mail_settings(config: Any) -> MailSettings:
    """The `mail.*` keys of the loaded configuration."""
    return MailSettings.from_config(config)


def updates_cache_path(config: Any) -> Path:
    """Where the pending-updates count is cached (next to metrics.db, as the worker does)."""
    return Path(config.metrics_db_path).with_name("health-updates.json")


# --- backups --------------------------------------------------------------------------------


def last_backup_time(box: Any) -> float | None:
    """When the newest successful backup ended (epoch), None when none ever succeeded.

    Read from the backup registry (`appliance.backups.last_backup_time`: the newest
    `last_good_backup["ended"]` over the repositories; no borg call).
    """
    from appliance import backups

    return backups.last_backup_time(box)


def backups_monitored(box: Any) -> bool:
    """True when `backup.enabled` and at least one repository is set up: only then does
    the dead-man check (no successful backup for `health.backup_max_age_hours`) apply.
    A box where no repository was ever set up shows it on the backups page instead."""
    from appliance import backups

    return bool(box.config["backup.enabled"]) and backups.has_repositories(box.config)


def backup_arguments(box: Any) -> dict[str, Any]:
    """The backup arguments of `run_diagnosis` as the box stands now: {"last_backup_at": …}
    when backups are monitored, {"backup_setup": "disabled"} when `backup.enabled` is false,
    {"backup_setup": "none"} when no repository is set up (nothing is backed up)."""
    from appliance import backups

    if not box.config["backup.enabled"]:
        return {"backup_setup": "disabled"}
    if not backups.has_repositories(box.config):
        return {"backup_setup": "none"}
    return {"last_backup_at": last_backup_time(box)}


# --- services -------------------------------------------------------------------------------


def services(
    config: Any, role: str, store: MetricStore | None = None, *, now: float | None = None
) -> dict[str, Any]:
    """{service name: {"alive", "detail"}} for Cartable's portal and worker, as `role`
    can tell: a process knows it runs itself; the portal is asked over HTTP, on the
    address it recorded when it started (`listening.address`), else web.host:web.port; the worker
    is judged by the age of the newest sample it wrote into `store`."""
    if role not in ROLES:
        raise ValueError(role)
    out: dict[str, Any] = {}
    if role == "web":
        out[probes.SERVICE_WEB] = {"alive": True, "detail": None}
    else:
        out[probes.SERVICE_WEB] = probes.portal_probe(*listening.address(config))
    if role == "worker":
        out[probes.SERVICE_WORKER] = {"alive": True, "detail": None}
    else:
        limit = probes.heartbeat_limit(config["health.write_batch_seconds"])
        out[probes.SERVICE_WORKER] = probes.worker_heartbeat(
            store.conn if store else None, max_age_seconds=limit, now=now
        )
    return out


# --- metrics.db -----------------------------------------------------------------------------


def open_store(config: Any, *, write: bool = False) -> MetricStore | None:
    """Open metrics.db: read-only (None when the worker has not created it yet), or for
    writing (created if needed).

    Raises CartableError when root is asked to write into a metrics.db that belongs to the
    service's user: files root would create next to it (journal, WAL) would lock the
    worker out.
    """
    path = Path(config.metrics_db_path)
    if not write:
        return MetricStore.open(path, readonly=True) if path.exists() else None
    if path.exists() and os.geteuid() == 0:
        owner = path.stat().st_uid
        if owner != 0:
            import pwd

            try:
                name = pwd.getpwuid(owner).pw_name
            except KeyError:
                name = str(owner)
            raise CartableError(
                N_(
                    "%(path)s appartient à l'utilisateur %(name)s : relancez la commande en son "
                    "nom (sudo -u %(name)s cartable …) pour ne pas lui retirer l'accès à ses "
                    "fichiers."
                ),
                path=path,
                name=name,
            )
    return MetricStore.open(path)


# --- diagnosis and silences -----------------------------------------------------------------


@contextmanager
def opened_store(config: Any, *, write: bool = False) -> Iterator[MetricStore | None]:
    """`open_store` for a `with` block: the store (or None) is closed at the end."""
    store = open_store(config, write=write)
    try:
        yield store
    finally:
        if store is not None:
            store.close()


def diagnose(
    box: Any, role: str, store: MetricStore | None, *, now: float | None = None
) -> list[dict[str, Any]]:
    """Run every check now (see `diagnosis.run_diagnosis`) for this box."""
    config = box.config
    now = time.time() if now is None else now
    return run_diagnosis(
        health_settings(config),
        store=store,
        services=services(config, role, store, now=now),
        updates_cache=updates_cache_path(config),
        now=now,
        **backup_arguments(box),
    )


def silenceable_keys(results: list[dict[str, Any]], store: MetricStore | None) -> set[str]:
    """Keys a technician may silence: the warnings of the diagnosis and the open warning
    alerts of the worker."""
    keys = {r["key"] for r in results if r["key"] and r["status"] == "warning"}
    if store is not None:
        keys |= {a["key"] for a in alerts.active_alerts(store.conn) if a["level"] == "warning"}
    return keys


def silence(
    box: Any,
    store: MetricStore,
    key: str,
    reason: str,
    actor: audit.Actor,
    *,
    known: set[str],
    now: float | None = None,
) -> dict[str, Any]:
    """Silence the warning `key` with `reason` and write it to the audit log; returns
    the audit details. Raises CartableError when `key` is not among `known` (see
    `silenceable_keys`), the reason is missing or the alert is critical."""
    key = (key or "").strip()
    if key not in known:
        listed = ", ".join(sorted(known)) or "aucun en ce moment"
        raise CartableError(
            N_(
                "« %(key)s » n'est pas un avertissement en cours : seul un avertissement connu "
                "peut être mis en sourdine (avertissements : %(listed)s)."
            ),
            field="key",
            key=key,
            listed=listed,
        )
    now = time.time() if now is None else now
    # The silence lives in metrics.db, its row in cartable.db: the audit transaction is
    # opened first, so a failed silence leaves no row.
    with audit.audited(box.conn(), actor, "health.silence", target=f"health:{key}") as entry:
        done = alerts.silence(store.conn, key, reason, actor.login, now)
        entry.details.update(reason=done["reason"], replaced=done["replaced"])
    return done


def unsilence(box: Any, store: MetricStore, key: str, actor: audit.Actor) -> dict[str, Any]:
    """Lift the silence of `key` and write it to the audit log; returns the audit details.
    Raises NotFound when `key` is not silenced."""
    with audit.audited(box.conn(), actor, "health.unsilence") as entry:
        done = alerts.unsilence(store.conn, (key or "").strip(), actor.login)
        entry.target, entry.details["reason"] = f"health:{done['key']}", done["reason"]
    return done


# --- support bundle -------------------------------------------------------------------------


def bundle_name(now: float | None = None) -> str:
    """File name of a support bundle made at `now`."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(time.time() if now is None else now))
    return f"cartable-assistance-{stamp}.tar.gz"


def support_bundle(
    box: Any,
    role: str,
    store: MetricStore | None,
    actor: audit.Actor,
    *,
    now: float | None = None,
) -> bytes:
    """The support bundle (.tar.gz bytes): diagnosis, configuration without its secrets,
    recent logs with secret values blanked, alert history, silences and SMART reports.
    Written to the audit log."""
    from appliance.health.bundle import support_bundle_bytes

    config = box.config
    now = time.time() if now is None else now
    settings = health_settings(config)
    results = diagnose(box, role, store, now=now)
    items = config.public_items()
    secrets = [str(config[k.name]) for k, _shown, _src in items if k.secret and config[k.name]]
    extra: dict[str, Any] = {
        "smart.json": [d["report"] for d in disk_reports(store, settings, now)]
    }
    if store is not None:
        extra["alerts.json"] = alerts.alert_history(store.conn, since=now - HISTORY_DAYS * 86400)
        extra["silences.json"] = list(alerts.active_silences(store.conn, now).values())
    data = support_bundle_bytes(
        diagnosis=results,
        config=items,
        secret_values=secrets,
        journal_units=settings.journal_units,
        log_files=settings.log_files,
        extra=extra,
        now=now,
    )
    errors = sum(1 for r in results if r["status"] == "error")
    audit.record(
        box.conn(),
        actor,
        "health.bundle",
        details={"bytes": len(data), "errors": errors},
    )
    return data


# --- what the health page shows -------------------------------------------------------------


def disk_reports(
    store: MetricStore | None, settings: HealthSettings, now: float | None = None
) -> list[dict[str, Any]]:
    """Per disk of the SMART spool: {"device", "collected_at", "age_hours", "stale",
    "error", "report" (see `smart.parse_report`, None when unreadable), "problems" (in
    words), "history" (stored reports, newest first)}."""
    now = time.time() if now is None else now
    entries = read_spool(
        settings.smart_spool_dir, now=now, max_age_hours=settings.smart_max_age_hours
    )
    conn = store.conn if store else None
    reports = reports_from_spool(conn, entries, record=False)
    out = []
    for e in entries:
        report = reports.get(e["device"])
        out.append(
            {
                "device": e["device"],
                "collected_at": e["collected_at"],
                "age_hours": e["age_hours"],
                "stale": e["stale"],
                "error": e["error"],
                "report": report,
                "problems": [problem_text(p) for p in (report or {}).get("problems", [])],
                "history": smart_history(conn, e["device"], limit=10) if conn else [],
            }
        )
    return out


_GROUP_CPU = N_("Processeur et mémoire")
_GROUP_STORAGE = N_("Stockage")
_GROUP_TEMP = N_("Températures et ventilateurs")
_GROUP_NET = N_("Réseau")
_GROUP_UPS = N_("Onduleur")
_GROUP_OWN = N_("Cartable")
WARNING_LABEL = N_("avertissement")
CRITICAL_LABEL = N_("critique")
MAX_PER_FAMILY = 4
ALWAYS_CHARTED = frozenset({"cpu.total_pct", "load.5", "mem.available_pct"})


def _spec(group: str, series: str, title: str, unit: str = "", **kw: Any) -> dict[str, Any]:
    return {
        "group": group,
        "series": series,
        "title": title,
        "name": series.partition(":")[2],
        "unit": unit,
        "y_min": kw.get("y_min"),
        "y_max": kw.get("y_max"),
        "thresholds": kw.get("thresholds", []),
    }


def chart_specs(store: MetricStore | None, s: HealthSettings) -> list[dict[str, Any]]:
    """The charts of the health page, for the series the store holds: [{"group", "series",
    "title" (source string, "%(name)s" is the disk, sensor or interface), "name", "unit",
    "y_min", "y_max", "thresholds" [(value, label source string)]}]. The processor,
    load and memory charts are always there (saying "no data yet" on a fresh box, even
    without metrics.db); the others only for the series the store holds."""
    known = set(store.series_names()) if store is not None else set()
    pct = {"y_min": 0, "y_max": 100}
    out = []

    def add(series: str, group: str, title: str, unit: str = "", **kw: Any) -> None:
        if series in known or series in ALWAYS_CHARTED:
            out.append(_spec(group, series, title, unit, **kw))

    def family(prefix: str, group: str, title: str, unit: str = "", **kw: Any) -> None:
        for series in sorted(n for n in known if n.startswith(prefix))[:MAX_PER_FAMILY]:
            out.append(_spec(group, series, title, unit, **kw))

    add("cpu.total_pct", _GROUP_CPU, N_("Processeur occupé (%%)"), "%", **pct,
        thresholds=[(s.cpu_warning_pct, WARNING_LABEL)])  # fmt: skip
    add("load.5", _GROUP_CPU, N_("Charge moyenne sur 5 minutes"))
    add("mem.available_pct", _GROUP_CPU, N_("Mémoire vive disponible (%%)"), "%", **pct,
        thresholds=[(s.memory_available_warning_pct, WARNING_LABEL),
                    (s.memory_available_critical_pct, CRITICAL_LABEL)])  # fmt: skip
    add("swap.used_pct", _GROUP_CPU, N_("Mémoire d'échange utilisée (%%)"), "%", **pct)
    family("fs.used_pct:", _GROUP_STORAGE, N_("Occupation de %(name)s (%%)"), "%", **pct,
           thresholds=[(s.fs_warning_pct, WARNING_LABEL),
                       (s.fs_critical_pct, CRITICAL_LABEL)])  # fmt: skip
    family("disk.busy_pct:", _GROUP_STORAGE, N_("Activité du disque %(name)s (%%)"), "%", **pct)
    family("temp.c:", _GROUP_TEMP, N_("Température %(name)s (°C)"), "°C")
    family("smart.temp_c:", _GROUP_TEMP, N_("Température du disque %(name)s (°C)"), "°C")
    family("fan.rpm:", _GROUP_TEMP, N_("Ventilateur %(name)s (tr/min)"), "tr/min")
    family("net.rx_bps:", _GROUP_NET, N_("Réseau %(name)s : reçu"), "o/s")
    family("net.tx_bps:", _GROUP_NET, N_("Réseau %(name)s : envoyé"), "o/s")
    add("ups.charge_pct", _GROUP_UPS, N_("Charge de la batterie de l'onduleur (%%)"), "%", **pct)
    add("ups.load_pct", _GROUP_UPS, N_("Charge de l'onduleur (%%)"), "%", **pct)
    add("cartable.cpu_pct", _GROUP_OWN, N_("Processeur utilisé par Cartable (%%)"), "%")
    add("cartable.rss_bytes", _GROUP_OWN, N_("Mémoire utilisée par Cartable"), "o")
    return out
