-- Directory imports: history of applied imports, who each import created, subject short
-- codes, and the runs of the daily lifecycle job (departures, purges).

-- One row per applied import (SIECLE, STS-Web, CSV). `files` and `counts` are JSON:
-- [{file, kind, sha256, uai, year, encoding}] and {profile: {add, update, ...}}.
CREATE TABLE import_run (
  id INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  actor TEXT,
  full_import INTEGER NOT NULL DEFAULT 0,
  files TEXT NOT NULL,
  counts TEXT NOT NULL,
  warnings INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0
);

-- The import that created the account (NULL for people created by hand): credentials
-- slips can be printed for "the accounts new since import N".
ALTER TABLE person ADD COLUMN created_by_import INTEGER REFERENCES import_run(id) ON DELETE SET NULL;
CREATE INDEX person_created_by_import ON person (created_by_import);
CREATE INDEX person_departed_on ON person (state, departed_on);

-- STS-Web's management code of a subject (CODE_GESTION, e.g. "AGL1").
ALTER TABLE subject ADD COLUMN short_name TEXT;

-- One row per run of the lifecycle job (not for dry runs): what it did, as counts.
CREATE TABLE lifecycle_run (
  id INTEGER PRIMARY KEY,
  ran_at TEXT NOT NULL,
  effective_date TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  purged INTEGER NOT NULL DEFAULT 0,
  guests_expired INTEGER NOT NULL DEFAULT 0,
  logins_released INTEGER NOT NULL DEFAULT 0
);
