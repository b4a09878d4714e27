"""Service messages in the page's language.

Services raise `CartableError` / `BackupError` and record import problems with a French
template marked `N_()` and its values (`appliance/errors.py`); the CLI and the logs show
the French text, a page shows `error_text(exc)`: the same message in the UI language.
"""

from __future__ import annotations

from flask_babel import gettext


def error_text(error) -> str:
    """The message of `error` (an explained error or import problem) in the UI language.

    Anything without a template (an error of another kind) is shown as its text.
    """
    translated = getattr(error, "translated", None)
    return translated(gettext) if translated is not None else str(error)
