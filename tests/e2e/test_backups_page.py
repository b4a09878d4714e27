"""The technician's backups page in a real browser against a real server, a real worker
(which runs the queued backup) and a real borg: run a backup now, follow it, browse the
archive, restore a file beside the current one, download the key sheet and confirm it is
in the safe."""

import os
import subprocess
import sys
import time

from tests.e2e.conftest import ADMIN_PASSWORD, enrol_totp
from tests.fixtures.backup.support import requires_borg

pytestmark = requires_borg


def _cartable(paths, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    cmd = [sys.executable, "-m", "appliance", "--config", str(paths["config"]),
           "--data-dir", str(paths["data"]), *args]  # fmt: skip
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=120)


def test_technician_backs_up_browses_restores_and_confirms_the_key_sheet(
    server, worker, page, tmp_path
):
    url, paths = server
    folder = paths["data"] / "files" / "people" / "1"
    folder.mkdir(parents=True)
    (folder / "bulletin.txt").write_text("Premier trimestre\n")
    _cartable(paths, "backup", "init", "--label", "local", "--repo", str(tmp_path / "depot"))

    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill("tech")
    page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    enrol_totp(page)

    page.get_by_role("link", name="Sauvegardes").first.click()
    assert page.url.endswith("/admin/sauvegardes/")
    assert "Fiche de clé non confirmée" in page.locator("main").inner_text()
    page.get_by_role("button", name="Sauvegarder maintenant (tous les dépôts)").click()
    assert page.locator(".notice-success", has_text="Sauvegarde lancée").count() == 1
    deadline = time.monotonic() + 90
    while "terminée" not in page.locator("main").inner_text():
        assert time.monotonic() < deadline, page.locator("main").inner_text()
        time.sleep(0.5)
        page.goto(url + "/admin/sauvegardes/")
    history = page.locator("table", has_text="Historique").inner_text()
    assert "Sauvegarde" in history and "Réussi" in history

    page.get_by_role("link", name="Archives, parcourir et restaurer").click()
    page.get_by_role("link", name="Parcourir cartable-").first.click()
    page.get_by_role("link", name="files/").click()
    page.get_by_role("link", name="people/").click()
    page.get_by_role("link", name="1/").click()
    (folder / "bulletin.txt").write_text("abîmé\n")
    page.get_by_role("button", name="Restaurer bulletin.txt à côté").click()
    assert page.locator(".notice-success", has_text="rien n'a été écrasé").count() == 1
    restored = list((paths["data"] / "files").glob("restauration-*/files/people/1/bulletin.txt"))
    assert [p.read_text() for p in restored] == ["Premier trimestre\n"]
    assert (folder / "bulletin.txt").read_text() == "abîmé\n"
    page.screenshot(path=str(tmp_path / "browse.png"), full_page=True)

    page.get_by_role("link", name="Sauvegardes").first.click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger la fiche de clé (PDF)").click()
    pdf = tmp_path / "fiche.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    page.get_by_role("button", name="J'ai imprimé la fiche et je l'ai rangée au coffre").click()
    assert page.locator(".notice-success", has_text="notée comme rangée au coffre").count() == 1
    assert "Fiche de clé non confirmée" not in page.locator("main").inner_text()
    page.screenshot(path=str(tmp_path / "backups.png"), full_page=True)
