"""School life in the web UI: the technician's pages (the school year, the timetable
import), the timetable's week pages (one's own, a child's, a person's, a class's or
group's, a room's), its change forms (direction, vie scolaire) and the iCal feed.

Views parse the form, ask the policy (through `requires`) and call the services of
`appliance.schoollife`; they hold no SQL. The routes live in the modules imported below,
all on this one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schoollife", __name__)

from webui.schoollife import views_admin, views_changes, views_ical, views_week  # noqa: E402

__all__ = ["bp", "views_admin", "views_changes", "views_ical", "views_week"]
