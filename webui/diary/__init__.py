"""The cahier de textes in the web UI: a family's work to do and its ticks, a class's or
group's cahier lesson by lesson with the direction's visas, the teacher's form per lesson
(content and homework, with the class's workload), attachments, and the home page's few
items (`home.soon_html`, called by the portal).

Views parse the form, ask the policy (through `requires` and `ask`) and call the services
of `appliance.schoollife.diary`; they hold no SQL. The routes live in the modules imported
below, all on this one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("diary", __name__)

from webui.diary import filters, views_cahier, views_family, views_teacher  # noqa: E402

__all__ = ["bp", "filters", "views_cahier", "views_family", "views_teacher"]
