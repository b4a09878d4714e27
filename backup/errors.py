"""Errors of the backup side, each carrying a plain-French message for the technician.

`backup/` imports nothing from `appliance/`, so these do not derive from
`appliance.errors.CartableError`; they have the same shape (`message`, `exit_code`,
`field`) so the CLI and the web UI can show them the same way.
"""

from __future__ import annotations


class BackupError(Exception):
    """A backup problem explained in plain words: what happened and what to do."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, step: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.step = step

    def __str__(self) -> str:
        return self.message


class BorgError(BackupError):
    """Borg ended with an error; `result` is the `runner.BorgResult` (masked, no secret)."""

    def __init__(self, message: str, result: object):
        super().__init__(message)
        self.result = result

    @property
    def borg_exit_code(self) -> int:
        return int(getattr(self.result, "returncode", -1))


class ArchiveNotFound(BackupError):
    """The repository holds no archive of that name (a page answers 404)."""


class SnapshotError(BackupError):
    """A database or file could not be copied consistently into the staging folder."""


class NotEnoughSpace(BackupError):
    """A disk has less free space than the operation needs; nothing was changed."""


class HostKeyError(BackupError):
    """The SSH host key of a remote repository is unknown, unpinned or has changed."""


class JobBusy(BackupError):
    """Another backup job holds the job lock; jobs never overlap."""


class RepositoryUnavailable(BackupError):
    """A repository cannot be reached (removable disk absent, wrong disk, bad location).

    `skippable` is True when that is normal (a removable disk not plugged in): the run is
    "skipped", not failed.
    """

    def __init__(self, message: str, *, skippable: bool = False, step: str | None = None):
        super().__init__(message, step=step)
        self.skippable = skippable


class RegistryError(BackupError):
    """The repository registry is unreadable, or a label is unknown or already used."""


class VerificationError(BackupError):
    """Restored data does not match its manifest (integrity, row counts or checksums)."""
