"""The audit helper (issue 10): an action and its audit row commit or roll back together,
in the service that writes; the web UI writes no audit row itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from appliance import db
from appliance.db import transaction
from appliance.directory import people
from appliance.errors import CartableError
from appliance.security.audit import Actor, audited

ROOT = Path(__file__).resolve().parents[2]
TECH = Actor(7, "tech", "192.0.2.10")
WRITERS = {"record", "audited", "AuditEntry"}


def _audit_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Lines of `tree` that write the audit log: `audit.record(…)` / `audit.audited(…)`, or
    `record` / `audited` imported from appliance.security.audit."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "appliance.security.audit":
            found += [(node.lineno, a.name) for a in node.names if a.name in WRITERS]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in WRITERS
            and isinstance(node.value, ast.Name)
            and node.value.id == "audit"
        ):
            found.append((node.lineno, f"audit.{node.attr}"))
    return found


def test_the_web_ui_writes_no_audit_row():
    sources = sorted((ROOT / "webui").rglob("*.py"))
    assert len(sources) > 10
    found = []
    for path in sources:
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        found += [f"{where}: audit.record(" for _ in range(text.count("audit.record("))]
        found += [f"{where}:{line}: {name}" for line, name in _audit_writes(ast.parse(text))]
    assert found == [], "the service that writes audits its action, not the view"


def test_the_source_walk_sees_both_spellings():
    """The walk above finds a call through the module and a name imported from it."""
    tree = ast.parse(
        "from appliance.security import audit\n"
        "from appliance.security.audit import Actor, record\n"
        "audit.record(conn, actor, 'x')\n"
        "audit.search(conn)\n"
    )
    assert _audit_writes(tree) == [(2, "record"), (3, "audit.record")]


def _fresh(box):
    """A second connection to the same file: it sees only what was committed."""
    return db.connect(box.config.db_path)


def _rows(box, action: str) -> list[dict]:
    other = _fresh(box)
    try:
        return db.rows(other, "SELECT * FROM audit_log WHERE action = ?", (action,))
    finally:
        other.close()


def _logins(box) -> set[str]:
    other = _fresh(box)
    try:
        return {r["login"] for r in db.rows(other, "SELECT login FROM person")}
    finally:
        other.close()


def _insert(conn, login: str) -> int:
    cur = conn.execute(
        "INSERT INTO person (login, profile, state, first_name, last_name, created_at, "
        "updated_at) VALUES (?, 'staff', 'active', 'A', 'B', '2026-01-01', '2026-01-01')",
        (login,),
    )
    return int(cur.lastrowid)


def test_a_successful_action_commits_with_its_row(box, conn):
    with audited(conn, TECH, "person.create", details={"profile": "staff"}) as entry:
        pid = _insert(conn, "alice.martin")
        entry.target = f"person:{pid}"
        entry.details["login"] = "alice.martin"
        assert conn.in_transaction
    assert not conn.in_transaction
    assert "alice.martin" in _logins(box)
    (row,) = _rows(box, "person.create")
    assert (row["actor_id"], row["actor_login"], row["ip"]) == (7, "tech", "192.0.2.10")
    assert row["target"] == f"person:{pid}" and row["outcome"] == "ok"
    assert row["details"] == '{"login": "alice.martin", "profile": "staff"}'


def test_an_error_rolls_back_the_action_and_its_row(box, conn):
    with pytest.raises(RuntimeError, match="disk on fire"):
        with audited(conn, TECH, "person.create") as entry:
            entry.target = f"person:{_insert(conn, 'bob.durand')}"
            raise RuntimeError("disk on fire")
    assert not conn.in_transaction
    assert "bob.durand" not in _logins(box)
    assert _rows(box, "person.create") == []


def test_a_row_that_cannot_be_written_rolls_back_the_action(box, conn):
    with pytest.raises(TypeError):
        with audited(conn, TECH, "person.create") as entry:
            _insert(conn, "chloe.petit")
            entry.details["what"] = object()  # not JSON: the row fails just before commit
    assert "chloe.petit" not in _logins(box)
    assert _rows(box, "person.create") == []


def test_inside_the_callers_transaction_the_row_is_the_callers(box, conn):
    """Joined to an open transaction, the row commits or rolls back with the caller's."""
    with pytest.raises(ValueError):
        with transaction(conn):
            with audited(conn, TECH, "person.create"):
                _insert(conn, "david.roux")
            assert len(db.rows(conn, "SELECT 1 FROM audit_log WHERE action = 'person.create'"))
            raise ValueError("the caller's next step failed")
    assert "david.roux" not in _logins(box)
    assert _rows(box, "person.create") == []
    with transaction(conn):
        with audited(conn, TECH, "person.create"):
            _insert(conn, "david.roux")
        assert _rows(box, "person.create") == []  # not committed yet
    assert len(_rows(box, "person.create")) == 1


def test_a_skipped_entry_and_no_actor_write_no_row(box, conn):
    with audited(conn, TECH, "account.totp_enable") as entry:
        entry.skip()
    with audited(conn, None, "person.create"):
        _insert(conn, "emma.blanc")  # one step of a larger action audited elsewhere
    assert "emma.blanc" in _logins(box)
    assert _rows(box, "account.totp_enable") == [] and _rows(box, "person.create") == []


def test_services_write_their_action_and_row_together(box, conn):
    pid = people.create_person(
        conn, login="farid.nour", profile="staff", first_name="Farid", last_name="Nour",
        actor=TECH,
    )  # fmt: skip
    (created,) = _rows(box, "person.create")
    assert created["target"] == f"person:{pid}"
    assert created["details"] == '{"login": "farid.nour", "profile": "staff"}'
    # A refused create (the login is taken) writes neither the person nor a row.
    with pytest.raises(CartableError):
        people.create_person(
            conn, login="farid.nour", profile="staff", first_name="F", last_name="N",
            actor=TECH,
        )  # fmt: skip
    assert len(_rows(box, "person.create")) == 1
    people.set_state(conn, pid, "disabled", actor=TECH)
    assert people.get_person(conn, pid)["state"] == "disabled"
    (disabled,) = _rows(box, "person.disable")
    assert disabled["target"] == f"person:{pid}" and disabled["actor_login"] == "tech"
    # Without an actor (an import's own step), the same service writes no row.
    people.set_state(conn, pid, "active")
    assert people.get_person(conn, pid)["state"] == "active"
    assert _rows(box, "person.enable") == []
