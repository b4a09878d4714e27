"""A small school for the documents' tests: a teacher of class 5A, two of its students, a
parent of the first, a student of another class, and bearer tokens for each."""

from __future__ import annotations

import pytest

from appliance.directory import people
from appliance.security import audit, tokens
from tests.conftest import make_person


@pytest.fixture
def school(conn):
    made = {}
    for key, profile in (
        ("teacher", "teacher"),
        ("student", "student"),
        ("student2", "student"),
        ("outsider", "student"),
        ("parent", "relative"),
        ("guest", "guest"),
    ):
        pid, login, pw = make_person(conn, profile, first_name=key.capitalize())
        made[key] = {"id": pid, "login": login, "password": pw}
    c5a = conn.execute("INSERT INTO school_class (code, name) VALUES ('5A', '5A')").lastrowid
    c4b = conn.execute("INSERT INTO school_class (code, name) VALUES ('4B', '4B')").lastrowid
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (made["student"]["id"], c5a))
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (made["student2"]["id"], c5a))
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (made["outsider"]["id"], c4b))
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, head_teacher) VALUES (?, ?, 1)",
        (made["teacher"]["id"], c5a),
    )
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
        (made["parent"]["id"], made["student"]["id"]),
    )
    for key, who in made.items():
        _id, token = tokens.create(conn, who["id"], "tests", actor=audit.SYSTEM)
        who["token"] = token
        who["person"] = people.get_person(conn, who["id"])
        who["key"] = key
    made["class_5a"], made["class_4b"] = c5a, c4b
    return made


def bearer(who: dict) -> dict:
    return {"Authorization": f"Bearer {who['token']}"}
