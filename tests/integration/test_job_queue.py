"""The job queue (#10) on a real SQLite file: enqueue (audited in its transaction), claim
(oldest first, one running per kind, never twice under a race), progress seen from
another connection, cancel of a queued and of a running job, errors kept as templates,
a dead worker's job marked failed, and `cartable worker` running what is queued."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from appliance import db, jobqueue, jobrunner
from appliance.core import open_box
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security.audit import Actor
from tests.conftest import REPO

ACTOR = Actor(None, "tech", "192.0.2.7")


def _audit(conn, action):
    sql = "SELECT actor_login, ip, target FROM audit_log WHERE action = ? ORDER BY id"
    return [tuple(r) for r in conn.execute(sql, (action,))]


def _other(box):
    """A second connection to the same file, as another process (the page) would have."""
    return db.connect(box.config.db_path)


def test_enqueue_is_audited_in_its_transaction_and_rolled_back_with_it(conn):
    job_id = jobqueue.enqueue(conn, "pdf.batch", {"classe": "3A"}, actor=ACTOR)
    job = jobqueue.get(conn, job_id)
    assert (job["kind"], job["state"], job["params"]) == ("pdf.batch", "queued", {"classe": "3A"})
    assert job["actor"] == ACTOR
    assert _audit(conn, "job.enqueue") == [("tech", "192.0.2.7", f"pdf.batch#{job_id}")]

    with pytest.raises(RuntimeError), db.transaction(conn):
        jobqueue.enqueue(conn, "pdf.batch", {}, actor=ACTOR)
        raise RuntimeError("the caller's work failed")
    assert [j["id"] for j in jobqueue.list_recent(conn)] == [job_id]
    assert len(_audit(conn, "job.enqueue")) == 1


def test_claim_takes_the_oldest_and_one_job_at_a_time_per_kind(conn):
    a = jobqueue.enqueue(conn, "import.big", {}, actor=ACTOR)
    b = jobqueue.enqueue(conn, "import.big", {}, actor=ACTOR)
    c = jobqueue.enqueue(conn, "mail.digest", {}, actor=ACTOR)
    first = jobqueue.claim(conn, "w1")
    assert first["id"] == a and first["state"] == "running" and first["worker"] == "w1"
    assert jobqueue.claim(conn, "w1")["id"] == c  # b waits for a: same kind
    assert jobqueue.claim(conn, "w1") is None
    assert jobqueue.finish(conn, a, result={"lines": 3}) == "done"
    assert jobqueue.get(conn, a)["result"] == {"lines": 3}
    assert jobqueue.claim(conn, "w1")["id"] == b
    assert [j["id"] for j in jobqueue.list_recent(conn, kind="import.big")] == [b, a]


def test_two_threads_racing_claim_each_job_exactly_once(box, conn):
    ids = {jobqueue.enqueue(conn, f"kind.{i}", {}, actor=ACTOR) for i in range(40)}
    claimed: dict[str, list[int]] = {"w1": [], "w2": []}
    start = threading.Barrier(2)

    def work(name):
        mine = _other(box)
        start.wait()
        while (job := jobqueue.claim(mine, name)) is not None:
            claimed[name].append(job["id"])
        mine.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    together = claimed["w1"] + claimed["w2"]
    assert sorted(together) == sorted(ids)  # every job, none twice
    for name, got in claimed.items():
        assert {jobqueue.get(conn, i)["worker"] for i in got} <= {name}


def test_a_cancelled_queued_job_never_starts(conn):
    job_id = jobqueue.enqueue(conn, "pdf.batch", {}, actor=ACTOR)
    assert jobqueue.cancel(conn, job_id, actor=ACTOR) == "cancelled"
    assert jobqueue.get(conn, job_id)["state"] == "cancelled"
    assert jobqueue.claim(conn, "w1") is None
    assert _audit(conn, "job.cancel") == [("tech", "192.0.2.7", f"pdf.batch#{job_id}")]
    with pytest.raises(CartableError, match="déjà terminée"):
        jobqueue.cancel(conn, job_id, actor=ACTOR)
    with pytest.raises(NotFound):
        jobqueue.cancel(conn, 999, actor=ACTOR)


def test_a_running_job_shows_its_progress_and_stops_at_the_report_after_a_cancel(box, conn):
    page = _other(box)
    job_id = jobqueue.enqueue(conn, "pdf.batch", {"n": 3}, actor=ACTOR)
    seen, steps = [], []

    def batch(box, job, report):
        for i in range(job["params"]["n"]):
            report(i, 3, N_("Bulletin %(n)s sur %(total)s"), n=i + 1, total=3)
            steps.append(i)
            shown = jobqueue.get(page, job["id"])
            seen.append((shown["state"], shown["done"], shown["total"], str(shown["message"])))
            if i == 1:  # the technician presses « Annuler » on the page
                assert jobqueue.cancel(page, job["id"], actor=ACTOR) == "running"
        return {"made": 3}

    ended = jobrunner.run_next(box, "w1", by_kind={"pdf.batch": batch})
    assert ended["id"] == job_id and ended["state"] == "cancelled"
    assert ended["result"] is None and ended["error"] is None and ended["cancel_requested"]
    assert steps == [0, 1]  # the third bulletin was never made
    assert seen == [
        ("running", 0, 3, "Bulletin 1 sur 3"),
        ("running", 1, 3, "Bulletin 2 sur 3"),
    ]
    page.close()


def test_errors_are_kept_as_templates_and_unknown_kinds_fail(box, conn, caplog):
    def refuses(box, job, report):
        raise CartableError(N_("Le fichier %(name)s est vide."), name="eleves.csv")

    def crashes(box, job, report):
        raise ZeroDivisionError("bug")

    kinds = {"import.big": refuses, "mail.digest": crashes}
    for kind in ("import.big", "mail.digest", "nobody.knows"):
        jobqueue.enqueue(conn, kind, {}, actor=ACTOR)
    refused, crashed, unknown = (jobrunner.run_next(box, by_kind=kinds) for _ in range(3))
    assert refused["state"] == "failed"
    assert refused["error"].template == "Le fichier %(name)s est vide."
    assert str(refused["error"]) == "Le fichier eleves.csv est vide."
    assert crashed["state"] == "failed" and str(crashed["error"]) == jobqueue.UNEXPECTED
    assert "ZeroDivisionError" in caplog.text  # the traceback is in the log
    assert unknown["state"] == "failed" and "nobody.knows" in str(unknown["error"])
    assert jobrunner.run_next(box, by_kind=kinds) is None


CLAIM_AND_DIE = """
import sys
from appliance import db, jobqueue
conn = db.connect(sys.argv[1])
print(jobqueue.claim(conn, "mort")["id"])
"""


def test_the_job_of_a_dead_worker_is_marked_failed_at_the_next_claim(box, conn):
    dead = jobqueue.enqueue(conn, "import.big", {}, actor=ACTOR)
    waiting = jobqueue.enqueue(conn, "import.big", {}, actor=ACTOR)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", CLAIM_AND_DIE, str(box.config.db_path)],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert int(out.stdout) == dead
    assert jobqueue.get(conn, dead)["state"] == "running"  # claimed, never finished

    assert jobqueue.claim(conn, "w1")["id"] == waiting  # the dead one no longer holds the kind
    failed = jobqueue.get(conn, dead)
    assert failed["state"] == "failed" and failed["ended_at"]
    assert "(mort)" in str(failed["error"]) and "s'est arrêté" in str(failed["error"])
    # This process is alive: its own running job is left alone by the next claim.
    assert jobqueue.claim(conn, "w1") is None
    assert jobqueue.get(conn, waiting)["state"] == "running"


def test_cartable_worker_runs_what_is_queued(box, conn, config_file):
    job_id = jobqueue.enqueue(conn, "nobody.knows", {}, actor=ACTOR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    env["PYTHONPATH"] = str(REPO)
    cmd = [sys.executable, "-m", "appliance", "--config", str(config_file),
           "--data-dir", str(box.config.data_dir), "worker"]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while jobqueue.get(conn, job_id)["state"] == "queued":
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    job = jobqueue.get(conn, job_id)
    assert job["state"] == "failed" and "nobody.knows" in str(job["error"])
    assert job["worker"].endswith(f":{proc.pid}")


def test_a_reopened_box_keeps_the_queue(box, conn):
    job_id = jobqueue.enqueue(conn, "mail.digest", {}, actor=ACTOR)
    again = open_box(box.config)
    assert jobqueue.get(again.conn(), job_id)["state"] == "queued"


def test_jobs_ended_long_ago_are_forgotten_the_others_kept(conn):
    old, recent, queued = (jobqueue.enqueue(conn, f"k{i}", {}, actor=ACTOR) for i in range(3))
    for job_id in (old, recent):
        jobqueue.claim(conn, "w1")
        jobqueue.finish(conn, job_id, result={})
    # As if `old` had ended 100 days ago.
    conn.execute("UPDATE job SET ended_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    assert jobqueue.purge_ended(conn, 90) == 1
    assert [j["id"] for j in jobqueue.list_recent(conn)] == [queued, recent]
    assert _audit(conn, "job.enqueue")[0][2] == f"k0#{old}"  # the audit log keeps it
