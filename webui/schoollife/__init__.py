"""School life in the web UI. So far the technician's pages: the school year (first and
last day, holidays, A week) and the timetable import (upload, preview, apply, history).

Views parse the form, ask the policy (through `requires`) and call the services of
`appliance.schoollife`; they hold no SQL. The routes live in the modules imported below,
all on this one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schoollife", __name__)

from webui.schoollife import views_admin  # noqa: E402

__all__ = ["bp", "views_admin"]
