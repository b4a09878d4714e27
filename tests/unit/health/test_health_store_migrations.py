"""metrics.db has numbered migrations like cartable.db: a file from before them is adopted
at version 1 with its data, a file newer than the code refuses to open."""

import re
import sqlite3
from pathlib import Path

import pytest

from appliance import db
from appliance.errors import DatabaseVersionError
from appliance.health.store import METRICS, MetricStore

# The DDL metrics.db was created with before it had migrations (appliance/health/store.py
# up to #9), run the way that code ran it, with its `meta.schema_version` row.
OLD_SCHEMA = """
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
"""


def _old_metrics_db(path, *, with_meta=True):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("BEGIN IMMEDIATE")
    for statement in OLD_SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    if with_meta:
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO series (id, name) VALUES (1, 'cpu.percent')")
    conn.executemany(
        "INSERT INTO raw (ts, series_id, value) VALUES (?, 1, ?)", [(1000, 12.5), (1010, 40.0)]
    )
    conn.execute(
        "INSERT INTO alerts (key, category, source, level, peak_level, started_at, updated_at,"
        " summary, why, advice) VALUES ('disk', 'disk', 'sda', 'warning', 'warning', 1, 1,"
        " 's', 'w', 'a')"
    )
    conn.execute("INSERT INTO meta (key, value) VALUES ('downsample.minute_until', '960')")
    conn.execute("COMMIT")
    conn.close()


def _versions(path):
    conn = sqlite3.connect(path)
    try:
        return [tuple(r) for r in conn.execute("SELECT version, name FROM schema_migrations")]
    finally:
        conn.close()


@pytest.mark.parametrize("with_meta", [True, False])
def test_metrics_db_from_before_migrations_is_adopted_with_its_data(tmp_path, with_meta):
    path = tmp_path / "metrics.db"
    _old_metrics_db(path, with_meta=with_meta)
    store = MetricStore.open(path)
    try:
        assert store.read_raw("cpu.percent", 0, 2000) == [(1000, 12.5), (1010, 40.0)]
        assert store.get_meta("downsample.minute_until") == "960"
        assert db.scalar(store.conn, "SELECT count(*) FROM alerts") == 1
        assert db.current_version(store.conn, METRICS) == 1
        assert db.migrate(store.conn, METRICS) == []
    finally:
        store.close()
    assert _versions(path) == [(1, "metrics (adopted)")]
    # Opened again: nothing is adopted twice, the data is still there.
    again = MetricStore.open(path)
    try:
        assert again.series_names() == ["cpu.percent"]
    finally:
        again.close()
    assert _versions(path) == [(1, "metrics (adopted)")]


def test_new_metrics_db_gets_every_migration(tmp_path):
    path = tmp_path / "metrics.db"
    MetricStore.open(path).close()
    code = db.code_schema_version(METRICS)
    assert code >= 1
    assert [v for v, _ in _versions(path)] == list(range(1, code + 1))
    store = MetricStore.open(path, readonly=True)
    try:
        assert store.series_names() == []
    finally:
        store.close()


def test_newer_metrics_db_refuses_to_open_and_is_left_alone(tmp_path):
    path = tmp_path / "metrics.db"
    MetricStore.open(path).close()
    newer = db.code_schema_version(METRICS) + 1
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_migrations VALUES (?, 'future', '2099-01-01')", (newer,))
    conn.commit()
    conn.close()
    before = _versions(path)
    for readonly in (False, True):
        with pytest.raises(DatabaseVersionError) as info:
            MetricStore.open(path, readonly=readonly)
        text = str(info.value)
        assert "metrics.db" in text and "plus récent" in text and f"schéma {newer}" in text
    assert _versions(path) == before


def test_metrics_db_from_before_with_a_newer_recorded_version_is_refused(tmp_path):
    path = tmp_path / "metrics.db"
    _old_metrics_db(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(DatabaseVersionError, match="plus récent"):
        MetricStore.open(path)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    conn.close()
    assert "schema_migrations" not in tables


@pytest.mark.parametrize("schema", [db.CARTABLE, METRICS])
def test_each_schema_says_newer_with_a_template_of_its_two_versions(schema):
    # Passed through `schema.newer`, so test_error_messages can't see the literal.
    assert set(re.findall(r"%\((\w+)\)s", schema.newer)) == {"have", "code"}
    assert schema.newer in _english_catalogue()


def _english_catalogue():
    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parents[3] / "webui/translations/en/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id and m.string}
