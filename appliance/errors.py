"""Errors a person can meet, carrying a plain-language message.

`CartableError` is raised by services for a user's mistake or a state of the box that a
technician must fix; the CLI prints its message on one line and exits non-zero, the web
UI shows it in the page. Anything else is a bug and gets a traceback in the log.

The message is a French template marked with `N_()` (so that it reaches the translation
catalogue) with named `%(name)s` placeholders, the values given as keyword arguments:
`CartableError(N_("Le compte %(login)s n'existe pas."), login=login)`. `message` (and
`str()`) is the French text, for the CLI and the logs; `translated(gettext)` is the text
in the web UI's language. A plain string still works (it is then shown as it is).
"""

from backup.errors import Explained


class CartableError(Explained):
    """A mistake or a situation explained to the person in plain words."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None, **params: object):
        super().__init__(message, **params)
        self.field = field


class ConfigError(CartableError):
    """The configuration (file, environment or option) is wrong; names the key."""


class DatabaseVersionError(CartableError):
    """The database was written by a newer Cartable than this one."""


class NotFound(CartableError):
    """The thing asked for does not exist."""


class PolicyDenied(CartableError):
    """The person is not allowed to do this."""


class Conflict(CartableError):
    """The change meets a state that forbids it: a locked period, a stale version (the API
    answers 409)."""


class TooLarge(CartableError):
    """Too large: a file past its size limit, a quota reached (the API answers 413)."""


class Unavailable(Exception):
    """The box can't do it now, through nobody's mistake (the database is held by a long
    write, the disk is full). Not a CartableError on purpose: a form that shows a
    CartableError as a mistake in a field must let this through to the error pages (503 or
    507) and the CLI's one line. `message` is a French msgid (translated when shown)."""

    exit_code = 75  # EX_TEMPFAIL: try again later
    http_status = 503
    retry_after = 10

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DatabaseBusy(Unavailable):
    """Another write (a big import, a restore) held the database longer than we wait."""


class DiskFull(Unavailable):
    """The disk of the data folder is full: nothing can be written."""

    exit_code = 74  # EX_IOERR
    http_status = 507
    retry_after = 300
