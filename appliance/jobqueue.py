"""The job queue in SQLite (#10): long work is enqueued by whoever asks (a page, the CLI)
and run by the worker (`appliance.jobrunner`), never in a thread of the web process.

A job is `queued` → `running` → `done` | `failed` | `cancelled`. Every function takes a
connection; writes are one transaction each (BEGIN IMMEDIATE), and the person's actions
(enqueue, cancel) are audited in that same transaction.

- `enqueue(conn, kind, params, actor=)` → id;
- `claim(conn, worker)` → the oldest queued job whose kind has none running, now
  `running` in this process (atomic: two workers never get the same job); first, jobs
  whose worker process is gone are marked failed;
- `progress(conn, id, done, total, template, **params)`: raises `JobCancelled` once the
  job's cancel was asked, so that the handler stops there;
- `finish(conn, id, result=, error=)`; `cancel(conn, id, actor=)`; `get`; `list_recent`;
- `purge_ended(conn, days)`: the ended jobs older than that, forgotten.

Messages (progress, error) are stored as their French template and values, and given
back as `Phrase`s: a page shows them in its language (`webui.messages.error_text`).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psutil

from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security import audit
from appliance.security.audit import Actor
from backup.errors import Phrase

ACTIVE = ("queued", "running")
KEEP_DAYS = 90  # ended jobs are shown that long, then forgotten (the audit log stays)
UNEXPECTED = N_("Erreur inattendue : voir le journal du serveur.")
WORKER_GONE = N_(
    "Le processus qui exécutait cette tâche (%(worker)s) s'est arrêté avant de la terminer."
)


class JobCancelled(Exception):
    """Raised by `progress` once the job's cancel was asked: the handler stops there."""


def worker_id() -> str:
    """This process as a worker: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _started(pid: int) -> float | None:
    """The start time of process `pid`, None when there is no such process."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def _stored(template: str, params: dict[str, Any] | None = None) -> str:
    values = {k: str(v) for k, v in (params or {}).items()}
    return json.dumps({"template": template, "params": values}, ensure_ascii=False)


def _explained(exc: BaseException) -> str:
    """An error as stored: its template and values when it has them, else "unexpected"."""
    template = getattr(exc, "template", None) or getattr(exc, "message", None)
    if isinstance(template, str) and (hasattr(exc, "template") or hasattr(exc, "exit_code")):
        return _stored(template, getattr(exc, "params", None))
    return _stored(UNEXPECTED)


def _phrase(text: str | None) -> Phrase | None:
    if not text:
        return None
    # A stored message passed on: its own template with its own values.
    stored = SimpleNamespace(**{"params": {}, **json.loads(text)})
    return Phrase(stored.template, **stored.params)


def _shown(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A job row with its JSON parsed and its messages as Phrases."""
    if row is None:
        return None
    row["params"] = json.loads(row["params"] or "{}")
    row["result"] = json.loads(row["result"]) if row["result"] else None
    row["message"] = _phrase(row["message"])
    row["error"] = _phrase(row["error"])
    row["cancel_requested"] = bool(row["cancel_requested"])
    row["actor"] = Actor(row["actor_id"], row["actor_login"], row["actor_ip"])
    return row


def enqueue(conn: sqlite3.Connection, kind: str, params: dict[str, Any], *, actor: Actor) -> int:
    """Queue a job of `kind` with JSON-able `params` on behalf of `actor`; return its id.

    The `job.enqueue` audit entry is written in the same transaction.
    """
    with audit.audited(conn, actor, "job.enqueue", details=params) as entry:
        cur = conn.execute(
            "INSERT INTO job (kind, params, actor_id, actor_login, actor_ip, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (kind, json.dumps(params, ensure_ascii=False), actor.id, actor.login, actor.ip,
             now_iso()),
        )  # fmt: skip
        job_id = int(cur.lastrowid or 0)
        entry.target = f"{kind}#{job_id}"
    return job_id


def _fail_orphans(conn: sqlite3.Connection) -> list[int]:
    """Mark failed the running jobs of this host whose worker process is gone (or is
    another process under a reused pid); return their ids. Inside the caller's write."""
    host = socket.gethostname()
    failed = []
    for job in rows(conn, "SELECT id, worker, worker_host, worker_pid, worker_started "
                          "FROM job WHERE state = 'running'"):  # fmt: skip
        if job["worker_host"] != host:
            continue  # another machine's worker: nothing can be told from here
        started = _started(int(job["worker_pid"] or 0))
        if started is not None and abs(started - (job["worker_started"] or 0)) < 1.0:
            continue
        conn.execute(
            "UPDATE job SET state = 'failed', ended_at = ?, error = ? WHERE id = ?",
            (now_iso(), _stored(WORKER_GONE, {"worker": job["worker"]}), job["id"]),
        )
        failed.append(job["id"])
    return failed


def claim(conn: sqlite3.Connection, worker: str | None = None) -> dict[str, Any] | None:
    """Take the oldest queued job whose kind has no job running; None when there is none.

    `worker` names this process (default `worker_id()`); the job records this process's
    pid so that, should it die, the next claim marks the job failed.
    """
    me = psutil.Process()
    with transaction(conn):
        _fail_orphans(conn)
        job = one(
            conn,
            "SELECT id FROM job AS q WHERE state = 'queued' AND NOT EXISTS ("
            " SELECT 1 FROM job AS r WHERE r.kind = q.kind AND r.state = 'running') "
            "ORDER BY id LIMIT 1",
        )
        if job is None:
            return None
        conn.execute(
            "UPDATE job SET state = 'running', started_at = ?, worker = ?, worker_host = ?, "
            "worker_pid = ?, worker_started = ? WHERE id = ?",
            (
                now_iso(),
                worker or worker_id(),
                socket.gethostname(),
                me.pid,
                me.create_time(),
                job["id"],
            ),
        )
    return get(conn, job["id"])


def progress(
    conn: sqlite3.Connection,
    job_id: int,
    done: int | None,
    total: int | None,
    template: str | None = None,
    /,
    **params: object,
) -> None:
    """Record how far the job is (`done` of `total`, a message template and its values).

    Raises JobCancelled when its cancel was asked (or it is no longer running). The
    first four are positional only: any name is free for the template's values.
    """
    message = _stored(template, params) if template else None
    with transaction(conn):
        conn.execute(
            "UPDATE job SET done = ?, total = ?, message = coalesce(?, message) "
            "WHERE id = ? AND state = 'running'",
            (done, total, message, job_id),
        )
        row = one(conn, "SELECT state, cancel_requested FROM job WHERE id = ?", (job_id,))
    if row is None or row["state"] != "running" or row["cancel_requested"]:
        raise JobCancelled(job_id)


def finish(
    conn: sqlite3.Connection,
    job_id: int,
    *,
    result: dict[str, Any] | None = None,
    error: BaseException | None = None,
) -> str:
    """End a running job: `done` with its JSON-able `result`, `cancelled` when `error` is
    JobCancelled, else `failed` with the error. Returns the state the job is in (a job
    already ended, e.g. marked failed as orphaned, is left as it is)."""
    if error is None:
        state, stored_error = "done", None
    elif isinstance(error, JobCancelled):
        state, stored_error = "cancelled", None
    else:
        state, stored_error = "failed", _explained(error)
    stored_result = json.dumps(result, ensure_ascii=False) if result is not None else None
    with transaction(conn):
        conn.execute(
            "UPDATE job SET state = ?, ended_at = ?, result = ?, error = ? "
            "WHERE id = ? AND state = 'running'",
            (state, now_iso(), stored_result, stored_error, job_id),
        )
        return str(scalar(conn, "SELECT state FROM job WHERE id = ?", (job_id,)))


def cancel(conn: sqlite3.Connection, job_id: int, *, actor: Actor) -> str:
    """Cancel a job: a queued one never starts (`cancelled` now), a running one is asked
    to stop (it stops at its next progress report). Returns the job's state; audited.

    Raises NotFound for an unknown job, CartableError for one already ended.
    """
    with audit.audited(conn, actor, "job.cancel") as entry:
        job = one(conn, "SELECT kind, state FROM job WHERE id = ?", (job_id,))
        if job is None:
            raise NotFound(N_("Aucune tâche n'a le numéro %(id)s."), id=job_id)
        if job["state"] not in ACTIVE:
            raise CartableError(N_("La tâche %(id)s est déjà terminée."), id=job_id)
        if job["state"] == "queued":
            conn.execute(
                "UPDATE job SET state = 'cancelled', ended_at = ?, cancel_requested = 1 "
                "WHERE id = ?",
                (now_iso(), job_id),
            )
        else:
            conn.execute("UPDATE job SET cancel_requested = 1 WHERE id = ?", (job_id,))
        entry.target, entry.details["state"] = f"{job['kind']}#{job_id}", job["state"]
        return "cancelled" if job["state"] == "queued" else "running"


def get(conn: sqlite3.Connection, job_id: int) -> dict[str, Any] | None:
    """One job (params and result parsed, message and error as Phrases), or None."""
    return _shown(one(conn, "SELECT * FROM job WHERE id = ?", (job_id,)))


def list_recent(
    conn: sqlite3.Connection, *, kind: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """The newest `limit` jobs (of `kind` when given), newest first."""
    where, args = ("WHERE kind = ?", [kind]) if kind else ("", [])
    found = rows(conn, f"SELECT * FROM job {where} ORDER BY id DESC LIMIT ?", [*args, limit])
    return [job for job in map(_shown, found) if job is not None]


def active(conn: sqlite3.Connection, kind: str) -> dict[str, Any] | None:
    """The oldest job of `kind` still queued or running, or None."""
    return _shown(
        one(
            conn,
            "SELECT * FROM job WHERE kind = ? AND state IN ('queued', 'running') ORDER BY id",
            (kind,),
        )
    )


def latest(conn: sqlite3.Connection, kind: str) -> dict[str, Any] | None:
    """The newest job of `kind`, or None."""
    found = list_recent(conn, kind=kind, limit=1)
    return found[0] if found else None


def purge_ended(conn: sqlite3.Connection, days: int = KEEP_DAYS) -> int:
    """Delete the jobs that ended more than `days` days ago; return how many."""
    cutoff = (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM job WHERE state NOT IN ('queued', 'running') AND ended_at < ?",
            (cutoff,),
        )
    return cur.rowcount


def purge_outputs(root: Path, *, max_age_hours: float) -> int:
    """Delete the files a kind of job wrote under `root` (PDFs, stray temporary files)
    older than `max_age_hours`; return how many."""
    if not root.is_dir():
        return 0
    limit = time.time() - max_age_hours * 3600
    removed = 0
    for path in root.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
