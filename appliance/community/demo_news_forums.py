"""The demo school's news and forum (`cartable run --demo`): a few news items (one pinned
for everyone, one for 5A's families, one draft waiting for its publisher), a forum of 5A
with a subject and answers; publishing and answering fill the timelines of the people
concerned, as in a real school."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from appliance.community import forums, news
from appliance.db import scalar
from appliance.directory import people
from appliance.security.audit import Actor

DEMO = Actor(None, "démo", None)


def _person(conn: sqlite3.Connection, login: str) -> dict:
    return people.get_by_login(conn, login)


def ensure(conn: sqlite3.Connection, data_dir: Path | None = None) -> bool:
    """The manifest's demo step (`Feature.demo`): create the demo's news and forum once;
    False when they exist already (or the demo school lacks its people)."""
    if scalar(conn, "SELECT count(*) FROM news") or scalar(conn, "SELECT count(*) FROM forum"):
        return False
    if not scalar(conn, "SELECT 1 FROM person WHERE login = 'nadia.cpe'"):
        return False
    cpe, curie, hugo = (_person(conn, x) for x in ("nadia.cpe", "marie.curie", "victor.hugo"))
    # The CPE publishes, as the technician may grant (the demo has no direction account).
    news.grant_publisher(conn, cpe, DEMO)
    doors = news.create(
        conn,
        cpe,
        {
            "title": "Portes ouvertes samedi 14 mars",
            "body": "Le collège ouvre ses portes de 9 h à 12 h : visite des salles, "
            "rencontre avec les professeurs et l'association des parents.\n\n"
            "Venez nombreux !",
            "audience": ["all"],
            "pinned": True,
        },
        DEMO,
    )
    news.publish(conn, cpe, doors, DEMO)
    trip = news.create(
        conn,
        curie,
        {
            "title": "Sortie au Palais de la découverte (5A)",
            "body": "Jeudi prochain, départ 8 h 15 devant le collège, retour vers 16 h 30. "
            "Prévoir un pique-nique et l'autorisation signée.",
            "audience": ["students:class:5A", "parents:class:5A"],
        },
        DEMO,
    )
    news.publish(conn, cpe, trip, DEMO)
    news.create(
        conn,
        hugo,
        {
            "title": "Réunion parents-professeurs de 4B",
            "body": "La réunion aura lieu mardi à 18 h en salle 12.",
            "audience": ["parents:class:4B"],
        },
        DEMO,
    )
    forum = forums.open_forum(conn, curie, "class", "5A", "Physique-chimie 5A", DEMO)
    lea, noah = _person(conn, "lea.martin"), _person(conn, "noah.benali")
    topic = forums.new_topic(
        conn,
        lea,
        forum,
        "Questions sur le TP des mélanges",
        "Pour le compte rendu, faut-il recopier le protocole ?",
    )
    forums.reply(conn, curie, topic, "Non : décrivez seulement ce que vous avez observé.")
    forums.reply(conn, noah, topic, "Merci ! Et le schéma, on le fait à la main ?")
    return True
