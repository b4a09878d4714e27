"""STS-Web `sts_emp_<UAI>_<year>.xml` (root STS_EDT): teachers and staff, subjects,
classes and groups, and who teaches which subject to which class or group.

`FONCTION = ENS` makes a teacher; any other function a staff member (unknown codes are
reported). A person without FONCTION (long leave, retirement) gets no new account and keeps
an existing one as it is; their services are ignored and listed. A file with no services
yet (before the timetable upload in September) brings the people but not the links.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from xml.etree.ElementTree import Element

from appliance.directory.imports.records import ParsedFile, PersonRecord, StructureRecord
from appliance.directory.imports.xmlsafe import Tree, collapse, first, parse_date, value
from appliance.i18n import N_

KNOWN_STAFF_FUNCTIONS = {"DIR", "EDU", "DOC", "AED", "SUR", "ORI", "MDS", "ADF", "LAB", "OUV"}


def _date(text: str) -> date | None:
    return parse_date(text, "%Y-%m-%d") or parse_date(text)


def parse(tree: Tree, pf: ParsedFile, today: date) -> None:
    """Fill `pf` from an STS_EDT tree: people, subjects, classes, groups, teaching links."""
    root = tree.root
    params = root.find("PARAMETRES")
    pf.uai = value(params.find("UAJ") if params is not None else None, "CODE").upper() or None
    year = value(params.find("ANNEE_SCOLAIRE") if params is not None else None, "ANNEE")
    pf.year = int(year) if year.isdigit() else None
    if pf.uai is None:
        pf.error(N_("Le code UAJ (UAI de l'établissement) manque dans PARAMETRES."), 1)
    source_app = value(params, "APPLICATION_SOURCE")
    if source_app:
        pf.error(
            N_(
                "Ce fichier a été produit par un logiciel d'emploi du temps (%(source_app)s), pas "
                "par STS-Web : exportez-le depuis STS-Web (Exports > Emploi du temps)."
            ),
            tree.line(params),
            "APPLICATION_SOURCE",
            source_app=source_app,
        )
    pf.complete_for = {("sts", "teacher"), ("sts", "staff")}
    pf.structures_complete = True
    _subjects(tree, pf)
    mefs = {
        value(m, "CODE"): first(m, "LIBELLE_COURT", "LIBELLE_LONG")
        for m in root.iterfind("./NOMENCLATURES/MEFS/MEF")
    }
    people = _people(tree, pf, today)
    teaches = _services(tree, pf, people, mefs)
    pf.has_services = bool(teaches)
    if not pf.has_services:
        pf.warn(
            N_(
                "Le fichier ne contient encore aucun service (enseignant × classe × matière) : "
                "STS-Web les reçoit du logiciel d'emploi du temps, en général fin septembre. "
                "Les personnes sont importées, pas leurs classes ; réimportez plus tard."
            ),
            None,
            "SERVICES",
        )
    for rec in people.values():
        if rec.profile == "none":
            pf.present_only.add(rec.key)
        else:
            pf.stats[rec.profile] = pf.stats.get(rec.profile, 0) + 1
            rec.teaches = sorted(
                set(teaches.get(rec.key, [])), key=lambda t: (t[0], t[1], t[2] or "")
            )
            rec.sets_teaching = pf.has_services
            for code in rec.head_of:
                if code not in pf.classes:
                    pf.warn(
                        N_(
                            "%(name)s est professeur principal de « %(code)s », classe absente "
                            "du fichier : ignoré."
                        ),
                        rec.line,
                        "PROF_PRINC",
                        name=rec.label(),
                        code=code,
                    )
            rec.head_of = [c for c in rec.head_of if c in pf.classes]
            pf.people.append(rec)


def _subjects(tree: Tree, pf: ParsedFile) -> None:
    for m in tree.root.iterfind("./NOMENCLATURES/MATIERES/MATIERE"):
        code = value(m, "CODE")
        if not code:
            continue
        name = collapse(first(m, "LIBELLE_EDITION", "LIBELLE_LONG", "LIBELLE_COURT")) or code
        pf.subjects[code] = (name, value(m, "CODE_GESTION") or None)


def _people(tree: Tree, pf: ParsedFile, today: date) -> dict[tuple[str, str], PersonRecord]:
    people: dict[tuple[str, str], PersonRecord] = {}
    lines: dict[tuple[str, str], int | None] = {}
    for el in tree.root.iterfind("./DONNEES/INDIVIDUS/INDIVIDU"):
        line = tree.line(el)
        ident, kind = value(el, "ID"), (value(el, "TYPE") or "epp").lower()
        if not ident:
            pf.error(N_("Une personne (INDIVIDU) n'a pas d'identifiant ID."), line, "INDIVIDU")
            continue
        key = ("sts", f"{kind}-{ident}")
        if key in lines:
            pf.error(
                N_(
                    "L'individu %(kind)s %(ident)s apparaît deux fois (lignes %(lines)s et "
                    "%(line_no)s) : "
                    "le fichier est incohérent, refaites l'export."
                ),
                line,
                "INDIVIDU",
                kind=kind,
                ident=ident,
                lines=lines[key],
                line_no=line,
            )
            continue
        lines[key] = line
        rec = PersonRecord(
            key=key,
            profile="staff",
            first_name=value(el, "PRENOM"),
            last_name=first(el, "NOM_USAGE", "NOM_PATRONYMIQUE"),
            file=pf.label,
            line=line,
            ids=[key],
        )
        if not rec.first_name or not rec.last_name:
            pf.error(
                N_("L'individu %(kind)s %(ident)s n'a pas de nom ou de prénom."),
                line,
                "INDIVIDU",
                kind=kind,
                ident=ident,
            )
            continue
        birth = _date(value(el, "DATE_NAISSANCE"))
        rec.birth_date = birth.isoformat() if birth else None
        function = value(el, "FONCTION").upper()
        if not function:
            pf.warn(
                N_(
                    "%(name)s n'a pas de fonction (FONCTION) dans STS-Web (congé, départ en "
                    "cours d'année ?) : pas de compte créé, un compte existant est laissé tel "
                    "quel, "
                    "ses services sont ignorés."
                ),
                line,
                "FONCTION",
                name=rec.label(),
            )
            pf.stats["people_without_function"] = pf.stats.get("people_without_function", 0) + 1
            rec.profile = "none"
        elif function == "ENS":
            rec.profile = "teacher"
        elif function not in KNOWN_STAFF_FUNCTIONS:
            pf.warn(
                N_("Fonction « %(function)s » inconnue pour %(name)s : importé comme personnel."),
                line,
                "FONCTION",
                function=function,
                name=rec.label(),
            )
        rec.function = function or None
        rec.head_of = _head_of(el, today)
        people[key] = rec
    pf.stats["people_in_file"] = len(lines)
    return people


def _head_of(el: Element, today: date) -> list[str]:
    codes = []
    for pp in el.iterfind("./PROFS_PRINC/PROF_PRINC"):
        code = value(pp, "CODE_STRUCTURE")
        start, end = _date(value(pp, "DATE_DEBUT")), _date(value(pp, "DATE_FIN"))
        if code and (start is None or start <= today) and (end is None or today <= end):
            codes.append(code)
    return sorted(set(codes))


def _services(
    tree: Tree,
    pf: ParsedFile,
    people: dict[tuple[str, str], PersonRecord],
    mefs: dict[str, str],
) -> dict[tuple[str, str], list[tuple[str, str, str | None]]]:
    teaches: dict[tuple[str, str], list[tuple[str, str, str | None]]] = defaultdict(list)
    reported: set[tuple[str, str]] = set()
    blocks = [("class", d) for d in tree.root.iterfind("./DONNEES/STRUCTURE/DIVISIONS/DIVISION")]
    blocks += [("group", g) for g in tree.root.iterfind("./DONNEES/STRUCTURE/GROUPES/GROUPE")]
    for kind, block in blocks:
        code = value(block, "CODE")
        if not code:
            pf.warn(N_("Une division ou un groupe sans CODE est ignoré."), tree.line(block))
            continue
        name = collapse(value(block, "LIBELLE_LONG")) or code
        if kind == "class":
            mef = value(block.find("./MEFS_APPARTENANCE/MEF"), "CODE")
            pf.classes[code] = StructureRecord(code, name, mefs.get(mef) or None)
        else:
            pf.groups[code] = StructureRecord(code, name)
        for service in block.iterfind("./SERVICES/SERVICE"):
            subject = value(service, "CODE_MATIERE") or None
            if subject and subject not in pf.subjects:
                pf.warn(
                    N_(
                        "La matière %(subject)s (service de %(code)s) n'est pas dans la "
                        "nomenclature "
                        "du fichier : elle est créée sous son code."
                    ),
                    tree.line(service),
                    subject=subject,
                    code=code,
                )
                pf.subjects[subject] = (subject, None)
            for teacher in service.iterfind("./ENSEIGNANTS/ENSEIGNANT"):
                key = ("sts", f"{(value(teacher, 'TYPE') or 'epp').lower()}-{value(teacher, 'ID')}")
                rec = people.get(key)
                if rec is None or rec.profile == "none":
                    if key not in reported:
                        reported.add(key)
                        why = "inconnu du fichier" if rec is None else "sans fonction"
                        pf.warn(
                            N_(
                                "Un service de %(code)s cite l'enseignant %(key)s (%(why)s) : "
                                "ignoré."
                            ),
                            tree.line(teacher),
                            "ENSEIGNANT",
                            code=code,
                            key=key[1],
                            why=why,
                        )
                    continue
                teaches[key].append((kind, code, subject))
    return teaches
