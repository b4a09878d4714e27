"""What the worker's scheduler calls. One `HealthMonitor` per worker process.

    monitor = HealthMonitor(config.metrics_db_path, HealthSettings.from_config(config),
                            MailSettings.from_config(config), services=..., last_backup=...)
    every health.sample_interval_seconds (10 s)  monitor.sample_tick()
    every 60 s                                   monitor.checks_tick()
    every 5 min                                  monitor.maintenance_tick()
    daily at health.digest_time                  monitor.digest_tick()
    on shutdown                                  monitor.close()

Ticks may run in different scheduler threads: the store and the rule engine are guarded
by one lock; sampling itself runs outside it. A tick logs and swallows its own errors
(a broken relay must not stop the sampling) and returns what it did.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from appliance.errors import CartableError
from appliance.health import alerts, diagnosis, mailer
from appliance.health.downsample import run_maintenance
from appliance.health.observations import from_sample
from appliance.health.rules import RuleEngine
from appliance.health.sampler import Sampler
from appliance.health.settings import HealthSettings, MailSettings
from appliance.health.smart_log import reports_from_spool
from appliance.health.store import MetricStore
from appliance.health.trend import predict_filesystems

log = logging.getLogger("cartable.health")


class HealthMonitor:
    """Sampling buffer, rule engine and metric store of the worker.

    `services` returns {service name: alive}; `last_backup` returns the time of the last
    successful backup (None: never); `backup_state`, when given, replaces it and returns the
    backup arguments of `diagnosis.gather_facts` as the box stands now (see
    `wiring.backup_arguments`: {"last_backup_at": …} or {"backup_setup": "none"|"disabled"}).
    They are called by `checks_tick`; leave them out and those checks are skipped.
    """

    def __init__(
        self,
        metrics_path: str | Path,
        settings: HealthSettings,
        mail: MailSettings | None = None,
        *,
        services: Callable[[], Mapping[str, Any]] | None = None,
        last_backup: Callable[[], Any] | None = None,
        backup_state: Callable[[], Mapping[str, Any]] | None = None,
        updates_cache: str | Path | None = None,
        host: str | None = None,
        clock: Callable[[], float] = time.time,
        sender: mailer.Sender = mailer.send_mail,
    ) -> None:
        self.settings, self.mail = settings, mail or MailSettings()
        self.store = MetricStore.open(metrics_path)
        self.engine = RuleEngine(alerts.open_levels(self.store.conn))
        self.sampler = Sampler(clock=clock)
        self._services, self._last_backup = services, last_backup
        self._backup_state = backup_state
        self._updates_cache = updates_cache or Path(metrics_path).with_name("health-updates.json")
        self._host = host or socket.gethostname()
        self._clock, self._sender = clock, sender
        self._lock = threading.Lock()
        self._buffer: list[tuple[int, str, float]] = []
        self._last_flush = clock()
        self.last_sample: dict[str, Any] | None = None
        self._smart_seen: dict[str, int] = {}

    # --- ticks -------------------------------------------------------------------------------

    def sample_tick(self) -> dict[str, Any]:
        """Sample now, buffer the points (written every health.write_batch_seconds),
        evaluate the sample rules; returns the sample."""
        sample = self.sampler.sample()
        now = self._clock()
        with self._lock:
            self.last_sample = sample
            self._buffer += [(sample["ts"], name, value) for name, value in sample["points"]]
            if now - self._last_flush >= self.settings.write_batch_seconds:
                self._flush_locked(now)
            if self._evaluate_locked(from_sample(sample, self.settings), now, "sample"):
                self._mail_critical_locked(now)
        return sample

    def checks_tick(self) -> list[dict[str, Any]]:
        """Run the slower checks (SMART spool, RAID, UPS, clock, certificate, updates,
        backup age, services, trends), evaluate their rules; returns the alert rows that
        changed."""
        now = self._clock()
        try:
            services = self._services() if self._services else None
            if self._backup_state is not None:
                backup_args = dict(self._backup_state())
            elif self._last_backup is not None:
                backup_args = {"last_backup_at": self._last_backup()}
            else:
                backup_args = {}
            # Commands (timedatectl, upsc, apt) run outside the lock: sampling goes on.
            facts = diagnosis.gather_facts(
                self.settings,
                sample=self.last_sample,
                services=services,
                updates_cache=self._updates_cache,
                now=now,
                **backup_args,
            )
            with self._lock:
                facts.smart_reports = reports_from_spool(self.store.conn, facts.smart_entries)
                filesystems = facts.sample["filesystems"] if facts.sample else []
                free = {f["mountpoint"]: f["free_bytes"] for f in filesystems}
                facts.trends = predict_filesystems(
                    self.store, free, now, self.settings.prediction_window_hours
                )
                self._record_facts_locked(facts)
                changed = []
                for source, obs in diagnosis.observe(facts, self.settings).items():
                    if source != "sample":
                        changed += self._evaluate_locked(obs, now, source)
                if changed:  # one mail for all the critical alerts of this round
                    self._mail_critical_locked(now)
                return changed
        except Exception:
            log.exception("Vérifications de santé : échec")
            return []

    def maintenance_tick(self) -> dict[str, Any]:
        """Flush the buffer, downsample and apply retention; returns the counts."""
        now = self._clock()
        with self._lock:
            written = self._flush_locked(now)
            done = run_maintenance(self.store, int(now), self.settings)
        done["written"] = written
        return done

    def digest_tick(self, *, quiet: bool = True) -> int:
        """Send the daily digest; returns the number of alerts it held (0: no mail).

        A relay that fails is logged (`quiet`) or raised as CartableError (the job queue's
        handler: the failure is then shown with the job).
        """
        with self._lock:
            try:
                return mailer.send_digest(
                    self.store.conn, self.mail, self._clock(), host=self._host, sender=self._sender
                )
            except CartableError as exc:
                if not quiet:
                    raise
                log.error("Résumé quotidien non envoyé : %s", exc.message)
                return 0

    def close(self) -> None:
        """Write what is buffered and close the store."""
        with self._lock:
            self._flush_locked(self._clock())
            self.store.close()

    # --- helpers -----------------------------------------------------------------------------

    def flush(self) -> int:
        """Write the buffered points now; returns how many."""
        with self._lock:
            return self._flush_locked(self._clock())

    def _flush_locked(self, now: float) -> int:
        batch, self._buffer = self._buffer, []
        self._last_flush = now
        return self.store.write(batch) if batch else 0

    def _evaluate_locked(self, obs: list, now: float, source: str) -> list[dict[str, Any]]:
        transitions = self.engine.evaluate(obs, now, source=source)
        if not transitions:
            return []
        for t in transitions:
            log.warning("Santé : %s %s → %s", t.key, t.old, t.new)
        return alerts.apply_transitions(self.store.conn, transitions, now)

    def _mail_critical_locked(self, now: float) -> int:
        try:
            return mailer.send_critical_now(
                self.store.conn, self.mail, now, host=self._host, sender=self._sender
            )
        except CartableError as exc:
            log.error("Alerte critique non envoyée par courriel : %s", exc.message)
            return 0

    def _record_facts_locked(self, f: diagnosis.Facts) -> None:
        """History points for what the checks measured (UPS, disk temperatures)."""
        ts = int(self._clock())
        points: list[tuple[int, str, float]] = []
        if f.ups and not f.ups.get("error"):
            for key, series in (
                ("charge_pct", "ups.charge_pct"),
                ("runtime_s", "ups.runtime_s"),
                ("load_pct", "ups.load_pct"),
            ):
                if f.ups.get(key) is not None:
                    points.append((ts, series, f.ups[key]))
        for dev, rep in f.smart_reports.items():
            at = rep.get("spooled_at") or rep.get("collected_at") or 0
            if rep.get("temperature_c") is not None and at > self._smart_seen.get(dev, 0):
                self._smart_seen[dev] = at  # one point per reading, not one per check
                points.append((int(at), f"smart.temp_c:{dev}", float(rep["temperature_c"])))
        self._buffer += points
