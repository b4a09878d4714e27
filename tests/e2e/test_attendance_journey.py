"""The roll call's journey in Chromium (#13): a teacher takes the roll call on a phone in
class, the parent is notified, opens the absence and sends an excuse with a document, the
CPE accepts it, and the parent reads that it is justified. A real `cartable serve`, a real browser,
no JavaScript on the pages."""

from __future__ import annotations

from playwright.sync_api import expect

from appliance import config as config_mod
from appliance.core import open_box
from appliance.directory import people
from appliance.schoollife.attendance import common

PASSWORD = "un appel dans la cour du collège"
PHONE = {"width": 360, "height": 740}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def _school(paths) -> None:
    """A class 5A of three pupils, their Français teacher, a parent, the CPE, and a lesson
    of 5A this morning (today, in the school's zone)."""
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    conn = box.conn()
    ids = {}
    for login, profile, first, last, function in (
        ("victor.hugo", "teacher", "Victor", "Hugo", None),
        ("nadia.cpe", "staff", "Nadia", "Moreau", "CPE"),
        ("karim.benali", "relative", "Karim", "Benali", None),
        ("noah.benali", "student", "Noah", "Benali", None),
        ("lea.martin", "student", "Léa", "Martin", None),
        ("zoe.lefevre", "student", "Zoë", "Lefèvre", None),
    ):
        ids[login] = people.create_person(
            conn, login=login, profile=profile, first_name=first, last_name=last,
            password=PASSWORD, check_rules=False, function=function,
        )  # fmt: skip
    class_id = conn.execute("INSERT INTO school_class (code, name) VALUES ('5A', '5A')").lastrowid
    for pupil in ("noah.benali", "lea.martin", "zoe.lefevre"):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids[pupil], class_id))
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
        (ids["karim.benali"], ids["noah.benali"]),
    )
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, head_teacher) VALUES (?, ?, 1)",
        (ids["victor.hugo"], class_id),
    )
    lesson = conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
        "audience_kind, audience_code, class_id, room, status, origin) VALUES "
        "(?, '08:00', '08:55', 'L0202', 'Français', 'class', '5A', ?, '101', 'added', 'manual')",
        (common.today().isoformat(), class_id),
    ).lastrowid
    conn.execute("INSERT INTO lesson_teacher VALUES (?, ?)", (lesson, ids["victor.hugo"]))
    conn.close()


def _login(page, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def _click(page, role: str, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role(role, name=name).first.click()


def test_roll_call_absence_excuse_accepted(server, browser, tmp_path):
    url, paths = server
    _school(paths)

    # 08:05, in class: the teacher takes the roll call on a phone.
    phone = browser.new_context(locale="fr-FR", viewport=PHONE, java_script_enabled=False)
    teacher = phone.new_page()
    try:
        _login(teacher, url, "victor.hugo")
        _click(teacher, "link", "Vie scolaire")
        expect(teacher.locator("#my-lessons")).to_contain_text("Appel à faire")
        _click(teacher, "link", "Faire l'appel")
        assert teacher.locator(".roll-student").count() == 3
        noah = teacher.get_by_role("group", name="Benali Noah")
        noah.get_by_text("Absent", exact=True).click()
        zoe = teacher.get_by_role("group", name="Lefèvre Zoë")
        zoe.get_by_text("Retard", exact=True).click()
        zoe.get_by_label("Minutes de retard").fill("10")
        # Nothing sticks out of the phone's screen.
        assert teacher.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        teacher.screenshot(path=str(tmp_path / "roll-call-phone.png"), full_page=True)
        _click(teacher, "button", "Enregistrer l'appel")
        expect(teacher.locator("main")).to_contain_text(
            "Appel enregistré : 1 absent(s), 1 retard(s)."
        )
        expect(teacher.locator("#roll-taken")).to_contain_text("Appel fait le")
        assert (
            teacher.get_by_role("group", name="Benali Noah")
            .get_by_role("radio", name="Absent")
            .is_checked()
        )
    finally:
        phone.close()

    # The parent, on a phone too, is notified: the notification leads to the absence.
    phone = browser.new_context(locale="fr-FR", viewport=PHONE)
    parent = phone.new_page()
    try:
        _login(parent, url, "karim.benali")
        expect(parent.locator(".notif-link")).to_contain_text("1")
        _click(parent, "link", "Notifications")
        entry = parent.locator(".timeline-entry").first
        expect(entry).to_contain_text("Noah Benali : absence au cours de 08:00 le")
        expect(entry).to_contain_text("Vous pouvez envoyer un justificatif.")
        with parent.expect_navigation():
            entry.get_by_role("link").click()
        expect(parent.locator("h1")).to_contain_text("Absence du")
        expect(parent.locator("#event-state")).to_contain_text("À justifier")
        parent.get_by_label("Motif").select_option("maladie")
        parent.get_by_label("Explication").fill("Noah avait de la fièvre, voir le certificat.")
        document = tmp_path / "certificat.pdf"
        document.write_bytes(PDF)
        parent.get_by_label("Document (facultatif").set_input_files(str(document))
        _click(parent, "button", "Envoyer le justificatif")
        expect(parent.locator("main")).to_contain_text("Justificatif envoyé")
        expect(parent.locator(".excuse")).to_contain_text("En attente")
        assert parent.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        phone.close()

    # The CPE, at her desk: the excuse waits; she accepts it.
    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
    cpe = desk.new_page()
    try:
        _login(cpe, url, "nadia.cpe")
        _click(cpe, "link", "Vie scolaire")
        expect(cpe.locator("#office-counts")).to_contain_text("1 justificatif(s) en attente")
        _click(cpe, "link", "1 justificatif(s) en attente")
        _click(cpe, "link", "Benali Noah")
        expect(cpe.locator(".excuse")).to_contain_text("Noah avait de la fièvre")
        link = cpe.get_by_role("link", name="Document joint : certificat.pdf")
        answer = cpe.request.get(url + link.get_attribute("href"))
        assert answer.status == 200 and answer.body() == PDF
        assert answer.headers["content-type"] == "application/pdf"
        _click(cpe, "button", "Accepter le justificatif")
        expect(cpe.locator("main")).to_contain_text("Justificatif accepté")
        expect(cpe.locator("#event-state")).to_contain_text("Justifiée")
    finally:
        desk.close()

    phone = browser.new_context(locale="fr-FR", viewport=PHONE)
    parent = phone.new_page()
    try:
        _login(parent, url, "karim.benali")
        _click(parent, "link", "Vie scolaire")
        expect(parent.locator("h1")).to_have_text("Absences et retards de Noah Benali")
        expect(parent.locator("#student-events")).to_contain_text("Justifiée")
        expect(parent.locator("#student-events")).to_contain_text("Maladie de l'enfant")
    finally:
        phone.close()
