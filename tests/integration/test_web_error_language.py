"""Errors raised by the services read in the page's language: French by default, English
when the person chose English (the `/lang` form, kept in the session)."""

from __future__ import annotations

import shutil

from appliance import backups, jobrunner
from appliance.security.audit import SYSTEM
from tests.conftest import csrf_token, login_admin, post, text
from tests.fixtures.backup.support import requires_borg
from tests.integration.directory.directory_helpers import MESSY


def _english(client) -> None:
    token = csrf_token(client, "/")
    client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/"})


def _upload(client, path):
    token = csrf_token(client, "/annuaire/imports")
    data = {"csrf_token": token, "files": [(path.open("rb"), path.name)]}
    return client.post("/annuaire/imports", data=data, content_type="multipart/form-data")


def test_an_import_of_another_school_reads_in_the_ui_language(client, box, conn):
    login_admin(client, conn)
    job_url = _upload(client, MESSY / "eleves_other_uai.xml").headers["Location"]
    jobrunner.run_pending(box)  # the worker plans the upload (#10); its page sends on
    preview_url = client.get(job_url).headers["Location"]
    french = (
        "Ce fichier est celui de l'établissement 0751234A, pas du vôtre (0679999X) : il a été "
        "exporté pour un autre établissement."
    )
    english = (
        "This file belongs to the school 0751234A, not yours (0679999X): it was exported for "
        "another school."
    )
    page = text(client.get(preview_url))
    assert french in page and english not in page
    _english(client)
    page = text(client.get(preview_url))
    assert english in page and french not in page
    # An upload refused before any preview (a CartableError of the service) too.
    r = client.post(
        "/annuaire/imports", data={"csrf_token": csrf_token(client, "/annuaire/imports")}
    )
    assert r.status_code == 400
    assert "No file received: choose at least one export file" in text(r)
    assert "Aucun fichier reçu" not in text(r)


def test_a_settings_error_reads_in_the_ui_language(client, conn):
    login_admin(client, conn)
    form = {"name": "Collège Test", "uai": "12"}
    r = post(client, "/admin/reglages", form, token_from="/admin/reglages")
    assert r.status_code == 400
    assert "UAI « 12 » invalide : il faut 7 chiffres suivis d'une lettre" in text(r)
    _english(client)
    r = post(client, "/admin/reglages", form, token_from="/admin/reglages")
    assert r.status_code == 400
    assert "Invalid UAI « 12 »: 7 digits followed by a letter are needed" in text(r)
    assert "invalide" not in text(r)


def test_a_backup_error_reads_in_the_ui_language(client, conn):
    login_admin(client, conn)
    r = client.get("/admin/sauvegardes/archives?depot=inconnu", follow_redirects=True)
    assert "Aucun dépôt n'a l'étiquette « inconnu » (dépôts connus : aucun)." in text(r)
    _english(client)
    r = client.get("/admin/sauvegardes/archives?depot=inconnu", follow_redirects=True)
    page = text(r)
    assert "No repository has the label « inconnu » (known repositories: none)." in page
    assert "Aucun dépôt n'a" not in page


@requires_borg
def test_a_borg_error_reads_in_the_ui_language(client, box, conn, tmp_path):
    """Borg's own exit-code explanation (a repository gone: exit 13) on the archives page."""
    login_admin(client, conn)
    backups.init(box, SYSTEM, "local", str(tmp_path / "depot"))
    shutil.rmtree(tmp_path / "depot")
    url = "/admin/sauvegardes/archives?depot=local"
    french = (
        "Il n'y a pas de dépôt à cet endroit. Vérifiez le chemin ou l'adresse (et, pour un "
        "disque amovible, que c'est le bon disque), ou créez le dépôt avec « cartable backup "
        "init ». (Détail technique : Repository "
    )
    english = (
        "There is no repository at this location. Check the path or the address (and, for a "
        "removable disk, that it is the right disk), or create the repository with « cartable "
        "backup init ». (Technical details: Repository "
    )
    page = text(client.get(url, follow_redirects=True))
    assert french in page and english not in page
    assert "depot does not exist.)" in page  # borg's own words, as they are
    _english(client)
    page = text(client.get(url, follow_redirects=True))
    assert english in page and "depot does not exist.)" in page
    assert "Il n'y a pas de dépôt" not in page and "Détail technique" not in page
