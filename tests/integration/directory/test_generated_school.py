"""A generated school through three successive imports: departures, then returns."""

from __future__ import annotations

from datetime import date

from appliance.db import rows, scalar
from appliance.directory import reconcile
from tests.integration.directory.school_gen import eleves_xml, generate, responsables_xml

DAY = date(2026, 10, 1)


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def active(conn, profile):
    return {
        r["value"]
        for r in rows(
            conn,
            "SELECT e.value FROM external_id e JOIN person p ON p.id = e.person_id "
            "WHERE p.profile = ? AND p.state = 'active' AND e.source IN "
            "('siecle_eleve', 'siecle_personne')",
            (profile,),
        )
    }


def test_three_imports(conn, tmp_path):
    school = generate(80)
    everyone = set(school.students)
    resp = write(tmp_path, "Responsables.xml", responsables_xml(school))

    first = write(tmp_path, "Eleves1.xml", eleves_xml(school))
    plan = reconcile.plan(conn, [first, resp], today=DAY)
    assert plan.applicable
    assert plan.counts()["student"]["add"] == 80
    assert plan.counts()["relative"]["add"] == len(school.legal_guardians_of(everyone))
    reconcile.apply(conn, plan, initial_passwords=False)
    assert active(conn, "student") == everyone
    assert active(conn, "relative") == school.legal_guardians_of(everyone)
    # Siblings share their guardians: fewer parent accounts than links.
    assert scalar(conn, "SELECT count(*) FROM guardian_link") > len(active(conn, "relative"))

    gone = set(list(school.students)[:20])
    second = write(tmp_path, "Eleves2.xml", eleves_xml(school, everyone - gone))
    plan = reconcile.plan(conn, [second, resp], today=DAY)
    assert plan.counts()["student"]["depart"] == 20
    reconcile.apply(conn, plan, initial_passwords=False)
    assert active(conn, "student") == everyone - gone
    assert active(conn, "relative") == school.legal_guardians_of(everyone - gone)

    back = set(list(gone)[:10])
    third = write(tmp_path, "Eleves3.xml", eleves_xml(school, everyone - gone | back))
    plan = reconcile.plan(conn, [third, resp], today=DAY)
    assert plan.counts()["student"]["reactivate"] == 10
    assert plan.counts()["student"]["add"] == 0
    reconcile.apply(conn, plan, initial_passwords=False)
    assert active(conn, "student") == everyone - gone | back
    assert active(conn, "relative") == school.legal_guardians_of(everyone - gone | back)
    assert not reconcile.plan(conn, [third, resp], today=DAY).has_changes
    logins = [r["login"] for r in rows(conn, "SELECT login FROM person")]
    assert len(logins) == len(set(logins))
