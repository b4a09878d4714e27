"""The demo school's agenda (`cartable run --demo`, `make run`): school events written by
the CPE (Nadia Moreau) through the real service — the 5A class council, a parents-teachers
meeting for 4B, a 5A trip to the museum, a staff meeting, an open day for everyone — and a
few personal events (Léa Martin's weekly judo, Marie Curie's appointment, Sophie Martin's
reminder). This is a demo, never a real school.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from appliance.agenda import events
from appliance.db import one, scalar
from appliance.schoollife.year import local_today, monday_of
from appliance.security.audit import Actor


def _person(conn: sqlite3.Connection, login: str) -> dict | None:
    return one(
        conn, "SELECT id, login, profile, state, function FROM person WHERE login = ?", (login,)
    )


def _plan(monday: date) -> list[tuple[str, dict]]:
    """(login of the writer, values) of the demo's events, around the week of `monday`."""

    def day(offset: int) -> str:
        return (monday + timedelta(days=offset)).isoformat()

    return [
        ("nadia.cpe", {"title": "Conseil de classe de 5A", "place": "Salle du conseil",
                       "start_day": day(3), "start_time": "17:30", "end_time": "19:00",
                       "audience": ["teachers:class:5A", "parents:class:5A"],
                       "description": "Délégués des parents et des élèves invités."}),
        ("nadia.cpe", {"title": "Réunion parents-professeurs de 4B", "place": "Salles B1 à B4",
                       "start_day": day(8), "start_time": "17:00", "end_time": "19:30",
                       "audience": ["parents:class:4B", "teachers:class:4B"],
                       "description": "Prenez rendez-vous auprès de chaque professeur."}),
        ("nadia.cpe", {"title": "Sortie au musée des Arts et Métiers", "place": "Paris 3e",
                       "start_day": day(9), "start_time": "08:30", "end_time": "16:30",
                       "audience": ["students:class:5A", "parents:class:5A",
                                    "teachers:class:5A"],
                       "description": "Départ devant le collège. Prévoir un pique-nique."}),
        ("nadia.cpe", {"title": "Réunion des personnels", "place": "CDI",
                       "start_day": day(1), "start_time": "12:15", "end_time": "13:15",
                       "audience": ["profile:staff", "profile:teacher"]}),
        ("nadia.cpe", {"title": "Portes ouvertes du collège", "all_day": True,
                       "start_day": day(12), "audience": ["all"]}),
        ("lea.martin", {"title": "Judo", "place": "Gymnase municipal", "start_day": day(2),
                        "start_time": "14:00", "end_time": "15:30",
                        "repeat_until": day(2 + 7 * 8)}),
        ("marie.curie", {"title": "Rendez-vous chez le dentiste", "start_day": day(4),
                         "start_time": "16:45", "end_time": "17:30"}),
        ("sophie.martin", {"title": "Apporter l'autorisation de sortie signée",
                           "all_day": True, "start_day": day(7)}),
    ]  # fmt: skip


def ensure(conn: sqlite3.Connection, *, today: date | None = None) -> bool:
    """Give the demo school its agenda when it has none (see the module doc); True when
    something was added."""
    if scalar(conn, "SELECT 1 FROM agenda_event LIMIT 1"):
        return False
    monday = monday_of(today or local_today())
    added = False
    for login, values in _plan(monday):
        person = _person(conn, login)
        if person is None:
            continue
        events.create(conn, person, values, Actor(person["id"], person["login"], None))
        added = True
    return added
