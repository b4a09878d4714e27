"""Bad files never change the directory: errors stop the apply, unreadable files exit 2."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from appliance.directory import reconcile
from appliance.directory.apply import PlanHasErrors, StalePlan
from appliance.directory.people import create_person
from tests.integration.directory.directory_helpers import YEAR1_DAY, dump, sample

TODAY = date(2026, 9, 15)

BAD = {
    "eleves_other_uai.xml": "autre établissement",
    "eleves_duplicate_id.xml": "deux fois",
    "eleves_no_name.xml": "pas de nom",
    "eleves_resaved_utf8.xml": "réenregistré en UTF-8",
    "eleves_resaved_cp1252.xml": "Windows-1252",
    "eleves_double_encoded.xml": "déformées",
    "eleves_truncated.xml": "tronqué",
    "eleves_bomb.xml": "entités",
    "edt_export.xml": "emploi du temps",
    "people_duplicate_id.csv": "deux fois",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_refused_and_changes_nothing(conn, messy, name):
    before = dump(conn)
    plan = reconcile.plan(conn, [messy / name], today=TODAY)
    assert not plan.applicable
    assert reconcile.exit_code(plan) == 1
    assert any(BAD[name] in p.message for p in plan.errors), plan.errors
    data = plan.to_json()
    assert data["exit_code"] == 1 and data["errors"] >= 1
    with pytest.raises(PlanHasErrors):
        reconcile.apply(conn, plan)
    assert dump(conn) == before


def test_one_bad_file_blocks_the_whole_import(conn, messy):
    plan = reconcile.plan(
        conn, [messy / "responsables_legacy.xml", messy / "eleves_other_uai.xml"], today=TODAY
    )
    assert not plan.applicable


def test_truncated_file_on_a_full_directory_announces_no_departures(year1, messy):
    plan = reconcile.plan(year1, [messy / "eleves_truncated.xml"], today=YEAR1_DAY)
    assert not plan.applicable
    assert plan.counts()["student"]["depart"] == 0


@pytest.mark.parametrize("name", ["garbage.bin", "not_an_export.xml", "absent.xml"])
def test_unreadable_file_raises_with_exit_code_2(conn, messy, name):
    with pytest.raises(reconcile.UnreadableFile) as exc:
        reconcile.plan(conn, [messy / name], today=TODAY)
    assert exc.value.exit_code == 2


def test_no_school_configured_is_an_error(tmp_path, messy):
    from appliance.db import connect, migrate

    bare = connect(tmp_path / "bare.db")
    migrate(bare)
    plan = reconcile.plan(bare, [messy / "eleves_latin9.xml"], today=TODAY)
    assert any("cartable init" in p.message for p in plan.errors)


def test_last_year_export_is_only_a_warning(conn, messy):
    plan = reconcile.plan(conn, [messy / "eleves_last_year.xml"], today=TODAY)
    assert plan.applicable
    assert any("année scolaire 2025-2026" in p.message for p in plan.warnings)


def test_same_file_twice_is_an_error(conn, messy):
    path = messy / "eleves_latin9.xml"
    plan = reconcile.plan(conn, [path, path], today=TODAY)
    assert any("une seule fois" in p.message for p in plan.errors)


def test_apply_is_all_or_nothing(conn, messy):
    before = dump(conn)
    plan = reconcile.plan(
        conn, [messy / "eleves_latin9.xml", messy / "responsables_legacy.xml"], today=TODAY
    )
    assert plan.applicable

    # A real failure late in the apply, once the people are written: the database itself
    # refuses the guardian links (a temporary trigger of this connection only).
    conn.execute(
        "CREATE TEMP TRIGGER refuse_links BEFORE INSERT ON guardian_link "
        "BEGIN SELECT RAISE(ABORT, 'disque plein'); END"
    )
    with pytest.raises(sqlite3.DatabaseError, match="disque plein"):
        reconcile.apply(conn, plan)
    assert dump(conn) == before
    conn.execute("DROP TRIGGER temp.refuse_links")
    result = reconcile.apply(conn, plan)
    assert len(result.created) == 5 + 2  # 5 current students, 2 legal guardians


def test_stale_plan_is_refused(conn, messy):
    plan = reconcile.plan(conn, [messy / "eleves_latin9.xml"], today=TODAY)
    create_person(
        conn, login="autre.personne", profile="staff", first_name="Autre", last_name="Personne"
    )
    before = dump(conn)
    with pytest.raises(StalePlan):
        reconcile.apply(conn, plan)
    assert dump(conn) == before


def test_small_import_guardian_rules(conn, messy):
    plan = reconcile.plan(
        conn, [messy / "eleves_latin9.xml", messy / "responsables_legacy.xml"], today=TODAY
    )
    relatives = {c.key[1]: c for c in plan.people if c.profile == "relative"}
    # 700001: mother of two current children; 700002: RESP_LEGAL 2. Not: 700003 (child
    # has left), 700004 (contact), 700005 (unknown student).
    assert set(relatives) == {"700001", "700002"}
    mother = [lk for lk in plan.link_add if lk[0] == relatives["700001"].ref]
    assert len(mother) == 2
    assert any("inconnu" in p.message for p in plan.warnings)
    result = reconcile.apply(conn, plan)
    assert result.import_id == 1
    again = reconcile.plan(
        conn, [messy / "eleves_latin9.xml", messy / "responsables_legacy.xml"], today=TODAY
    )
    assert not again.has_changes


def test_responsables_alone_uses_students_of_the_directory(conn, messy):
    reconcile.apply(conn, reconcile.plan(conn, [messy / "eleves_latin9.xml"], today=TODAY))
    plan = reconcile.plan(conn, [messy / "responsables_legacy.xml"], today=TODAY)
    assert plan.applicable
    assert plan.counts()["relative"]["add"] == 2
    assert any("sans le fichier des élèves" in p.message for p in plan.warnings)


def test_sample_year1_with_wrong_school(tmp_path, shared):
    from appliance.db import connect, migrate

    other = connect(tmp_path / "other.db")
    migrate(other)
    other.execute("INSERT INTO school (id, uai, name) VALUES (1, '0751234A', 'Autre')")
    plan = reconcile.plan(other, sample(shared), today=YEAR1_DAY)
    assert len([p for p in plan.errors if "0679999X" in p.message]) == 3


def test_run_import_dry_run_and_apply(conn, messy):
    before = dump(conn)
    made, result = reconcile.run_import(
        conn, [messy / "eleves_latin9.xml"], dry_run=True, today=TODAY
    )
    assert result is None and made.applicable and dump(conn) == before
    made, result = reconcile.run_import(conn, [messy / "eleves_latin9.xml"], today=TODAY)
    assert result is not None and len(result.created) == 5
    assert result.to_json()["import_id"] == 1 and "initial_passwords" not in result.to_json()
    made, result = reconcile.run_import(conn, [messy / "eleves_other_uai.xml"], today=TODAY)
    assert result is None and reconcile.exit_code(made) == 1


def test_accounts_without_password_until_slips(conn, messy):
    from appliance.db import scalar

    plan = reconcile.plan(conn, [messy / "eleves_latin9.xml"], today=TODAY)
    result = reconcile.apply(conn, plan, initial_passwords=False)
    assert result.initial_passwords == {}
    assert scalar(conn, "SELECT count(*) FROM person WHERE password_hash IS NULL") == 5
