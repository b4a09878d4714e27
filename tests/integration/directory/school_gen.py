"""A generated school in SIECLE's two formats: students, guardians, siblings, homonyms.

Deterministic (seeded): the same arguments give the same bytes. Written in ISO-8859-15,
with names that need it (œ, ë), in the current link format (NIVEAU_RESPONSABILITE).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FIRST = ["Léa", "Zoë", "Cœline", "Noé", "Inès", "Maël", "Chloé", "Jules", "Anaïs", "Loïc", "Éva"]
LAST = ["MARTIN", "CŒUR", "N'DIAYE", "DUPONT-DUPUIS", "LE BŒUF", "NOËL", "BERNARD", "PETIT"]
CLASSES = ["6 A", "6 B", "501", "4 A", "301"]


@dataclass
class Guardian:
    pid: str
    first: str
    last: str
    children: dict[str, str] = field(default_factory=dict)  # eleve_id -> NIVEAU (1 legal)


@dataclass
class School:
    students: dict[str, tuple[str, str, str, str]]  # eleve_id -> (first, last, birth, class)
    guardians: dict[str, Guardian]

    def legal_guardians_of(self, eleve_ids: set[str]) -> set[str]:
        return {
            g.pid
            for g in self.guardians.values()
            if any(level == "1" and e in eleve_ids for e, level in g.children.items())
        }


def generate(n_students: int, seed: int = 7) -> School:
    rnd = random.Random(seed)
    students = {}
    for i in range(n_students):
        eleve_id = str(3_000_000 + i)
        birth = f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{rnd.randint(2010, 2015)}"
        students[eleve_id] = (rnd.choice(FIRST), rnd.choice(LAST), birth, rnd.choice(CLASSES))
    guardians: dict[str, Guardian] = {}
    ids = list(students)
    n = 0
    for i, eleve_id in enumerate(ids):
        last = students[eleve_id][1]
        if i % 5 == 1:  # a sibling of the previous student: same two guardians
            for g in guardians.values():
                if ids[i - 1] in g.children:
                    g.children[eleve_id] = g.children[ids[i - 1]]
            continue
        for level in ("1", "1", "3") if i % 3 == 0 else ("1",):
            n += 1
            pid = str(800_000 + n)
            guardians[pid] = Guardian(pid, rnd.choice(FIRST), last, {eleve_id: level})
    return School(students, guardians)


def eleves_xml(school: School, only: set[str] | None = None) -> bytes:
    body = []
    structs = []
    for eleve_id, (first, last, birth, klass) in school.students.items():
        if only is not None and eleve_id not in only:
            continue
        body.append(
            f'<ELEVE ELEVE_ID="{eleve_id}"><NOM_DE_FAMILLE>{last}</NOM_DE_FAMILLE>'
            f"<PRENOM>{first}</PRENOM><DATE_NAISS>{birth}</DATE_NAISS></ELEVE>"
        )
        structs.append(
            f'<STRUCTURES_ELEVE ELEVE_ID="{eleve_id}"><STRUCTURE><CODE_STRUCTURE>{klass}'
            "</CODE_STRUCTURE><TYPE_STRUCTURE>D</TYPE_STRUCTURE></STRUCTURE></STRUCTURES_ELEVE>"
        )
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES VERSION="3.0">'
        "<PARAMETRES><UAJ>0679999X</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE></PARAMETRES>"
        "<DONNEES><ELEVES>\n" + "\n".join(body) + "\n</ELEVES><STRUCTURES>\n"
        "" + "\n".join(structs) + "\n</STRUCTURES></DONNEES></BEE_ELEVES>\n"
    )
    return xml.encode("iso8859_15")


def responsables_xml(school: School) -> bytes:
    people = []
    links = []
    for g in school.guardians.values():
        people.append(
            f'<PERSONNE PERSONNE_ID="{g.pid}"><NOM_DE_FAMILLE>{g.last}</NOM_DE_FAMILLE>'
            f"<PRENOM>{g.first}</PRENOM></PERSONNE>"
        )
        for eleve_id, level in g.children.items():
            links.append(
                f"<RESPONSABLE_ELEVE><ELEVE_ID>{eleve_id}</ELEVE_ID><PERSONNE_ID>{g.pid}"
                f"</PERSONNE_ID><NIVEAU_RESPONSABILITE>{level}</NIVEAU_RESPONSABILITE>"
                "</RESPONSABLE_ELEVE>"
            )
    xml = (
        '<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_RESPONSABLES VERSION="2.1">'
        "<PARAMETRES><UAJ>0679999X</UAJ><ANNEE_SCOLAIRE>2026</ANNEE_SCOLAIRE></PARAMETRES>"
        "<DONNEES><PERSONNES>\n" + "\n".join(people) + "\n</PERSONNES><RESPONSABLES>\n"
        "" + "\n".join(links) + "\n</RESPONSABLES></DONNEES></BEE_RESPONSABLES>\n"
    )
    return xml.encode("iso8859_15")
