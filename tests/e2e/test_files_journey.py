"""Documents in a real browser against a real server: a teacher makes a folder, uploads a
file into it and into the class folder, downloads it back; a student, on a phone-sized
window, uploads into their own space and downloads the teacher's sheet from the class
folder. Plain forms: nothing needs JavaScript."""

from __future__ import annotations

from playwright.sync_api import expect

from appliance import config as config_mod
from appliance.core import open_box
from appliance.schoollife.year import local_today
from tests.diary_school import build

PHONE = {"width": 390, "height": 844}
SHEET = b"%PDF-1.4\n% fiche d'exercices\n%%EOF\n"


def _school(paths):
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    school = build(box.conn(), local_today())
    box.conn().close()
    return school


def _login(page, url, person):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(person.login)
    page.get_by_label("Mot de passe").fill(person.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_contain_text("Bonjour")


def _fits(page):
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def _upload(page, name: str, data: bytes, mime: str = "application/pdf"):
    page.get_by_label("Déposer des fichiers").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.locator(".notice-success")).to_contain_text(f"« {name} » déposé")


def test_upload_folder_download_on_a_pc_and_a_phone(server, browser, tmp_path):
    url, paths = server
    school = _school(paths)

    # The teacher on a PC: a folder of their own, a file in it, the class folder.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    _login(page, url, school["maths"])
    with page.expect_navigation():
        page.get_by_role("link", name="Mes documents").first.click()
    expect(page.locator("h1")).to_have_text("Mes documents")
    expect(page.locator("#quota")).to_contain_text("sur 10 Go")
    page.get_by_label("Nouveau dossier").fill("Cours de 5A")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer le dossier").click()
    with page.expect_navigation():
        page.get_by_role("link", name="📁 Cours de 5A").click()
    expect(page.locator("h1")).to_have_text("Cours de 5A")
    _upload(page, "fiche 1.pdf", SHEET)
    with page.expect_download() as got:
        page.get_by_role("link", name="fiche 1.pdf", exact=True).click()
    saved = tmp_path / "fiche.pdf"
    got.value.save_as(saved)
    assert saved.read_bytes() == SHEET
    with page.expect_navigation():
        page.get_by_role("link", name="Classes et groupes").click()
    with page.expect_navigation():
        page.get_by_role("link", name="5A").first.click()
    expect(page.locator("h1")).to_have_text("Dossier de 5A")
    _upload(page, "exercices.pdf", SHEET + b"% 5A\n")
    context.close()

    # A student on a phone: their own space, then the class folder.
    phone = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    _login(page, url, school["lea"])
    with page.expect_navigation():
        page.get_by_role("link", name="Mes documents").first.click()
    expect(page.locator("#quota")).to_contain_text("sur 1 Go")
    _fits(page)
    _upload(page, "exposé.txt", "Les planètes\n".encode(), "text/plain")
    expect(page.locator("#files")).to_contain_text("exposé.txt")
    _fits(page)
    with page.expect_navigation():
        page.get_by_role("link", name="Classes et groupes").click()
    with page.expect_navigation():
        page.get_by_role("link", name="5A").first.click()
    expect(page.locator("#upload-form")).to_have_count(0)  # students read the class folder
    with page.expect_download() as got:
        page.get_by_role("link", name="exercices.pdf", exact=True).click()
    got.value.save_as(tmp_path / "exercices.pdf")
    assert (tmp_path / "exercices.pdf").read_bytes() == SHEET + b"% 5A\n"
    _fits(page)
    phone.close()
