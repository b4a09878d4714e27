"""Lists resolved on a generated lycée of real size (3,000 students, 5,500 legal
guardians, 250 staff and teachers, imported by the real import), checked against the
generator's own families and classes: each member once, siblings' parents once."""

from __future__ import annotations

import pytest

from appliance.community import compose, mailbox, recipients
from appliance.db import rows, scalar
from appliance.directory import people
from appliance.security.audit import Actor
from tests.bench import lycee_db


@pytest.fixture(scope="module")
def lycee(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lycee")
    conn, school = lycee_db.build(folder)
    yield conn, school, folder / "files"
    conn.close()


def _ids(conn, source: str) -> dict[int, str]:
    found = rows(conn, "SELECT person_id, value FROM external_id WHERE source = ?", (source,))
    return {r["person_id"]: r["value"] for r in found}


def test_class_lists_are_the_generators_families_each_once(lycee):
    conn, school, _files = lycee
    guardians = _ids(conn, "siecle_personne")
    pupils = _ids(conn, "siecle_eleve")
    legal: dict[str, set[str]] = {}
    for adult in school.adults:
        for eleve_id, level, _code, _pays in adult.links:
            if level == "1":
                legal.setdefault(eleve_id, set()).add(adult.personne_id)
    for division in school.divisions[:5]:
        current = {s.eleve_id for s in school.students if s.division == division.code
                   and not s.left_on}  # fmt: skip
        members = recipients.members(conn, f"students:class:{division.code}")
        assert {pupils[m["id"]] for m in members} == current
        parents = recipients.members(conn, f"parents:class:{division.code}")
        expected = set().union(*(legal.get(e, set()) for e in current))
        assert [guardians[p["id"]] for p in parents if p["id"] in guardians]
        assert {guardians[p["id"]] for p in parents} == expected
        assert len(parents) == len({p["id"] for p in parents})  # nobody twice


def test_the_vie_scolaire_writes_to_all_parents_each_gets_one_copy(lycee):
    conn, school, files = lycee
    cpe = rows(conn, "SELECT id FROM person WHERE profile = 'staff' AND function LIKE '%EDU%' "
                     "LIMIT 1")[0]["id"]  # fmt: skip
    person = people.get_person(conn, cpe)
    links = scalar(conn, "SELECT count(*) FROM guardian_link WHERE level = 1")
    assert links > school.expected["relative"]  # siblings share their parents
    sent = compose.send(
        conn, files, person,
        compose.Draft(to=["parents:all", "parents:class:" + school.divisions[0].code],
                      subject="Réunion"),
        actor=Actor(cpe, person["login"]), max_attachment_bytes=1,
    )  # fmt: skip
    assert sent.recipients == school.expected["relative"] == 5500
    assert scalar(conn, "SELECT count(DISTINCT owner_id) FROM message_box WHERE message_id = ? "
                        "AND role = 'recipient'", (sent.id,)) == 5500  # fmt: skip
    one = people.get_person(conn, sent.recipient_ids[0])
    assert mailbox.list_folder(conn, one, "inbox")[1] == 1


def test_a_teacher_finds_the_lists_of_their_classes_only(lycee):
    conn, _school, _files = lycee
    teacher_id = rows(conn, "SELECT teacher_id FROM teaching WHERE class_id IS NOT NULL "
                            "ORDER BY id LIMIT 1")[0]["teacher_id"]  # fmt: skip
    teacher = people.get_person(conn, teacher_id)
    taught = {r["code"] for r in rows(conn, "SELECT c.code FROM teaching t JOIN school_class c "
                                            "ON c.id = t.class_id WHERE t.teacher_id = ?",
                                            (teacher_id,))}  # fmt: skip
    # Classes none of whose students the teacher meets, in a class or a group.
    strangers = {r["code"] for r in rows(
        conn,
        "SELECT c.code FROM school_class c WHERE NOT EXISTS (SELECT 1 FROM class_membership m "
        "WHERE m.class_id = c.id AND (m.person_id IN (SELECT m2.person_id FROM teaching t "
        "JOIN class_membership m2 ON m2.class_id = t.class_id WHERE t.teacher_id = ?) OR "
        "m.person_id IN (SELECT g.person_id FROM teaching t JOIN group_membership g "
        "ON g.group_id = t.group_id WHERE t.teacher_id = ?)))",
        (teacher_id, teacher_id),
    )}  # fmt: skip
    assert taught and strangers
    found, _more = recipients.search(conn, teacher, "parents", limit=500)
    listed = {i["id"].split(":", 2)[2] for i in found if i["id"].startswith("parents:class:")}
    assert taught <= listed and not listed & strangers
    assert "parents:all" not in {i["id"] for i in found}
