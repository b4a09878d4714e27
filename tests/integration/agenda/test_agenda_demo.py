"""The demo school (`make run`) has an agenda: school events written by its CPE for their
audiences, and a few personal events, seen by whom they concern."""

from __future__ import annotations

from datetime import timedelta

from appliance.agenda import demo as agenda_demo
from appliance.agenda import occurrences
from appliance.directory import demo, people
from appliance.schoollife.year import local_today, monday_of


def _titles(conn, login, first, last) -> set[str]:
    found = occurrences.between(conn, people.get_by_login(conn, login), first, last)
    return {o["title"] for o in found}


def test_the_demo_school_has_school_and_personal_events(box, tmp_path):
    conn = box.conn()
    demo.seed(conn, tmp_path)
    first = monday_of(local_today())
    last = first + timedelta(days=20)
    kinds = dict(conn.execute("SELECT kind, count(*) FROM agenda_event GROUP BY kind").fetchall())
    assert kinds["school"] >= 4 and kinds["personal"] >= 3
    lea = _titles(conn, "lea.martin", first, last)
    assert {"Sortie au musée des Arts et Métiers", "Judo", "Portes ouvertes du collège"} <= lea
    assert "Conseil de classe de 5A" not in lea  # for 5A's teachers and parents
    assert "Conseil de classe de 5A" in _titles(conn, "sophie.martin", first, last)
    assert "Réunion parents-professeurs de 4B" not in _titles(conn, "karim.benali", first, last)
    hugo = _titles(conn, "hugo.martin", first, last)
    assert "Sortie au musée des Arts et Métiers" not in hugo and "Judo" not in hugo
    # Made by the real service: the school events are audited as the CPE's.
    audited = conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'agenda.school_create' "
        "AND actor_login = 'nadia.cpe'"
    ).fetchone()[0]
    assert audited == kinds["school"]
    # Opening the demo again adds nothing.
    assert agenda_demo.ensure(conn) is False
