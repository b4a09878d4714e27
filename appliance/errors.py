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
