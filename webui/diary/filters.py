"""Template filters of the cahier de textes: a day in words, a kind of work in words, and
rich text (cleaned when it was written, cleaned again when it is shown)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from markupsafe import Markup

from appliance import richtext
from appliance.schoollife.diary.homework import KIND_LABELS
from appliance.schoollife.year import WEEKDAYS
from appliance.timefmt import fmt_date
from webui.diary import bp


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@bp.app_template_filter("day_words")
def day_words(value: date | str) -> str:
    """« lundi 07/12/2026 » (the weekday in the page's language)."""
    day = _day(value)
    return f"{WEEKDAYS[day.weekday()].translated(gettext)} {fmt_date(day)}"


@bp.app_template_filter("weekday_words")
def weekday_words(value: date | str) -> str:
    """« lundi »."""
    return WEEKDAYS[_day(value).weekday()].translated(gettext)


@bp.app_template_filter("homework_kind")
def homework_kind(code: str) -> str:
    label = KIND_LABELS.get(code)
    return label.translated(gettext) if label is not None else code


@bp.app_template_filter("rich")
def rich(html: str | None) -> Markup:
    """A stored rich text as HTML for the page: it was cleaned on the way in, and is
    cleaned again on the way out (never trusted as it is)."""
    return Markup(richtext.sanitise(html, max_chars=10 * richtext.MAX_CHARS))  # noqa: S704
