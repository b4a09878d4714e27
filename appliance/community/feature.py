"""The manifest entry of the messages and the communication rules (#12), imported by
`appliance/features.py` into `FEATURES` (that file grew past ~400 lines)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import (
    ADMIN_ONLY,
    LOGGED_IN,
    TEACHER_ONLY,
    api,
    hidden,
)
from appliance.security.rules import Rule, grant

# The walk's message: its sender (the teacher) and its recipient (the student) hold it;
# the walk's folder is the student's.
_MESSAGE_HOLDERS = hidden({**ADMIN_ONLY, "admin": 403, "teacher": 200, "student": 200})
_FOLDER_OWNER = hidden({**ADMIN_ONLY, "admin": 403, "student": 200})

# Issue 12: messages and the communication rules (who may write to whom).
COMMUNITY: Feature = Feature(
    name="community",
    config_keys=("appliance.community.config_keys",),
    migrations="appliance.community.migrations",
    cli=("appliance.community.cli",),
    jobs=("appliance.community.schedule:jobs",),
    job_ids=("messages.trash",),
    blueprints=("webui.community:bp", "webui.community.api:bp"),
    stats_service="courrier_electronique",
    demo=("appliance.community.demo:ensure",),
    tiles=(
        Tile(
            "messages",
            N_("Messagerie"),
            N_("Écrire et recevoir des messages."),
            "community.index",
        ),
    ),
    routes={
        "community.index": LOGGED_IN,
        "community.compose": LOGGED_IN,
        "community.message": _MESSAGE_HOLDERS,
        "community.reply": _MESSAGE_HOLDERS,
        "community.move": _MESSAGE_HOLDERS,
        "community.delete": _MESSAGE_HOLDERS,
        "community.attachment": _MESSAGE_HOLDERS,
        # Only the sender recalls, and only a teacher or a member of staff.
        "community.recall": hidden(TEACHER_ONLY),
        "community.folders": LOGGED_IN,
        "community.folder_rename": _FOLDER_OWNER,
        "community.folder_delete": _FOLDER_OWNER,
        "community.empty_trash": LOGGED_IN,
        "community.rules_public": LOGGED_IN,
        "community.rules": ADMIN_ONLY,
        "community.rules_set": ADMIN_ONLY,
        "community_api.messages": api(LOGGED_IN),
        "community_api.send": api(LOGGED_IN),
        "community_api.message": api(_MESSAGE_HOLDERS),
        "community_api.delete": api(_MESSAGE_HOLDERS),
        "community_api.recall": api(hidden(TEACHER_ONLY)),
        "community_api.recipients": api(LOGGED_IN),
    },
    rules=(
        *grant("anyone", "messages.use", "messages.send"),
        # The lists of everyone of a profile ("tout le personnel", "tous les parents"),
        # towards a profile their communication rule opens to the whole school.
        *grant(("teacher", "staff", "admin"), "messages.whole_lists"),
        # The communication rules' table (appliance/community/rules.py) decides who may
        # be written to: every recipient of every message, every search, every list.
        Rule("messages.write_to", "anyone", "may_write_to"),
        # Recall one's own message: teachers and staff (within messages.recall_minutes).
        Rule("messages.recall", "teacher", "self"),
        Rule("messages.recall", "staff", "self"),
        *grant("admin", "comm_rules.view", "comm_rules.edit"),
    ),
    blob_refs=("message_attachment.sha256",),
    exports=("appliance.community.export:files",),
)
