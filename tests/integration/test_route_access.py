"""Walk every route of the app with every profile and compare with the policy's table.

A route that is missing from `appliance/security/route_access.py` fails here: whoever adds
a page must say who may see it.
"""

import io
import re

import pyotp
import pytest

from appliance import jobqueue
from appliance.community import compose, folders, mailbox
from appliance.directory import history, people
from appliance.security import audit, tokens
from appliance.security.audit import Actor
from appliance.security.route_access import NO_LOGIN_NEEDED, PROFILES, ROUTES, STAFF_FUNCTIONS
from tests.conftest import login, make_person

# Values for URL parameters, filled in from the people the fixture creates.
SAMPLE_ARGS = {
    "person_id": "student",
    "filename": "cartable.css",
    "class_id": "class",
    "group_id": "group",
    "import_id": "import",
    "token": "pas-un-import-en-attente-0000",
    "message_id": "message",
    "attachment_id": "attachment",
    "folder_id": "folder",
    "job_id": "job",
    "lesson_id": "lesson",
    "room": "B12",
    "secret": "pas-un-secret-d-agenda-0000000000000000000",
    "token_id": "api_token",
}


@pytest.fixture
def people_by_profile(conn, box):
    made = {}
    for profile in PROFILES[1:]:
        function = STAFF_FUNCTIONS.get(profile)
        pid, name, pw = make_person(conn, "staff" if function else profile, function=function)
        made[profile] = (pid, name, pw)
    # Admins are expected to have enrolled TOTP; nobody has to change a password.
    conn.execute(
        "UPDATE person SET totp_enabled = 1, totp_secret = '2Z4ATEMQTIEYJGYS45DEUFDCCN46AOL2' "
        "WHERE profile = 'admin'"
    )
    student, relative = made["student"][0], made["relative"][0]
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
        (relative, student),
    )
    # A class and a group where the walk's teacher teaches the walk's student, and an
    # applied import, for the directory pages.
    teacher = made["teacher"][0]
    class_id = conn.execute("INSERT INTO school_class (code, name) VALUES ('6 A', '6 A')").lastrowid
    group_id = conn.execute(
        "INSERT INTO teaching_group (code, name) VALUES ('LATIN6', 'Latin')"
    ).lastrowid
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (student, class_id))
    conn.execute("INSERT INTO group_membership VALUES (?, ?)", (student, group_id))
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, head_teacher) VALUES (?, ?, 1)",
        (teacher, class_id),
    )
    conn.execute("INSERT INTO teaching (teacher_id, group_id) VALUES (?, ?)", (teacher, group_id))
    import_id = history.insert_import_run(
        conn, effective_date="2026-09-01", actor="tech", full=False, files=[], counts={},
        warnings=0, created=0,
    )  # fmt: skip
    made["class"], made["group"], made["import"] = (class_id,), (group_id,), (import_id,)
    # A message with an attachment from the walk's teacher to the walk's student, and a
    # folder of the student's, for the messages' pages.
    sent = compose.send(
        conn, box.config.files_dir, people.get_person(conn, teacher),
        compose.Draft(to=[made["student"][1]], subject="Sortie", body="Départ à 8 h.",
                      files=[("programme.pdf", io.BytesIO(b"%PDF-1.4 programme"))]),
        actor=Actor(teacher, made["teacher"][1]), max_attachment_bytes=1 << 20,
    )  # fmt: skip
    attachment = mailbox.read(conn, people.get_person(conn, teacher), sent.id)["attachments"][0]
    folder = folders.create_folder(conn, people.get_person(conn, student), "Sorties")
    made["message"], made["attachment"], made["folder"] = (sent.id,), (attachment["id"],), (folder,)
    # A job of the queue asked by the walk's technician (the preview of an upload).
    admin_id, admin_login, _pw = made["admin"]
    job_id = jobqueue.enqueue(
        conn, "directory.import_plan", {"token": SAMPLE_ARGS["token"]},
        actor=Actor(admin_id, admin_login, "192.0.2.1"),
    )  # fmt: skip
    made["job"] = (job_id,)
    # A lesson of the walk's class (the change pages), in room B12.
    lesson_id = conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, subject_code, audience_kind, "
        "audience_code, class_id, room) VALUES ('2026-12-01', '08:00', '09:00', '061300', "
        "'class', '6 A', ?, 'B12')",
        (class_id,),
    ).lastrowid
    conn.execute(
        "INSERT INTO lesson_teacher (lesson_id, person_id) VALUES (?, ?)", (lesson_id, teacher)
    )
    made["lesson"] = (lesson_id,)
    # An API token of the walk's student: only its owner may revoke it.
    token_id, _token = tokens.create(conn, student, "walk", actor=audit.SYSTEM)
    made["api_token"] = (token_id,)
    return made


def _login(app, client, name, pw):
    conn = app.extensions["cartable.box"].conn()
    conn.execute("UPDATE person SET totp_last_step = 0 WHERE login = ?", (name,))
    r = login(client, name, pw)
    if r.headers["Location"].endswith("/login/code"):
        html = client.get("/login/code").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        code = pyotp.TOTP("2Z4ATEMQTIEYJGYS45DEUFDCCN46AOL2").now()
        r = client.post("/login/code", data={"code": code, "csrf_token": token})
    assert r.status_code == 302 and "/login" not in r.headers["Location"]


def _url(rule, made) -> str:
    url = rule.rule
    for arg in rule.arguments:
        value = SAMPLE_ARGS[arg]
        if value in made:
            value = str(made[value][0])
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", value, url)
    return url


def _csrf(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if m:
        return m.group(1)
    html = client.get("/compte/mot-de-passe").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without a row in route_access.ROUTES: {sorted(missing)}"
    stale = set(ROUTES) - endpoints
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("profile", PROFILES)
def test_every_route_answers_as_the_table_says(app, people_by_profile, profile):
    client = app.test_client()
    if profile != "anonymous":
        _pid, name, pw = people_by_profile[profile]
        _login(app, client, name, pw)
    token = _csrf(client) if profile != "anonymous" else None
    problems = []
    for rule in app.url_map.iter_rules():
        expected = ROUTES[rule.endpoint][profile]
        url = _url(rule, people_by_profile)
        method = next(m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods)
        if method == "GET":
            r = client.get(url)
        else:
            if rule.endpoint == "auth.logout":
                continue  # it would end the session the walk uses
            # The form field for the pages, the header for the JSON API (`webui.api`).
            r = client.open(
                url,
                method=method,
                data={"csrf_token": token or ""},
                headers={"X-CSRFToken": token or ""},
            )
        got_login = r.status_code == 302 and "/login" in r.headers.get("Location", "")
        if expected == "login":
            ok = got_login or (method != "GET" and r.status_code == 400)
        elif expected == 401:  # a JSON API route: 401 in JSON, never the login page
            ok = r.status_code == 401 and r.is_json and "error" in r.get_json()
        elif expected in (403, 404):
            ok = r.status_code == expected
        else:  # allowed: not refused, not sent to login, no server error
            ok = r.status_code not in (403, 500) and not got_login
        if not ok:
            problems.append(
                f"{method} {url} [{rule.endpoint}] expected {expected}, "
                f"got {r.status_code} {r.headers.get('Location', '')}"
            )
        # Some actions may change state (e.g. disabling); log in again if the walk lost us.
        if profile != "anonymous" and client.get("/").status_code != 200:
            _pid, name, pw = people_by_profile[profile]
            conn = app.extensions["cartable.box"].conn()
            conn.execute("UPDATE person SET state='active' WHERE login=?", (name,))
            _login(app, client, name, pw)
            token = _csrf(client)
    assert not problems, "\n".join(problems)


def test_every_view_asks_the_policy(app):
    """Every non-public view is wrapped by `requires` (it carries `required_action`)."""
    for endpoint, view in app.view_functions.items():
        if endpoint in NO_LOGIN_NEEDED:
            continue
        assert getattr(view, "required_action", None), f"{endpoint} does not ask the policy"
