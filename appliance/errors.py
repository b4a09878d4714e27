"""Errors a person can meet, carrying a plain-language message.

`CartableError` is raised by services for a user's mistake or a state of the box that a
technician must fix; the CLI prints its message on one line and exits non-zero, the web
UI shows it in the page. Anything else is a bug and gets a traceback in the log.
"""


class CartableError(Exception):
    """A mistake or a situation explained to the person in plain words."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class ConfigError(CartableError):
    """The configuration (file, environment or option) is wrong; names the key."""


class DatabaseVersionError(CartableError):
    """The database was written by a newer Cartable than this one."""


class NotFound(CartableError):
    """The thing asked for does not exist."""


class PolicyDenied(CartableError):
    """The person is not allowed to do this."""
