"""Marking strings for translation where Flask is not available.

`N_("…")` returns its argument unchanged; `make i18n-update` extracts the strings it marks
and the web UI translates them when it shows them (`_(label)` in templates).
"""


def N_(text: str) -> str:  # noqa: N802 (the usual gettext name)
    """Mark a string for translation; it is translated when shown."""
    return text


class Label(str):
    """A label from a table of marked msgids (a list's name, a scope in words), with its
    values: the French text (a `str`), translated where it is shown (`translated`, the
    web UI's `|words` filter, or as a value of an explained error's message)."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, **params: object) -> "Label":
        self = super().__new__(cls, template % params if params else template)
        self.template = template
        self.params = params
        return self

    def translated(self, gettext) -> str:  # noqa: ANN001 (any gettext)
        text = gettext(self.template)
        try:
            return text % self.params if self.params else text
        except (KeyError, ValueError, TypeError):
            return str(self)
