"""The manifest entry of the roll call and absences (#13), imported by
`appliance/features.py` into `FEATURES` (one list, one entry each)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.schoollife.attendance.common import OFFICE, OFFICE_FUNCTIONS
from appliance.security.route_rows import (
    ADMIN_ONLY,
    LOGGED_IN,
    STAFF_FUNCTIONS,
    Row,
    api,
    hidden,
)
from appliance.security.rules import Rule, grant


def _office(row: Row, value: object = 200) -> Row:
    """`row`, where the walk's staff members of the vie scolaire (CPE, assistants,
    direction: whichever the walk logs in as) get `value`."""
    return {
        **row,
        **{name: value for name, code in STAFF_FUNCTIONS.items() if code in OFFICE_FUNCTIONS},
    }


_NOBODY = {**ADMIN_ONLY, "admin": 403}
# The vie scolaire's own pages.
_OFFICE_ONLY = _office(_NOBODY)
# The tile: families, students, teachers and the vie scolaire.
_FOLLOWERS = _office({**_NOBODY, "student": 200, "relative": 200, "teacher": 200})
# The walk's lesson is taught by the walk's teacher (today: its roll call is open).
_THE_LESSON = hidden(_office({**_NOBODY, "teacher": 200}))
# The walk's student's absence: the student, their parent, their head teacher (the walk's
# teacher heads its class) and the vie scolaire.
_THE_ABSENCE = hidden(_office({**_NOBODY, "student": 200, "relative": 200, "teacher": 200}))
_THE_PARENT = hidden({**_NOBODY, "relative": 200})
_THE_OFFICE = hidden(_OFFICE_ONLY)
_ITS_DOCUMENT = hidden(_office({**_NOBODY, "relative": 200}))
# Head teachers see the alerts of their classes, the vie scolaire every one.
_ALERTS = _office({**_NOBODY, "teacher": 200})

ATTENDANCE: Feature = Feature(
    name="attendance",
    demo=("appliance.schoollife.attendance.demo:ensure",),
    config_keys=("appliance.schoollife.attendance.config_keys",),
    migrations="appliance.schoollife.attendance.migrations",
    jobs=("appliance.schoollife.attendance.schedule:jobs",),
    job_ids=("attendance.alerts",),
    blueprints=("webui.attendance:bp", "webui.attendance.api:bp"),
    stats_service="absences",
    tiles=(
        Tile(
            "absences",
            N_("Vie scolaire"),
            N_("Appels, absences, retards et justificatifs."),
            "attendance.index",
        ),
    ),
    routes={
        "attendance.index": _FOLLOWERS,
        "attendance.roll": _THE_LESSON,
        "attendance.roll_save": _THE_LESSON,
        "attendance.missing": _OFFICE_ONLY,
        "attendance.events": _OFFICE_ONLY,
        "attendance.event": _THE_ABSENCE,
        "attendance.event_settle": _THE_OFFICE,
        "attendance.excuse_send": _THE_PARENT,
        "attendance.excuse_decide": _THE_OFFICE,
        "attendance.excuse_document": _ITS_DOCUMENT,
        "attendance.student": _THE_ABSENCE,
        "attendance.alerts": _ALERTS,
        "attendance.reasons": _OFFICE_ONLY,
        "attendance.reason_create": _OFFICE_ONLY,
        "attendance.reason_update": _OFFICE_ONLY,
        "attendance.planned": _OFFICE_ONLY,
        "attendance.planned_create": _OFFICE_ONLY,
        "attendance.planned_delete": _THE_OFFICE,
        # The JSON API (api.md; an anonymous call is answered 401).
        "attendance_api.roll_get": api(_THE_LESSON),
        "attendance_api.roll_put": api(_THE_LESSON),
        "attendance_api.absences": api(_FOLLOWERS),
        "attendance_api.excuse": api(_THE_PARENT),
        "attendance_api.justify": api(_THE_OFFICE),
        "attendance_api.reasons": api(LOGGED_IN),
        "attendance_api.summary": api(_FOLLOWERS),
        "attendance_api.alerts": api(_ALERTS),
    },
    rules=(
        # The service's page: families, students, teachers, the vie scolaire.
        *grant(("student", "relative", "teacher", *OFFICE), "attendance.home"),
        # The roll call: the lesson's teacher or replacement (until the end of its day),
        # the vie scolaire (any day).
        Rule("attendance.roll.mine", "teacher"),  # their lessons of the day, on the page
        Rule("attendance.roll.view", "teacher", "teaches_lesson"),
        Rule("attendance.roll.take", "teacher", "teaches_lesson"),
        # A student's absences and lateness: their own, their children's, their class's
        # for a head teacher; the vie scolaire every student's.
        Rule("attendance.events.view", "student", "self"),
        Rule("attendance.events.view", "relative", "guardian_of"),
        Rule("attendance.events.view", "teacher", "head_teacher_of"),
        # A guardian sends an excuse and reads back its document.
        Rule("attendance.excuse.send", "relative", "guardian_of"),
        Rule("attendance.excuse.document", "relative", "guardian_of"),
        # The vie scolaire's work: roll calls of any day, the follow-up of absences,
        # excuses, reasons, planned absences, every alert.
        *grant(
            OFFICE,
            "attendance.roll.view",
            "attendance.roll.take",
            "attendance.roll.any_day",
            "attendance.office",
            "attendance.events.view",
            "attendance.justify",
            "attendance.excuse.document",
            "attendance.reasons.edit",
            "attendance.planned.edit",
            "attendance.alerts.view",
            "attendance.alerts.all",
        ),
        # The list of reasons, for everyone who writes or reads one.
        Rule("attendance.reasons.view", "anyone"),
        # Head teachers: the alerts of the classes they head.
        Rule("attendance.alerts.view", "teacher"),
        Rule("attendance.alerts.class", "teacher", "head_teacher_of"),
        # Who is told when a student reaches the monthly threshold (with the head teacher).
        Rule("attendance.alerts.notified", "staff:EDU"),
    ),
    blob_refs=("attendance_excuse.document_sha256",),
)
