"""The manifest entry of the devoirs à rendre (issue 14), imported by
`appliance/features.py` into `FEATURES` (one list, one entry each)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import ADMIN_ONLY, TEACHER_ONLY, api, hidden
from appliance.security.rules import Rule, grant

_NOBODY = {**ADMIN_ONLY, "admin": 403}
# Whoever has works to hand in, to follow or to give: students, parents, teachers.
_USERS = {**_NOBODY, "student": 200, "relative": 200, "teacher": 200}
# The walk's work: given by the walk's teacher to the walk's class, where the walk's
# student is (and the walk's parent's child).
_THE_WORK = hidden(_USERS)
# Its teacher's (the follow-up, the ZIP, extensions, corrections).
_ITS_TEACHER = hidden(TEACHER_ONLY)
# The walk's student's own (handing in).
_ITS_STUDENT = hidden({**_NOBODY, "student": 200})
# A file the walk's student handed in: theirs, their parent's (read only), their teacher's.
_THE_HANDED_FILE = hidden(_USERS)

ASSIGNMENTS: Feature = Feature(
    name="assignments",
    migrations="appliance.files.assignments.migrations",
    blueprints=("webui.assignments:bp", "webui.assignments.api:bp"),
    tiles=(
        Tile(
            "assignments",
            N_("Devoirs à rendre"),
            N_("Les devoirs donnés, rendus et corrigés."),
            "assignments.index",
        ),
    ),
    routes={
        "assignments.index": _USERS,
        "assignments.new": TEACHER_ONLY,
        "assignments.create": TEACHER_ONLY,
        "assignments.show": _THE_WORK,
        "assignments.attachment": _THE_WORK,
        "assignments.hand_in": _ITS_STUDENT,
        "assignments.handed_file": _THE_HANDED_FILE,
        "assignments.returned_file": _THE_HANDED_FILE,
        "assignments.extend": _ITS_TEACHER,
        "assignments.give_back": _ITS_TEACHER,
        "assignments.zip": _ITS_TEACHER,
        "assignments.delete": _ITS_TEACHER,
        # The JSON API: an anonymous call is answered 401 in JSON.
        "assignments_api.create": api(TEACHER_ONLY),
        "assignments_api.list": api(_USERS),
        "assignments_api.submit": api(_ITS_STUDENT),
        "assignments_api.submissions": api(_ITS_TEACHER),
        "assignments_api.submissions_zip": api(_ITS_TEACHER),
        "assignments_api.extend": api(_ITS_TEACHER),
    },
    rules=(
        # The tile and the list: a student's works, a parent's children's, a teacher's.
        *grant(("student", "relative", "teacher"), "assignments.open"),
        Rule("assignments.mine", "student"),
        Rule("assignments.give", "teacher"),
        # Whose works a list shows: a student's own, a parent's child's (read only).
        Rule("assignments.status", "student", "self"),
        Rule("assignments.status", "relative", "guardian_of"),
        # A work is given by a teacher to a class or group they teach, in their subject.
        Rule("assignments.write", "teacher", "teaches"),
        # A work (its instructions and files): its class's or group's students, their
        # parents, its author and the teachers of its class in its subject.
        Rule("assignments.view", "student", "member_of"),
        Rule("assignments.view", "relative", "parent_of_member"),
        Rule("assignments.view", "teacher", "teaches"),
        Rule("assignments.view", "teacher", "author_of"),
        # Handing in: a student of its class or group, their own files only.
        Rule("assignments.hand_in", "student", "member_of"),
        # Following it (who handed in, the files, the ZIP, extensions, corrections): its
        # author and the teachers of its class or group in its subject.
        Rule("assignments.follow", "teacher", "author_of"),
        Rule("assignments.follow", "teacher", "teaches"),
    ),
    blob_refs=(
        "assignment_attachment.sha256",
        "submission_file.sha256",
        "submission.returned_sha256",
    ),
    exports=("appliance.files.assignments.export:files",),
    export_tables=(
        "assignment",
        "assignment_attachment",
        "assignment_extension",
        "submission",
        "submission_file",
    ),  # fmt: skip
)
