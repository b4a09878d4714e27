"""Fixtures of the community tests: a relay on loopback, a box mailing through it, and
people of a small school (5A and 4B, their teachers, parents, the direction, a CPE)."""

from __future__ import annotations

import pytest

from tests.conftest import make_person
from tests.integration.community.helpers import Relay


@pytest.fixture
def relay():
    r = Relay()
    r.start()
    yield r
    r.stop()


@pytest.fixture
def config_file(tmp_path, relay):
    path = tmp_path / "cartable.toml"
    path.write_text(
        "[mail]\n"
        f'host = "127.0.0.1"\nport = {relay.port}\nstarttls = false\n'
        'from = "ent@college.test"\ntimeout_seconds = 5\n'
        "[web]\n"
        'public_url = "https://ent.college.test"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def school(conn):
    """Two classes; a teacher of each (curie teaches 5A, hugo 4B); two students in 5A, one
    in 4B; a parent of a 5A student, a parent of the 4B student; the direction; a CPE."""
    made: dict[str, int] = {}
    for key, profile, extra in (
        ("curie", "teacher", {}),
        ("hugo", "teacher", {}),
        ("lea", "student", {}),
        ("noah", "student", {}),
        ("ines", "student", {}),
        ("sophie", "relative", {"email": "sophie@famille.test"}),
        ("claire", "relative", {"email": "claire@famille.test"}),
        ("dir", "staff", {"function": "DIR"}),
        ("cpe", "staff", {"function": "CPE"}),
    ):
        made[key] = make_person(conn, profile, login=key, first_name=key.capitalize(), **extra)[0]
    classes = {}
    for code in ("5A", "4B"):
        classes[code] = conn.execute(
            "INSERT INTO school_class (code, name) VALUES (?, ?)", (code, code)
        ).lastrowid
    for student, code in (("lea", "5A"), ("noah", "5A"), ("ines", "4B")):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (made[student], classes[code]))
    for teacher, code in (("curie", "5A"), ("hugo", "4B")):
        conn.execute(
            "INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)",
            (made[teacher], classes[code]),
        )
    for parent, child in (("sophie", "lea"), ("claire", "ines")):
        conn.execute(
            "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
            (made[parent], made[child]),
        )
    made["5A"], made["4B"] = classes["5A"], classes["4B"]
    return made
