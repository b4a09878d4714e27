"""Grades and report cards in the web UI (#13): a student's marks and averages, a
teacher's assessments and entry grid, appraisals, a class's table and report cards, the
year's periods; the JSON API is `webui.grades.api` (its own blueprint, under /api/v1).

Views parse the form, ask the policy (through `requires` and `ask`) and call the services
of `appliance.schoollife.grades`; they hold no SQL. The routes live in the modules
imported below, all on this one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

from appliance.schoollife.grades import numbers

bp = Blueprint("grades", __name__)


@bp.app_template_filter("average_fr")
def average_fr(value) -> str:
    """An exact average as read: « 14,50 », « NN » when there is none."""
    return numbers.shown(value)


@bp.app_template_filter("figure_fr")
def figure_fr(value) -> str:
    """A class figure as read: « 14,50 », « — » when there is none."""
    return numbers.shown(value, empty="—")


@bp.app_template_filter("mark_fr")
def mark_fr(value) -> str:
    """A mark as read: « 14,5 », « Abs »; "" for no mark."""
    return "" if value is None else numbers.mark_shown(value)


from webui.grades import (  # noqa: E402
    views_class,
    views_periods,
    views_student,
    views_teacher,
)

__all__ = ["bp", "views_class", "views_periods", "views_student", "views_teacher"]
