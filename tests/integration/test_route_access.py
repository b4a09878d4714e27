"""Walk every route of the app with every profile and compare with the policy's table.

A route that is missing from `appliance/security/route_access.py` fails here: whoever adds
a page must say who may see it.
"""

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pyotp
import pytest

from appliance import blobs, jobqueue
from appliance.community import compose, folders, mailbox
from appliance.directory import history, people
from appliance.schoollife import year
from appliance.schoollife.attendance import common, excuses, planned, roll
from appliance.schoollife.grades import assessments, periods, printing
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
    "news_id": "news",
    "forum_id": "forum",
    "topic_id": "topic",
    "post_id": "post",
    "job_id": "job",
    "lesson_id": "lesson",
    "homework_id": "homework",
    # Two services name an argument alike: "endpoint:argument" says which sample it takes.
    "diary.attachment:attachment_id": "diary_attachment",
    "room": "B12",
    "secret": "pas-un-secret-d-agenda-0000000000000000000",
    "token_id": "api_token",
    # Grades (#13): the walk's class in a subject its teacher teaches it, an assessment
    # there, a period, the student's login, a report-cards job asked by the teacher.
    "kind": "classe",
    "audience_id": "class",
    "subject_code": "L1300",
    "assessment_id": "assessment",
    "period_id": "period",
    "login": "student_login",
    "report_job_id": "report_job",
    # Roll call and absences (#13): the roll call of a lesson of the walk's class today (its
    # own, beside the cahier de textes'), the walk's student's absence, its excuse, a
    # planned absence.
    "attendance.roll:lesson_id": "roll_lesson",
    "attendance.roll_save:lesson_id": "roll_lesson",
    "attendance_api.roll_get:lesson_id": "roll_lesson",
    "attendance_api.roll_put:lesson_id": "roll_lesson",
    "event_id": "absence",
    "excuse_id": "excuse",
    "planned_id": "planned",
    "reason_code": "maladie",
    # Documents (#14): a document of a folder of the walk's class its teacher opened to
    # parents, that folder, documents to put in the trash, others already there.
    "node_id": "class_doc",
    "files.folder:node_id": "class_subfolder",
    "files.upload:node_id": "class_subfolder",
    "files.folder_new:node_id": "class_subfolder",
    "files.delete:node_id": "doc_to_trash_page",
    "files_api.delete:node_id": "doc_to_trash_api",
    "files.restore:node_id": "trashed_doc_1",
    "files.purge:node_id": "trashed_doc_2",
    "files_api.class_files:kind": "class_kind",
    "code": "class_code",
    # Devoirs à rendre (#14): a work of the walk's teacher for the walk's class, its file,
    # the walk's student's hand-in (a file, corrected) and that student.
    "assignment_id": "assignment",
    "assignments.attachment:attachment_id": "assignment_attachment",
    "file_id": "handed_file",
    "student_id": "student",
    # The agenda (#14): the walk's student's own events (one to delete on the page, one
    # through the API).
    "agenda_event_id": "agenda_event",
    "agenda.event_delete:agenda_event_id": "agenda_doomed",
    "agenda_api.event_update:event_id": "agenda_event",
    "agenda_api.event_delete:event_id": "agenda_api_doomed",
}


@pytest.fixture
def people_by_profile(conn, box):
    made = {"files_dir": box.config.files_dir}
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
    _news_and_forum(conn, made, class_id)
    # A job of the queue asked by the walk's technician (the preview of an upload).
    admin_id, admin_login, _pw = made["admin"]
    job_id = jobqueue.enqueue(
        conn, "directory.import_plan", {"token": SAMPLE_ARGS["token"]},
        actor=Actor(admin_id, admin_login, "192.0.2.1"),
    )  # fmt: skip
    made["job"] = (job_id,)
    # The cahier de textes: a maths lesson of the walk's class today, taught by the walk's
    # teacher (in maths), with its homework (published) and an attachment.
    made.update(_diary(conn, box.config.files_dir, teacher, class_id, made["teacher"]))
    # The timetable's pages (a change, a room's week) use that lesson too; it is in B12.
    conn.execute("UPDATE lesson SET room = 'B12' WHERE id = ?", (made["lesson"][0],))
    # An API token of the walk's student: only its owner may revoke it.
    token_id, _token = tokens.create(conn, student, "walk", actor=audit.SYSTEM)
    made["api_token"] = (token_id,)
    _grades(conn, made, class_id)
    _attendance(conn, made, class_id)
    _files(conn, made, class_id)
    _assignments(conn, made, class_id)
    _agenda(conn, made)
    return made


def _files(conn, made, class_id) -> None:
    """The walk's class folder: "Sortie", opened to parents, with the teacher's documents;
    two of them for the trash's actions, two already in the trash."""
    from appliance.files import nodes

    teacher_id, teacher_login, _pw = made["teacher"]
    teacher = people.get_person(conn, teacher_id)
    actor = Actor(teacher_id, teacher_login, "192.0.2.4")
    space = nodes.target(conn, nodes.root(conn, "class", class_id)["id"])
    folder = nodes.create_folder(conn, actor, space, "Sortie")
    nodes.set_parents_read(conn, actor, nodes.target(conn, folder["id"]), True)
    quotas = {f"files.quota_mb_{p}": 100 for p in ("teacher", "student", "relative",
                                                   "staff", "guest", "admin")}  # fmt: skip
    docs = {}
    for key in ("class_doc", "doc_to_trash_page", "doc_to_trash_api", "trashed_doc_1",
                "trashed_doc_2"):  # fmt: skip
        writer = blobs.Writer(made["files_dir"], max_bytes=1 << 20)
        writer.write(b"%PDF-1.4 " + key.encode())
        docs[key] = nodes.add_file(
            conn, actor, quotas, teacher, nodes.target(conn, folder["id"]), f"{key}.pdf", writer
        )
        made[key] = (docs[key]["id"],)
    for key in ("trashed_doc_1", "trashed_doc_2"):
        nodes.delete(conn, actor, nodes.target(conn, docs[key]["id"]))
    made["class_subfolder"] = (folder["id"],)
    made["class_kind"], made["class_code"] = ("class",), ("6 A",)


def _assignments(conn, made, class_id) -> None:
    """A work given by the walk's teacher to the walk's class in maths (with a file), which
    the walk's student handed in and the teacher corrected (a comment, a corrected file)."""
    from appliance.files.assignments import handins, works

    cfg = {"files.max_upload_mb": 5, "files.quota_mb_teacher": 10, "files.quota_mb_student": 10}
    teacher = people.get_person(conn, made["teacher"][0])
    student = people.get_person(conn, made["student"][0])
    t_actor = Actor(teacher["id"], teacher["login"], "192.0.2.4")
    store = made["files_dir"]
    sujet = works.store_files(
        store, [(io.BytesIO(b"%PDF-1.4 sujet"), "sujet.pdf")], max_bytes=1 << 20
    )
    item = works.create(
        conn, cfg, t_actor, teacher,
        audience={"kind": "class", "id": class_id, "code": "6 A", "name": "6 A"},
        subject_code="061300", title="Exposé", instructions="Deux pages.",
        due=(date.today() + timedelta(days=7)).isoformat() + "T18:00", files=sujet,
    )  # fmt: skip
    copie = works.store_files(
        store, [(io.BytesIO(b"%PDF-1.4 copie"), "copie.pdf")], max_bytes=1 << 20
    )
    handed = handins.hand_in(
        conn, cfg, Actor(student["id"], student["login"], "192.0.2.5"), student, item, copie
    )
    corrected = works.store_files(
        store, [(io.BytesIO(b"%PDF-1.4 corr"), "corr.pdf")], max_bytes=1 << 20
    )
    handins.give_back(conn, cfg, t_actor, teacher, item, student["id"], comment="Bien.",
                      corrected=corrected[0])  # fmt: skip
    made["assignment"] = (item["id"],)
    made["assignment_attachment"] = (item["attachments"][0]["id"],)
    made["handed_file"] = (handed["files"][0]["id"],)


def _agenda(conn, made) -> None:
    """Three events of the walk's student's own agenda (one kept, two deleted by the walk),
    and a school event of the walk's CPE for everyone."""
    from appliance.agenda import events

    student = dict(
        conn.execute("SELECT * FROM person WHERE id = ?", (made["student"][0],)).fetchone()
    )
    edu = dict(
        conn.execute("SELECT * FROM person WHERE id = ?", (made["staff_edu"][0],)).fetchone()
    )
    day = date.today().isoformat()
    for key in ("agenda_event", "agenda_doomed", "agenda_api_doomed"):
        made[key] = (events.create(conn, student, {"title": key, "start_day": day,
                     "start_time": "18:00", "end_time": "19:00"},
                     Actor(student["id"], student["login"]))["id"],)  # fmt: skip
    council = {"title": "Conseil", "start_day": day, "start_time": "17:00", "end_time": "18:00",
               "audience": ["all"]}  # fmt: skip
    events.create(conn, edu, council, Actor(edu["id"], edu["login"]))


def _attendance(conn, made, class_id) -> None:
    """Today's lesson of the walk's class, taught by the walk's teacher (its roll call open),
    and yesterday's, whose roll call by the walk's CPE made the walk's student's absence,
    with an excuse (and its document) of the walk's parent; a planned absence."""
    today = common.today()
    lessons = []
    for day in (today, today - timedelta(days=1)):
        lesson_id = conn.execute(
            "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
            "audience_kind, audience_code, class_id, origin) "
            "VALUES (?, '08:00', '08:55', 'L0202', 'Français', 'class', '6 A', ?, 'manual')",
            (day.isoformat(), class_id),
        ).lastrowid
        conn.execute("INSERT INTO lesson_teacher VALUES (?, ?)", (lesson_id, made["teacher"][0]))
        lessons.append(roll.lesson_target(conn, lesson_id))
    edu_id, edu_login, _pw = made["staff_edu"]
    edu = dict(conn.execute("SELECT * FROM person WHERE id = ?", (edu_id,)).fetchone())
    student, relative = made["student"], made["relative"]
    roll.save(conn, edu, lessons[1], absent=[student[0]], late={},
              actor=Actor(edu_id, edu_login, "192.0.2.2"))  # fmt: skip
    event_id = conn.execute(
        "SELECT id FROM attendance_event WHERE student_id = ?", (student[0],)
    ).fetchone()[0]
    document = blobs.write_bytes(
        made["files_dir"], b"%PDF-1.4\n%%EOF\n", max_bytes=excuses.MAX_DOCUMENT_BYTES
    )
    excuse = excuses.send(
        conn, event_id, text="Malade", reason_code="maladie", document=document,
        document_name="certificat.pdf", actor=Actor(relative[0], relative[1], "192.0.2.3"),
    )  # fmt: skip
    trip = planned.create(
        conn, student_id=student[0], kind="trip", first=today + timedelta(days=7),
        actor=Actor(edu_id, edu_login, "192.0.2.2"),
    )  # fmt: skip
    made["roll_lesson"], made["absence"] = (lessons[0]["id"],), (event_id,)
    made["excuse"], made["planned"] = (excuse["id"],), (trip["id"],)


# A one-pixel PNG: the walk's news item has an image.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


def _news_and_forum(conn, made, class_id) -> None:
    """A published news item for everyone (written by the walk's staff member, with an
    image), and a forum of the walk's class with a subject and a message."""
    from appliance import blobs
    from appliance.db import now_iso

    files = Path(conn.execute("PRAGMA database_list").fetchone()[2]).parent / "files"
    blob = blobs.write_bytes(files, PIXEL, max_bytes=1024)
    blobs.record(conn, blob)
    stamp = now_iso()
    news_id = conn.execute(
        "INSERT INTO news (author_id, title, body, image_sha256, image_name, state, "
        "created_at, updated_at, published_at, notified_at) "
        "VALUES (?, 'Portes ouvertes', '<p>Samedi</p>', ?, 'affiche.png', 'published', ?, ?, ?, ?)",
        (made["staff"][0], blob.sha256, stamp, stamp, stamp, stamp),
    ).lastrowid
    conn.execute("INSERT INTO news_audience (news_id, target) VALUES (?, 'all')", (news_id,))
    teacher, student = made["teacher"][0], made["student"][0]
    forum_id = conn.execute(
        "INSERT INTO forum (class_id, title, created_by, created_at) VALUES (?, 'Forum', ?, ?)",
        (class_id, teacher, stamp),
    ).lastrowid
    topic_id = conn.execute(
        "INSERT INTO forum_topic (forum_id, title, author_id, created_at, last_post_at, posts) "
        "VALUES (?, 'Sujet', ?, ?, ?, 1)",
        (forum_id, student, stamp, stamp),
    ).lastrowid
    post_id = conn.execute(
        "INSERT INTO forum_post (topic_id, author_id, body, created_at) "
        "VALUES (?, ?, '<p>Bonjour</p>', ?)",
        (topic_id, student, stamp),
    ).lastrowid
    made["news"], made["forum"] = (news_id,), (forum_id,)
    made["topic"], made["post"] = (topic_id,), (post_id,)


def _diary(conn, files_dir, teacher_id, class_id, teacher):
    from datetime import date

    from appliance.schoollife.diary import homework
    from appliance.schoollife.year import local_today

    conn.execute("INSERT INTO subject (code, name) VALUES ('061300', 'Mathématiques')")
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, subject_code) VALUES (?, ?, '061300')",
        (teacher_id, class_id),
    )
    today: date = local_today()
    lesson_id = conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
        "audience_kind, audience_code, class_id) VALUES (?, '08:00', '09:00', '061300', "
        "'Mathématiques', 'class', '6 A', ?)",
        (today.isoformat(), class_id),
    ).lastrowid
    conn.execute("INSERT INTO lesson_teacher VALUES (?, ?)", (lesson_id, teacher_id))
    blob = blobs.write_bytes(files_dir, b"%PDF-1.4 walk", max_bytes=1 << 20)
    item = homework.create(
        conn, Actor(teacher_id, teacher[1], "192.0.2.1"),
        audience={"kind": "class", "id": class_id, "code": "6 A", "name": "6 A"},
        subject_code="061300", text="Exercice 1", kind="exercise", due=today,
        lesson_id=lesson_id, attachments=[homework.Attachment(blob, "sujet.pdf")],
    )  # fmt: skip
    return {
        "lesson": (lesson_id,),
        "homework": (item["id"],),
        "diary_attachment": (item["attachments"][0]["id"],),
    }


def _grades(conn, made, class_id) -> None:
    """The year, its periods and an assessment of today in the walk's class, in a subject
    its teacher teaches there; a report-cards job asked by that teacher."""
    today = date.today()
    year.set_year(conn, audit.SYSTEM, today - timedelta(days=60), today + timedelta(days=240))
    thirds = [today - timedelta(days=60), today + timedelta(days=40), today + timedelta(days=140)]
    ranges = [(thirds[0], thirds[1]), (thirds[1] + timedelta(days=1), thirds[2]),
              (thirds[2] + timedelta(days=1), today + timedelta(days=240))]  # fmt: skip
    periods.set_periods(conn, audit.SYSTEM, "trimester", ranges)
    conn.execute("INSERT INTO subject (code, name) VALUES ('L1300', 'Mathématiques')")
    teacher_id, teacher_login, _pw = made["teacher"]
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, subject_code) VALUES (?, ?, 'L1300')",
        (teacher_id, class_id),
    )
    a = assessments.create(
        conn, audit.SYSTEM, teacher_id=teacher_id,
        audience=assessments.audience(conn, "class", "6 A"), subject_code="L1300",
        title="Contrôle", day=today, out_of=20, coefficient=1,
    )  # fmt: skip
    made["assessment"] = (a["id"],)
    made["period"] = (a["period_id"],)
    made["student_login"] = (made["student"][1],)
    job_id = jobqueue.enqueue(
        conn, printing.KIND, {"period_id": a["period_id"], "class_id": class_id},
        actor=Actor(teacher_id, teacher_login, "192.0.2.2"),
    )  # fmt: skip
    made["report_job"] = (job_id,)


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
        value = SAMPLE_ARGS.get(f"{rule.endpoint}:{arg}", SAMPLE_ARGS[arg])
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


UNKNOWN_ID = "987654321"


@pytest.mark.parametrize("profile", [p for p in PROFILES if p != "anonymous"])
def test_not_yours_and_not_there_answer_the_same_on_every_route(app, people_by_profile, profile):
    """docs/api.md and issue 9: someone who may not see a thing gets the same answer
    whether it exists or not. For every route with a numeric id that the table refuses to
    this profile, the real id (someone else's thing) and an id that exists nowhere answer
    the same status, pages and JSON API alike."""
    client = app.test_client()
    _pid, name, pw = people_by_profile[profile]
    _login(app, client, name, pw)
    token = _csrf(client)
    problems, tried = [], 0
    for rule in app.url_map.iter_rules():
        expected = ROUTES[rule.endpoint][profile]
        if expected not in (403, 404) or rule.endpoint == "auth.logout":
            continue
        numeric = [a for a in rule.arguments if f"<int:{a}>" in rule.rule]
        if not numeric:
            continue
        url = _url(rule, people_by_profile)
        unknown = rule.rule
        for arg in rule.arguments:
            value = UNKNOWN_ID if arg in numeric else None
            if value is None:
                value = SAMPLE_ARGS.get(f"{rule.endpoint}:{arg}", SAMPLE_ARGS[arg])
                value = str(people_by_profile[value][0]) if value in people_by_profile else value
            unknown = re.sub(rf"<(?:[a-z]+:)?{arg}>", value, unknown)
        method = next(m for m in ("GET", "POST", "PUT", "PATCH", "DELETE") if m in rule.methods)
        answers = []
        for target in (url, unknown):
            r = client.open(
                target,
                method=method,
                data={"csrf_token": token} if method != "GET" else None,
                headers={"X-CSRFToken": token} if method != "GET" else None,
            )
            answers.append(r.status_code)
        tried += 1
        if answers != [expected, expected]:  # the table's refusal, for both alike
            problems.append(f"{method} {url} → {answers[0]}, {unknown} → {answers[1]}")
    assert tried, "no route with a numeric id is refused to this profile"
    assert not problems, "\n".join(problems)
