"""Template filters that show times and codes as people read them.

Times: `|datetime_fr` (« 01/12/2026 21:19 »), `|date_fr` (« 01/12/2026 »), `|time_fr`
(« 21:19 »), in the school's zone (`school.timezone`), from whatever the view holds (ISO
text, datetime, date, epoch); `|iso_local` for machine-readable attributes (`<time
datetime=…>`). Codes: `|action_words`, `|outcome_words`, `|function_words`,
`|import_kind_words`, `|lesson_status_words`, already translated into the page's
language; `|words` a phrase a service made (`backup.errors.Phrase`: a list's name…). Both
languages show dates as day/month/year (see appliance/timefmt.py).
"""

from __future__ import annotations

from flask import Flask, current_app

from appliance import labels, timefmt


def _zone() -> str:
    return current_app.config["CARTABLE_TIMEZONE"]


def _gettext(text: str) -> str:
    from webui.app import _request_translations  # the app imports this module

    return _request_translations().ugettext(text)


def datetime_fr(value: timefmt.Moment) -> str:
    return timefmt.fmt_datetime(value, _zone())


def date_fr(value: timefmt.Moment) -> str:
    return timefmt.fmt_date(value, _zone())


def time_fr(value: timefmt.Moment) -> str:
    return timefmt.fmt_time(value, _zone())


def iso_local(value: timefmt.Moment) -> str:
    return timefmt.iso(value, _zone()) or ""


def phrase_words(value: object) -> object:
    """A service's phrase (a list's name, « ancien utilisateur ») in the page's language;
    anything else as it is."""
    translated = getattr(value, "translated", None)
    return translated(_gettext) if translated is not None else value


def register(app: Flask, zone: str) -> None:
    """Install the filters on `app`, showing times in `zone`."""
    app.config["CARTABLE_TIMEZONE"] = zone
    filters = {
        "datetime_fr": datetime_fr,
        "date_fr": date_fr,
        "time_fr": time_fr,
        "iso_local": iso_local,
        "action_words": lambda code: labels.action_label(code, _gettext),
        "outcome_words": lambda code: labels.outcome_label(code, _gettext),
        "function_words": lambda code: labels.function_label(code, _gettext),
        "import_kind_words": lambda code: labels.import_kind_label(code, _gettext),
        "lesson_status_words": lambda code: labels.lesson_status_label(code, _gettext),
        "words": phrase_words,
    }
    app.jinja_env.filters.update(filters)
