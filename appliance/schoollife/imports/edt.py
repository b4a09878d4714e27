"""The timetable software's export, `EDT_STS` (often `emp_sts.xml`; import-formats §6).

```
EDT_STS / PARAMETRES: UAJ, ANNEE_SCOLAIRE
        / DONNEES / HORAIRES / HORAIRE @JOUR: DEBUT_COURS, FIN_COURS
                  / ALTERNANCES / ALTERNANCE @CODE: LIBELLE_COURT, SEMAINES / DATE_DEBUT_SEMAINE*
                  / STRUCTURE / DIVISIONS / DIVISION @CODE | GROUPES / GROUPE @CODE
                      / SERVICES / SERVICE @CODE_MATIERE / ENSEIGNANTS / ENSEIGNANT @TYPE @ID
                          / COURS_RATTACHES / COURS: CODE_ALTERNANCE, JOUR, HEURE_DEBUT,
                                                     DUREE, CODE_SALLE
```

Each `COURS` is one weekly lesson of its division (a class) or group, in its service's
subject, given by its teacher. Two teachers giving the same lesson (same audience,
subject, time, room and alternance: co-teaching) make one lesson with both.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from appliance.directory.imports.encoding import check_xml_bytes
from appliance.directory.imports.xmlsafe import Tree, XmlRefused, collapse, first, value
from appliance.directory.imports.xmlsafe import parse as parse_xml
from appliance.i18n import N_
from appliance.schoollife.imports import fields
from appliance.schoollife.imports.records import (
    EDT,
    Alternance,
    ParsedTimetable,
    TeacherRef,
    WeeklyLesson,
)
from appliance.timefmt import fmt_date


def parse(label: str, data: bytes, sha256: str) -> ParsedTimetable:
    """Read EDT_STS bytes into a ParsedTimetable (problems inside, never raised)."""
    pt = ParsedTimetable(label=label, kind=EDT, sha256=sha256)
    codec, errors = check_xml_bytes(data)
    pt.encoding = codec
    for line, message in errors:
        pt.error(message.template, line, **message.params)
    if errors:
        return pt
    try:
        tree = parse_xml(data)
    except XmlRefused as exc:
        pt.error(exc.template, exc.line, **exc.params)
        return pt
    _parameters(tree, pt)
    _school_day(tree, pt)
    _alternances(tree, pt)
    _lessons(tree, pt)
    return pt


def _parameters(tree: Tree, pt: ParsedTimetable) -> None:
    params = tree.root.find("PARAMETRES")
    uaj = params.find("UAJ") if params is not None else None
    year_el = params.find("ANNEE_SCOLAIRE") if params is not None else None
    # <UAJ>0671234A</UAJ> here, <UAJ CODE="0671234A"/> in STS-Web's files: both are read.
    pt.uai = (_own_value(uaj, "CODE") or "").upper() or None
    pt.uai_line = tree.line(uaj) if uaj is not None else tree.line(params)
    year = _own_value(year_el, "ANNEE")
    pt.year = int(year) if year.isdigit() else None
    if pt.uai is None:
        pt.warn(
            N_(
                "Le code UAJ (UAI de l'établissement) manque dans PARAMETRES : vérifiez que "
                "le fichier est bien celui de votre établissement."
            ),
            tree.line(params) or 1,
        )


def _own_value(el, attr: str) -> str:  # noqa: ANN001 - an Element or None
    """The element's attribute `attr`, else its own text; "" for None."""
    if el is None:
        return ""
    return (el.get(attr) or el.text or "").strip()


def _school_day(tree: Tree, pt: ParsedTimetable) -> None:
    for el in tree.root.iterfind("./DONNEES/HORAIRES/HORAIRE"):
        line = tree.line(el)
        day = fields.day_number(value(el, "JOUR"))
        start, end = (
            fields.minutes(value(el, "DEBUT_COURS")),
            fields.minutes(value(el, "FIN_COURS")),
        )
        if day is None or start is None or end is None or end <= start:
            pt.warn(
                N_(
                    "Horaire de journée illisible (jour « %(day)s », de « %(start)s » à "
                    "« %(end)s ») : ignoré, les cours de ce jour ne sont pas comparés aux "
                    "horaires."
                ),
                line,
                day=value(el, "JOUR"),
                start=value(el, "DEBUT_COURS"),
                end=value(el, "FIN_COURS"),
            )
            continue
        pt.school_day[day] = (start, end)


def _week_day(text: str) -> date | None:
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _alternances(tree: Tree, pt: ParsedTimetable) -> None:
    found: dict[str, Alternance] = {}
    for el in tree.root.iterfind("./DONNEES/ALTERNANCES/ALTERNANCE"):
        line = tree.line(el)
        code = fields.code(pt, line, value(el, "CODE"))
        if not code:
            pt.warn(N_("Une alternance sans code (CODE) est ignorée."), line)
            continue
        if code in found:
            pt.error(
                N_(
                    "L'alternance « %(code)s » est définie deux fois (lignes %(first_line)s et "
                    "%(line_no)s) : le fichier est incohérent, refaites l'export."
                ),
                line,
                code=code,
                first_line=found[code].line,
                line_no=line,
            )
            continue
        mondays: set[date] = set()
        for week in el.iterfind("./SEMAINES/DATE_DEBUT_SEMAINE"):
            text = (week.text or "").strip()
            day = _week_day(text)
            if day is None:
                pt.error(
                    N_(
                        "Date de semaine « %(value)s » invalide dans l'alternance « %(code)s » : "
                        "il faut AAAA-MM-JJ."
                    ),
                    tree.line(week),
                    value=text,
                    code=code,
                )
                continue
            if day.weekday() != 0:
                monday = day - timedelta(days=day.weekday())
                pt.warn(
                    N_(
                        "La semaine du %(day)s de l'alternance « %(code)s » ne commence pas un "
                        "lundi : elle est comptée comme la semaine du lundi %(monday)s."
                    ),
                    tree.line(week),
                    day=fmt_date(day),
                    code=code,
                    monday=fmt_date(monday),
                )
                day = monday
            mondays.add(day)
        label = collapse(first(el, "LIBELLE_LONG", "LIBELLE_COURT")) or code
        found[code] = Alternance(code, label, frozenset(mondays), line)
    pt.alternances = found or None


def _lessons(tree: Tree, pt: ParsedTimetable) -> None:
    merged: dict[str, WeeklyLesson] = {}
    blocks = [("class", d) for d in tree.root.iterfind("./DONNEES/STRUCTURE/DIVISIONS/DIVISION")]
    blocks += [("group", g) for g in tree.root.iterfind("./DONNEES/STRUCTURE/GROUPES/GROUPE")]
    for kind, block in blocks:
        block_line = tree.line(block)
        audience = fields.code(pt, block_line, value(block, "CODE"))
        services = list(block.iterfind("./SERVICES/SERVICE"))
        if not audience:
            if any(True for _ in block.iter("COURS")):
                pt.error(
                    N_(
                        "Une division ou un groupe n'a pas de code (CODE) : ses cours ne peuvent "
                        "être rattachés à aucune classe."
                    ),
                    block_line,
                )
            continue
        for service in services:
            service_line = tree.line(service)
            subject = fields.code(pt, service_line, value(service, "CODE_MATIERE"))
            if not subject and any(True for _ in service.iter("COURS")):
                pt.warn(
                    N_(
                        "Un service de %(code)s n'a pas de matière (CODE_MATIERE) : ses cours "
                        "sont importés sans matière."
                    ),
                    service_line,
                    code=audience,
                )
            for teacher in service.iterfind("./ENSEIGNANTS/ENSEIGNANT"):
                ref = _teacher(pt, tree, teacher)
                for cours in teacher.iterfind("./COURS_RATTACHES/COURS"):
                    lesson = _lesson(pt, tree, cours, kind, audience, subject)
                    if lesson is None:
                        continue
                    same = merged.get(lesson.key)
                    if same is None:
                        if ref is not None:
                            lesson.teachers.append(ref)
                        merged[lesson.key] = lesson
                        pt.lessons.append(lesson)
                    elif ref is not None and ref not in same.teachers:
                        same.teachers.append(ref)  # co-teaching: one lesson, two teachers
                    else:
                        pt.warn(
                            N_(
                                "Ce cours apparaît deux fois (déjà ligne %(first_line)s) : il "
                                "est importé une fois."
                            ),
                            lesson.line,
                            first_line=same.line,
                        )


def _teacher(pt: ParsedTimetable, tree: Tree, el) -> TeacherRef | None:  # noqa: ANN001
    ident = fields.code(pt, tree.line(el), value(el, "ID"))
    kind = (value(el, "TYPE") or "epp").lower()
    if not ident:
        pt.warn(
            N_("Un enseignant sans identifiant (ID) : ses cours sont importés sans enseignant."),
            tree.line(el),
        )
        return None
    key = f"{kind}-{ident}"
    return TeacherRef(key, (("sts", key),))


def _lesson(
    pt: ParsedTimetable,
    tree: Tree,
    cours,  # noqa: ANN001 - an Element
    kind: str,
    audience: str,
    subject: str,
) -> WeeklyLesson | None:
    line = tree.line(cours)
    times = fields.lesson_times(
        pt,
        line,
        value(cours, "JOUR"),
        value(cours, "HEURE_DEBUT"),
        value(cours, "DUREE"),
        csv=False,
    )
    room = fields.code(pt, line, value(cours, "CODE_SALLE"))
    alternance = fields.code(pt, line, value(cours, "CODE_ALTERNANCE"))
    if times is None:
        return None
    day, start, end = times
    return WeeklyLesson(line, kind, audience, subject, day, start, end, room, alternance)
