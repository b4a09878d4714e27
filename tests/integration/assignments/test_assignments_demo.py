"""The demo school (`make run`) has devoirs à rendre: works given, some handed in, one late,
one corrected, one missing; the next `make run` adds nothing."""

from __future__ import annotations

from appliance.directory import demo, people
from appliance.files.assignments import handins, works


def test_the_demo_school_has_works_handed_in_one_late(box, tmp_path):
    conn = box.conn()
    demo.seed(conn, tmp_path)
    lea = people.get_by_login(conn, "lea.martin")
    mine = works.for_audiences(conn, lea["id"])
    assert [w["title"] for w in mine] == ["Compte rendu du TP : la fusion de la glace"]
    assert mine[0]["attachments"][0]["mime"] == "application/pdf"
    assert handins.status(conn, mine[0], lea["id"])["state"] == "handed_in"
    hugo = people.get_by_login(conn, "hugo.martin")
    states = {w["title"]: handins.status(conn, w, hugo["id"])["state"]
              for w in works.for_audiences(conn, hugo["id"])}  # fmt: skip
    assert states == {
        "Rédaction : le portrait d'un personnage": "returned",
        "Devoir maison : le théorème de Pythagore": "to_do",
    }
    victor = people.get_by_login(conn, "victor.hugo")
    portrait = works.by_author(conn, victor["id"])[0]
    table = {r["login"]: r["state"] for r in handins.follow_up(conn, portrait)}
    assert table == {"hugo.martin": "returned", "ines.dubois": "late", "louis.coeur": "missing"}
    count = conn.execute("SELECT count(*) FROM assignment").fetchone()[0]
    demo.seed(conn, tmp_path)
    assert conn.execute("SELECT count(*) FROM assignment").fetchone()[0] == count == 3
