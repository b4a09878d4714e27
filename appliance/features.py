"""The feature manifest: each area of the box declares here, in one entry, what it brings.

A `Feature` names, as dotted strings resolved when needed (so that reading the manifest
imports nothing heavy, and `appliance` never imports `webui`):

- `config_keys`: modules whose `KEYS` (a list of `config.Key`) or `KEY_SPECS` (plain
  dicts, for `backup/`) join the configuration schema, or "module:function" giving keys;
- `migrations`: the package holding the feature's numbered SQL files for `cartable.db`;
- `cli`: modules whose import registers their click commands on `appliance.cli.cli`;
- `jobs`: "module:function", the function given the opened Box returns its `JobSpec`s;
  `job_ids` are the ids those functions may return;
- `blueprints`: "webui.module:bp", registered by the web app's factory;
- `tiles`: the home-page tiles the feature fills, each with the endpoint of its page;
- `routes`: the route-access rows of the feature's endpoints (`route_access.ROUTES`);
- `blob_refs`: the "table.column"s that name a stored content (`appliance/blobs.py`);
- `rules`: the policy's rows `(action, who, relation)` the feature adds (`policy.may`,
  `appliance.security.rules`);
- `exports`: "module:function"s given (conn, person id) that return the person's data as
  {file name: JSON value} for their RGPD export (`appliance/directory/export.py`), and
  `export_tables` the tables those files cover (left out of the export's other.json).

`FEATURES` is the ordered list read by the configuration, the scheduler, the CLI, the web
app, the tiles, the route table and the policy. A reference that does not import raises:
nothing is skipped quietly.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.schoollife.diary import feature as diary_feature
from appliance.security.route_rows import (
    ADMIN_ONLY,
    CLASS_MEMBERS,
    LOGGED_IN,
    LOGIN_STEP,
    NOT_STAFF_OR_GUEST,
    PROFILES,
    PUBLIC,
    RELATIVE_ONLY,
    TEACHER_ONLY,
    TEACHER_OR_ADMIN,
    TOTP_PROFILES,
    api,
    by_function,
    hidden,
)
from appliance.security.rules import Rule, grant


@dataclass(frozen=True, eq=False)
class Feature:
    """One area of the box and everything it plugs in (see the module doc)."""

    name: str
    config_keys: tuple[str, ...] = ()
    migrations: str | None = None
    cli: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    job_ids: tuple[str, ...] = ()
    # modules with a HANDLERS dict (kind → function) for the job queue (appliance/jobrunner)
    job_handlers: tuple[str, ...] = ()
    blueprints: tuple[str, ...] = ()
    tiles: tuple[Tile, ...] = ()
    routes: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    # "table.column" naming a stored content (appliance/blobs.py): kept while one uses it
    blob_refs: tuple[str, ...] = ()
    # "module:function"s giving a person's data for the RGPD export, and their tables
    exports: tuple[str, ...] = ()
    export_tables: tuple[str, ...] = ()


def resolve(ref: str) -> Any:
    """Given "package.module" return the module, given "package.module:name" its attribute.

    Import errors propagate as they are; a missing attribute raises ImportError naming it.
    """
    module_name, _, attr = ref.partition(":")
    module = importlib.import_module(module_name)
    if not attr:
        return module
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise ImportError(f"{ref}: {module_name} has no {attr!r}", name=module_name) from exc


def job_handler_modules(features: Iterable[Feature] | None = None) -> list[str]:
    """The modules whose HANDLERS run the job queue's kinds, in manifest order."""
    return [m for f in (FEATURES if features is None else features) for m in f.job_handlers]


def migration_packages(features: Iterable[Feature] | None = None) -> list[str]:
    """The packages of numbered SQL migrations of `cartable.db`, in manifest order; a
    package two features share (one service package, two entries) is listed once."""
    found = [f.migrations for f in (FEATURES if features is None else features) if f.migrations]
    return list(dict.fromkeys(found))


def exports(features: Iterable[Feature] | None = None) -> list[str]:
    """The functions giving a person's data for the RGPD export, in manifest order."""
    return [ref for f in (FEATURES if features is None else features) for ref in f.exports]


def export_tables(features: Iterable[Feature] | None = None) -> set[str]:
    """The tables the features' own export files cover."""
    return {t for f in (FEATURES if features is None else features) for t in f.export_tables}


def rules(features: Iterable[Feature] | None = None) -> list[Rule]:
    """The policy's rules, every feature's gathered, in manifest order."""
    return [r for f in (FEATURES if features is None else features) for r in f.rules]


# --- the manifest ---------------------------------------------------------------------

_NOT_ADMIN = {**LOGGED_IN, "admin": 403}
# A route on one of the walk's student's own things (an API token): theirs only.
_ONLY_THE_OWNER = {**dict.fromkeys(LOGGED_IN, 403), "anonymous": "login", "student": 200}

PLATFORM = Feature(
    name="platform",
    config_keys=("appliance.config:core_keys", "appliance.security.config_keys"),
    migrations="appliance.migrations",
    cli=("appliance.cli.run", "appliance.cli.user", "appliance.cli.token"),
    jobs=("appliance.scheduler:_core_jobs",),
    job_ids=("housekeeping", "audit_retention", "blobs_gc"),
    blueprints=(
        "webui.auth:bp",
        "webui.portal:bp",
        "webui.account:bp",
        "webui.admin:bp",
        "webui.api:bp",
    ),
    tiles=(
        Tile("account", N_("Mon compte"), N_("Mot de passe et sécurité."), "account.password"),
        Tile(
            "admin", N_("Administration"), N_("Comptes, journal d'audit, réglages."), "admin.index"
        ),
        Tile(
            "admin_people",
            N_("Comptes"),
            N_("Chercher, créer, désactiver un compte."),
            "admin.people",
        ),
        Tile("admin_audit", N_("Journal d'audit"), N_("Qui a fait quoi, quand."), "admin.audit"),
    ),
    routes={
        "static": PUBLIC,
        "auth.login": PUBLIC,
        "auth.logout": LOGGED_IN,
        "auth.totp_challenge": LOGIN_STEP,
        "auth.set_locale": PUBLIC,
        "portal.home": LOGGED_IN,
        "portal.select_child": RELATIVE_ONLY,
        "portal.accessibility": PUBLIC,
        "account.password": LOGGED_IN,
        "account.totp": TOTP_PROFILES,
        "account.totp_qr": TOTP_PROFILES,
        "account.totp_disable": TOTP_PROFILES,
        "account.recovery_codes": TOTP_PROFILES,
        # Personal API tokens: everyone but the technician, whose tokens (they bypass the
        # TOTP step) are made with `cartable token create` only.
        "account.tokens": _NOT_ADMIN,
        "account.token_revoke": hidden(_ONLY_THE_OWNER),
        # The JSON API (#11): an anonymous call is answered 401 in JSON.
        "api.openapi_document": PUBLIC,
        "api.me": api(LOGGED_IN),
        "api.my_tokens": api(_NOT_ADMIN),
        "api.my_token_revoke": api(hidden(_ONLY_THE_OWNER)),
        "admin.index": ADMIN_ONLY,
        "admin.people": ADMIN_ONLY,
        "admin.person": ADMIN_ONLY,
        "admin.person_new": ADMIN_ONLY,
        "admin.password_shown": ADMIN_ONLY,
        "admin.person_state": ADMIN_ONLY,
        "admin.person_reset_password": ADMIN_ONLY,
        "admin.person_totp_reset": ADMIN_ONLY,
        "admin.audit": ADMIN_ONLY,
        "admin.settings": ADMIN_ONLY,
    },
    rules=(
        # What any logged-in person does on themselves.
        *grant(
            "anyone",
            "portal.home",
            "account.view",
            "account.password",
            "account.locale",
            "account.export",
        ),
        *grant(
            "admin",
            "admin.area",
            "admin.people.view",
            "admin.people.create",
            "admin.people.state",
            "admin.people.reset_password",
            "admin.people.totp_reset",
            "admin.audit.view",
            "admin.settings.view",
            "admin.settings.edit",
            "admin.people.export",
            # Must enrol TOTP before anything else (security.admin_totp_required).
            "account.totp_required",
        ),
        *grant(("admin", "teacher", "staff"), "account.totp"),
        Rule("child.select", "relative"),
        Rule("child.view", "relative", "guardian_of"),
        # A teacher gives a new password to a student of a class or group they teach.
        Rule("person.reset_password", "admin"),
        Rule("person.reset_password", "teacher", "teaches"),
        # Personal API tokens: everyone but the technician, whose tokens (they bypass the
        # second factor) are made on the server only (`cartable token`).
        *grant(("teacher", "staff", "relative", "student", "guest"), "account.tokens"),
    ),
)

# Staff whose function opens the students' directory: vie scolaire, direction,
# secretariat, administration (CSV word) and STS-Web's administrative staff.
_STUDENTS_DIRECTORY_STAFF = ("staff:EDU", "staff:DIR", "staff:SEC", "staff:ADM", "staff:ADF")

# Issue 3: imports, credentials slips, classes, a teacher's students, RGPD export.
DIRECTORY = Feature(
    name="directory",
    config_keys=("appliance.directory.config_keys",),
    cli=("appliance.cli.directory",),
    jobs=("appliance.directory.schedule:jobs",),
    job_ids=("lifecycle", "directory.housekeeping"),
    # The web import's plan and apply, the slips PDF (#10).
    job_handlers=("appliance.directory.import_jobs", "appliance.directory.slips_jobs"),
    blueprints=("webui.directory:bp",),
    tiles=(
        Tile(
            "directory",
            N_("Annuaire"),
            N_("Trouver un membre de l'établissement."),
            "directory.index",
        ),
    ),
    routes={
        # Vie scolaire, direction and secretariat see the students' directory (read-only).
        "directory.index": by_function(NOT_STAFF_OR_GUEST, 200),
        "directory.classes": by_function(ADMIN_ONLY, 200),
        "directory.class_detail": by_function(hidden(CLASS_MEMBERS), 200),
        "directory.group_detail": by_function(hidden(TEACHER_OR_ADMIN), 200),
        "directory.imports": ADMIN_ONLY,
        "directory.import_upload": ADMIN_ONLY,
        "directory.import_preview": ADMIN_ONLY,
        "directory.import_apply": ADMIN_ONLY,
        "directory.import_cancel": ADMIN_ONLY,
        "directory.import_history": ADMIN_ONLY,
        "directory.import_detail": ADMIN_ONLY,
        "directory.credentials_page": ADMIN_ONLY,
        # A job of the queue: whoever asked for it and the technician follow it; only
        # whoever asked takes its file (the walk's job was asked by its technician).
        "directory.job": hidden(ADMIN_ONLY),
        "directory.job_cancel": hidden(ADMIN_ONLY),
        "directory.job_download": hidden(ADMIN_ONLY),
        "directory.my_students": TEACHER_ONLY,
        # The walk's student is taught by the walk's teacher.
        "directory.student_password": hidden(TEACHER_OR_ADMIN),
        "directory.export_mine": LOGGED_IN,
        "directory.export_person": hidden(ADMIN_ONLY),
    },
    rules=(
        *grant(
            "admin",
            "directory.home",
            "directory.import",
            "directory.credentials",
            "directory.accounts.view",
        ),
        # The directory of students and guardians: every class and group, the students'
        # logins, their guardians with their e-mail address (to reach a family); no
        # account states, no write action. Vie scolaire (CPE), direction, secretariat and
        # administration (read-only).
        *grant(
            ("admin", *_STUDENTS_DIRECTORY_STAFF),
            "directory.browse",
            "directory.guardians.view",
            "directory.logins.view",
            "directory.class.view",
            "directory.group.view",
        ),
        *grant(_STUDENTS_DIRECTORY_STAFF, "directory.home"),
        *grant("teacher", "directory.home", "directory.my_students", "directory.logins.view"),
        *grant("relative", "directory.home", "directory.my_teachers"),
        *grant("student", "directory.home", "directory.my_teachers", "directory.my_class"),
        Rule("directory.class.view", "teacher", "teaches"),
        Rule("directory.class.view", "student", "member_of"),
        Rule("directory.group.view", "teacher", "teaches"),
        # A job of the queue (imports, slips): followed and cancelled by whoever asked for
        # it and by the technician; its result (slips with passwords) by whoever asked only.
        Rule("job.view", "anyone", "asked_for"),
        Rule("job.view", "admin"),
        Rule("job.result", "anyone", "asked_for"),
    ),
)

# Issue 5: the technician's health page, diagnosis, silences, support bundle.
HEALTH = Feature(
    name="health",
    config_keys=("appliance.health.config_keys",),
    cli=("appliance.cli.health",),
    jobs=("appliance.health.schedule:jobs",),
    job_ids=("health.sample", "health.checks", "health.maintenance", "health.digest"),
    job_handlers=("appliance.health.schedule",),
    blueprints=("webui.health:bp",),
    tiles=(
        Tile(
            "health",
            N_("Santé du serveur"),
            N_("Disques, température, alertes."),
            "health.index",
        ),
    ),
    routes={
        "health.index": ADMIN_ONLY,
        "health.diagnosis": ADMIN_ONLY,
        "health.silence": ADMIN_ONLY,
        "health.unsilence": ADMIN_ONLY,
        "health.bundle": ADMIN_ONLY,
    },
    rules=grant("admin", "admin.health.view", "admin.health.silence", "admin.health.bundle"),
)

# Issue 4: status, run now, archives, browse and restore beside, key sheet.
BACKUPS = Feature(
    name="backups",
    config_keys=("backup.config_keys",),
    cli=("appliance.backups.cli",),
    jobs=("appliance.backups.schedule:jobs",),
    job_handlers=("appliance.backups.jobs",),
    job_ids=(
        "backup.nightly",
        "backup.check",
        "backup.verify_data",
        "backup.drill",
        "backup.catch_up",
    ),
    blueprints=("webui.backups:bp",),
    tiles=(
        Tile(
            "backups",
            N_("Sauvegardes"),
            N_("État des sauvegardes et restaurations."),
            "backups.index",
        ),
    ),
    routes={
        "backups.index": ADMIN_ONLY,
        "backups.run_now": ADMIN_ONLY,
        "backups.cancel_run": ADMIN_ONLY,
        "backups.archives": ADMIN_ONLY,
        "backups.browse": ADMIN_ONLY,
        "backups.restore": ADMIN_ONLY,
        "backups.key_sheet": ADMIN_ONLY,
        "backups.key_sheet_confirm": ADMIN_ONLY,
    },
    rules=grant(
        "admin",
        "admin.backups.view",
        "admin.backups.run",
        "admin.backups.restore",
        "admin.backups.key_sheet",
    ),
)

# Issue 11: who sees whose timetable. Students their own (their classes' and groups'
# lessons), parents their children's, teachers their own and any class's, group's or
# room's; staff and the technician anyone's. The walk's student is the one whose week
# /personne/<id> opens; its parent is that student's legal guardian.
_TIMETABLE_READERS = {**LOGGED_IN, "guest": 403}
_PERSON_WEEK = by_function({**ADMIN_ONLY, "student": 200, "relative": 200, "staff": 200}, 200)
_AUDIENCE_READERS = by_function({**ADMIN_ONLY, "teacher": 200, "staff": 200}, 200)
# Direction and vie scolaire change the timetable, with the technician (the walk's
# function-holders: EDU yes, SEC no).
_TIMETABLE_CHANGERS = {**ADMIN_ONLY, "staff_edu": 200, "staff_dir": 200}
_ICAL_OWNERS = {**ADMIN_ONLY, "admin": 403, "student": 200, "teacher": 200, "relative": 200}

# Issue 11: the school year's calendar, the timetable (import, week pages, changes, iCal).
SCHOOLLIFE = Feature(
    name="schoollife",
    migrations="appliance.schoollife.migrations",
    cli=("appliance.schoollife.cli",),
    blueprints=("webui.schoollife:bp", "webui.schoollife.api:bp"),
    tiles=(
        Tile(
            "admin_timetable",
            N_("Année et emploi du temps"),
            N_("Année scolaire, vacances, import de l'emploi du temps."),
            "schoollife.timetable_imports",
        ),
        Tile(
            "timetable",
            N_("Emploi du temps"),
            N_("Les cours de la semaine et leurs changements."),
            "schoollife.week",
        ),
    ),
    routes={
        "schoollife.year": ADMIN_ONLY,
        "schoollife.timetable_imports": ADMIN_ONLY,
        "schoollife.timetable_upload": ADMIN_ONLY,
        "schoollife.timetable_preview": ADMIN_ONLY,
        "schoollife.timetable_apply": ADMIN_ONLY,
        "schoollife.timetable_cancel": ADMIN_ONLY,
        "schoollife.week": _TIMETABLE_READERS,
        "schoollife.person_week": hidden(_PERSON_WEEK),
        "schoollife.class_week": hidden(_AUDIENCE_READERS),
        "schoollife.group_week": hidden(_AUDIENCE_READERS),
        "schoollife.room_week": hidden(_AUDIENCE_READERS),
        "schoollife.find": _AUDIENCE_READERS,
        "schoollife.lesson": hidden(_TIMETABLE_CHANGERS),
        "schoollife.lesson_change": hidden(_TIMETABLE_CHANGERS),
        "schoollife.lesson_add": _TIMETABLE_CHANGERS,
        "schoollife.ical": _ICAL_OWNERS,
        "schoollife.ical_create": _ICAL_OWNERS,
        "schoollife.ical_revoke": _ICAL_OWNERS,
        # No login: the secret is the key; the walk's made-up secret opens nothing.
        "schoollife.ical_feed": dict.fromkeys(PROFILES, 404),
        # The JSON API (webui/schoollife/api.py): the same rows, 401 for an anonymous call.
        "timetable_api.year_show": api(LOGGED_IN),
        "timetable_api.timetable": api(_TIMETABLE_READERS),
        "timetable_api.lesson_change": api(hidden(_TIMETABLE_CHANGERS)),
        "timetable_api.lesson_add": api(_TIMETABLE_CHANGERS),
        "timetable_api.my_ical_create": api(_ICAL_OWNERS),
        "timetable_api.my_ical_revoke": api(_ICAL_OWNERS),
    },
    rules=(
        *grant("admin", "schoollife.year.edit", "schoollife.timetable.import"),
        # The school year's calendar (first and last day, holidays, A/B weeks) is no secret.
        Rule("schoollife.year.view", "anyone"),
        # The timetable tile and page: whoever has a timetable to read (not guests).
        *grant(("student", "teacher", "relative", "staff", "admin"), "timetable.home"),
        # A person's lessons.
        Rule("timetable.view", "student", "self"),
        Rule("timetable.view", "teacher", "self"),
        Rule("timetable.view", "relative", "guardian_of"),
        *grant(("staff", "admin"), "timetable.view"),
        # A class's or group's lessons, a room's.
        *grant(("teacher", "staff", "admin"), "timetable.audience.view", "timetable.room.view"),
        # Cancel, move, replace, add, restore: direction, vie scolaire, the technician.
        *grant(("admin", "staff:DIR", "staff:EDU"), "timetable.change"),
        # Today's and the next day's lessons, changes first, on the home page.
        *grant(("student", "relative"), "timetable.today"),
        # A secret iCal feed of one's own lessons (a parent's: their children's).
        *grant(("student", "teacher", "relative"), "timetable.ical"),
    ),
)

# Issue 12's entries live beside their services (this file past ~400 lines), and #13's.
from appliance.agenda.feature import AGENDA  # noqa: E402
from appliance.community.feature import COMMUNITY  # noqa: E402
from appliance.community.notify_feature import NEWS_FORUMS, NOTIFICATIONS  # noqa: E402
from appliance.files.assignments.feature import ASSIGNMENTS  # noqa: E402
from appliance.files.feature import FILES  # noqa: E402
from appliance.schoollife.attendance.feature import ATTENDANCE  # noqa: E402

# Issue 11: the cahier de textes; its entry is in its own package (this file had grown
# past 400 lines).
DIARY = Feature(**diary_feature.ENTRY)

# Issue 13 (grades half): periods, assessments and marks, averages, report cards.
# Those who use grades: students (their own), parents (their children's), teachers (their
# classes), the direction and the technician (everything).
_GRADES_USERS = {**ADMIN_ONLY, "student": 200, "relative": 200, "teacher": 200}
_DIRECTION = ("admin", "staff:DIR")


def _with_direction(routes: dict[str, dict[str, object]]) -> dict[str, dict[str, object]]:
    """The direction (staff:DIR) answered as the technician on every grades route."""
    return {endpoint: {**row, "staff_dir": row["admin"]} for endpoint, row in routes.items()}


GRADES = Feature(
    name="grades",
    config_keys=("appliance.schoollife.grades.config_keys",),
    migrations="appliance.schoollife.grades.migrations",
    cli=("appliance.schoollife.grades.cli",),
    jobs=("appliance.schoollife.grades.schedule:jobs",),
    job_ids=("grades.housekeeping",),
    job_handlers=("appliance.schoollife.grades.printing",),
    blueprints=("webui.grades:bp", "webui.grades.api:bp"),
    tiles=(Tile("grades", N_("Notes"), N_("Les évaluations et les moyennes."), "grades.index"),),
    routes=_with_direction(
        {
            "grades.index": _GRADES_USERS,
            # The walk's student: theirs, their parent's, their teacher's (head teacher).
            "grades.student": hidden(_GRADES_USERS),
            # The walk's class in the subject its teacher teaches it.
            "grades.audience": hidden(TEACHER_OR_ADMIN),
            "grades.assessment_new": hidden(TEACHER_ONLY),
            "grades.assessment": hidden(TEACHER_OR_ADMIN),
            "grades.assessment_marks": hidden(TEACHER_ONLY),
            "grades.assessment_edit": hidden(TEACHER_ONLY),
            "grades.assessment_delete": hidden(TEACHER_ONLY),
            "grades.appraisals": hidden(TEACHER_ONLY),
            # The walk's teacher is the head teacher of the walk's class.
            "grades.class_table": hidden(TEACHER_OR_ADMIN),
            "grades.general_appraisals": hidden(TEACHER_ONLY),
            "grades.class_pdf": hidden(TEACHER_OR_ADMIN),
            # A job of the queue asked by the walk's teacher: they and the technician follow
            # it, they alone take its file.
            "grades.job": hidden(TEACHER_OR_ADMIN),
            "grades.job_download": hidden(TEACHER_ONLY),
            "grades.report_card": hidden(_GRADES_USERS),
            "grades.report_card_pdf": hidden(_GRADES_USERS),
            "grades.periods": ADMIN_ONLY,
            "grades.period_edit": hidden(ADMIN_ONLY),
            "grades.period_lock": hidden(ADMIN_ONLY),
            "grades_api.periods": api(LOGGED_IN),
            "grades_api.assessment_create": api(TEACHER_ONLY),
            "grades_api.assessment": api(hidden(TEACHER_OR_ADMIN)),
            "grades_api.assessment_marks": api(hidden(TEACHER_ONLY)),
            "grades_api.grades": api(_GRADES_USERS),
            "grades_api.appraisal": api(hidden(TEACHER_ONLY)),
            "grades_api.report_card_pdf": api(hidden(_GRADES_USERS)),
        }
    ),
    rules=(
        *grant(("student", "relative", "teacher", *_DIRECTION), "grades.use"),
        # Whose own marks the grades pages open on: a student's.
        Rule("grades.mine", "student"),
        Rule("grades.periods.view", "anyone"),
        *grant(_DIRECTION, "grades.periods.edit"),
        # A student's marks and averages (narrowed to a subject when the target names
        # one: a teacher sees the subjects they teach the student, the head teacher all).
        Rule("grades.view", "student", "self"),
        Rule("grades.view", "relative", "guardian_of"),
        Rule("grades.view", "teacher", "teaches"),
        Rule("grades.view", "teacher", "head_teacher_of"),
        *grant(_DIRECTION, "grades.view"),
        # Marks before their publication time: teachers of the subject, the head teacher,
        # the direction (families see them from the publication time on).
        Rule("grades.view_unpublished", "teacher", "teaches"),
        Rule("grades.view_unpublished", "teacher", "head_teacher_of"),
        *grant(_DIRECTION, "grades.view_unpublished"),
        # Assessments: written by a teacher of the class or group in the subject; read by
        # them, the head teacher of the class and the direction (every student's mark).
        Rule("grades.enter", "teacher"),
        Rule("grades.assessment.write", "teacher", "teaches"),
        Rule("grades.assessment.view", "teacher", "teaches"),
        Rule("grades.assessment.view", "teacher", "head_teacher_of"),
        *grant(_DIRECTION, "grades.assessment.view"),
        # A class's table of averages and its report cards as one PDF.
        Rule("grades.class.view", "teacher", "head_teacher_of"),
        *grant(_DIRECTION, "grades.class.view"),
        # Report cards: families once the period is locked; the head teacher and the
        # direction at any time.
        Rule("grades.report.view", "student", "self"),
        Rule("grades.report.view", "relative", "guardian_of"),
        Rule("grades.report.view", "teacher", "head_teacher_of"),
        *grant(_DIRECTION, "grades.report.view"),
        Rule("grades.report.before_lock", "teacher", "head_teacher_of"),
        *grant(_DIRECTION, "grades.report.before_lock"),
        # Appraisals: a subject teacher's for the students they teach the subject, the
        # head teacher's general one.
        Rule("grades.appraisal.write", "teacher", "teaches"),
        Rule("grades.appraisal.write", "teacher", "head_teacher_of"),
        Rule("grades.appraisal.subject", "teacher", "teaches"),
        Rule("grades.appraisal.general", "teacher", "head_teacher_of"),
    ),
)

FEATURES: tuple[Feature, ...] = (
    PLATFORM, DIRECTORY, HEALTH, BACKUPS, SCHOOLLIFE, DIARY, GRADES,
    COMMUNITY, NOTIFICATIONS, NEWS_FORUMS,
    ATTENDANCE,
    FILES,
    ASSIGNMENTS,
    AGENDA,
)  # fmt: skip
