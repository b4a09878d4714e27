-- The job queue (#10): long work (a backup now, a big import, a batch of PDFs, mail
-- digests) is enqueued by the web process and run by the worker, one row per job.

CREATE TABLE job (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  params TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
  actor_id INTEGER REFERENCES person(id) ON DELETE SET NULL,
  actor_login TEXT NOT NULL,
  actor_ip TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  ended_at TEXT,
  -- Who runs it: its name ("host:pid" by default), the host, the pid and the process's
  -- start time (a reused pid is not taken for the dead worker).
  worker TEXT,
  worker_host TEXT,
  worker_pid INTEGER,
  worker_started REAL,
  done INTEGER,
  total INTEGER,
  -- The progress message and the error: JSON {"template": msgid, "params": {...}},
  -- translated when shown.
  message TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  error TEXT
);
CREATE INDEX job_state ON job (state, id);
CREATE INDEX job_kind ON job (kind, id);
