"""Marking strings for translation where Flask is not available.

`N_("…")` returns its argument unchanged; `make i18n-update` extracts the strings it marks
and the web UI translates them when it shows them (`_(label)` in templates).
"""


def N_(text: str) -> str:  # noqa: N802 (the usual gettext name)
    """Mark a string for translation; it is translated when shown."""
    return text
