"""Typed views of the `health.*` and `mail.*` configuration keys.

The services take these small frozen objects rather than the whole configuration, so that a
test builds one with `HealthSettings()` (the defaults of `config_keys.KEYS`) and overrides
only what it checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Protocol

from appliance.health.config_keys import KEYS

_DEFAULTS = {k.name: k.default for k in KEYS}


class ConfigLike(Protocol):
    """Anything with `config[key]` (appliance.config.Config, a dict)."""

    def __getitem__(self, key: str) -> Any: ...


def _d(name: str) -> Any:
    value = _DEFAULTS[name]
    return field(default_factory=lambda: list(value)) if isinstance(value, list) else value


@dataclass(frozen=True)
class HealthSettings:
    """The `health.*` keys, attribute names without the prefix."""

    sample_interval_seconds: int = _d("health.sample_interval_seconds")
    write_batch_seconds: int = _d("health.write_batch_seconds")
    raw_retention_hours: int = _d("health.raw_retention_hours")
    minute_retention_days: int = _d("health.minute_retention_days")
    hour_retention_days: int = _d("health.hour_retention_days")
    fs_warning_pct: float = _d("health.fs_warning_pct")
    fs_critical_pct: float = _d("health.fs_critical_pct")
    inodes_warning_pct: float = _d("health.inodes_warning_pct")
    inodes_critical_pct: float = _d("health.inodes_critical_pct")
    memory_available_warning_pct: float = _d("health.memory_available_warning_pct")
    memory_available_critical_pct: float = _d("health.memory_available_critical_pct")
    swap_warning_pct: float = _d("health.swap_warning_pct")
    cpu_warning_pct: float = _d("health.cpu_warning_pct")
    load_warning_per_core: float = _d("health.load_warning_per_core")
    load_critical_per_core: float = _d("health.load_critical_per_core")
    temp_warning_margin_c: float = _d("health.temp_warning_margin_c")
    temp_critical_margin_c: float = _d("health.temp_critical_margin_c")
    temp_default_high_c: float = _d("health.temp_default_high_c")
    temp_default_critical_c: float = _d("health.temp_default_critical_c")
    disk_temp_warning_c: float = _d("health.disk_temp_warning_c")
    disk_temp_critical_c: float = _d("health.disk_temp_critical_c")
    nvme_temp_warning_c: float = _d("health.nvme_temp_warning_c")
    nvme_temp_critical_c: float = _d("health.nvme_temp_critical_c")
    ups_charge_warning_pct: float = _d("health.ups_charge_warning_pct")
    ups_charge_critical_pct: float = _d("health.ups_charge_critical_pct")
    ups_runtime_critical_minutes: float = _d("health.ups_runtime_critical_minutes")
    hysteresis_pct: float = _d("health.hysteresis_pct")
    temp_hysteresis_c: float = _d("health.temp_hysteresis_c")
    min_duration_seconds: int = _d("health.min_duration_seconds")
    load_min_duration_seconds: int = _d("health.load_min_duration_seconds")
    clear_duration_seconds: int = _d("health.clear_duration_seconds")
    prediction_horizon_hours: float = _d("health.prediction_horizon_hours")
    prediction_critical_hours: float = _d("health.prediction_critical_hours")
    prediction_window_hours: int = _d("health.prediction_window_hours")
    smart_spool_dir: str = _d("health.smart_spool_dir")
    smart_devices: list[str] = _d("health.smart_devices")
    smart_max_age_hours: float = _d("health.smart_max_age_hours")
    smart_short_test_days: int = _d("health.smart_short_test_days")
    smart_long_test_days: int = _d("health.smart_long_test_days")
    mdstat_path: str = _d("health.mdstat_path")
    ups_name: str = _d("health.ups_name")
    backup_max_age_hours: float = _d("health.backup_max_age_hours")
    tls_cert_file: str = _d("health.tls_cert_file")
    tls_warning_days: int = _d("health.tls_warning_days")
    tls_critical_days: int = _d("health.tls_critical_days")
    updates_cache_hours: float = _d("health.updates_cache_hours")
    journal_units: list[str] = _d("health.journal_units")
    log_files: list[str] = _d("health.log_files")
    digest_time: str = _d("health.digest_time")

    @classmethod
    def from_config(cls, config: ConfigLike) -> HealthSettings:
        """Given the loaded configuration (or a dict of dotted keys), return the settings."""
        return cls(**{f.name: config[f"health.{f.name}"] for f in fields(cls)})


@dataclass(frozen=True)
class MailSettings:
    """The `mail.*` keys. `enabled` is False when no relay host or recipient is set."""

    host: str = _d("mail.host")
    port: int = _d("mail.port")
    username: str = _d("mail.username")
    password: str = field(default=_DEFAULTS["mail.password"], repr=False)
    starttls: bool = _d("mail.starttls")
    sender: str = _d("mail.from")
    to: list[str] = _d("mail.to")
    timeout_seconds: int = _d("mail.timeout_seconds")

    @property
    def enabled(self) -> bool:
        """Whether alerts can be mailed: a relay and someone to tell."""
        return bool(self.host and self.to)

    @property
    def relay_set(self) -> bool:
        """Whether a relay is configured (people's notifications need no `mail.to`)."""
        return bool(self.host)

    @classmethod
    def from_config(cls, config: ConfigLike) -> MailSettings:
        """Given the loaded configuration (or a dict of dotted keys), return the settings."""
        names = {f.name: f"mail.{'from' if f.name == 'sender' else f.name}" for f in fields(cls)}
        return cls(**{attr: config[key] for attr, key in names.items()})
