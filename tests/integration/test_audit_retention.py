"""The audit log can't fill the disk (#9): repeated entries are coalesced with a count, and
entries older than `security.audit_retention_days` are purged by the worker's job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from appliance import scheduler
from tests.conftest import csrf_token, login_admin, make_person, text


def test_two_thousand_throttled_posts_write_a_handful_of_rows(app, conn):
    _pid, name, _pw = make_person(conn, "student")
    attacker = app.test_client()
    token = csrf_token(attacker, "/login")
    statuses = set()
    for i in range(2000):
        r = attacker.post(
            "/login",
            data={"login": name, "password": f"essai {i}", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "198.51.100.7"},
        )
        statuses.add(r.status_code)
    assert 429 in statuses
    found = conn.execute(
        "SELECT action, count FROM audit_log WHERE actor_login = ? ORDER BY count DESC", (name,)
    ).fetchall()
    assert len(found) <= 6  # failed and throttled, per minute: a handful
    assert sum(r["count"] for r in found) == 2000  # and every post is accounted for
    biggest = found[0]
    assert biggest["action"] == "login.throttled" and biggest["count"] > 1000
    admin = app.test_client()
    login_admin(admin, conn)
    page = text(admin.get(f"/admin/journal?actor={name}"))
    assert f"× {biggest['count']}" in page


def _old_row(conn, days: int, action: str = "login") -> None:
    at = (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0).isoformat()
    conn.execute(
        "INSERT INTO audit_log (at, actor_login, action, outcome) VALUES (?, 'x', ?, 'ok')",
        (at, action),
    )


def test_the_worker_purges_old_entries_and_audits_its_run(box, conn):
    assert box.config["security.audit_retention_days"] == 400
    for days in (900, 500, 401):
        _old_row(conn, days, "old.entry")
    for days in (399, 10, 0):
        _old_row(conn, days, "recent.entry")
    jobs = {spec.id: spec for spec in scheduler.all_jobs(box)}
    assert "audit_retention" in jobs
    jobs["audit_retention"].func(box)
    left = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "old.entry" not in left
    assert left.count("recent.entry") == 3
    run = conn.execute(
        "SELECT actor_login, details FROM audit_log WHERE action = 'audit.purge'"
    ).fetchone()
    assert run is not None and '"deleted": 3' in run["details"]
    jobs["audit_retention"].func(box)  # a second run has nothing to delete, and says so
    assert (
        conn.execute("SELECT count(*) FROM audit_log WHERE action='audit.purge'").fetchone()[0] == 2
    )
