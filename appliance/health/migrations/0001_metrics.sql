-- metrics.db as it was before it had migrations (its tables then said
-- meta.schema_version = 1): series, raw points, minute and hour tiers, alerts,
-- silences and the SMART log. IF NOT EXISTS, so that it can run over such a file.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS raw (
  ts INTEGER NOT NULL, series_id INTEGER NOT NULL, value REAL NOT NULL,
  PRIMARY KEY (ts, series_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS minute (
  block INTEGER NOT NULL, series_id INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (block, series_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hour (
  block INTEGER NOT NULL, series_id INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (block, series_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  category TEXT NOT NULL,
  source TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('warning', 'critical')),
  peak_level TEXT NOT NULL CHECK (peak_level IN ('warning', 'critical')),
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  updated_at INTEGER NOT NULL,
  summary TEXT NOT NULL,
  why TEXT NOT NULL,
  advice TEXT NOT NULL,
  value REAL,
  notified_level TEXT,
  notified_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_open_key ON alerts (key) WHERE ended_at IS NULL;
CREATE INDEX IF NOT EXISTS alerts_started ON alerts (started_at);
CREATE TABLE IF NOT EXISTS silences (
  key TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER);
CREATE TABLE IF NOT EXISTS smart_log (
  device TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  serial TEXT,
  report TEXT NOT NULL,
  PRIMARY KEY (device, collected_at)) WITHOUT ROWID;
