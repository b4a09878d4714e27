"""Devoirs à rendre in a real browser against a real server: the teacher hands out a work
with its file, two students hand in on phone-sized windows (the second after the due time:
late), the teacher follows who handed in, who is late, and downloads the ZIP whose folders
are the students' names."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from appliance import config as config_mod
from appliance.core import open_box
from appliance.schoollife.year import local_today
from tests.diary_school import build

PHONE = {"width": 390, "height": 844}


def _school(paths):
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    conn = box.conn()
    school = build(conn, local_today())
    conn.close()
    return school


def _login(page, url, person):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(person.login)
    page.get_by_label("Mot de passe").fill(person.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_contain_text("Bonjour")


def _fits(page):
    """Nothing wider than the phone's screen (no sideways scrolling)."""
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def _phone(browser):
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    return context, context.new_page()


def _hand_in(browser, url, student, title, tmp_path, name, content, *, late=False):
    context, phone = _phone(browser)
    try:
        _login(phone, url, student)
        with phone.expect_navigation():
            phone.get_by_role("link", name="Devoirs à rendre").first.click()
        expect(phone.locator("h1")).to_have_text("Devoirs à rendre")
        _fits(phone)
        with phone.expect_navigation():
            phone.get_by_role("link", name=title).click()
        if late:
            expect(phone.locator("#file-help")).to_contain_text("sera marqué en retard")
        path = tmp_path / name
        path.write_bytes(content)
        phone.get_by_label("Mes fichiers").set_input_files(str(path))
        _fits(phone)
        with phone.expect_navigation():
            phone.get_by_role("button", name="Rendre le devoir").click()
        expect(phone.locator(".notice-success")).to_contain_text("Devoir rendu")
        expect(phone.locator("#handed-at")).to_contain_text("Rendu le ")
        if late:
            expect(phone.locator("#handed-at")).to_contain_text("en retard")
        expect(phone.locator("#handed-files")).to_contain_text(name)
        _fits(phone)
    finally:
        context.close()


def test_teacher_hands_out_two_students_hand_in_one_late_the_zip_has_their_folders(
    server, page, browser, tmp_path
):
    url, paths = server
    school = _school(paths)
    title = "Exposé sur Pythagore"

    # The teacher hands out the work, with its instructions and a file.
    _login(page, url, school["maths"])
    with page.expect_navigation():
        page.get_by_role("link", name="Devoirs à rendre").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Donner un devoir à rendre").click()
    page.get_by_label("Classe ou groupe, matière").select_option(label="5A · Mathématiques")
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Consignes").fill("Deux pages, avec une figure.")
    due = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d")
    page.get_by_label("À rendre au plus tard le").fill(due)
    page.get_by_label("à (heure)").fill("18:00")
    page.get_by_label("Accepter les rendus en retard").check()
    sujet = tmp_path / "sujet.pdf"
    sujet.write_bytes(b"%PDF-1.4\n% le sujet\n%%EOF\n")
    page.get_by_label("Fichiers joints").set_input_files(str(sujet))
    with page.expect_navigation():
        page.get_by_role("button", name="Donner le devoir").click()
    expect(page.locator(".notice-success")).to_contain_text("Devoir donné à 5A")
    expect(page.locator("h1")).to_have_text(title)
    work_url = page.url

    # Léa hands in on time, on her phone.
    _hand_in(browser, url, school["lea"], title, tmp_path, "copie-lea.pdf", b"%PDF-1.4 Lea")

    # The due time passes (as time would); Noah hands in late, on his phone.
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    conn = box.conn()
    past = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    conn.execute("UPDATE assignment SET due_at = ? WHERE title = ?", (past, title))
    conn.close()
    _hand_in(browser, url, school["noah"], title, tmp_path, "copie-noah.txt", b"Noah",
             late=True)  # fmt: skip

    # The teacher follows: two handed in, one late; then downloads the ZIP.
    page.goto(work_url)
    expect(page.locator("#summary")).to_contain_text("2 rendu(s) sur 2 élève(s)")
    expect(page.locator("#summary")).to_contain_text("1 en retard")
    expect(page.locator(f'tr[data-login="{school["noah"].login}"]')).to_contain_text("en retard")
    expect(page.locator(f'tr[data-login="{school["lea"].login}"]')).to_contain_text("Rendu")
    with page.expect_download() as got:
        page.get_by_role("link", name="Télécharger tous les rendus (ZIP)").click()
    data = got.value.path().read_bytes()
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == ["BENALI Noah/copie-noah.txt", "MARTIN Léa/copie-lea.pdf"]
    assert zipfile.ZipFile(io.BytesIO(data)).read("MARTIN Léa/copie-lea.pdf") == b"%PDF-1.4 Lea"
