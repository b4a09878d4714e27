"""Template filters of the cahier de textes: a day in words, a kind of work in words, and
rich text (cleaned when it was written, cleaned again when it is shown)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from appliance import richtext
from appliance.schoollife.diary.homework import KIND_LABELS
from appliance.schoollife.year import WEEKDAYS
from appliance.timefmt import fmt_date
from webui.diary import bp
from webui.formats import _gettext

# Flask-Babel's `gettext` looks the catalogue up again for every string, and so, less
# slowly, does the page's language: the home page's "travail à faire" asks for a few words
# per item (docs/benchmarks.md, issue 11). The filters use the render's own `_` (its
# catalogue found once per render), or the request's catalogue where a template has none.


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _gettext_of(context: Context) -> Callable[[str], str]:
    return context.get("_") or _gettext


@bp.app_template_filter("day_words")
@pass_context
def day_words(context: Context, value: date | str) -> str:
    """« lundi 07/12/2026 » (the weekday in the page's language)."""
    day = _day(value)
    return f"{WEEKDAYS[day.weekday()].translated(_gettext_of(context))} {fmt_date(day)}"


@bp.app_template_filter("weekday_words")
@pass_context
def weekday_words(context: Context, value: date | str) -> str:
    """« lundi »."""
    return str(WEEKDAYS[_day(value).weekday()].translated(_gettext_of(context)))


@bp.app_template_filter("homework_kind")
@pass_context
def homework_kind(context: Context, code: str) -> str:
    label = KIND_LABELS.get(code)
    return str(label.translated(_gettext_of(context))) if label is not None else code


@bp.app_template_filter("rich")
def rich(html: str | None) -> Markup:
    """A stored rich text as HTML for the page: it was cleaned on the way in, and is
    cleaned again on the way out (never trusted as it is)."""
    return Markup(richtext.sanitise(html, max_chars=10 * richtext.MAX_CHARS))  # noqa: S704
