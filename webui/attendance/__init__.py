"""The roll call and absences in the web UI (#13): the teacher's roll call (phone-sized,
without JavaScript), the vie scolaire's day (appels non faits, absences to settle,
excuses, signalements, reasons, planned absences), and what families and students see.

Views parse the form, ask the policy (`requires`, `ask`) and call the services of
`appliance.schoollife.attendance`; they hold no SQL. The pages' routes are in the modules
imported below, all on this blueprint; the JSON API is `webui.attendance.api` (its own
blueprint, `attendance_api`).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, request
from flask_babel import gettext

from appliance.errors import CartableError
from appliance.schoollife.attendance import common
from appliance.schoollife.year import WEEKDAYS
from appliance.timefmt import fmt_date

bp = Blueprint("attendance", __name__, url_prefix="/vie-scolaire")

PAGE_SIZE = 50


def day_arg(name: str = "jour") -> date:
    """The day of the query string (`?jour=AAAA-MM-JJ`), today when absent or unreadable."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return common.today()
    try:
        return common.day(raw, name)
    except CartableError:
        return common.today()


def month_arg(name: str = "mois") -> str:
    """The month of the query string (`?mois=AAAA-MM`), this month when absent or
    unreadable."""
    raw = (request.args.get(name) or "").strip()
    try:
        first, _last = common.month(raw or None, name)
    except CartableError:
        first, _last = common.month(None, name)
    return common.month_of(first)


def month_links(which: str) -> dict[str, str]:
    """The months before and after `which` ("AAAA-MM")."""
    first, last = common.month(which)
    return {
        "previous": common.month_of(first - timedelta(days=1)),
        "next": common.month_of(last + timedelta(days=1)),
    }


@bp.app_template_filter("day_long")
def day_long(value: str | date) -> str:
    """« mardi 01/12/2026 »: a day with its weekday, in the page's language."""
    d = value if isinstance(value, date) else date.fromisoformat(str(value))
    return f"{WEEKDAYS[d.weekday()].translated(gettext)} {fmt_date(d)}"


@bp.app_template_filter("month_long")
def month_long(value: str) -> str:
    """« 12/2026 »: a month as the pages show it."""
    return f"{value[5:7]}/{value[:4]}"


from webui.attendance import views_follow, views_office, views_roll  # noqa: E402

__all__ = ["bp", "views_follow", "views_office", "views_roll"]
