"""The words of the route-access table: the profiles a walk logs in as, and the usual rows.

Each feature of `appliance/features.py` writes its routes' rows with these; the table
itself (`route_access.ROUTES`) is gathered from the features.

Values: 200 (allowed: the page or the action answers), 403 (refused), 404 (refused on a
thing named in the URL: answered as if it did not exist, so that an id tells nothing),
"login" (anonymous visitor sent to the login page), 401 (a JSON API route, `/api/v1/…`:
an anonymous caller is answered 401 in JSON, never sent to a page; write `api(row)`). For
routes without GET, 200 means "not refused": the action may answer with a redirect or a
form error.
"""

from __future__ import annotations

# The walk also logs in as staff members with a function (the `staff:CODE` rules of
# appliance/features.py): they
# get what any staff member gets, unless a row says otherwise (`by_function`).
STAFF_FUNCTIONS = {"staff_edu": "EDU", "staff_sec": "SEC"}
PROFILES = (
    "anonymous", "student", "teacher", "relative", "staff", "guest", "admin", *STAFF_FUNCTIONS,
)  # fmt: skip

Row = dict[str, object]


def _staff_functions_as_staff(row: Row) -> Row:
    """A row where staff members with a function get what any staff member gets."""
    return {**row, **dict.fromkeys(STAFF_FUNCTIONS, row["staff"])}


def by_function(row: Row, value: object) -> Row:
    """`row`, except for the staff members with a function, who get `value`."""
    return {**row, **dict.fromkeys(STAFF_FUNCTIONS, value)}


def hidden(row: Row) -> Row:
    """The row of a route on one thing (a person, a class…): a refusal answers 404."""
    return {k: 404 if v == 403 else v for k, v in row.items()}


def api(row: Row) -> Row:
    """The row of a JSON API route: where a page sends an anonymous visitor to the login
    page, the API answers 401 (in JSON)."""
    return {k: 401 if v == "login" else v for k, v in row.items()}


PUBLIC = _staff_functions_as_staff(dict.fromkeys(PROFILES, 200))
LOGGED_IN = _staff_functions_as_staff({**dict.fromkeys(PROFILES, 200), "anonymous": "login"})
ADMIN_ONLY = _staff_functions_as_staff(
    {**dict.fromkeys(PROFILES, 403), "anonymous": "login", "admin": 200}
)
RELATIVE_ONLY = _staff_functions_as_staff({**ADMIN_ONLY, "admin": 403, "relative": 200})
NOT_STAFF_OR_GUEST = _staff_functions_as_staff({**LOGGED_IN, "staff": 403, "guest": 403})
TEACHER_ONLY = _staff_functions_as_staff({**ADMIN_ONLY, "admin": 403, "teacher": 200})
# The sample class of the walk: its teacher and its student see it, and the technician.
CLASS_MEMBERS = {**ADMIN_ONLY, "teacher": 200, "student": 200}
TEACHER_OR_ADMIN = {**ADMIN_ONLY, "teacher": 200}
TOTP_PROFILES = _staff_functions_as_staff({**ADMIN_ONLY, "teacher": 200, "staff": 200})
# The code step only exists during a login: without one it sends back to the login page.
LOGIN_STEP = dict.fromkeys(PROFILES, "login")
