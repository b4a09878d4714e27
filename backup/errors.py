"""Errors of the backup side, each carrying a plain-French message for the technician.

`backup/` imports nothing from `appliance/`, so these do not derive from
`appliance.errors.CartableError`; they have the same shape (`message`, `exit_code`,
`field`, `template`, `params`, `translated`) so the CLI and the web UI can show them the
same way.

A message is a French template marked with `N_()` (extracted for the translation
catalogue) with named `%(name)s` placeholders, and the values as keyword arguments:
`BackupError(N_("Le disque %(label)s est absent."), label=label)`. `message` is the
French text (CLI, logs, run history); `translated(gettext)` is the text in the web UI's
language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def N_(text: str) -> str:  # noqa: N802 (the usual gettext name)
    """Mark a message template for translation; it is translated when shown."""
    return text


def identity(text: str) -> str:
    return text


def fill(template: str, params: Mapping[str, object], gettext: Callable[[str], str]) -> str:
    """`template` (already translated or not) with `params` put in.

    A value that is itself an explained error (a wrapped cause) is given in the same
    language; other values are shown as they are (paths, names, borg's own words). A
    template without params is returned as it is (a literal `%` needs no doubling there).
    """
    if not params:
        return template
    values = {
        name: value.translated(gettext) if hasattr(value, "translated") else value
        for name, value in params.items()
    }
    return template % values


def translate(template: str, params: Mapping[str, object], gettext: Callable[[str], str]) -> str:
    """`template` with `params` in the language of `gettext`; French if the translation is
    broken (a placeholder missing from it), rather than an error page."""
    try:
        return fill(gettext(template), params, gettext)
    except (KeyError, ValueError, TypeError):
        return fill(template, params, identity)


class Phrase(str):
    """A message or a part of one that is not an exception: the French text (a `str`, so it
    goes wherever a message did), carrying its marked template and values to be
    translated when shown."""

    template: str
    params: dict[str, Any]  # Any: they are passed on as **params, beside typed keywords

    def __new__(cls, template: str, **params: object) -> Phrase:
        self = super().__new__(cls, fill(template, params, identity))
        self.template = template
        self.params = params
        return self

    def translated(self, gettext: Callable[[str], str]) -> str:
        return translate(self.template, self.params, gettext)


class Explained(Exception):
    """An exception whose message is a marked French template and its values."""

    def __init__(self, message: str, **params: object):
        if isinstance(message, Phrase) and not params:
            # A message built of phrases (borg's explanations): its template and values.
            phrase = message
            message, params = phrase.template, phrase.params
        self.template = message
        self.params: dict[str, Any] = params
        self.message = fill(message, params, identity)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of `gettext` (French when it has no translation)."""
        return translate(self.template, self.params, gettext)


class BackupError(Explained):
    """A backup problem explained in plain words: what happened and what to do."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        step: str | None = None,
        **params: object,
    ):
        super().__init__(message, **params)
        self.field = field
        self.step = step


class BorgError(BackupError):
    """Borg ended with an error; `result` is the `runner.BorgResult` (masked, no secret)."""

    def __init__(self, message: str, result: object, **params: Any):
        super().__init__(message, **params)
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

    def __init__(
        self,
        message: str,
        *,
        skippable: bool = False,
        step: str | None = None,
        **params: Any,
    ):
        super().__init__(message, step=step, **params)
        self.skippable = skippable


class RegistryError(BackupError):
    """The repository registry is unreadable, or a label is unknown or already used."""


class VerificationError(BackupError):
    """Restored data does not match its manifest (integrity, row counts or checksums)."""
