"""A few messages between the people of the demo school (`cartable run --demo`), sent
through the real send path: a teacher to the parents of 5A and a parent's answer, the
vie scolaire to every parent, a student's question to a teacher."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from appliance.community import compose, mailbox
from appliance.db import one, scalar
from appliance.security.audit import Actor

_MAX = 1024 * 1024


def _person(conn: sqlite3.Connection, login: str) -> dict:
    found = one(
        conn,
        "SELECT id, login, profile, state, function, first_name, last_name FROM person "
        "WHERE login = ?",
        (login,),
    )
    assert found is not None, login
    return found


def _send(conn, files_dir, login, to, subject, body, reply_to=None) -> compose.Sent:
    person = _person(conn, login)
    draft = compose.Draft(to=to, subject=subject, body=body, reply_to=reply_to)
    actor = Actor(person["id"], person["login"], None)
    return compose.send(conn, files_dir, person, draft, actor=actor, max_attachment_bytes=_MAX)


def ensure(conn: sqlite3.Connection, data_dir: Path) -> bool:
    """The manifest's demo step (`Feature.demo`): send the demo messages when the demo
    school has its people and no message yet; True when they were sent."""
    if scalar(conn, "SELECT 1 FROM message LIMIT 1"):
        return False
    if not scalar(conn, "SELECT 1 FROM person WHERE login = 'marie.curie'"):
        return False
    files_dir = data_dir / "files"
    outing = _send(
        conn,
        files_dir,
        "marie.curie",
        ["parents:class:5A"],
        "Sortie à la Cité des sciences",
        "Bonjour,\n\nLa classe de 5A ira à la Cité des sciences le jeudi 12. Départ à 8 h 30 "
        "devant le collège, retour vers 16 h 30. Merci de signer l'autorisation dans le "
        "carnet.\n\nMarie Curie, professeure principale",
    )
    sophie = _person(conn, "sophie.martin")
    mailbox.read(conn, sophie, outing.id)
    _send(
        conn,
        files_dir,
        "sophie.martin",
        ["marie.curie"],
        "Re : Sortie à la Cité des sciences",
        "Bonjour Madame,\n\nC'est noté pour Léa, l'autorisation est signée.\n\nSophie Martin",
        reply_to=outing.id,
    )
    _send(
        conn,
        files_dir,
        "nadia.cpe",
        ["parents:all"],
        "Réunion parents-professeurs",
        "Bonjour,\n\nLa réunion parents-professeurs aura lieu le mardi 17 à partir de "
        "17 h. Les rendez-vous se prennent auprès de la vie scolaire.\n\nNadia Moreau, CPE",
    )
    _send(
        conn,
        files_dir,
        "lea.martin",
        ["victor.hugo"],
        "Question sur la rédaction",
        "Bonjour Monsieur, faut-il rendre la rédaction sur copie double ?",
    )
    return True
