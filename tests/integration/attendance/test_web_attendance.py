"""The pages (#13): a teacher takes the roll call (no JavaScript), a parent sends an excuse
with a document, the CPE accepts it; who sees what (a parent of another family always
gets the same 404, a teacher who does not teach the lesson is refused, a student cannot
justify); the vie scolaire's lists past their first page."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from appliance.schoollife.attendance import events, planned, roll
from tests.conftest import csrf_token, text
from tests.integration.attendance.conftest import (
    AGATHE,
    CLASS,
    CPE,
    HEAD,
    TUESDAY,
    ZOE,
    client_of,
    today_lesson,
)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _post(client, path, data, token_from, **kw):
    token = csrf_token(client, token_from)
    return client.post(path, data={**data, "csrf_token": token}, **kw)


def _guardian(college, login: str) -> str:
    return college.conn.execute(
        "SELECT p.login FROM guardian_link g JOIN person p ON p.id = g.guardian_id "
        "JOIN person s ON s.id = g.student_id WHERE s.login = ? AND g.level = 1 "
        "ORDER BY p.id LIMIT 1",
        (login,),
    ).fetchone()[0]


def _main(response) -> str:
    """The page's content (the footer's language form names the address)."""
    return re.search(r"<main.*?</main>", text(response), re.S).group(0)


def _absence(college) -> dict:
    college.take(college.lesson(CLASS, TUESDAY, "08:10"), absent=[AGATHE])
    return events.for_student(college.conn, college.person(AGATHE)["id"])[0]


def test_a_teacher_takes_the_roll_call_on_the_page(college, web):
    lesson = today_lesson(college)
    teacher = client_of(web, "pascal.barre")
    home = text(teacher.get("/vie-scolaire"))
    assert "Appel à faire" in home and f"/vie-scolaire/appel/{lesson['id']}" in home
    page = teacher.get(f"/vie-scolaire/appel/{lesson['id']}")
    assert page.status_code == 200
    html = text(page)
    assert html.count('class="roll-student"') == 31 and "Tous présents" in html
    assert "<script" not in html
    agathe, zoe = college.person(AGATHE)["id"], college.person(ZOE)["id"]
    url = f"/vie-scolaire/appel/{lesson['id']}"
    # Late without its minutes: said on the page, nothing saved.
    r = _post(teacher, url, {f"status-{zoe}": "late"}, url)
    assert r.status_code == 400 and "minutes de retard" in text(r)
    assert not roll.get_roll(college.conn, lesson)["taken"]
    r = _post(
        teacher,
        url,
        {f"status-{agathe}": "absent", f"status-{zoe}": "late", f"minutes-{zoe}": "5"},
        url,
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(url)
    done = text(teacher.get(url))
    assert "Appel enregistré : 1 absent(s), 1 retard(s)." in done and "Appel fait le" in done
    assert f'id="s{agathe}-absent" name="status-{agathe}" value="absent" checked' in done
    kinds = sorted(
        e["kind"]
        for e in events.office_list(
            college.conn,
            date.fromisoformat(lesson["date"]),
            date.fromisoformat(lesson["date"]),
            limit=10,
        )[0]
    )
    assert kinds == ["absence", "late"]
    # "Tous présents": one click, everyone present, the absence gone.
    r = _post(teacher, url, {"all_present": "1"}, url)
    assert r.status_code == 302
    assert {s["status"] for s in roll.get_roll(college.conn, lesson)["students"]} == {"present"}
    assert "Appel fait" in text(teacher.get("/vie-scolaire"))


def test_who_may_see_and_take_a_roll_call(college, web):
    lesson = today_lesson(college)
    url = f"/vie-scolaire/appel/{lesson['id']}"
    for login in ("aurelie.pichon", HEAD, AGATHE, _guardian(college, AGATHE), "isabelle.meunier"):
        client = client_of(web, login)
        assert client.get(url).status_code == 404, login
        token = csrf_token(client, "/compte/mot-de-passe")
        assert client.post(url, data={"csrf_token": token}).status_code == 404, login
        api = client.get(f"/api/v1/lessons/{lesson['id']}/roll")
        assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"
    for login in (CPE, "gaetan.lucas", "elodie.fontaine"):
        assert client_of(web, login).get(url).status_code == 200, login
    # A past lesson of his: read only for the teacher, open to the CPE.
    past = college.lesson(CLASS, TUESDAY, "08:10")
    college.take(past, absent=[AGATHE])
    teacher = client_of(web, "pascal.barre")
    page = text(teacher.get(f"/vie-scolaire/appel/{past['id']}"))
    assert 'id="roll-closed"' in page and "roll-form" not in page and "Absent" in page
    r = _post(teacher, f"/vie-scolaire/appel/{past['id']}", {"all_present": "1"}, "/vie-scolaire")
    assert r.status_code == 409 and "fin de la journée" in text(r)
    assert "roll-form" in text(client_of(web, CPE).get(f"/vie-scolaire/appel/{past['id']}"))


def test_a_parent_of_another_family_always_gets_the_same_404(college, web):
    event = _absence(college)
    stranger = _guardian(college, "agathe.roux")  # a parent of another 301 pupil
    assert stranger != _guardian(college, AGATHE)
    client = client_of(web, stranger)
    agathe = college.person(AGATHE)["id"]
    missing_id = event["id"] + 10_000
    for real, absent in (
        (f"/vie-scolaire/absences/{event['id']}", f"/vie-scolaire/absences/{missing_id}"),
        (f"/vie-scolaire/eleves/{agathe}", "/vie-scolaire/eleves/99999"),
    ):
        a, b = client.get(real), client.get(absent)
        assert a.status_code == b.status_code == 404 and _main(a) == _main(b)
    token = csrf_token(client, "/compte/mot-de-passe")
    r = client.post(
        f"/vie-scolaire/absences/{event['id']}/justificatif",
        data={"csrf_token": token, "text": "je mens"},
    )
    assert r.status_code == 404
    for path in ("/api/v1/absences?login={}", "/api/v1/absences/summary?login={}"):
        a, b = client.get(path.format(AGATHE)), client.get(path.format("personne.inconnue"))
        assert a.status_code == b.status_code == 404 and a.get_json() == b.get_json()
    r = client.post(
        f"/api/v1/absences/{event['id']}/excuse",
        json={"text": "je mens"},
        headers={"X-CSRFToken": token},
    )
    assert r.status_code == 404
    assert college.conn.execute("SELECT count(*) FROM attendance_excuse").fetchone()[0] == 0
    # Their own child's page is theirs.
    own = f"/vie-scolaire/eleves/{college.person('agathe.roux')['id']}"
    home = client.get("/vie-scolaire", follow_redirects=True)
    assert home.status_code == 200 and (own in text(home) or home.request.path == own)
    assert client.get(own).status_code == 200


def test_the_parent_sends_an_excuse_and_the_cpe_accepts_it(college, web):
    event = _absence(college)
    parent = client_of(web, _guardian(college, AGATHE))
    page = f"/vie-scolaire/absences/{event['id']}"
    shown = text(parent.get(page))
    assert "Envoyer un justificatif" in shown and "À justifier" in shown
    assert "Régler l'absence" not in shown
    r = _post(parent, f"{page}/justificatif", {"text": "", "reason_code": "maladie"}, page)
    assert r.status_code == 400 and "obligatoire" in text(r)
    token = csrf_token(parent, page)
    r = parent.post(
        f"{page}/justificatif",
        data={
            "csrf_token": token,
            "text": "Fièvre, voir le certificat.",
            "reason_code": "maladie",
            "document": (io.BytesIO(PDF), "certificat.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    shown = text(parent.get(page))
    assert "En attente" in shown and "Fièvre, voir le certificat." in shown
    assert "Envoyer un justificatif" not in shown  # one at a time
    link = re.search(r'href="(/vie-scolaire/justificatifs/\d+/document)"', shown).group(1)
    doc = parent.get(link)
    assert doc.status_code == 200 and doc.data == PDF and doc.mimetype == "application/pdf"
    assert "attachment" not in doc.headers.get("Content-Disposition", "")
    assert "no-store" in doc.headers["Cache-Control"]
    # The student sees their absence, but neither excuses nor justifies it.
    student = client_of(web, AGATHE)
    assert "En attente" in text(student.get(page))
    assert student.get(link).status_code == 404
    token = csrf_token(student, page)
    excuse_id = int(link.split("/")[3])
    for path in (
        f"{page}/motif",
        f"/vie-scolaire/justificatifs/{excuse_id}",
        f"{page}/justificatif",
    ):
        assert (
            student.post(path, data={"csrf_token": token, "decision": "accept"}).status_code == 404
        )
    api = student.post(
        f"/api/v1/absences/{event['id']}/justify",
        json={"reason_code": "maladie"},
        headers={"X-CSRFToken": token},
    )
    assert api.status_code == 404
    # The CPE finds it among the excuses waiting, and accepts it.
    cpe = client_of(web, CPE)
    waiting = text(cpe.get("/vie-scolaire/absences?etat=justificatif&du=2026-11-01&au=2026-12-31"))
    assert f"/vie-scolaire/absences/{event['id']}" in waiting
    r = _post(cpe, f"/vie-scolaire/justificatifs/{excuse_id}", {"decision": "accept"}, page)
    assert r.status_code == 302
    after = text(parent.get(page))
    assert "Justifiée" in after and "Accepté" in after and "Maladie de l'enfant" in after
    assert events.get_event(college.conn, event["id"])["justified"]


def test_a_document_that_could_run_is_downloaded_never_shown(college, web):
    event = _absence(college)
    parent = client_of(web, _guardian(college, AGATHE))
    page = f"/vie-scolaire/absences/{event['id']}"
    token = csrf_token(parent, page)
    html = b"<html><script>alert(1)</script></html>"
    parent.post(
        f"{page}/justificatif",
        data={
            "csrf_token": token,
            "text": "voir pièce jointe",
            "document": (io.BytesIO(html), "note.pdf"),
        },
        content_type="multipart/form-data",
    )
    link = re.search(
        r'href="(/vie-scolaire/justificatifs/\d+/document)"', text(parent.get(page))
    ).group(1)
    doc = client_of(web, CPE).get(link)
    assert doc.status_code == 200 and doc.mimetype == "text/html"
    assert doc.headers["Content-Disposition"].startswith("attachment")


def test_the_cpe_settles_an_absence_and_the_office_lists_go_past_their_first_page(college, web):
    conn = college.conn
    cpe = client_of(web, CPE)
    # 55 pupils absent at one lesson each on Tuesday: 55 absences to settle.
    pupils = [
        r["login"]
        for r in conn.execute(
            "SELECT p.login FROM person p JOIN class_membership m ON m.person_id = p.id "
            "JOIN school_class c ON c.id = m.class_id WHERE c.code IN ('301', '4 A') "
            "ORDER BY p.login"
        )
    ][:55]
    first_301 = college.lesson(CLASS, TUESDAY, "08:10")
    first_4a = college.lesson("4 A", TUESDAY, "08:10")
    on_301 = {s["login"] for s in roll.get_roll(conn, first_301)["students"]}
    college.take(first_301, absent=[p for p in pupils if p in on_301])
    college.take(first_4a, absent=[p for p in pupils if p not in on_301])
    # page past its first: attendance/events.html
    listing = "/vie-scolaire/absences?du=2026-12-01&au=2026-12-01&etat=a_regler"
    page1, page2 = text(cpe.get(listing)), text(cpe.get(listing + "&page=2"))
    assert "55 absence(s) et retard(s)." in page1 and "Page 1 sur 2" in page1
    ids1 = set(re.findall(r"/vie-scolaire/absences/(\d+)", page1))
    ids2 = set(re.findall(r"/vie-scolaire/absences/(\d+)", page2))
    assert len(ids1) == 50 and len(ids2) == 5 and not ids1 & ids2
    some = int(sorted(ids2)[0])
    page = f"/vie-scolaire/absences/{some}"
    r = _post(
        cpe,
        f"{page}/motif",
        {
            "reason_code": "transport",
            "justified": "1",
            "comment": "Bus en panne (appel du transporteur).",
        },
        page,
    )
    assert r.status_code == 302
    assert "54 absence(s)" in text(cpe.get(listing))
    r = _post(cpe, f"{page}/motif", {"reason_code": "", "justified": "1"}, page)
    assert r.status_code == 400 and "a un motif" in text(r)
    # Appels non faits of Tuesday: every lesson but the two taken, 50 a page.
    # page past its first: attendance/missing.html
    day = TUESDAY.isoformat()
    total = conn.execute("SELECT count(*) FROM lesson WHERE date = ?", (day,)).fetchone()[0]
    for _n in range(60 - total + 2):  # enough lessons for two pages
        conn.execute(
            "INSERT INTO lesson (date, start_time, end_time, audience_kind, audience_code, "
            "class_id, origin) SELECT ?, '07:00', '07:30', 'class', code, id, 'manual' "
            "FROM school_class WHERE code = ?",
            (day, CLASS),
        )
    missing1 = text(cpe.get(f"/vie-scolaire/appels-non-faits?jour={day}"))
    missing2 = text(cpe.get(f"/vie-scolaire/appels-non-faits?jour={day}&page=2"))
    assert "60 cours." in missing1 and "Page 1 sur 2" in missing1
    assert missing1.count("Faire l'appel") == 50 and missing2.count("Faire l'appel") == 10
    # Planned absences, 50 a page. page past its first: attendance/planned.html
    for login in pupils:
        planned.create(
            conn,
            student_id=college.person(login)["id"],
            kind="trip",
            first=date.today() + timedelta(days=3),
            actor=college.actor(CPE),
        )
    p1, p2 = (
        text(cpe.get("/vie-scolaire/absences-prevues")),
        text(cpe.get("/vie-scolaire/absences-prevues?page=2")),
    )
    assert "55 absence(s) prévue(s)." in p1 and p1.count("Supprimer</button>") == 50
    assert p2.count("Supprimer</button>") == 5


def test_a_students_page_and_its_pages_of_events(college, web):
    # 25 late arrivals of Agathe over the autumn: 20 a page, the newest first.
    # page past its first: attendance/student.html
    lessons = [
        r["id"]
        for r in college.conn.execute(
            "SELECT id FROM lesson WHERE audience_code = ? "
            "AND date BETWEEN '2026-11-02' AND '2026-12-18' ORDER BY date, start_time LIMIT 25",
            (CLASS,),
        )
    ]
    for lesson_id in lessons:
        college.take(roll.lesson_target(college.conn, lesson_id), late={AGATHE: 3})
    parent = client_of(web, _guardian(college, AGATHE))
    agathe = college.person(AGATHE)["id"]
    url = f"/vie-scolaire/eleves/{agathe}"
    p1, p2 = text(parent.get(url + "?mois=2026-11")), text(parent.get(url + "?mois=2026-11&page=2"))
    assert "25 absence(s) et retard(s) cette année." in p1 and "Page 1 sur 2" in p1
    assert p1.count('class="event-item"') == 20 and p2.count('class="event-item"') == 5
    assert "Le mois 11/2026" in p1 and "Prévoir une absence" not in p1
    november = len(
        [
            i
            for i in lessons
            if college.conn.execute("SELECT date FROM lesson WHERE id = ?", (i,)).fetchone()[0]
            < "2026-12-01"
        ]
    )
    assert re.search(rf"Retards</dt><dd>{november} \({november * 3} min en tout\)", p1)
    head = client_of(web, HEAD)  # the head teacher of 301
    assert head.get(url).status_code == 200
    assert client_of(web, "aurelie.pichon").get(url).status_code == 404  # heads 6 A
    assert client_of(web, "pascal.barre").get(url).status_code == 404  # teaches, heads nothing


def test_the_reasons_and_planned_absences_pages(college, web):
    cpe = client_of(web, CPE)
    r = _post(
        cpe,
        "/vie-scolaire/motifs",
        {"label": "Journée défense et citoyenneté", "admissible": "1"},
        "/vie-scolaire/motifs",
    )
    assert r.status_code == 302
    page = text(cpe.get("/vie-scolaire/motifs"))
    assert "Motif « Journée défense et citoyenneté » ajouté." in page
    r = _post(cpe, "/vie-scolaire/motifs/maladie", {"label": "Maladie"}, "/vie-scolaire/motifs")
    assert r.status_code == 400 and "motif de la loi" in text(r)
    r = _post(
        cpe,
        "/vie-scolaire/motifs/maladie",
        {"label": "Maladie de l'élève", "admissible": "1", "active": "1"},
        "/vie-scolaire/motifs",
    )
    assert r.status_code == 302
    assert client_of(web, AGATHE).get("/vie-scolaire/motifs").status_code == 403
    assert client_of(web, HEAD).get("/vie-scolaire/motifs").status_code == 403
    r = _post(
        cpe,
        "/vie-scolaire/absences-prevues",
        {"login": "personne", "kind": "trip", "first": "2026-12-08"},
        "/vie-scolaire/absences-prevues",
    )
    assert r.status_code == 400 and "personne" in text(r)
    lesson = today_lesson(college)
    r = _post(
        cpe,
        "/vie-scolaire/absences-prevues",
        {
            "login": AGATHE,
            "kind": "trip",
            "first": lesson["date"],
            "start": "08:00",
            "end": "12:00",
        },
        "/vie-scolaire/absences-prevues",
    )
    assert r.status_code == 302
    agathe = college.person(AGATHE)["id"]
    [trip] = planned.for_student(college.conn, agathe, date.fromisoformat(lesson["date"]))
    assert (trip["kind"], trip["start_time"], trip["reason_code"]) == (
        "trip",
        "08:00",
        "sortie_scolaire",
    )
    prefilled = text(client_of(web, "pascal.barre").get(f"/vie-scolaire/appel/{lesson['id']}"))
    assert f'id="s{agathe}-absent" name="status-{agathe}" value="absent" checked' in prefilled
    assert "Absence prévue : Sortie ou voyage scolaire" in prefilled
    r = _post(
        cpe,
        f"/vie-scolaire/absences-prevues/{trip['id']}/supprimer",
        {},
        "/vie-scolaire/absences-prevues",
    )
    assert r.status_code == 302
    assert planned.for_student(college.conn, agathe, date.fromisoformat(lesson["date"])) == []


def test_the_signalements_past_their_first_page(college, web):
    """Two classes away two whole days: 58 alerts, 50 a page (and the API's cursor). Three
    pupils of 4 A are in no group and have no lesson on Thursday afternoon: three complete
    half-days, no alert (a half-day without a lesson is not missed)."""
    # page past its first: attendance/alerts.html
    conn = college.conn
    pupils = {
        r["id"]: r["login"]
        for r in conn.execute(
            "SELECT p.id, p.login FROM person p JOIN class_membership m ON m.person_id = p.id "
            "JOIN school_class c ON c.id = m.class_id WHERE c.code IN ('301', '4 A')"
        )
    }
    assert len(pupils) == 61
    for day in ("2026-12-01", "2026-12-03"):
        for (lesson_id,) in conn.execute(
            "SELECT id FROM lesson WHERE date = ? AND status != 'cancelled' AND (class_id IN "
            "(SELECT id FROM school_class WHERE code IN ('301', '4 A')) OR group_id IN "
            "(SELECT group_id FROM group_membership WHERE person_id IN "
            "(SELECT person_id FROM class_membership m JOIN school_class c ON c.id = m.class_id "
            "WHERE c.code IN ('301', '4 A'))))",
            (day,),
        ).fetchall():
            lesson = roll.lesson_target(conn, lesson_id)
            on_list = [s["login"] for s in roll.get_roll(conn, lesson)["students"]]
            college.take(lesson, absent=[p for p in on_list if p in pupils.values()])
    cpe = client_of(web, CPE)
    p1 = text(cpe.get("/vie-scolaire/signalements?mois=2026-12"))
    p2 = text(cpe.get("/vie-scolaire/signalements?mois=2026-12&page=2"))
    without_thursday_afternoon = {"yasmine.simon", "timeo.marie", "noemie.jacquet"}
    alerted = {pid for pid, login in pupils.items() if login not in without_thursday_afternoon}
    assert "58 élève(s)." in p1 and "Page 1 sur 2" in p1
    first = re.findall(r"/vie-scolaire/eleves/(\d+)\?mois=2026-12", p1)
    second = re.findall(r"/vie-scolaire/eleves/(\d+)\?mois=2026-12", p2)
    assert len(first) == 50 and len(second) == 8 and not set(first) & set(second)
    assert {int(x) for x in first + second} == alerted
    # The head teacher of 301 sees 301's only.
    head = text(client_of(web, HEAD).get("/vie-scolaire/signalements?mois=2026-12"))
    assert "31 élève(s)." in head and "Vos classes : 301" in head
    # The API, page by page.
    token = csrf_token(cpe, "/vie-scolaire")
    seen, cursor = [], None
    while True:
        url = "/api/v1/attendance/alerts?month=2026-12&limit=40" + (
            f"&cursor={cursor}" if cursor else ""
        )
        answer = cpe.get(url, headers={"X-CSRFToken": token}).get_json()
        seen += [a["login"] for a in answer["items"]]
        cursor = answer.get("next")
        if not cursor:
            break
    assert sorted(seen) == sorted(pupils[pid] for pid in alerted) and len(seen) == 58
