"""The agenda's tests share the timetable's hand-built school
(`tests/integration/schoollife/timetable_school.py`): 5A (lea, noah), 4B (ines), the LATIN
group (lea); curie teaches 5A and 4B, hugo LATIN; sophie is lea's parent, claire ines's,
karim only noah's contact; cpe (EDU), principal (DIR), secretary (SEC), agent; admin; guest."""

from __future__ import annotations

import pytest

from appliance.directory import people
from appliance.security.audit import Actor
from tests.conftest import login
from tests.integration.schoollife.timetable_school import build


@pytest.fixture
def hand(conn):
    return build(conn)


def person(conn, hand, key: str) -> dict:
    return people.get_person(conn, hand.ids[key])


def actor_of(conn, hand, key: str) -> Actor:
    return Actor(hand.ids[key], key, "192.0.2.9")


def client_of(app, hand, key: str):
    client = app.test_client()
    assert login(client, key, hand.passwords[key]).status_code == 302
    return client
