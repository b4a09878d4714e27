"""Year rollover: the next year's files as one plan; departures, promotions, returns."""

from __future__ import annotations

from datetime import timedelta

from appliance.db import rows, scalar
from appliance.directory import reconcile
from appliance.directory.lifecycle import run_lifecycle
from tests.integration.directory.directory_helpers import YEAR1_DAY, YEAR2_DAY, expected, sample


def active_ids(conn, source, profile):
    return {
        r["value"]
        for r in rows(
            conn,
            "SELECT e.value FROM external_id e JOIN person p ON p.id = e.person_id "
            "WHERE e.source = ? AND p.profile = ? AND p.state = 'active'",
            (source, profile),
        )
    }


def test_rollover_plan(year1, shared):
    exp = expected(shared, "college-sample-next-year")
    plan = reconcile.plan(year1, sample(shared, "college-sample-next-year"), today=YEAR2_DAY)
    assert plan.applicable
    counts = plan.counts()
    assert counts["student"]["add"] == exp["newcomers"]
    assert counts["student"]["depart"] == 114 - exp["promoted"]
    assert counts["student"]["move"] >= exp["promoted"] - 5
    assert (
        counts["relative"]["add"] + counts["relative"]["update"] + counts["relative"]["unchanged"]
        == exp["guardian_accounts"]
    )
    assert counts["relative"]["depart"] > 0
    assert plan.groups.retire == ["LATIN3", "LATIN4", "LATIN5", "LATIN6", "_6AALL2"]
    assert plan.classes.retire == []
    moves = {(m["from"], m["to"]) for m in plan.to_json()["moves"]}
    assert ("6 A", "501") in moves and ("4 A", "301") in moves


def test_rollover_applied(year2, shared):
    exp = expected(shared, "college-sample-next-year")
    assert active_ids(year2, "siecle_eleve", "student") == set(exp["current_student_ids"])
    assert active_ids(year2, "siecle_personne", "relative") == set(exp["guardian_ids"])
    departed = rows(year2, "SELECT departed_on FROM person WHERE state = 'departed'")
    assert departed and {r["departed_on"] for r in departed} == {YEAR2_DAY.isoformat()}
    assert (
        scalar(year2, "SELECT count(*) FROM teaching_group WHERE retired_at IS NULL")
        == exp["groups"]
    )
    assert (
        scalar(year2, "SELECT count(*) FROM school_class WHERE retired_at IS NULL")
        == exp["classes"]
    )
    kylian = rows(
        year2,
        "SELECT c.code FROM class_membership m JOIN school_class c ON c.id = m.class_id "
        "JOIN person p ON p.id = m.person_id WHERE p.login = 'kylian.boulanger'",
    )
    assert [r["code"] for r in kylian] == ["501"]
    assert scalar(year2, "SELECT count(*) FROM import_run") == 2
    again = reconcile.plan(year2, sample(shared, "college-sample-next-year"), today=YEAR2_DAY)
    assert not again.has_changes


def test_departed_come_back_before_purge(year2, shared):
    later = YEAR2_DAY + timedelta(days=20)
    run_lifecycle(year2, later)  # past the grace period: the leavers are disabled
    assert scalar(year2, "SELECT count(*) FROM person WHERE state = 'disabled'") > 0
    plan = reconcile.plan(year2, sample(shared), today=later)
    assert plan.counts()["student"]["reactivate"] == 114 - 86
    reconcile.apply(year2, plan)
    back = rows(
        year2,
        "SELECT state, departed_on, disabled_on FROM person WHERE login = 'jerome.reynaud'",
    )
    assert back == [{"state": "active", "departed_on": None, "disabled_on": None}]


def test_purged_people_get_a_new_login_when_they_return(year2, shared):
    purge_day = YEAR2_DAY + timedelta(days=90)
    report = run_lifecycle(year2, purge_day)
    assert report.purged
    assert not rows(year2, "SELECT 1 FROM person WHERE login = 'jerome.reynaud'")
    plan = reconcile.plan(year2, sample(shared), today=purge_day)
    jerome = next(c for c in plan.people if c.first_name == "Jérôme" and c.last_name == "REYNAUD")
    assert jerome.action == "add"
    assert jerome.login == "jerome.reynaud2"  # the old login stays reserved


def test_year1_then_year2_warns_about_school_year(year1, shared):
    plan = reconcile.plan(year1, sample(shared, "college-sample-next-year"), today=YEAR1_DAY)
    assert any("2027-2028" in p.message for p in plan.warnings)


def test_rollover_summary_says_what_will_happen(year1, shared):
    plan = reconcile.plan(year1, sample(shared, "college-sample-next-year"), today=YEAR2_DAY)
    text = "\n".join(plan.summary())
    assert "21 élève(s) à créer." in text
    assert "28 élève(s) partent" in text
    assert "changent de classe" in text
    assert "groupe(s) à retirer : LATIN3" in text
    assert plan.to_json()["summary"] == plan.summary()
