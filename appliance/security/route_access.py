"""What every route of the web UI answers to each profile: the table the policy is tested
against (tests/integration/test_route_access.py walks every route of the app with every
profile). A route without a row here fails that test.

Values: 200 (allowed: the page or the action answers), 403 (refused), 404 (refused on a
thing named in the URL: answered as if it did not exist, so that an id tells nothing),
"login" (anonymous visitor sent to the login page). For POST-only routes, 200 means "not
refused": the action may answer with a redirect or a form error.
"""

from __future__ import annotations

# The walk also logs in as staff members with a function (see policy._BY_FUNCTION): they
# get what any staff member gets, except on the rows of `_STAFF_BY_FUNCTION` below.
STAFF_FUNCTIONS = {"staff_edu": "EDU", "staff_sec": "SEC"}
PROFILES = (
    "anonymous", "student", "teacher", "relative", "staff", "guest", "admin", *STAFF_FUNCTIONS,
)  # fmt: skip

PUBLIC = dict.fromkeys(PROFILES, 200)
LOGGED_IN = {**dict.fromkeys(PROFILES, 200), "anonymous": "login"}
ADMIN_ONLY = {**dict.fromkeys(PROFILES, 403), "anonymous": "login", "admin": 200}
RELATIVE_ONLY = {**dict.fromkeys(PROFILES, 403), "anonymous": "login", "relative": 200}
NOT_STAFF_OR_GUEST = {**LOGGED_IN, "staff": 403, "guest": 403}
TEACHER_ONLY = {**dict.fromkeys(PROFILES, 403), "anonymous": "login", "teacher": 200}
# The sample class of the walk: its teacher and its student see it, and the technician.
CLASS_MEMBERS = {**ADMIN_ONLY, "teacher": 200, "student": 200}
TEACHER_OR_ADMIN = {**ADMIN_ONLY, "teacher": 200}


def hidden(row: dict[str, object]) -> dict[str, object]:
    """The row of a route on one thing (a person, a class…): a refusal answers 404."""
    return {k: 404 if v == 403 else v for k, v in row.items()}


TOTP_PROFILES = {
    **dict.fromkeys(PROFILES, 403),
    "anonymous": "login",
    "teacher": 200,
    "staff": 200,
    "admin": 200,
}

# Routes that serve a visitor who is not logged in (every other view asks the policy).
NO_LOGIN_NEEDED = {
    "static",
    "auth.login",
    "auth.totp_challenge",
    "auth.set_locale",
    "portal.accessibility",
}

ROUTES: dict[str, dict[str, object]] = {
    "static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": LOGGED_IN,
    # The code step only exists during a login: without one it sends back to the login page.
    "auth.totp_challenge": dict.fromkeys(PROFILES, "login"),
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
    # Directory (issue 3): imports, credentials slips, classes, a teacher's students, RGPD.
    "directory.index": NOT_STAFF_OR_GUEST,
    "directory.classes": ADMIN_ONLY,
    "directory.class_detail": hidden(CLASS_MEMBERS),
    "directory.group_detail": hidden(TEACHER_OR_ADMIN),
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
    # Health (issue 5): the technician's health page, diagnosis, silences, support bundle.
    "health.index": ADMIN_ONLY,
    "health.diagnosis": ADMIN_ONLY,
    "health.silence": ADMIN_ONLY,
    "health.unsilence": ADMIN_ONLY,
    "health.bundle": ADMIN_ONLY,
    # Backups (issue 4): status, run now, archives, browse and restore beside, key sheet.
    "backups.index": ADMIN_ONLY,
    "backups.run_now": ADMIN_ONLY,
    "backups.cancel_run": ADMIN_ONLY,
    "backups.archives": ADMIN_ONLY,
    "backups.browse": ADMIN_ONLY,
    "backups.restore": ADMIN_ONLY,
    "backups.key_sheet": ADMIN_ONLY,
    "backups.key_sheet_confirm": ADMIN_ONLY,
}

# Vie scolaire, direction and secretariat see the students' directory (read-only).
_STAFF_BY_FUNCTION = {
    "directory.index": 200,
    "directory.classes": 200,
    "directory.class_detail": 200,
    "directory.group_detail": 200,
}
ROUTES = {
    endpoint: {
        **row,
        **{w: _STAFF_BY_FUNCTION.get(endpoint, row["staff"]) for w in STAFF_FUNCTIONS},
    }
    for endpoint, row in ROUTES.items()
}
