"""SIECLE (BEE) exports: ElevesSansAdresses.xml / ElevesAvecAdresses.xml and
ResponsablesAvecAdresses.xml, in both generations of the format.

Students: one record per `ELEVE`, class from the `STRUCTURE` of type D, groups from type G;
a past DATE_SORTIE makes a leaver (still listed, with a class). Guardians: one record per
`PERSONNE` and one `GuardianLink` per `RESPONSABLE_ELEVE`; who gets an account is decided
later (`appliance.directory.guardians`), when the current students are known.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date
from xml.etree.ElementTree import Element

from appliance.directory.imports.records import (
    GuardianLink,
    ParsedFile,
    PersonRecord,
    StructureRecord,
    clean_email,
)
from appliance.directory.imports.xmlsafe import Tree, first, parse_date, stream, value
from appliance.i18n import N_

PARKING_CLASSES = {"inactif", "inactifs"}


STUDENT_ITEMS = {"PARAMETRES", "ELEVE", "STRUCTURES_ELEVE"}
GUARDIAN_ITEMS = {"PARAMETRES", "PERSONNE", "RESPONSABLE_ELEVE"}


def _header(params: Tree | None, pf: ParsedFile) -> None:
    if params is None:
        pf.error(
            N_("Le bloc PARAMETRES manque : le fichier n'est pas un export SIECLE complet."), 1
        )
        return
    pf.uai = value(params.root, "UAJ").upper() or None
    year = value(params.root, "ANNEE_SCOLAIRE")
    pf.year = int(year) if year.isdigit() else None
    if pf.uai is None:
        pf.error(
            N_("Le code UAJ (UAI de l'établissement) manque dans PARAMETRES."),
            params.line(params.root),
        )


def parse_students(data: bytes, pf: ParsedFile, today: date) -> None:
    """Fill `pf` from a BEE_ELEVES file: students, classes, groups, problems.

    The file is read as a stream (`xmlsafe.stream`): each ELEVE becomes a record as soon
    as it is read, and the classes and groups (STRUCTURES, later in the file) are given
    to the records at the end. Raises XmlRefused for an unsafe, truncated or malformed
    file (`pf` is then incomplete and must be discarded).
    """
    pf.complete_for = {("siecle_eleve", "student")}
    pf.structures_complete = True
    structures: dict[str, list[tuple[str, str, int | None]]] = defaultdict(list)
    seen: dict[str, int | None] = {}
    stats: dict[str, int] = defaultdict(int)
    params: Tree | None = None
    records: list[PersonRecord] = []
    for item in stream(data, STUDENT_ITEMS):
        el = item.root
        if el.tag == "STRUCTURES_ELEVE":
            _structures(item, pf, structures)
            continue
        if el.tag == "PARAMETRES":
            params = params or item
            continue
        line = item.line(el)
        stats["students_in_file"] += 1
        eleve_id = value(el, "ELEVE_ID")
        if not eleve_id:
            pf.error(N_("Un élève n'a pas d'identifiant ELEVE_ID."), line, "ELEVE")
            continue
        if eleve_id in seen:
            pf.error(
                N_(
                    "L'identifiant ELEVE_ID %(eleve_id)s apparaît deux fois (lignes %(seen)s "
                    "et %(line_no)s) : le fichier est incohérent, refaites l'export."
                ),
                line,
                "ELEVE",
                eleve_id=eleve_id,
                seen=seen[eleve_id],
                line_no=line,
            )
            continue
        seen[eleve_id] = line
        rec = _student(el, eleve_id, pf, line, today)
        if rec is not None:
            records.append(rec)
    _header(params, pf)
    for rec in records:
        _place(rec, structures.pop(rec.key[1], []), pf)
        stats["students_current" if rec.current else "students_left"] += 1
        if rec.current and rec.class_code is None:
            stats["students_without_class"] += 1
        pf.people.append(rec)
    for eleve_id, items in structures.items():
        pf.warn(
            N_(
                "Des classes ou groupes sont donnés pour l'élève ELEVE_ID %(eleve_id)s, absent de "
                "la "
                "liste des élèves : ignorés."
            ),
            items[0][2] if items else None,
            "STRUCTURES_ELEVE",
            eleve_id=eleve_id,
        )
    pf.stats.update(stats)


def _student(
    el: Element, eleve_id: str, pf: ParsedFile, line: int | None, today: date
) -> PersonRecord | None:
    last = first(el, "NOM_USAGE", "NOM_DE_FAMILLE", "NOM")
    first_name = value(el, "PRENOM")
    if not last or not first_name:
        pf.error(
            N_(
                "L'élève ELEVE_ID %(eleve_id)s n'a pas de nom ou de prénom : complétez-le dans "
                "SIECLE."
            ),
            line,
            "ELEVE",
            eleve_id=eleve_id,
        )
        return None
    rec = PersonRecord(
        key=("siecle_eleve", eleve_id),
        profile="student",
        first_name=first_name,
        last_name=last,
        file=pf.label,
        line=line,
    )
    rec.ids.append(rec.key)
    for tag in ("ID_NATIONAL", "INE_RNIE", "INE_BEA"):
        ine = value(el, tag).upper()
        if ine and ("ine", ine) not in rec.ids:
            rec.ids.append(("ine", ine))
    raw_birth = value(el, "DATE_NAISS")
    birth = parse_date(raw_birth)
    if raw_birth and birth is None:
        pf.warn(
            N_("Date de naissance illisible « %(raw_birth)s » pour %(name)s."),
            line,
            raw_birth=raw_birth,
            name=rec.label(),
        )
    rec.birth_date = birth.isoformat() if birth else None
    rec.email, bad = clean_email(value(el, "MEL"))
    if bad:
        pf.warn(
            N_("Adresse e-mail invalide pour %(name)s : ignorée."), line, "MEL", name=rec.label()
        )
    raw_exit = value(el, "DATE_SORTIE")
    left = parse_date(raw_exit)
    if raw_exit and left is None:
        pf.warn(
            N_("Date de sortie illisible « %(raw_exit)s » pour %(name)s : ignorée."),
            line,
            raw_exit=raw_exit,
            name=rec.label(),
        )
    if left is not None and left <= today:
        rec.current = False
        rec.left_on = left
        pf.warn(
            N_(
                "%(name)s a quitté l'établissement le %(left)s (DATE_SORTIE) : "
                "son compte n'est pas créé, ou il est marqué parti."
            ),
            line,
            "DATE_SORTIE",
            name=rec.label(),
            left=format(left, "%d/%m/%Y"),
        )
    return rec


def _structures(
    item: Tree, pf: ParsedFile, out: dict[str, list[tuple[str, str, int | None]]]
) -> None:
    eleve_id = value(item.root, "ELEVE_ID")
    for st in item.root.findall("STRUCTURE"):
        code = sys.intern(value(st, "CODE_STRUCTURE"))  # a few codes, shared by many pupils
        kind = value(st, "TYPE_STRUCTURE").upper()
        if not code:
            pf.warn(N_("Une structure sans CODE_STRUCTURE est ignorée."), item.line(st))
            continue
        out[eleve_id].append((code, kind, item.line(st)))


def _place(rec: PersonRecord, items: list[tuple[str, str, int | None]], pf: ParsedFile) -> None:
    rec.sets_class = rec.sets_groups = True
    divisions = [c for c, k, _ in items if k == "D"]
    rec.groups = sorted({c for c, k, _ in items if k == "G"})
    for code, kind, line in items:
        if kind not in ("D", "G"):
            pf.warn(
                N_("Type de structure « %(kind)s » inconnu pour %(code)s : ignoré."),
                line,
                kind=kind,
                code=code,
            )
    if len(divisions) > 1:
        pf.warn(
            N_(
                "%(name)s est dans plusieurs classes (%(divisions)s) : "
                "seule la première (%(first)s) est retenue."
            ),
            rec.line,
            name=rec.label(),
            divisions=", ".join(divisions),
            first=divisions[0],
        )
    parked = bool(divisions) and divisions[0].strip().lower() in PARKING_CLASSES
    rec.class_code = divisions[0] if divisions and not parked else None
    if not rec.current:
        return
    if parked:
        pf.warn(
            N_(
                "%(name)s est dans la division « %(divisions)s » (élèves en attente) : "
                "le compte est créé sans classe."
            ),
            rec.line,
            "STRUCTURES_ELEVE",
            name=rec.label(),
            divisions=divisions[0],
        )
    elif rec.class_code is None:
        pf.warn(
            N_(
                "%(name)s n'est dans aucune classe (pas de structure de type D) : "
                "le compte est créé sans classe ; placez l'élève dans SIECLE."
            ),
            rec.line,
            "STRUCTURES_ELEVE",
            name=rec.label(),
        )
    else:
        pf.classes.setdefault(rec.class_code, StructureRecord(rec.class_code, rec.class_code))
    for code in rec.groups:
        pf.groups.setdefault(code, StructureRecord(code, code))


def parse_guardians(data: bytes, pf: ParsedFile) -> None:
    """Fill `pf` from a BEE_RESPONSABLES file: adults (as relative records) and their links.

    Handles the legacy link form (RESP_LEGAL 1/2 = legal) and the current one
    (NIVEAU_RESPONSABILITE 1 = legal). Read as a stream, like `parse_students`; raises
    XmlRefused likewise.
    """
    pf.complete_for = {("siecle_personne", "relative")}
    seen: dict[str, int | None] = {}
    params: Tree | None = None
    links: list[tuple[str, str, int | None, str, str, str, bool]] = []
    for item in stream(data, GUARDIAN_ITEMS):
        el = item.root
        line = item.line(el)
        if el.tag == "RESPONSABLE_ELEVE":
            pays = "1" in (
                value(el, "PAIE_FRAIS_SCOLAIRES"),
                value(el, "PERS_PAIMENT"),
                value(el, "PERS_PAIEMENT"),
            )
            links.append(
                (
                    value(el, "ELEVE_ID"),
                    value(el, "PERSONNE_ID"),
                    line,
                    value(el, "NIVEAU_RESPONSABILITE"),
                    value(el, "RESP_LEGAL"),
                    sys.intern(value(el, "CODE_PARENTE")),
                    pays,
                )
            )
            continue
        if el.tag == "PARAMETRES":
            params = params or item
            continue
        pid = value(el, "PERSONNE_ID")
        if not pid:
            pf.error(N_("Une personne n'a pas d'identifiant PERSONNE_ID."), line, "PERSONNE")
            continue
        if pid in seen:
            pf.error(
                N_(
                    "L'identifiant PERSONNE_ID %(pid)s apparaît deux fois (lignes %(seen)s et "
                    "%(line_no)s) : le fichier est incohérent, refaites l'export."
                ),
                line,
                "PERSONNE",
                pid=pid,
                seen=seen[pid],
                line_no=line,
            )
            continue
        seen[pid] = line
        rec = PersonRecord(
            key=("siecle_personne", pid),
            profile="relative",
            first_name=value(el, "PRENOM"),
            last_name=first(el, "NOM_USAGE", "NOM_DE_FAMILLE", "NOM"),
            file=pf.label,
            line=line,
        )
        rec.ids.append(rec.key)
        rec.email, bad = clean_email(value(el, "MEL"))
        if bad:
            pf.warn(
                N_("Adresse e-mail invalide pour %(name)s : ignorée."),
                line,
                "MEL",
                name=rec.label(),
            )
        rec.sets_children = True
        pf.people.append(rec)
    _header(params, pf)
    pf.stats["persons_in_file"] = len(seen)
    _links(links, pf, set(seen))


def _links(
    links: list[tuple[str, str, int | None, str, str, str, bool]],
    pf: ParsedFile,
    persons: set[str],
) -> None:
    legal_by_student: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for eleve_id, pid, line, level, legacy, relationship, pays in links:
        if not eleve_id or not pid:
            pf.warn(N_("Un lien responsable-élève sans ELEVE_ID ou PERSONNE_ID est ignoré."), line)
            continue
        if pid not in persons:
            pf.warn(
                N_(
                    "Le lien vers l'élève ELEVE_ID %(eleve_id)s cite la personne PERSONNE_ID "
                    "%(pid)s, "
                    "absente de la liste des personnes : ignoré."
                ),
                line,
                "RESPONSABLE_ELEVE",
                eleve_id=eleve_id,
                pid=pid,
            )
            continue
        if level:
            legal = level == "1"
        elif legacy:
            legal = legacy in ("1", "2")
            if legacy == "1":
                legal_by_student[eleve_id].append((pid, legacy))
        else:
            pf.warn(
                N_(
                    "Le lien PERSONNE_ID %(pid)s → ELEVE_ID %(eleve_id)s ne dit pas s'il s'agit "
                    "d'un "
                    "responsable légal (ni NIVEAU_RESPONSABILITE ni RESP_LEGAL) : pas de compte."
                ),
                line,
                pid=pid,
                eleve_id=eleve_id,
            )
            legal = False
        pf.guardian_links.append(
            GuardianLink(
                person_key=("siecle_personne", pid),
                student_key=("siecle_eleve", eleve_id),
                legal=legal,
                relationship=relationship or None,
                pays=pays,
                line=line,
            )
        )
    for eleve_id, firsts in legal_by_student.items():
        if len(firsts) > 1:
            pf.warn(
                N_(
                    "L'élève ELEVE_ID %(eleve_id)s a %(count)s responsables légaux n° 1 "
                    "(RESP_LEGAL = 1) : anomalie à corriger dans SIECLE ; chacun a son compte."
                ),
                None,
                "RESPONSABLE_ELEVE",
                eleve_id=eleve_id,
                count=len(firsts),
            )
    pf.stats["links_in_file"] = len(pf.guardian_links)
    pf.stats["legal_links_in_file"] = sum(1 for g in pf.guardian_links if g.legal)
