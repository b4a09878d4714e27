"""Departed → grace → disabled → purged (≤ 90 days), with a controlled clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from appliance.db import rows, scalar
from appliance.directory.lifecycle import owned_rows, person_references, run_lifecycle
from appliance.directory.people import create_person
from appliance.errors import CartableError
from tests.integration.directory.directory_helpers import YEAR2_DAY


def states(conn):
    return {
        r["state"]: r["n"] for r in rows(conn, "SELECT state, count(*) AS n FROM person GROUP BY 1")
    }


def test_grace_then_disable(year2):
    departed = states(year2)["departed"]
    year2.execute(
        "INSERT INTO web_session (id_hash, person_id, created_at, last_seen_at) "
        "SELECT 'h' || id, id, 0, 0 FROM person WHERE state = 'departed'"
    )
    report = run_lifecycle(year2, YEAR2_DAY + timedelta(days=14))
    assert report.disabled == [] and report.purged == []
    assert states(year2)["departed"] == departed  # can still log in during the grace period
    report = run_lifecycle(year2, YEAR2_DAY + timedelta(days=15))
    assert len(report.disabled) == departed
    assert "departed" not in states(year2) and states(year2)["disabled"] == departed
    assert scalar(year2, "SELECT count(*) FROM web_session") == 0
    assert scalar(year2, "SELECT count(*) FROM lifecycle_run") == 2


def test_dry_run_changes_nothing(year2):
    before = list(year2.iterdump())
    report = run_lifecycle(year2, YEAR2_DAY + timedelta(days=200), dry_run=True)
    assert report.purged and report.dry_run
    assert list(year2.iterdump()) == before


def test_purge_at_90_days_leaves_nothing_behind(year2):
    gone = [r["id"] for r in rows(year2, "SELECT id FROM person WHERE state = 'departed'")]
    logins = {r["login"] for r in rows(year2, "SELECT login FROM person WHERE state='departed'")}
    assert any(owned_rows(year2, pid) for pid in gone)
    assert run_lifecycle(year2, YEAR2_DAY + timedelta(days=89)).purged == []
    report = run_lifecycle(year2, YEAR2_DAY + timedelta(days=90))
    assert sorted(p["id"] for p in report.purged) == sorted(gone)
    assert not rows(year2, f"SELECT 1 FROM person WHERE id IN ({','.join(map(str, gone))})")
    for table, column in person_references(year2):
        orphans = scalar(
            year2,
            f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL AND "{column}" '
            "NOT IN (SELECT id FROM person)",
        )
        assert orphans == 0, table
    assert year2.execute("PRAGMA foreign_key_check").fetchall() == []
    retired = {r["login"] for r in rows(year2, "SELECT login FROM retired_login")}
    assert retired == logins
    audits = rows(year2, "SELECT target, details FROM audit_log WHERE action = 'directory.purge'")
    assert len(audits) == len(gone)
    for entry in audits:  # counts, not content: no login or name in the audit log
        assert not any(login in (entry["details"] or "") for login in logins)
        assert '"rows"' in entry["details"]


def test_retired_logins_are_released_after_the_keep_period(year2):
    purge_day = YEAR2_DAY + timedelta(days=90)
    run_lifecycle(year2, purge_day)
    kept = scalar(year2, "SELECT count(*) FROM retired_login")
    assert kept > 0
    assert run_lifecycle(year2, purge_day + timedelta(days=399)).logins_released == []
    report = run_lifecycle(year2, purge_day + timedelta(days=400))
    assert len(report.logins_released) == kept
    assert scalar(year2, "SELECT count(*) FROM retired_login") == 0


def test_guest_expiry(conn):
    guest = create_person(
        conn,
        login="claire.arnaud",
        profile="guest",
        first_name="Claire",
        last_name="ARNAUD",
        expires_on="2026-12-31",
    )
    assert run_lifecycle(conn, date(2026, 12, 31)).guests_expired == []
    report = run_lifecycle(conn, date(2027, 1, 1))
    assert [g["id"] for g in report.guests_expired] == [guest]
    row = rows(conn, "SELECT state, departed_on, disabled_on FROM person WHERE id = ?", (guest,))
    assert row == [{"state": "disabled", "departed_on": "2026-12-31", "disabled_on": "2027-01-01"}]
    report = run_lifecycle(conn, date(2026, 12, 31) + timedelta(days=90))
    assert [p["id"] for p in report.purged] == [guest]


def test_delays_are_bounded_by_the_law(conn):
    with pytest.raises(CartableError, match="90"):
        run_lifecycle(conn, date(2027, 1, 1), purge_days=91)
    with pytest.raises(CartableError, match="grâce"):
        run_lifecycle(conn, date(2027, 1, 1), grace_days=30, purge_days=30)


def test_purge_hooks_are_called(year2):
    seen = []
    run_lifecycle(year2, YEAR2_DAY + timedelta(days=90), on_purge=[lambda c, p: seen.append(p)])
    assert seen and all("login" in p for p in seen)


def test_run_with_config(year2):
    from appliance.directory.lifecycle import run_with_config

    config = {"directory.departed_grace_days": 3, "directory.purge_after_days": 30}
    report = run_with_config(year2, config, today=YEAR2_DAY + timedelta(days=3), dry_run=True)
    assert report.disabled and not report.purged
    report = run_with_config(year2, config, today=YEAR2_DAY + timedelta(days=30), dry_run=True)
    assert report.purged
    data = report.to_json()
    assert data["counts"]["purged"] == len(report.purged) and data["dry_run"]
