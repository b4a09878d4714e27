"""Imports and slips PDFs through the job queue (#10), with the Flask test client and the
worker's own `jobrunner.run_next` / `run_pending`: a generated school of 3,000 students is
planned and applied by the worker while the page shows its progress; a queued job
cancelled never runs; a failing job says why in words; the slips PDF is a real PDF with
the logins in it, kept 0600 until its asker takes it, once; nobody else can."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import threading
import time

import pytest

from appliance import jobqueue, jobrunner, timefmt
from appliance.db import scalar
from appliance.directory import reconcile, slips_jobs, uploads
from appliance.directory import schedule as directory_schedule
from appliance.security.audit import Actor
from tests.bench import school_files
from tests.conftest import SAMPLES, login, login_admin, make_person, post, text
from tests.fixtures.tools import require_program
from tests.integration.directory.directory_helpers import MESSY, sample
from tests.integration.test_web_imports import apply, digest_of, upload

REFRESH = '<meta http-equiv="refresh"'


def _job_id(url: str) -> int:
    return int(re.search(r"/annuaire/taches/(\d+)$", url).group(1))


def _follow_while_the_worker_runs(client, box, job_url: str) -> tuple[dict, list[str]]:
    """Run the next job in a worker thread while the page is read again and again; return
    the job as it ended and the pages seen while it ran."""
    ended: dict = {}
    worker = threading.Thread(target=lambda: ended.update(jobrunner.run_next(box) or {}))
    worker.start()
    seen = []
    while worker.is_alive():
        r = client.get(job_url)
        if r.status_code == 200 and "En cours depuis" in text(r):
            seen.append(text(r))
        time.sleep(0.01)
    worker.join()
    return ended, seen


@pytest.fixture(scope="module")
def big_school(tmp_path_factory):
    """SIECLE and STS files of a lycée: 3,000 students, 5,500 guardians, 250 staff."""
    folder = tmp_path_factory.mktemp("lycee")
    school = school_files.generate(3000, 5500, 250, uai="0679999X", year=2026)
    return school_files.write_school(school, folder), school.expected


def test_a_big_school_is_planned_and_applied_by_the_worker_with_progress(
    client, box, conn, big_school
):
    paths, expected = big_school
    login_admin(client, conn)
    r = upload(client, paths)
    job_url = r.headers["Location"]
    page = text(client.get(job_url))
    assert "en attente du processus des tâches" in page and REFRESH in page
    assert "Annuler cette tâche" in page

    ended, running = _follow_while_the_worker_runs(client, box, job_url)
    assert ended["state"] == "done", ended["error"]
    assert ended["done"] == ended["total"] - 1 == len(paths)  # the last step reported
    assert running, "the page never showed the plan running"
    assert all(REFRESH in p for p in running)
    steps = [p for p in running if "<progress" in p]  # once the first step is reported
    assert any(re.search(r"\d+ % fait \(étape \d+ sur 4\)", p) for p in steps), running[-1]
    assert any("Lecture du fichier" in p or "Comparaison avec" in p for p in steps)
    # The job's result holds counts, never names; the preview is kept beside the files.
    assert set(ended["result"]) == {"token", "applicable", "errors", "warnings"}

    r = client.get(job_url)
    preview_url = r.headers["Location"]
    page = text(client.get(preview_url))
    assert re.search(rf"Élève</th>\s*<td>{expected['student']}</td>", page)
    assert REFRESH not in page
    assert scalar(conn, "SELECT count(*) FROM person WHERE profile = 'student'") == 0

    r = apply(client, preview_url, digest_of(page))
    apply_url = r.headers["Location"]
    assert _job_id(apply_url) == ended["id"] + 1
    # While the apply is queued the preview sends to its page: no second apply.
    assert client.get(preview_url).headers["Location"].endswith(apply_url)
    ended, running = _follow_while_the_worker_runs(client, box, apply_url)
    assert ended["state"] == "done", ended["error"]
    assert ended["result"]["import_id"] == 1 and ended["total"] == len(paths) + 2
    r = client.get(apply_url)
    assert r.headers["Location"].endswith("/annuaire/imports/historique/1")
    assert "Import n° 1 appliqué" in text(client.get(r.headers["Location"]))
    for profile in ("student", "relative"):
        found = scalar(conn, "SELECT count(*) FROM person WHERE profile = ?", (profile,))
        assert found == expected[profile], profile
    token = preview_url.rsplit("/", 1)[1]
    assert not (box.config.data_dir / "imports" / "pending" / token).exists()


def test_logins_go_through_while_a_lycee_import_is_applied(app, client, box, conn, big_school):
    """Issue 9: a big import's transaction outlasted busy_timeout and logins during it got
    500 « database is locked ». The apply now holds the write lock briefly (passwords hashed
    before it, rows inserted in bulk): a teacher logging in again and again while the
    worker applies a lycée (8,750 accounts) always gets in, each login well within the
    database's busy timeout, never a 500 or a 503."""
    from appliance.db import BUSY_TIMEOUT_MS

    paths, expected = big_school
    login_admin(client, conn)
    job_url = upload(client, paths).headers["Location"]
    jobrunner.run_pending(box)
    preview_url = client.get(job_url).headers["Location"]
    apply_url = apply(client, preview_url, digest_of(text(client.get(preview_url))))
    assert apply_url.status_code == 302
    _pid, name, pw = make_person(conn, "teacher")

    ended: dict = {}
    worker = threading.Thread(target=lambda: ended.update(jobrunner.run_next(box) or {}))
    answers: list[tuple[int, float]] = []
    worker.start()
    while worker.is_alive():
        teacher = app.test_client()
        started = time.monotonic()
        r = login(teacher, name, pw)
        answers.append((r.status_code, time.monotonic() - started))
    worker.join()
    assert ended["state"] == "done", ended["error"]
    assert (
        scalar(conn, "SELECT count(*) FROM person WHERE profile = 'relative'")
        == (expected["relative"])
    )
    assert answers, "no login was tried while the apply ran"
    assert {code for code, _ in answers} == {302}, answers
    slowest = max(seconds for _, seconds in answers)
    assert slowest < BUSY_TIMEOUT_MS / 1000 / 2, answers


def test_a_queued_plan_or_apply_cancelled_never_runs(client, box, conn):
    name = login_admin(client, conn)
    r = upload(client, sample(SAMPLES))
    job_url = r.headers["Location"]
    pending_root = uploads.pending_root(box.config.data_dir)
    (folder,) = list(pending_root.iterdir())
    r = post(client, job_url + "/annuler", token_from=job_url)
    assert r.headers["Location"].endswith(job_url)
    page = text(client.get(job_url, follow_redirects=True))  # back to the upload form
    assert "Tâche annulée : elle ne démarrera pas." in page and "Aperçu annulé" in page
    assert "Importer l'annuaire" in page
    assert jobrunner.run_next(box) is None
    assert not folder.exists()  # the files of a preview that will never be made are gone
    cancels = conn.execute("SELECT actor_login, target FROM audit_log WHERE action = 'job.cancel'")
    assert [tuple(c) for c in cancels] == [(name, f"directory.import_plan#{_job_id(job_url)}")]

    # An apply cancelled while queued: nothing written, the preview is there to apply again.
    r = upload(client, sample(SAMPLES))
    jobrunner.run_pending(box)
    preview_url = client.get(r.headers["Location"]).headers["Location"]
    digest = digest_of(text(client.get(preview_url)))
    r = apply(client, preview_url, digest)
    apply_url = r.headers["Location"]
    post(client, apply_url + "/annuler", token_from=apply_url)
    assert jobrunner.run_next(box) is None
    r = client.get(apply_url)
    assert r.headers["Location"] == preview_url
    assert "Application annulée" in text(client.get(preview_url))
    assert scalar(conn, "SELECT count(*) FROM import_run") == 0
    r = post(client, apply_url + "/annuler", token_from=preview_url)
    assert "déjà terminée" in text(client.get(r.headers["Location"], follow_redirects=True))


def test_failing_jobs_say_why_in_words(client, box, conn):
    login_admin(client, conn)
    r = upload(client, [MESSY / "garbage.bin"])
    jobrunner.run_pending(box)
    page = text(client.get(r.headers["Location"]))
    assert 'id="import-error"' in page and "format non reconnu" in page

    # The files of a preview gone (as after a day) when its apply runs: the page says so.
    r = upload(client, sample(SAMPLES))
    jobrunner.run_pending(box)
    preview_url = client.get(r.headers["Location"]).headers["Location"]
    r = apply(client, preview_url, digest_of(text(client.get(preview_url))))
    uploads.discard(box.config.data_dir, preview_url.rsplit("/", 1)[1])
    ended = jobrunner.run_next(box)
    assert ended["state"] == "failed"
    page = text(client.get(r.headers["Location"]))
    assert 'id="job-error"' in page and "Ces fichiers ne sont plus disponibles" in page
    assert "Revoir l'aperçu" not in page and REFRESH not in page
    assert scalar(conn, "SELECT count(*) FROM import_run") == 0

    # In English too: the error is kept as its template.
    post(client, "/lang", {"lang": "en", "next": "/"})
    page = text(client.get(r.headers["Location"]))
    assert "These files are no longer available" in page


def _pdf_text(pdf_path) -> str:
    require_program("pdftotext", "poppler-utils")
    out = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True,
                         check=True)  # fmt: skip
    return out.stdout.decode("utf-8")


def test_the_slips_of_a_profile_are_a_pdf_for_its_asker_only(app, client, box, conn, tmp_path):
    name = login_admin(client, conn)
    reconcile.run_import(conn, sample(SAMPLES))
    students = [r[0] for r in conn.execute("SELECT login FROM person WHERE profile = 'student'")]
    r = post(client, "/annuaire/fiches", {"profile": "student", "confirm": "1"},
             token_from="/annuaire/fiches")  # fmt: skip
    job_url = r.headers["Location"]
    assert REFRESH in text(client.get(job_url))
    ended, running = _follow_while_the_worker_runs(client, box, job_url)
    assert ended["state"] == "done" and ended["result"]["count"] == len(students) == 114
    assert ended["done"] == ended["total"] - 1 == len(students)  # hashes, then the pages
    assert any("Mots de passe provisoires" in p or "Mise en page" in p for p in running)

    # The PDF waits in a folder of the service alone.
    path = slips_jobs.pdf_path(box.config.data_dir, ended["id"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    page = text(client.get(job_url))
    assert "114 fiche(s) prête(s)" in page and REFRESH not in page
    link = f"/annuaire/taches/{ended['id']}/fiches.pdf"
    assert f'href="{link}"' in page

    # Another technician follows the job but can't take the passwords; a teacher sees nothing.
    other = app.test_client()
    login_admin(other, conn)
    assert "Seule la personne qui a demandé" in text(other.get(job_url))
    assert other.get(link).status_code == 404
    _tid, teacher, pw = make_person(conn, "teacher")
    third = app.test_client()
    login(third, teacher, pw)
    assert third.get(job_url).status_code == 404 and third.get(link).status_code == 404
    assert path.exists()

    r = client.get(link)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert r.headers["Content-Disposition"] == (
        f'attachment; filename="fiches-connexion-student-{timefmt.today()}.pdf"'
    )
    saved = tmp_path / "fiches.pdf"
    saved.write_bytes(r.data)
    words = _pdf_text(saved)
    assert all(login_ in words for login_ in students)
    assert not path.exists()  # taken once: gone from the server
    assert client.get(link).status_code == 404
    assert "déjà été téléchargées" in text(client.get(job_url))
    rows = conn.execute(
        "SELECT action, actor_login, target FROM audit_log WHERE action LIKE 'directory.cred%' "
        "ORDER BY id"
    ).fetchall()
    assert [tuple(x) for x in rows] == [
        ("directory.credentials", name, None),
        ("directory.credentials_download", name, f"directory.credentials_pdf#{ended['id']}"),
    ]


def test_a_queued_slips_job_cancelled_changes_no_password(client, box, conn):
    login_admin(client, conn)
    _sid, student, _pw = make_person(conn, "student")
    before = scalar(conn, "SELECT password_hash FROM person WHERE login = ?", (student,))
    r = post(client, "/annuaire/fiches", {"profile": "student", "confirm": "1"},
             token_from="/annuaire/fiches")  # fmt: skip
    job_url = r.headers["Location"]
    post(client, job_url + "/annuler", token_from=job_url)
    assert jobrunner.run_next(box) is None
    assert scalar(conn, "SELECT password_hash FROM person WHERE login = ?", (student,)) == before
    page = text(client.get(job_url))
    assert "Tâche annulée le" in page and "fiches.pdf" not in page


def test_slips_left_a_day_are_deleted_by_the_housekeeping(box, conn):
    _sid, student, _pw = make_person(conn, "student")
    job_id = slips_jobs.request_slips(
        box, Actor(None, "tech", None), class_code=None, profile="student",
        new_since_import=None, portal_url="https://ent.test",
    )  # fmt: skip
    assert jobrunner.run_next(box)["state"] == "done"
    path = slips_jobs.pdf_path(box.config.data_dir, job_id)
    fresh = slips_jobs.pdf_path(box.config.data_dir, job_id + 1000)
    fresh.write_bytes(b"%PDF-")
    day_ago = time.time() - 25 * 3600
    os.utime(path, (day_ago, day_ago))
    (spec,) = [s for s in directory_schedule.jobs(box) if s.id == "directory.housekeeping"]
    spec.func(box)
    assert not path.exists() and fresh.exists()
    assert jobqueue.get(conn, job_id)["state"] == "done"
