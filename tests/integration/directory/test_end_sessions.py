"""sessions.end_sessions, the one "end this person's sessions": on a real database, it
ends exactly the given people's sessions, joins the caller's transaction (so a failure
later in it keeps the sessions), and every path that must end sessions goes through it."""

from __future__ import annotations

import pytest

from appliance.db import scalar, transaction
from appliance.directory import people
from appliance.directory.people import create_person
from appliance.security import sessions


def _person(conn, login):
    return create_person(conn, login=login, profile="staff", first_name="A", last_name=login)


def _count(conn, person_id=None):
    if person_id is None:
        return scalar(conn, "SELECT count(*) FROM web_session")
    return scalar(conn, "SELECT count(*) FROM web_session WHERE person_id = ?", (person_id,))


def test_ends_only_the_given_peoples_sessions(conn):
    a, b, c = (_person(conn, f"p{i}") for i in range(3))
    for pid in (a, a, b, c):
        sessions.open_session(conn, pid, "10.0.0.1", "test")
    assert sessions.end_sessions(conn) == 0
    assert sessions.end_sessions(conn, a, b) == 3
    assert (_count(conn, a), _count(conn, b), _count(conn, c)) == (0, 0, 1)


def test_joins_the_callers_transaction(conn):
    a = _person(conn, "joint")
    sessions.open_session(conn, a, None, None)
    with pytest.raises(RuntimeError), transaction(conn):
        sessions.end_sessions(conn, a)
        assert _count(conn, a) == 0
        raise RuntimeError("la suite a échoué")
    assert _count(conn, a) == 1  # rolled back with the rest


def test_password_change_and_disabling_end_the_sessions(conn):
    a = _person(conn, "motdepasse")
    b = _person(conn, "desactive")
    sessions.open_session(conn, a, None, None)
    sessions.open_session(conn, b, None, None)
    people.set_password(conn, a, "cheval-agrafe-batterie-correct", check_rules=False)
    people.set_state(conn, b, "disabled")
    assert _count(conn) == 0
