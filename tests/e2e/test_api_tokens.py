"""A teacher makes an API token on Mon compte from a phone, a script uses it against the
real server, then the teacher revokes it (#11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

TEACHER_PASSWORD = "le cahier de textes du mardi"


def _me(url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (our server)
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_a_teacher_makes_uses_and_revokes_a_token_on_a_phone(server, browser, tmp_path):
    url, paths = server
    pw = tmp_path / "teacher.pw"
    pw.write_text(TEACHER_PASSWORD + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    subprocess.run(
        [sys.executable, "-m", "appliance", "--config", str(paths["config"]),
         "--data-dir", str(paths["data"]), "user", "add", "marie.curie", "--profile",
         "teacher", "--first-name", "Marie", "--last-name", "Curie", "--password-file", str(pw)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip
    context = browser.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(url + "/login")
        page.get_by_label("Identifiant").fill("marie.curie")
        page.get_by_label("Mot de passe").fill(TEACHER_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Se connecter").click()
        with page.expect_navigation():
            page.get_by_role("link", name="Mon compte").first.click()
        with page.expect_navigation():
            page.get_by_role("link", name="Jetons d'accès à l'API").click()
        page.get_by_label("Nom du jeton").fill("Agenda du téléphone")
        page.get_by_label("Valable").select_option("30")
        page.get_by_label("Votre mot de passe").fill(TEACHER_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Créer le jeton").click()
        token = page.locator("#new-token").inner_text().strip()
        assert token.startswith("cartable_")
        # The long token wraps: nothing sticks out of a phone's screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(tmp_path / "tokens-phone.png"), full_page=True)

        status, me = _me(url, token)
        assert status == 200 and (me["login"], me["profile"]) == ("marie.curie", "teacher")

        page.reload()
        assert page.locator("#new-token").count() == 0  # shown once
        assert "Agenda du téléphone" in page.locator("main").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Révoquer").click()
        assert "est révoqué" in page.locator("main").inner_text()
        status, refused = _me(url, token)
        assert status == 401 and refused["error"]["code"] == "bad_token"
    finally:
        context.close()
