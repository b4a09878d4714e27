"""The journeys a person makes, in a real browser against a real server."""

import re

import pyotp

from tests.e2e.conftest import ADMIN_PASSWORD


def _login(page, url, login, password):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    _submit(page, "Se connecter")


def _submit(page, button):
    """Click a form button and wait for the next page to be loaded."""
    with page.expect_navigation():
        page.get_by_role("button", name=button).first.click()


def test_technician_enrols_totp_creates_a_student_who_then_logs_in(server, page, tmp_path):
    url, _paths = server
    _login(page, url, "tech", ADMIN_PASSWORD)
    # First login of an admin: TOTP enrolment is required before anything else.
    assert page.url.endswith("/compte/double-authentification")
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 0
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    _submit(page, "Activer")
    # Ten single-use recovery codes are shown once, then the technician goes on.
    assert page.locator("code.recovery-code").count() == 10
    with page.expect_navigation():
        page.get_by_role("link", name="J'ai noté mes codes : continuer").click()
    assert page.locator("h1").inner_text().startswith("Bonjour")
    page.screenshot(path=str(tmp_path / "admin-home.png"))

    with page.expect_navigation():
        page.get_by_role("link", name="Administration").first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_label("Profil").select_option("student")
    page.get_by_label("Prénom").fill("Zoë")
    page.get_by_label("Nom", exact=True).fill("Lefèvre")
    page.get_by_label("Identifiant").fill("zoe.lefevre")
    _submit(page, "Créer")
    initial = page.locator("#initial-password").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", initial)
    _submit(page, "Se déconnecter")
    assert page.url.endswith("/login")

    # The student logs in with the initial password and must choose their own.
    _login(page, url, "zoe.lefevre", initial)
    assert page.url.endswith("/compte/mot-de-passe")
    page.get_by_label("Mot de passe actuel", exact=True).fill(initial)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("ma licorne mange des crêpes")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("ma licorne mange des crêpes")
    _submit(page, "Enregistrer")
    assert page.locator("h1").inner_text() == "Bonjour Zoë"
    body = page.locator("main").inner_text()
    assert "Collège Navigateur" in body and "Cahier de textes" in body
    page.screenshot(path=str(tmp_path / "student-home.png"))


def test_five_wrong_passwords_show_the_throttling_message(server, page):
    url, _paths = server
    for _ in range(5):
        _login(page, url, "tech", "ce n'est pas le bon")
    message = page.locator("#login-error").inner_text()
    assert "Trop d'essais" in message and "attendez" in message


def test_keyboard_only_login_and_skip_link(server, page):
    url, _paths = server
    page.goto(url + "/accessibilite")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Aller au contenu" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    page.goto(url + "/login")  # the login field has the focus on arrival
    page.wait_for_function("document.activeElement && document.activeElement.id === 'login'")
    page.keyboard.type("tech")
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/compte/double-authentification")


def test_readable_on_a_phone(server, browser):
    url, _paths = server
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR")
    page = context.new_page()
    page.goto(url + "/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    context.close()
