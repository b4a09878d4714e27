"""The CSV template: additive by default, complete with --full, can correct SIECLE people."""

from __future__ import annotations

from datetime import date

from appliance.db import rows, scalar
from appliance.directory import reconcile
from tests.integration.directory.directory_helpers import YEAR1_DAY, dump

TODAY = date(2026, 9, 15)


def test_template_creates_every_profile(conn, shared):
    plan = reconcile.plan(conn, [shared / "people-template-utf8-bom.csv"], today=TODAY)
    assert plan.applicable
    counts = plan.counts()
    assert {p: c["add"] for p, c in counts.items()} == {
        "student": 3, "teacher": 1, "staff": 1, "relative": 3, "guest": 1,
    }  # fmt: skip
    reconcile.apply(conn, plan)
    guest = rows(conn, "SELECT expires_on, login FROM person WHERE profile = 'guest'")
    assert guest == [{"expires_on": "2027-08-31", "login": "claire.arnaud"}]
    maryline = scalar(conn, "SELECT id FROM person WHERE login = 'maryline.leboeuf'")
    links = scalar(conn, "SELECT count(*) FROM guardian_link WHERE guardian_id = ?", (maryline,))
    assert links == 2
    heads = rows(
        conn,
        "SELECT c.code FROM teaching t JOIN school_class c ON c.id = t.class_id "
        "WHERE t.head_teacher = 1",
    )
    assert [r["code"] for r in heads] == ["5 B"]
    logins = {r["login"] for r in rows(conn, "SELECT login FROM person")}
    assert {"anais.dupont-dupuis", "ibrahima.ndiaye", "coeline.leboeuf"} <= logins
    same = reconcile.plan(conn, [shared / "people-template-cp1252.csv"], today=TODAY)
    assert not same.has_changes  # the CP1252 copy is the same data


def test_csv_is_additive_unless_full(year1, shared, tmp_path):
    before = scalar(year1, "SELECT count(*) FROM person WHERE state = 'active'")
    plan = reconcile.plan(year1, [shared / "people-template-utf8-bom.csv"], today=YEAR1_DAY)
    assert all(c["depart"] == 0 for c in plan.counts().values())
    reconcile.apply(year1, plan)
    assert scalar(year1, "SELECT count(*) FROM person WHERE state = 'active'") == before + 9
    small = tmp_path / "staff.csv"
    small.write_text("profil;id;nom;prenom\nPersonnel;LOC-P-0001;ROUSSEL;Gaëtan\n", "utf-8")
    full = reconcile.plan(year1, [small], full=True, today=YEAR1_DAY)
    # Only the staff brought by CSV or by hand depart; STS staff are not the CSV's to remove.
    assert full.counts()["staff"]["depart"] == 0
    assert full.counts()["student"]["depart"] == 0
    other = tmp_path / "students.csv"
    other.write_text("profil;id;nom;prenom;classe\nStudent;LOC-S-0002;N'DIAYE;Ibrahima;4 A\n")
    full = reconcile.plan(year1, [other], full=True, today=YEAR1_DAY)
    gone = {c.login: c.reason for c in full.people if c.action == "depart"}
    assert set(gone) == {
        "anais.dupont-dupuis",
        "coeline.leboeuf",
        # Their parents have no child left at school: they go too (Rachid keeps Ibrahima).
        "veronique.dupont",
        "maryline.leboeuf",
    }
    assert gone["veronique.dupont"] == "plus aucun enfant scolarisé"


def test_csv_corrects_a_siecle_student(year1, tmp_path):
    eleve = rows(
        year1,
        "SELECT p.id, p.login FROM person p JOIN external_id e ON e.person_id = p.id "
        "WHERE e.source = 'siecle_eleve' AND e.value = '1820121'",
    )[0]
    fix = tmp_path / "fix.csv"
    fix.write_text(
        "profil;id;nom;prenom;email;classe\n"
        "Student;ELV-1820121;BOULANGER;Kylian;kylian@example.org;4 A\n",
        encoding="utf-8",
    )
    plan = reconcile.plan(year1, [fix], today=YEAR1_DAY)
    (change,) = [c for c in plan.people if c.action != "unchanged"]
    assert change.person_id == eleve["id"] and change.action == "update"
    assert change.fields == {"email": [None, "kylian@example.org"]}
    assert change.moved and (change.class_from, change.class_to) == ("6 A", "4 A")
    reconcile.apply(year1, plan)
    assert not reconcile.plan(year1, [fix], today=YEAR1_DAY).has_changes


def test_messy_csv_guardian_of_two(conn, messy):
    plan = reconcile.plan(conn, [messy / "people_cp1252.csv"], today=TODAY)
    assert plan.applicable
    reconcile.apply(conn, plan)
    noel = scalar(conn, "SELECT id FROM person WHERE first_name = 'Noël' AND last_name = 'CŒUR'")
    assert scalar(conn, "SELECT count(*) FROM guardian_link WHERE guardian_id = ?", (noel,)) == 2
    assert scalar(conn, "SELECT login FROM person WHERE id = ?", (noel,)) == "noel.coeur"
    before = dump(conn)
    reconcile.apply(conn, reconcile.plan(conn, [messy / "people_latin9.csv"], today=TODAY))
    assert [x for x in dump(conn) if "import_run" not in x and "audit_log" not in x] == [
        x for x in before if "import_run" not in x and "audit_log" not in x
    ]


def test_relative_without_current_child_gets_no_account(conn, tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("profil;id;nom;prenom;idenfant\nRelative;LOC-R-9;SEUL;Jean;LOC-S-404\n", "utf-8")
    plan = reconcile.plan(conn, [f], today=TODAY)
    assert plan.counts()["relative"]["add"] == 0
    assert any("aucun élève actuel" in p.message for p in plan.warnings)


def test_name_and_birth_date_fallback(conn, tmp_path):
    a = tmp_path / "a.csv"
    a.write_text(
        "profil;id;nom;prenom;datedenaissance\nStudent;LOC-1;MARTIN;Léa;11/11/2013\n", "utf-8"
    )
    reconcile.apply(conn, reconcile.plan(conn, [a], today=TODAY))
    b = tmp_path / "b.csv"
    b.write_text(
        "profil;id;nom;prenom;datedenaissance\nStudent;ELV-900005;Martin;LEA;11/11/2013\n", "utf-8"
    )
    plan = reconcile.plan(conn, [b], today=TODAY)
    (change,) = plan.people
    assert change.action == "update" and change.new_ids == [("siecle_eleve", "900005")]
    assert any("nom et sa date de naissance" in p.message for p in plan.warnings)
