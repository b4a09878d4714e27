"""The manifest entry of the files (issue 14), imported by `appliance/features.py` into
`FEATURES` (one list, one entry each). The quota ledger it brings (`quota.py`) is used by
every service that stores a person's contents."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import ADMIN_ONLY, LOGGED_IN, api, hidden
from appliance.security.rules import Rule, grant

_NOBODY = {**ADMIN_ONLY, "admin": 403}
# The walk's document is in a folder of the walk's class (6 A) its teacher put there and
# opened to parents: the teacher writes it, the class's student and that student's parent
# read it; nobody else sees it.
_READERS = hidden({**_NOBODY, "teacher": 200, "student": 200, "relative": 200})
_WRITERS = hidden({**_NOBODY, "teacher": 200})
# The walk's class and group folders: their teacher, their student, the student's parent.
_CLASS_SPACE = hidden({**_NOBODY, "teacher": 200, "student": 200, "relative": 200})

FILES: Feature = Feature(
    name="files",
    demo=("appliance.files.demo:demo_step",),
    config_keys=("appliance.files.config_keys",),
    migrations="appliance.files.migrations",
    stats_service="stockage_partage",
    cli=("appliance.files.cli",),
    jobs=("appliance.files.schedule:jobs",),
    job_ids=("files.trash",),
    blueprints=("webui.files:bp", "webui.files.api:bp"),
    tiles=(
        Tile(
            "files",
            N_("Mes documents"),
            N_("Vos fichiers et ceux de vos classes."),
            "files.index",
        ),
    ),
    routes={
        "files.index": LOGGED_IN,
        "files.folder": _READERS,
        "files.item": _READERS,
        "files.download": _READERS,
        "files.upload": _WRITERS,
        "files.folder_new": _WRITERS,
        "files.rename": _WRITERS,
        "files.move": _WRITERS,
        "files.delete": _WRITERS,
        "files.share": _WRITERS,
        "files.unshare": _WRITERS,
        "files.parents": _WRITERS,
        "files.restore": _WRITERS,
        "files.purge": _WRITERS,
        "files.trash": LOGGED_IN,
        "files.shared": LOGGED_IN,
        "files.classes": LOGGED_IN,
        "files.class_folder": _CLASS_SPACE,
        "files.group_folder": _CLASS_SPACE,
        # The JSON API (api.md; an anonymous call is answered 401).
        "files_api.listing": api(LOGGED_IN),
        "files_api.upload": api(LOGGED_IN),
        "files_api.folder_create": api(LOGGED_IN),
        "files_api.content": api(_READERS),
        "files_api.update": api(_WRITERS),
        "files_api.delete": api(_WRITERS),
        "files_api.share": api(_WRITERS),
        "files_api.class_files": api(_CLASS_SPACE),
    },
    rules=(
        # Everyone has their own space (their quota is their profile's).
        Rule("files.use", "anyone"),
        # A document or folder: read by its space's people and those it is shared with,
        # changed by the owner of a personal space and the teachers of a class or group.
        Rule("files.read", "anyone", "file_reader"),
        Rule("files.write", "anyone", "file_writer"),
        # A class's or group's folder: its teachers, its students, their parents (who see
        # what a teacher opened to them).
        Rule("files.space.open", "teacher", "teaches"),
        Rule("files.space.open", "student", "member_of"),
        Rule("files.space.open", "relative", "parent_of_member"),
        # Sharing with a class or group: its teachers and members, and staff (any class).
        Rule("files.share.audience", "teacher", "teaches"),
        Rule("files.share.audience", "student", "member_of"),
        *grant("staff", "files.share.audience"),
    ),
    blob_refs=("file_node.sha256",),
    exports=("appliance.files.export:files",),
    export_tables=("file_node", "file_share", "file_charge", "file_usage"),
)
