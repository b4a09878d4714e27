"""Imports in the web UI: upload, preview (counts first), apply, history, credentials.

The plan, the apply and the slips PDF are jobs of the queue (#10): between a request and
the page that follows it, these tests run the worker's own step (`jobrunner.run_pending`)."""

from __future__ import annotations

import re
import stat
import subprocess
from pathlib import Path

from appliance import jobrunner
from appliance.db import scalar
from appliance.directory import people, reconcile
from tests.conftest import SAMPLES, csrf_token, login, login_admin, make_person, post, text
from tests.fixtures.tools import require_program
from tests.integration.directory.directory_helpers import MESSY, sample

SHARED = SAMPLES
REFRESH = '<meta http-equiv="refresh"'


def upload(client, paths: list[Path], full: bool = False):
    """Send the files; the answer sends to the page of the plan's job."""
    token = csrf_token(client, "/annuaire/imports")
    data = {"csrf_token": token, "files": [(p.open("rb"), p.name) for p in paths]}
    if full:
        data["full"] = "1"
    return client.post("/annuaire/imports", data=data, content_type="multipart/form-data")


def worker_step(client, box, job_url: str):
    """The worker runs what is queued (as `cartable worker` does), then the job's page is
    read again: it answers the preview, the applied import, or the job's outcome."""
    assert jobrunner.run_pending(box) >= 1
    return client.get(job_url)


def upload_and_plan(client, box, paths: list[Path], full: bool = False) -> str:
    """Upload, let the worker plan; return the preview's address."""
    r = upload(client, paths, full)
    assert r.status_code == 302 and "/annuaire/taches/" in r.headers["Location"]
    r = worker_step(client, box, r.headers["Location"])
    assert r.status_code == 302 and "/annuaire/imports/apercu/" in r.headers["Location"]
    return r.headers["Location"]


def apply_and_run(client, box, preview_url: str, digest: str):
    """Apply (queued), let the worker apply; return the job page's answer."""
    r = apply(client, preview_url, digest)
    assert r.status_code == 302 and "/annuaire/taches/" in r.headers["Location"]
    return worker_step(client, box, r.headers["Location"])


def slips(client, box, form: dict):
    """Ask for slips (queued), let the worker make them; return the PDF's bytes."""
    r = post(client, "/annuaire/fiches", form, token_from="/annuaire/fiches")
    assert r.status_code == 302 and "/annuaire/taches/" in r.headers["Location"]
    page = text(worker_step(client, box, r.headers["Location"]))
    link = re.search(r'href="(/annuaire/taches/\d+/fiches\.pdf)"', page).group(1)
    r = client.get(link)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    return r.data


def digest_of(page: str) -> str:
    return re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)


def apply(client, preview_url: str, digest: str):
    return post(client, preview_url + "/appliquer", {"digest": digest}, token_from=preview_url)


def pdf_text(pdf: bytes, tmp_path) -> str:
    require_program("pdftotext", "poppler-utils")
    path = tmp_path / "slips.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def first_slip(text_: str) -> tuple[str, str]:
    lines = text_.splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip().startswith("Identifiant"))
    j = next(n for n, line in enumerate(lines) if line.strip().startswith("Mot de passe provis"))
    return lines[i + 1].split()[0], lines[j + 1].split()[0]


def test_upload_preview_apply_history_and_slips(app, client, box, conn, tmp_path):
    admin = login_admin(client, conn)
    assert "Importer l'annuaire" in text(client.get("/annuaire/imports"))
    r = upload(client, sample(SHARED))
    assert r.status_code == 302
    job_url = r.headers["Location"]
    waiting = text(client.get(job_url))
    assert "en attente du processus des tâches" in waiting and REFRESH in waiting
    r = worker_step(client, box, job_url)
    preview_url = r.headers["Location"]
    token = preview_url.rsplit("/", 1)[1]
    # The files wait in a private folder of the data directory.
    folder = box.config.data_dir / "imports" / "pending" / token
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    names = sorted(p.name for p in folder.iterdir())
    assert "ElevesSansAdresses.xml" in names and ".plan.json" in names  # the kept preview
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())

    page = text(client.get(preview_url))
    counts = page.index("Ce que l'import changera")
    assert counts < page.index("Problèmes trouvés") < page.index("Détail des changements")
    assert re.search(r"Élève</th>\s*<td>114</td>", page)
    assert "a quitté l'établissement" in page  # a warning, with its file and line
    assert "Appliquer l'import" in page and "Rentrée" not in page
    assert scalar(conn, "SELECT count(*) FROM person WHERE profile = 'student'") == 0

    r = apply(client, preview_url, digest_of(page))
    assert "Application de l'import" in text(client.get(r.headers["Location"]))
    assert scalar(conn, "SELECT count(*) FROM person WHERE profile = 'student'") == 0
    r = worker_step(client, box, r.headers["Location"])
    assert r.status_code == 302 and r.headers["Location"].endswith("/annuaire/imports/historique/1")
    assert not folder.exists()
    assert scalar(conn, "SELECT count(*) FROM person WHERE profile = 'student'") == 114
    detail = text(client.get(r.headers["Location"]))
    assert "Import n° 1 appliqué" in detail and "Télécharger les fiches de connexion" in detail
    history = text(client.get("/annuaire/imports/historique"))
    assert "Import n° 1" in history and "sts_emp_0679999X_2026.xml" in history
    actions = {
        row["action"]: row["actor_login"]
        for row in conn.execute("SELECT action, actor_login FROM audit_log").fetchall()
    }
    assert actions["directory.import"] == admin and actions["directory.import_upload"] == admin

    # The slips of the new accounts: a PDF, and a student from it can log in.
    pdf = slips(client, box, {"new_since_import": "1", "confirm": "1", "class_code": "6 A"})
    assert pdf.startswith(b"%PDF")
    student_login, password = first_slip(pdf_text(pdf, tmp_path))
    assert people.get_by_login(conn, student_login)["profile"] == "student"
    s = app.test_client()
    r = login(s, student_login, password)
    assert r.status_code == 302
    assert s.get("/").headers["Location"].endswith("/compte/mot-de-passe")


def test_errors_block_the_apply(client, box, conn):
    login_admin(client, conn)
    before = scalar(conn, "SELECT count(*) FROM person")
    preview_url = upload_and_plan(client, box, [MESSY / "eleves_other_uai.xml"])
    page = text(client.get(preview_url))
    assert "rien ne peut être importé" in page and "autre établissement" in page
    assert "Appliquer l'import" not in page
    r = apply(client, preview_url, "0" * 16)
    assert r.status_code == 400 and "rien n'a été appliqué" in text(r)
    assert scalar(conn, "SELECT count(*) FROM person") == before
    assert scalar(conn, "SELECT count(*) FROM import_run") == 0
    refused = conn.execute(
        "SELECT outcome FROM audit_log WHERE action = 'directory.import_apply'"
    ).fetchone()
    assert refused["outcome"] == "refused"


def test_a_changed_directory_shows_the_new_preview(client, box, conn):
    login_admin(client, conn)
    preview_url = upload_and_plan(client, box, sample(SHARED))
    old = digest_of(text(client.get(preview_url)))
    # Meanwhile, someone takes the login the plan gave to a new student.
    make_person(conn, "staff", login="kylian.boulanger")
    r = apply_and_run(client, box, preview_url, old)
    assert r.status_code == 409
    page = text(r)
    assert "L'annuaire a changé" in page and "kylian.boulanger2" in page
    assert scalar(conn, "SELECT count(*) FROM import_run") == 0
    # The preview kept is now the new one; a form of the old one is refused at once.
    assert "kylian.boulanger2" in text(client.get(preview_url))
    r = apply(client, preview_url, old)
    assert r.status_code == 409 and "L'annuaire a changé" in text(r)
    r = apply_and_run(client, box, preview_url, digest_of(page))
    assert r.status_code == 302
    assert scalar(conn, "SELECT count(*) FROM import_run") == 1


def test_unreadable_missing_and_abandoned_uploads(client, box, conn):
    login_admin(client, conn)
    r = upload(client, [MESSY / "garbage.bin"])
    page = text(worker_step(client, box, r.headers["Location"]))
    assert "Importer l'annuaire" in page and 'id="import-error"' in page
    pending = box.config.data_dir / "imports" / "pending"
    assert list(pending.iterdir()) == []
    token = csrf_token(client, "/annuaire/imports")
    r = client.post("/annuaire/imports", data={"csrf_token": token})
    assert r.status_code == 400 and "Aucun fichier reçu" in text(r)
    preview_url = upload_and_plan(client, box, sample(SHARED)[:1])
    r = post(client, preview_url + "/abandonner", token_from=preview_url)
    assert r.status_code == 302 and list(pending.iterdir()) == []
    assert client.get(preview_url).status_code == 404


def test_the_rollover_reads_as_promotions_arrivals_departures(client, box, conn):
    login_admin(client, conn)
    reconcile.run_import(conn, sample(SHARED))
    preview_url = upload_and_plan(client, box, sample(SHARED, "college-sample-next-year"))
    page = text(client.get(preview_url))
    assert "Rentrée 2027-2028" in page
    rollover = page[page.index("Rentrée 2027-2028") : page.index("Ce que l'import changera")]
    for number, word in ((85, "promotions"), (21, "arrivées"), (28, "départs")):
        assert re.search(rf"<strong>{number}</strong>\s*{word}", rollover), word
    assert "Promotions et changements de classe : 85 élève(s)" in page
    assert "LATIN3" in page  # groups retired


def test_csv_full_flag_and_credentials_form(client, box, conn):
    login_admin(client, conn)
    preview_url = upload_and_plan(client, box, [SHARED / "people-template-utf8-bom.csv"], True)
    page = text(client.get(preview_url))
    assert "Le CSV est traité comme la liste complète" in page
    page = text(client.get("/annuaire/fiches"))
    assert "NOUVEAU mot de passe provisoire" in page
    r = post(client, "/annuaire/fiches", {"profile": "student"}, token_from="/annuaire/fiches")
    assert r.status_code == 400 and "Cochez la case" in text(r)
    r = post(
        client,
        "/annuaire/fiches",
        {"profile": "guest", "confirm": "1"},
        token_from="/annuaire/fiches",
    )
    assert r.status_code == 400 and "Aucun compte actif" in text(r)
