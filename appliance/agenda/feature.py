"""The manifest entry of the agenda (issue 14), imported by `appliance/features.py` into
`FEATURES` (one list, one entry each)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import ADMIN_ONLY, LOGGED_IN, STAFF_FUNCTIONS, Row, api, hidden
from appliance.security.rules import Rule, grant

# Who writes the school calendar: the direction, the vie scolaire, the technician.
SCHOOL_WRITERS = ("admin", "staff:DIR", "staff:EDU")


def _writers(row: Row, value: object = 200) -> Row:
    """`row`, where the walk's technician, direction and vie scolaire get `value`."""
    codes = {who.partition(":")[2] for who in SCHOOL_WRITERS if ":" in who}
    return {**row, "admin": value,
            **{name: value for name, code in STAFF_FUNCTIONS.items() if code in codes}}  # fmt: skip


_NOBODY = {**ADMIN_ONLY, "admin": 403}
# The walk's student's own event: theirs only (anyone else: as if it did not exist).
_THE_OWNER = hidden({**_NOBODY, "student": 200})

AGENDA: Feature = Feature(
    name="agenda",
    migrations="appliance.agenda.migrations",
    blueprints=("webui.agenda:bp", "webui.agenda.api:bp"),
    tiles=(
        Tile(
            "agenda",
            N_("Agenda"),
            N_("Mes rendez-vous, le calendrier de l'établissement et mes cours."),
            "agenda.week",
        ),
    ),
    routes={
        "agenda.week": LOGGED_IN,
        "agenda.month": LOGGED_IN,
        "agenda.event_new": LOGGED_IN,
        "agenda.event_create": LOGGED_IN,
        "agenda.event_edit": _THE_OWNER,
        "agenda.event_update": _THE_OWNER,
        "agenda.event_delete": _THE_OWNER,
        # The JSON API (api.md; an anonymous call is answered 401).
        "agenda_api.agenda": api(LOGGED_IN),
        "agenda_api.event_create": api(LOGGED_IN),
        "agenda_api.event_update": api(_THE_OWNER),
        "agenda_api.event_delete": api(_THE_OWNER),
    },
    rules=(
        # Everyone has an agenda: their own events, the school events addressed to them.
        Rule("agenda.use", "anyone"),
        # One's own events (a personal event's author is its owner).
        Rule("agenda.event.edit", "anyone", "author_of"),
        # The school calendar: written, changed and read whole by its writers.
        *grant(SCHOOL_WRITERS, "agenda.school.write", "agenda.school.edit", "agenda.school.all"),
    ),
    exports=("appliance.agenda.export:export_person",),
    export_tables=("agenda_event", "agenda_audience"),
)
