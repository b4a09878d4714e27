import re
import sqlite3
from importlib import resources

import pytest

from appliance import db
from appliance.errors import DatabaseVersionError


def test_connection_settings(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_recorded_and_idempotent(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    applied = db.migrate(conn)
    assert applied[0] == 1
    assert applied == sorted(applied)
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations")]
    assert versions == applied
    assert db.migrate(conn) == []
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    for t in (
        "school",
        "person",
        "school_class",
        "teaching_group",
        "class_membership",
        "group_membership",
        "guardian_link",
        "teaching",
        "external_id",
        "audit_log",
    ):
        assert t in tables


def test_a_migration_numbered_below_the_last_applied_is_still_applied(tmp_path):
    """A service merged after a later-numbered one (its 0071 after another's 0080): a
    database that has 0080 but not 0071 gets 0071 on the next start."""
    conn = db.connect(tmp_path / "x.db")
    db.migrate(conn)
    sql = (resources.files("appliance.files.migrations") / "0071_documents.sql").read_text()
    for trigger in re.findall(r"CREATE TRIGGER (\w+)", sql):
        conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("file_share", "file_usage", "file_node"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM schema_migrations WHERE version = 71")
    conn.commit()
    assert db.migrate(conn) == [71]
    assert conn.execute("SELECT count(*) FROM file_node").fetchone()[0] == 0
    assert db.migrate(conn) == []


def test_newer_database_refuses_to_start(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    db.migrate(conn)
    conn.execute(
        "INSERT INTO schema_migrations VALUES (?, 'future', '2099-01-01')",
        (db.code_schema_version() + 1,),
    )
    with pytest.raises(DatabaseVersionError, match="plus récent"):
        db.migrate(conn)
    with pytest.raises(DatabaseVersionError):
        db.check_version(conn)


def test_transaction_rolls_back_on_error(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    db.migrate(conn)
    with pytest.raises(RuntimeError):
        with db.transaction(conn):
            conn.execute("INSERT INTO school (id, uai, name) VALUES (1, '0679999X', 'A')")
            raise RuntimeError("boom")
    assert db.scalar(conn, "SELECT count(*) FROM school") == 0
    with db.transaction(conn):
        conn.execute("INSERT INTO school (id, uai, name) VALUES (1, '0679999X', 'A')")
    assert db.scalar(conn, "SELECT count(*) FROM school") == 1


def test_nested_transaction_failure_rolls_back_inner_only(tmp_path):
    conn = db.connect(tmp_path / "x.db")
    db.migrate(conn)
    with db.transaction(conn):
        conn.execute("INSERT INTO school (id, uai, name) VALUES (1, '0679999X', 'A')")
        with pytest.raises(sqlite3.IntegrityError):
            with db.transaction(conn):
                conn.execute("INSERT INTO school (id, uai, name) VALUES (1, 'dup', 'B')")
    assert db.scalar(conn, "SELECT name FROM school") == "A"


def test_write_transaction_takes_the_lock_up_front(tmp_path):
    path = tmp_path / "x.db"
    a, b = db.connect(path), db.connect(path)
    db.migrate(a)
    b.execute("PRAGMA busy_timeout = 50")
    with db.transaction(a):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            b.execute("BEGIN IMMEDIATE")
        # Readers are never blocked in WAL mode.
        assert b.execute("SELECT count(*) FROM person").fetchone()[0] == 0
