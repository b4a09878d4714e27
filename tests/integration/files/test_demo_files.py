"""The demo school's documents (`cartable run --demo`): a teacher's folder, the 5A folder
with its trip folder opened to parents, a student's draft shared with her teacher."""

from __future__ import annotations

from appliance.directory import demo, people
from appliance.files import nodes, sharing
from appliance.security import policy


def test_the_demo_school_has_documents_and_a_class_folder(conn, box):
    demo.seed(conn, box.config.data_dir)
    marie = people.get_by_login(conn, "marie.curie")
    sophie = people.get_by_login(conn, "sophie.martin")
    lea = people.get_by_login(conn, "lea.martin")
    spaces = {s["code"]: s for s in sharing.class_spaces(conn, sophie)}
    assert {"5A", "4B"} <= set(spaces)
    root = nodes.root(conn, "class", spaces["5A"]["id"])
    opened = nodes.children(conn, root["id"], parents_only=True)
    assert [n["name"] for n in opened] == ["Sortie au planétarium"]
    letter = nodes.children(conn, opened[0]["id"])[0]
    assert policy.may(sophie, "files.read", nodes.target(conn, letter["id"]), conn)
    shared = sharing.shared_with_me(conn, marie)
    assert [d["name"] for d in shared] == ["Brouillon exposé.txt"]
    assert policy.may(lea, "files.write", nodes.target(conn, shared[0]["id"]), conn)
    assert not policy.may(marie, "files.write", nodes.target(conn, shared[0]["id"]), conn)
    # Seeding again adds nothing.
    count = conn.execute("SELECT count(*) FROM file_node").fetchone()[0]
    demo.seed(conn, box.config.data_dir)
    assert conn.execute("SELECT count(*) FROM file_node").fetchone()[0] == count
