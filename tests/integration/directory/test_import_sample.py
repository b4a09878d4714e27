"""The sample school: counts from expected.json, what lands in the directory, idempotence."""

from __future__ import annotations

import json

import pytest

from appliance.db import rows, scalar
from appliance.directory import reconcile
from tests.integration.directory.directory_helpers import YEAR1_DAY, dump, expected, sample


@pytest.mark.parametrize("folder", ["college-sample", "college-sample-legacy-links"])
def test_plan_counts_match_expected(conn, shared, folder):
    plan = reconcile.plan(conn, sample(shared, folder), today=YEAR1_DAY)
    exp = expected(shared, folder)
    counts = plan.counts()
    assert plan.applicable and reconcile.exit_code(plan) == 0
    assert counts["student"]["add"] == exp["students_current"]
    assert counts["relative"]["add"] == exp["guardian_accounts"]
    assert counts["teacher"]["add"] == exp["teachers"]
    assert counts["staff"]["add"] == exp["staff"]
    assert len(plan.classes.create) == exp["classes"]
    assert len(plan.groups.create) == exp["groups"]
    added = {c.key for c in plan.people if c.action == "add"}
    assert {("siecle_eleve", i) for i in exp["current_student_ids"]} <= added
    guardians = {c.key[1] for c in plan.people if c.profile == "relative"}
    assert guardians == set(exp["guardian_ids"])
    warnings = " ".join(p.message for p in plan.warnings)
    assert "aucune classe" in warnings and "DATE_SORTIE" in warnings
    assert "Homonymes" in warnings and "fonction" in warnings
    assert plan.skipped["students_left_not_in_directory"] == exp["students_departed_in_file"]


def test_plan_json_shape(conn, shared):
    data = reconcile.plan(conn, sample(shared), today=YEAR1_DAY).to_json()
    json.dumps(data)  # serialisable as is
    for profile in ("student", "relative", "teacher", "staff", "guest"):
        assert {"add", "update", "unchanged", "depart"} <= set(data["counts"][profile])
    assert data["problems"]
    for problem in data["problems"]:
        assert set(problem) >= {"file", "line", "severity", "message"}
        assert problem["severity"] in ("error", "warning")
    assert data["exit_code"] == 0 and data["applicable"]
    assert len(data["people"]["add"]) == 114 + 165 + 8 + 6
    assert data["digest"]


def test_year1_directory(year1, shared):
    exp = expected(shared)

    def count(sql, *params):
        return scalar(year1, sql, params)

    assert count("SELECT count(*) FROM person WHERE profile='student' AND state='active'") == 114
    assert count("SELECT count(*) FROM person WHERE profile='relative'") == exp["guardian_accounts"]
    assert count("SELECT count(*) FROM person WHERE profile='teacher'") == 8
    assert count("SELECT count(*) FROM person WHERE profile='staff'") == 6
    assert count("SELECT count(*) FROM school_class") == 4
    assert count("SELECT count(*) FROM teaching_group") == 12
    # Only hashes are stored, and every new account must change its password.
    assert count("SELECT count(*) FROM person WHERE password_hash NOT LIKE '$argon2id$%'") == 0
    assert count("SELECT count(*) FROM person WHERE must_change_password = 0") == 0
    assert count("SELECT count(*) FROM person WHERE created_by_import IS NULL") == 0
    names = {r["first_name"] for r in rows(year1, "SELECT first_name FROM person")}
    assert set(exp["special_names"]) <= names
    lea = rows(
        year1,
        "SELECT login FROM person WHERE last_name = ? AND first_name = ? ORDER BY login",
        tuple(exp["homonym"]),
    )
    assert [r["login"] for r in lea] == ["lea.martin", "lea.martin2"]
    assert count("SELECT count(*) FROM import_run") == 1
    assert count("SELECT count(*) FROM audit_log WHERE action = 'directory.import'") == 1


def test_guardians_siblings_and_couples(year1):
    several = rows(
        year1,
        "SELECT guardian_id, count(*) AS n FROM guardian_link GROUP BY 1 HAVING n > 1",
    )
    assert several, "a guardian with several children has one account linked to each"
    couples = rows(
        year1, "SELECT student_id, count(*) AS n FROM guardian_link GROUP BY 1 HAVING n >= 2"
    )
    assert couples, "both guardians of a child each get an account"
    # Only legal guardians of current students: every link points at an active student.
    assert not rows(
        year1,
        "SELECT 1 FROM guardian_link g JOIN person s ON s.id = g.student_id "
        "WHERE s.profile != 'student' OR s.state != 'active'",
    )
    assert scalar(year1, "SELECT count(*) FROM guardian_link WHERE level != 1") == 0


def test_teachers_and_head_teachers(year1):
    pichon = scalar(
        year1,
        "SELECT person_id FROM external_id WHERE source = 'sts' AND value = 'epp-8000'",
    )
    heads = rows(
        year1,
        "SELECT c.code FROM teaching t JOIN school_class c ON c.id = t.class_id "
        "WHERE t.teacher_id = ? AND t.head_teacher = 1",
        (pichon,),
    )
    assert [r["code"] for r in heads] == ["6 A"]  # the 301 assignment ended in 2026
    taught = scalar(year1, "SELECT count(*) FROM teaching WHERE head_teacher = 0")
    assert taught == 4 * 10 + 12 - 5  # 52 services, 5 by the person without a function
    assert not scalar(year1, "SELECT 1 FROM external_id WHERE value = 'epp-8014'")
    assert scalar(year1, "SELECT short_name FROM subject WHERE code = '030201'") == "AGL1"


def test_student_without_class_and_groups(year1):
    alone = rows(
        year1,
        "SELECT p.login FROM person p WHERE p.profile = 'student' AND NOT EXISTS "
        "(SELECT 1 FROM class_membership m WHERE m.person_id = p.id)",
    )
    assert len(alone) == 1
    assert scalar(year1, "SELECT count(*) FROM group_membership") > 100


def test_same_import_twice_changes_nothing(year1, shared):
    before = [line for line in dump(year1) if "import_run" not in line and "audit_log" not in line]
    plan = reconcile.plan(year1, sample(shared), today=YEAR1_DAY)
    assert not plan.has_changes
    counts = plan.counts()
    assert counts["student"]["unchanged"] == 114 and counts["relative"]["unchanged"] == 165
    assert all(c["add"] == c["update"] == c["depart"] == 0 for c in counts.values())
    result = reconcile.apply(year1, plan, actor="tech")
    assert result.created == []
    after = [line for line in dump(year1) if "import_run" not in line and "audit_log" not in line]
    assert after == before


def test_legacy_link_format_gives_the_same_directory(shared, year1):
    legacy = reconcile.plan(year1, sample(shared, "college-sample-legacy-links"), today=YEAR1_DAY)
    assert not legacy.has_changes
