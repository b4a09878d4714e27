"""The backups page with the Flask test client and a real borg on a repository in
tmp_path: status, run now (a job of the queue, run by the worker's `run_next`), archives,
browse, restore beside the current files, key sheet download and confirmation, audit log, access."""

from __future__ import annotations

import re

import pytest

from appliance import backups, jobrunner
from appliance.backups import jobs as backup_jobs
from appliance.security.audit import SYSTEM
from tests.conftest import login, login_admin, make_person, post, text
from tests.fixtures.backup.support import requires_borg

pytestmark = requires_borg


def _audit(conn, action):
    sql = "SELECT actor_login, target, outcome FROM audit_log WHERE action = ? ORDER BY id"
    return [tuple(r) for r in conn.execute(sql, (action,))]


def _wait_background(box):
    """Run the queued backup with the worker's own function; the job as the page shows it."""
    state = backup_jobs.current_run(box)
    assert state is not None
    assert jobrunner.run_next(box)["id"] == state["id"]
    job = backup_jobs.current_run(box)
    return {"running": job["state"] in ("queued", "running"), "error": job["error"],
            "records": (job["result"] or {}).get("records", [])}  # fmt: skip


def test_backups_page_run_browse_restore_and_key_sheet(app, client, box, conn, tmp_path):
    name = login_admin(client, conn)
    page = text(client.get("/admin/sauvegardes/"))
    assert "Aucun dépôt de sauvegarde" in page and "cartable backup init" in page

    pid, _login, _pw = make_person(conn, "student", "lea.roux")
    folder = box.config.files_dir / "people" / str(pid)
    folder.mkdir(parents=True)
    (folder / "expose.txt").write_text("Les volcans d'Auvergne\n")
    backups.init(box, SYSTEM, "local", str(tmp_path / "depot"))

    r = post(client, "/admin/sauvegardes/lancer", token_from="/admin/sauvegardes/")
    assert r.status_code == 302
    state = _wait_background(box)
    assert not state["running"] and state["error"] is None
    (rec,) = state["records"]
    assert rec["outcome"] == "ok", rec["message"]
    assert _audit(conn, "backup.run")[-1] == (name, None, "ok")

    page = text(client.get("/admin/sauvegardes/"))
    assert "Dépôt « local »" in page and rec["archive"] in page
    assert "Fiche de clé non confirmée" in page and "Réussi" in page
    assert "Prochaine sauvegarde programmée" in page and "terminée" in page

    page = text(client.get("/admin/sauvegardes/archives?depot=local"))
    assert rec["archive"] in page and "Parcourir" in page

    url = f"/admin/sauvegardes/parcourir?depot=local&archive={rec['archive']}"
    page = text(client.get(f"{url}&chemin=files/people/{pid}"))
    assert "expose.txt" in page and "Restaurer expose.txt à côté" in page
    assert _audit(conn, "backup.browse")[-1][0] == name

    (folder / "expose.txt").write_text("abîmé\n")
    r = post(
        client,
        "/admin/sauvegardes/restaurer",
        {"depot": "local", "archive": rec["archive"], "chemin": f"files/people/{pid}/expose.txt"},
        token_from=url,
    )
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "1 fichier(s) restauré(s)" in page and "rien n'a été écrasé" in page
    restored = list(box.config.files_dir.glob(f"restauration-*/files/people/{pid}/expose.txt"))
    assert [p.read_text() for p in restored] == ["Les volcans d'Auvergne\n"]
    assert (folder / "expose.txt").read_text() == "abîmé\n"
    r = post(
        client,
        "/admin/sauvegardes/restaurer",
        {"depot": "local", "archive": rec["archive"], "login": "lea.roux"},
        token_from=url,
    )
    assert "restauré(s)" in text(client.get(r.headers["Location"]))
    assert len(_audit(conn, "backup.restore_files")) == 2

    r = post(client, "/admin/sauvegardes/fiche-de-cle", {"depot": "local"}, "/admin/sauvegardes/")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF") and "no-store" in r.headers["Cache-Control"]
    assert _audit(conn, "backup.key_sheet")[-1][:2] == (name, "local")
    assert not list(backups.state_dir(box.config).glob("tmp*"))  # no copy left behind

    r = post(client, "/admin/sauvegardes/fiche-de-cle/confirmer", {"depot": "local"}, "/admin/")
    assert r.status_code == 302
    assert _audit(conn, "backup.key_sheet_confirm") == [(name, "local", "ok")]
    page = text(client.get("/admin/sauvegardes/"))
    assert "Fiche de clé non confirmée" not in page and "rangée au coffre" in page


def test_errors_are_explained_on_the_page(app, client, box, conn, tmp_path):
    login_admin(client, conn)
    r = client.get("/admin/sauvegardes/archives?depot=inconnu")
    assert r.status_code == 302
    assert "Aucun dépôt n'a l'étiquette" in text(client.get(r.headers["Location"]))
    r = post(client, "/admin/sauvegardes/lancer", token_from="/admin/sauvegardes/")
    assert "Aucun dépôt de sauvegarde" in text(client.get(r.headers["Location"]))


@pytest.mark.parametrize("profile", ["teacher", "student", "relative", "staff", "guest"])
def test_other_profiles_are_refused(app, client, conn, profile):
    _pid, name, pw = make_person(conn, profile)
    login(client, name, pw)
    assert client.get("/admin/sauvegardes/").status_code == 403
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(True))
    data = {"csrf_token": token.group(1), "depot": "local"}
    assert client.post("/admin/sauvegardes/lancer", data=data).status_code == 403
    assert client.post("/admin/sauvegardes/fiche-de-cle", data=data).status_code == 403
