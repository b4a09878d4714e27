"""The technician imports the school from SIECLE and STS, prints the slips, and a
student from them logs in: in a real browser against a real server and a real
`cartable worker`, which runs the preview, the apply and the slips PDF (#10) while the
pages follow them, reloading themselves."""

from __future__ import annotations

import re
import subprocess

import pyotp
from playwright.sync_api import expect

from tests.conftest import SAMPLES
from tests.e2e.conftest import ADMIN_PASSWORD
from tests.fixtures.tools import needs
from tests.integration.directory.directory_helpers import sample

SHARED = SAMPLES
JOB_WAIT_MS = 60_000  # the worker looks every 2 s, the page reloads every 2 s


def _login(page, url, login, password):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def _first_student_slip(pdf_path) -> tuple[str, str]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    lines = out.splitlines()
    assert "Élèves" in out
    i = next(n for n, line in enumerate(lines) if line.strip().startswith("Identifiant"))
    j = next(n for n, line in enumerate(lines) if line.strip().startswith("Mot de passe provis"))
    return lines[i + 1].split()[0], lines[j + 1].split()[0]


@needs("pdftotext", "poppler-utils")
def test_technician_imports_prints_slips_and_a_student_logs_in(server, worker, page, tmp_path):
    url, _paths = server
    _login(page, url, "tech", ADMIN_PASSWORD)
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("code.recovery-code")).to_have_count(10)
    page.get_by_role("link", name="J'ai noté mes codes : continuer").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Bonjour"))

    # The sample exports belong to school 0679999X: the technician sets that UAI first.
    page.get_by_role("link", name="Administration").first.click()
    page.get_by_role("link", name="Réglages").click()
    page.get_by_label("UAI").fill("0679999X")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("status")).to_contain_text("Réglages enregistrés")

    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Fichiers d'import").set_input_files([str(p) for p in sample(SHARED)])
    page.get_by_role("button", name="Voir l'aperçu").click()
    # The job's page, until the worker has made the plan; then the preview.
    expect(page.locator("h1")).to_have_text(re.compile(r"^2\. Lire l'aperçu"), timeout=JOB_WAIT_MS)
    counts = page.locator("table.counts")
    assert "114" in counts.locator("tr", has_text="Élève").inner_text()
    assert page.locator("#problems").get_by_text("Avertissement").count() > 0
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)
    page.get_by_role("button", name="Appliquer l'import").click()
    expect(page.locator("main")).to_contain_text("Import n° 1 appliqué", timeout=JOB_WAIT_MS)

    page.get_by_role("button", name="Télécharger les fiches de connexion (PDF)").click()
    ready = page.get_by_role("link", name="Télécharger les fiches (PDF)")
    expect(ready).to_be_visible(timeout=JOB_WAIT_MS)
    page.screenshot(path=str(tmp_path / "slips-ready.png"), full_page=True)
    with page.expect_download() as info:
        ready.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = tmp_path / "fiches.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    login, password = _first_student_slip(pdf)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r".*/login$"))

    _login(page, url, login, password)
    page.wait_for_url(re.compile(r".*/compte/mot-de-passe$"))
    page.get_by_label("Mot de passe actuel", exact=True).fill(password)
    page.get_by_label("Nouveau mot de passe", exact=True).fill("le collège en pyjama rose")
    page.get_by_label("Confirmez le nouveau mot de passe").fill("le collège en pyjama rose")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Bonjour"))
    page.get_by_role("link", name="Annuaire").click()
    expect(page.locator("main")).to_contain_text("Mes professeurs")
