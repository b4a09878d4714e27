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
- `actions`: the policy's actions by profile that the feature adds (`policy.may`).

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
from appliance.security.route_rows import (
    ADMIN_ONLY,
    CLASS_MEMBERS,
    LOGGED_IN,
    LOGIN_STEP,
    NOT_STAFF_OR_GUEST,
    PUBLIC,
    RELATIVE_ONLY,
    TEACHER_ONLY,
    TEACHER_OR_ADMIN,
    TOTP_PROFILES,
    by_function,
    hidden,
)


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
    actions: Mapping[str, frozenset[str]] = field(default_factory=dict)


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
    """The packages of numbered SQL migrations of `cartable.db`, in manifest order."""
    return [f.migrations for f in (FEATURES if features is None else features) if f.migrations]


def actions_by_profile(features: Iterable[Feature] | None = None) -> dict[str, set[str]]:
    """The policy's actions by profile, every feature's gathered."""
    out: dict[str, set[str]] = {}
    for feature in FEATURES if features is None else features:
        for profile, actions in feature.actions.items():
            out.setdefault(profile, set()).update(actions)
    return out


# --- the manifest ---------------------------------------------------------------------

PLATFORM = Feature(
    name="platform",
    config_keys=("appliance.config:core_keys", "appliance.security.config_keys"),
    migrations="appliance.migrations",
    cli=("appliance.cli.run", "appliance.cli.user"),
    jobs=("appliance.scheduler:_core_jobs",),
    job_ids=("housekeeping", "audit_retention"),
    blueprints=("webui.auth:bp", "webui.portal:bp", "webui.account:bp", "webui.admin:bp"),
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
    actions={
        "admin": frozenset(
            {
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
                "account.totp",
            }
        ),
        "teacher": frozenset({"account.totp"}),
        "staff": frozenset({"account.totp"}),
        "relative": frozenset({"child.select"}),
    },
)

# Issue 3: imports, credentials slips, classes, a teacher's students, RGPD export.
DIRECTORY = Feature(
    name="directory",
    config_keys=("appliance.directory.config_keys",),
    cli=("appliance.cli.directory",),
    jobs=("appliance.directory.schedule:jobs",),
    job_ids=("lifecycle",),
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
        "directory.my_students": TEACHER_ONLY,
        # The walk's student is taught by the walk's teacher.
        "directory.student_password": hidden(TEACHER_OR_ADMIN),
        "directory.export_mine": LOGGED_IN,
        "directory.export_person": hidden(ADMIN_ONLY),
    },
    # What staff see by function stays in `policy._BY_FUNCTION`.
    actions={
        "admin": frozenset(
            {
                "directory.home",
                "directory.import",
                "directory.credentials",
                "directory.browse",
                "directory.accounts.view",
                "directory.guardians.view",
                "directory.logins.view",
            }
        ),
        "teacher": frozenset({"directory.home", "directory.my_students", "directory.logins.view"}),
        "relative": frozenset({"directory.home", "directory.my_teachers"}),
        "student": frozenset({"directory.home", "directory.my_teachers", "directory.my_class"}),
    },
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
    actions={
        "admin": frozenset({"admin.health.view", "admin.health.silence", "admin.health.bundle"}),
    },
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
    actions={
        "admin": frozenset(
            {
                "admin.backups.view",
                "admin.backups.run",
                "admin.backups.restore",
                "admin.backups.key_sheet",
            }
        ),
    },
)

# Issue 11: the school year's calendar, the timetable import and its read service.
SCHOOLLIFE = Feature(
    name="schoollife",
    migrations="appliance.schoollife.migrations",
    cli=("appliance.schoollife.cli",),
    blueprints=("webui.schoollife:bp",),
    tiles=(
        Tile(
            "admin_timetable",
            N_("Année et emploi du temps"),
            N_("Année scolaire, vacances, import de l'emploi du temps."),
            "schoollife.timetable_imports",
        ),
    ),
    routes={
        "schoollife.year": ADMIN_ONLY,
        "schoollife.timetable_imports": ADMIN_ONLY,
        "schoollife.timetable_upload": ADMIN_ONLY,
        "schoollife.timetable_preview": ADMIN_ONLY,
        "schoollife.timetable_apply": ADMIN_ONLY,
        "schoollife.timetable_cancel": ADMIN_ONLY,
    },
    # Also for staff whose function is direction (DIR) once the policy has rules.
    actions={
        "admin": frozenset({"schoollife.year.edit", "schoollife.timetable.import"}),
    },
)

FEATURES: tuple[Feature, ...] = (PLATFORM, DIRECTORY, HEALTH, BACKUPS, SCHOOLLIFE)
