"""« Sauvegarder maintenant » through the job queue (#10), with the Flask test client, a
real borg repository in tmp_path and the worker's own `run_next`: the page shows the job
queued (and refreshes itself), then done; a queued backup cancelled never runs; a
failing one explains its error."""

from __future__ import annotations

from appliance import backups, jobrunner
from appliance.backups import jobs as backup_jobs
from appliance.security.audit import SYSTEM
from tests.conftest import login_admin, post, text
from tests.fixtures.backup.support import requires_borg

pytestmark = requires_borg
INDEX = "/admin/sauvegardes/"
REFRESH = '<meta http-equiv="refresh"'


def _audit(conn, action):
    sql = "SELECT actor_login, target FROM audit_log WHERE action = ? ORDER BY id"
    return [tuple(r) for r in conn.execute(sql, (action,))]


def test_run_now_is_queued_then_run_by_the_worker(app, client, box, conn, tmp_path):
    name = login_admin(client, conn)
    backups.init(box, SYSTEM, "local", str(tmp_path / "depot"))

    r = post(client, "/admin/sauvegardes/lancer", token_from=INDEX)
    assert r.status_code == 302 and r.headers["Location"].endswith(INDEX)
    page = client.get(INDEX).get_data(as_text=True)
    assert "Sauvegarde lancée" in page and REFRESH in page
    assert "en attente du processus des tâches" in page and "Annuler cette sauvegarde" in page
    assert "disabled>Sauvegarder maintenant (tous les dépôts)" in page
    again = post(client, "/admin/sauvegardes/lancer", token_from=INDEX)
    assert "déjà en cours" in text(client.get(again.headers["Location"]))
    job = backup_jobs.current_run(box)
    assert _audit(conn, "job.enqueue") == [(name, f"backup.run#{job['id']}")]

    ended = jobrunner.run_next(box)
    assert ended["id"] == job["id"] and ended["state"] == "done", ended["error"]
    (record,) = ended["result"]["records"]
    assert record["outcome"] == "ok" and ended["done"] == 0 and ended["total"] == 1
    page = client.get(INDEX).get_data(as_text=True)
    assert "terminée" in page and record["archive"] in page and REFRESH not in page
    assert "Annuler cette sauvegarde" not in page


def test_a_queued_backup_cancelled_from_the_page_never_runs(app, client, box, conn, tmp_path):
    name = login_admin(client, conn)
    backups.init(box, SYSTEM, "local", str(tmp_path / "depot"))
    post(client, "/admin/sauvegardes/lancer", {"depot": "local"}, token_from=INDEX)
    job = backup_jobs.current_run(box)
    assert job["params"] == {"labels": ["local"]}

    r = post(client, "/admin/sauvegardes/annuler", {"tache": str(job["id"])}, token_from=INDEX)
    page = text(client.get(r.headers["Location"]))
    assert "Sauvegarde annulée : elle ne démarrera pas." in page and "annulée" in page
    assert jobrunner.run_next(box) is None
    assert backups.history(box, "local") == []  # borg was never asked
    assert _audit(conn, "job.cancel") == [(name, f"backup.run#{job['id']}")]
    r = post(client, "/admin/sauvegardes/annuler", {"tache": str(job["id"])}, token_from=INDEX)
    assert "déjà terminée" in text(client.get(r.headers["Location"]))
    r = post(client, "/admin/sauvegardes/annuler", {"tache": "abc"}, token_from=INDEX)
    assert "Choisissez la sauvegarde à annuler" in text(client.get(r.headers["Location"]))


def test_a_failed_backup_explains_its_error_on_the_page(app, client, box, conn, tmp_path):
    login_admin(client, conn)
    backups.init(box, SYSTEM, "local", str(tmp_path / "depot"))
    post(client, "/admin/sauvegardes/lancer", {"depot": "inconnu"}, token_from=INDEX)
    ended = jobrunner.run_next(box)
    assert ended["state"] == "failed"
    page = text(client.get(INDEX))
    assert "terminée" in page and "Aucun dépôt n'a l'étiquette" in page
