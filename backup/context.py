"""Everything the jobs need to know about this server, given by the caller.

`backup/` reads no configuration: the appliance builds a `BackupContext` from its own
config (state folder, borg binary, lock wait, timeouts, SSH key, removable-disk rules)
and passes it to every job. State on disk, all under `state_dir`:

    repositories.json        the registry (labels, URLs, ids, pins, history)   0600
    passphrases/LABEL.passphrase                                                0600
    ssh/known_hosts          pinned host keys of off-site servers              0600
    ssh/id_ed25519[.pub]     this server's SSH key for off-site repositories
    borg/                    BORG_BASE_DIR: borg's cache, config, security, keys
    staging/                 the snapshot of one run (emptied after the run)
    checksums.json           file checksum cache of the manifest scan
    mnt/LABEL                where a removable disk is mounted during a job
    job.lock                 the flock that keeps jobs from overlapping
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backup.disks import BY_UUID, PROC_MOUNTS
from backup.repos import Registry
from backup.runner import Borg

MIB = 1024 * 1024


@dataclass(frozen=True)
class Retention:
    """How many archives prune keeps (borg prune --keep-*), and how often the space of
    pruned archives is given back (`borg compact`: at most every `compact_every_days`
    days, after a prune that deleted archives, or at once when the disk runs short)."""

    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    compact_every_days: int = 7


@dataclass(frozen=True)
class BackupContext:
    """This server's backup settings; see the module doc for the state folder layout.

    `margin_bytes` is kept free on every disk on top of the expected size;
    `removable_max_age_days` turns an absent removable disk into an alert once its last
    good backup is that old; `automount` mounts a plugged-in but unmounted disk.
    """

    state_dir: Path
    borg_bin: str = "borg"
    lock_wait_seconds: int = 600
    job_timeout_seconds: float = 12 * 3600
    ssh_identity: Path | None = None
    remote_path: str | None = None
    automount: bool = True
    removable_max_age_days: int = 14
    margin_bytes: int = 256 * MIB
    compression: str = "zstd,3"
    by_uuid_dir: Path = BY_UUID
    mounts_file: Path = PROC_MOUNTS

    @property
    def borg(self) -> Borg:
        return Borg(
            state_dir=Path(self.state_dir),
            borg_bin=self.borg_bin,
            lock_wait=self.lock_wait_seconds,
            timeout=self.job_timeout_seconds,
            ssh_identity=self.ssh_identity,
            remote_path=self.remote_path,
        )

    @property
    def registry(self) -> Registry:
        return Registry(Path(self.state_dir))

    @property
    def staging_dir(self) -> Path:
        return Path(self.state_dir) / "staging"

    @property
    def checksum_cache(self) -> Path:
        return Path(self.state_dir) / "checksums.json"

    @property
    def known_hosts(self) -> Path:
        return Path(self.state_dir) / "ssh" / "known_hosts"

    @property
    def default_identity(self) -> Path:
        return Path(self.state_dir) / "ssh" / "id_ed25519"

    def passphrase_path(self, label: str) -> Path:
        return Path(self.state_dir) / "passphrases" / f"{label}.passphrase"

    def mount_dir(self, label: str) -> Path:
        return Path(self.state_dir) / "mnt" / label
