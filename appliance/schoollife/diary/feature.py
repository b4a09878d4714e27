"""The manifest entry of the cahier de textes (#11), imported by `appliance/features.py`
into `FEATURES` (one list, one entry each)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import ADMIN_ONLY, TEACHER_ONLY, api, hidden
from appliance.security.rules import Rule, grant

# The readers of a class's or group's cahier de textes: its students, their parents, its
# teachers, the direction (every class) and the technician.
_DIARY_READERS = {
    **hidden(ADMIN_ONLY),
    "student": 200,
    "relative": 200,
    "teacher": 200,
    "staff_dir": 200,
}
# Whoever has a cahier de textes to open: families, teachers, the direction, the technician.
_DIARY_OPEN = {**ADMIN_ONLY, **dict.fromkeys(("student", "relative", "teacher", "staff_dir"), 200)}
# The direction only (its visa on a class's or group's cahier).
_DIARY_VISA = hidden({**ADMIN_ONLY, "admin": 403, "staff_dir": 200})
# On one thing the walk's teacher wrote (a lesson of theirs, their homework): theirs only.
_DIARY_WRITER = hidden(TEACHER_ONLY)
# A student's own (their tick).
_DIARY_STUDENT = hidden({**ADMIN_ONLY, "admin": 403, "student": 200})

# Issue 11: the cahier de textes (lesson content, homework, ticks, workload, visa).
DIARY: Feature = Feature(
    name="diary",
    demo=("appliance.schoollife.diary.demo:ensure",),
    config_keys=("appliance.schoollife.diary.config_keys",),
    migrations="appliance.schoollife.diary.migrations",
    blueprints=("webui.diary:bp", "webui.diary.api:bp"),
    stats_service="cahier_textes",
    blob_refs=("homework_attachment.sha256",),
    tiles=(
        Tile(
            "homework",
            N_("Cahier de textes"),
            N_("Le contenu des cours et le travail à faire."),
            "diary.index",
        ),
    ),
    routes={
        "diary.index": _DIARY_OPEN,
        "diary.todo": {**ADMIN_ONLY, "admin": 403, "student": 200, "relative": 200},
        "diary.tick": _DIARY_STUDENT,
        "diary.class_cahier": _DIARY_READERS,
        "diary.group_cahier": _DIARY_READERS,
        "diary.class_visa": _DIARY_VISA,
        "diary.group_visa": _DIARY_VISA,
        "diary.lesson": _DIARY_WRITER,
        "diary.content_delete": _DIARY_WRITER,
        "diary.homework_add": _DIARY_WRITER,
        "diary.homework_edit": _DIARY_WRITER,
        "diary.homework_delete": _DIARY_WRITER,
        "diary.attachment": _DIARY_READERS,
        "diary.attachment_delete": _DIARY_WRITER,
        # The JSON API: an anonymous call is answered 401 in JSON.
        "diary_api.lesson_content": api(_DIARY_WRITER),
        "diary_api.diary": api(_DIARY_OPEN),
        "diary_api.homework_create": api(TEACHER_ONLY),
        "diary_api.homework_list": api(_DIARY_OPEN),
        "diary_api.homework_done": api(_DIARY_STUDENT),
        "diary_api.workload": api({**ADMIN_ONLY, "teacher": 200, "staff_dir": 200}),
        "diary_api.visa_create": api({**ADMIN_ONLY, "admin": 403, "staff_dir": 200}),
    },
    rules=(
        # The cahier's home: a family's work to do, a teacher's lessons, the classes.
        *grant(("student", "relative", "teacher", "staff:DIR", "admin"), "diary.open"),
        # A student's work to do: their own; a parent's children's.
        *grant(("student", "relative"), "diary.todo_page"),
        Rule("diary.todo", "student", "self"),
        Rule("diary.todo", "relative", "guardian_of"),
        # A class's or group's cahier de textes (content, homework, attachments).
        Rule("diary.read", "student", "member_of"),
        Rule("diary.read", "relative", "parent_of_member"),
        Rule("diary.read", "teacher", "teaches"),
        *grant(("staff:DIR", "admin"), "diary.read"),
        # Its teachers and the direction follow it: homework not yet published, how many
        # students did each, the workload per day.
        Rule("diary.follow", "teacher", "teaches"),
        *grant(("staff:DIR", "admin"), "diary.follow"),
        # A teacher writes only in the classes and groups they teach, in their subjects
        # (the target carries the lesson's or homework's subject_code); `diary.give` opens
        # the API's homework creation, which then asks `diary.write` on the class named.
        Rule("diary.write", "teacher", "teaches"),
        Rule("diary.give", "teacher"),
        # The workload per day (the API; the page shows it in the form): asked of a class
        # one follows (`diary.follow`).
        *grant(("teacher", "staff:DIR", "admin"), "diary.workload"),
        # A student ticks a homework of their own class or group (their own tick).
        Rule("diary.tick", "student", "member_of"),
        # The direction's visa on a teacher's cahier for a class.
        Rule("diary.visa", "staff:DIR"),
    ),
)
