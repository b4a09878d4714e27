"""Generated national exports of a whole school, for the import benchmark (and any test
that needs a big, realistic school).

`generate(n_students, n_guardians, n_staff)` builds a lycée: classes of about 35 pupils
in 2nde, 1re and Terminale (general and STMG), half-class lab groups, cross-class LV2 and
spécialité groups, options; families whose siblings share their legal guardians (most
children have two, some one), grandparents as contacts, pupils who left (DATE_SORTIE in
the past) with their own guardians, pupils not yet placed in a class, homonyms, names
that need ISO-8859-15 (œ, Œ, ë) and apostrophes; teachers with subjects, services per
class and per group, head teachers (one expired assignment), staff of every function and
one person without FONCTION.

`n_students`, `n_guardians` and `n_staff` are the accounts a correct import creates:
current students, legal guardians of current students, and STS people with a function.
The files carry more people than that (leavers, their guardians, contacts, people
without FONCTION), as real exports do; `School.expected` gives the exact counts.

The writers follow `docs/import-formats.md`: `eleves_xml` (BEE_ELEVES, ISO-8859-15, with
OPTIONS and STRUCTURES), `responsables_xml` (BEE_RESPONSABLES, current
NIVEAU_RESPONSABILITE form, with ADRESSES) and `sts_xml` (STS_EDT with nomenclatures,
INDIVIDUS, DIVISIONS and GROUPES with their SERVICES). Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ENCODING = "iso8859_15"


def _words(text: str) -> list[str]:
    return text.split()


FIRST_F = _words(
    "Léa Zoë Cœline Inès Chloé Anaïs Éva Manon Camille Emma Jade Louise Alice Lina Rose Anna "
    "Mila Ambre Julia Mia Lou Agathe Juliette Romane Margaux Clémence Maëlys Noémie Héloïse "
    "Océane Marie Sarah Lucie Mathilde Pauline Justine Laura Célia Yasmine Fatoumata Aïcha "
    "Salomé Capucine Apolline Élise Gaëlle Maëva Nolwenn Soizic Bérénice Solène Zélie Naïs "
    "Éloïse Adèle Victoire Louna Lyna Nour Assia Myriam Ophélie Coralie Estelle Aurélie"
)
FIRST_M = _words(
    "Noé Maël Jules Loïc Lucas Hugo Louis Gabriel Arthur Raphaël Adam Léo Nathan Ethan Tom "
    "Théo Paul Sacha Timéo Enzo Mathis Clément Baptiste Maxime Antoine Quentin Romain Hugo "
    "Mohamed Ibrahima Moussa Yanis Rayan Ilyes Kylian Noah Aaron Côme Gaël Joël Anaël Noël "
    "Benoît Jérôme Cédric Grégoire Aurélien Valentin Alexis Thibault Erwan Yann Titouan Malo "
    "Elouan Ewen Mathéo Augustin Félix Émile Léon Marius Oscar Victor Lenny Bastien Dorian"
)
LAST = _words(
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL "
    "LEFEBVRE LEROY ROUX DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE "
    "ROUSSEAU VINCENT MULLER LEFÈVRE FAURE ANDRÉ MERCIER BLANC GUÉRIN BOYER GARNIER CHEVALIER "
    "FRANÇOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLÉMENT MORIN NICOLAS HENRY ROUSSEL MATHIEU "
    "GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOËL MEYER DUFOUR MEUNIER BRUN "
    "BLANCHARD GIRAUD JOLY RIVIÈRE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GÉRARD ROCHE "
    "RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD "
    "DUMAS LACROIX OLIVIER PHILIPPE BOURGEOIS PIERRE BENOÎT REY LECLERC PAYET ROLLAND LECLERCQ "
    "GUILLAUME LECOMTE LOPEZ JEAN DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN "
    "LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER "
    "MARTY AUBRY GUYOT CARRÉ CHARLES RENAULT CHARPENTIER MÉNARD MAILLARD BARON BERTIN BAILLY "
    "HERVÉ SCHNEIDER FERNANDEZ LE_GALL COLLET LÉGER BOUVIER JULIEN PRÉVOST MILLET PERROT "
    "DANIEL LE_ROUX COUSIN GERMAIN BRETON BESSON LANGLOIS RÉMY LE_GOFF PELLETIER LÉVÊQUE "
    "PERRIER LEBLANC BARRÉ LEBRUN MARCHAL WEBER MALLET HAMON BOULANGER JACOB MONNIER MICHAUD "
    "RODRIGUEZ GUICHARD GILLET ÉTIENNE GRONDIN POULAIN TESSIER CHEVALLIER COLLIN CHAUVIN DA_SILVA "
    "BOUCHET GAY LEMAÎTRE BENARD MARÉCHAL HUMBERT REYNAUD ANTOINE HOARAU PERRET BARTHÉLÉMY "
    "CORDIER PICHON LEJEUNE GILBERT LAMY DELAUNAY PASQUIER CARLIER LAPORTE N'DIAYE N'GUYEN "
    "D'ALMEIDA CŒUR LE_BŒUF SŒUR DUPONT-DUPUIS MARTIN-GARCIA BEN_SAÏD DIALLO TRAORÉ KOUASSI"
)
LAST = [name.replace("_", " ") for name in LAST]
# Syllables of made-up surnames: real schools have far more distinct names than any list.
ROOTS = _words(
    "BER MAR CHA DU FON GAR GUI HU LA MO PE ROU VA BOU CHE DE FAU GI JOU LE ME PA RI TOU "
    "KER LAN QUE SAU TRÉ VIL BRO COR DAM ESC GOU HAR MAS NO PI SÉ BŒ FÈ"
)
MIDDLES = _words(
    "TO NI RA LO CHE MI VE SO GA DI BE RE LI PO TI NE DO MA CO SA ZA LU VI RI GNO BA "
    "LÉ MO FA CA DE NO PE TE GUE CHA LA RO BI FI"
)
ENDS = _words("IN ET AND IER EAU OT ON ARD ELLE AUD Y OUX ANT EC OU AC ÈS OL IS EL")

# (MEF code, MEF label, class code prefix, level key, share of the pupils)
LEVELS = (
    ("20010010110", "2NDE GENERALE ET TECHNO", "2NDE", "2", 0.36),
    ("20111000110", "1ERE GENERALE", "1G", "1G", 0.24),
    ("20131002110", "1ERE STMG", "1STMG", "1T", 0.08),
    ("20211000110", "TERMINALE GENERALE", "TG", "TG", 0.24),
    ("20231002110", "TERMINALE STMG", "TSTMG", "TT", 0.08),
)
# code -> (CODE_GESTION, label)
SUBJECTS = {
    "020100": ("FRANC", "FRANCAIS"),
    "021100": ("PHILO", "PHILOSOPHIE"),
    "061300": ("MATHS", "MATHEMATIQUES"),
    "030201": ("AGL1", "ANGLAIS LV1"),
    "030602": ("ESP2", "ESPAGNOL LV2"),
    "030102": ("ALL2", "ALLEMAND LV2"),
    "031402": ("ITA2", "ITALIEN LV2"),
    "040600": ("HIGEO", "HISTOIRE & GEOGRAPHIE"),
    "047200": ("EMC", "ENSEIGN.MORAL & CIVIQUE"),
    "062900": ("SVT", "SCIENCES VIE & TERRE"),
    "061800": ("PH-CH", "PHYSIQUE-CHIMIE"),
    "076700": ("SES", "SCIENCES ECONO.& SOCIALES"),
    "100100": ("EPS", "ED.PHYSIQUE & SPORT."),
    "300400": ("ENSSC", "ENSEIGNEMENT SCIENTIFIQUE"),
    "070100": ("SNT", "SC. NUMERIQ.TECHNOL."),
    "091000": ("MGTOR", "MANAGEMENT DES ORGANISATIONS"),
    "092500": ("SGEST", "SCIENCES DE GESTION & NUMERIQ."),
    "012700": ("HGGSP", "HIST.GEO.GEOPOL.SC.POLITIQ."),
    "012800": ("HLP", "HUMANITES, LITTERAT. & PHILO."),
    "012900": ("LLCER", "LANGUES, LITT. & CULT.ETR."),
    "013100": ("NSI", "NUMERIQUE SC.INFORM."),
    "020700": ("LCALA", "LCA LATIN"),
    "035100": ("DNL", "DISCIPLINE NON LINGUISTIQUE"),
}
SPECIALITES = ("061300", "061800", "062900", "076700", "012700", "012800", "012900", "013100")
LV2 = (("030602", 0.6), ("030102", 0.25), ("031402", 0.15))
# Whole-class services of each level (subjects taught to the division as a whole).
CLASS_SERVICES = {
    "2": ("020100", "061300", "030201", "040600", "047200", "062900", "061800", "076700",
          "100100", "070100"),
    "1G": ("020100", "030201", "040600", "047200", "300400", "100100"),
    "1T": ("020100", "061300", "030201", "040600", "047200", "091000", "092500", "100100"),
    "TG": ("021100", "030201", "040600", "047200", "300400", "100100"),
    "TT": ("021100", "061300", "030201", "040600", "047200", "091000", "092500", "100100"),
}  # fmt: skip
# Functions of the staff who do not teach, with their share of the staff.
STAFF_FUNCTIONS = (
    ("DIR", 0.012),
    ("EDU", 0.016),
    ("DOC", 0.008),
    ("AED", 0.08),
    ("ADF", 0.048),
    ("MDS", 0.012),
    ("ORI", 0.004),
    ("LAB", 0.016),
)
CLASS_SIZE = 35
BLOCK = 4  # classes of a level whose pupils are mixed in LV2 and spécialité groups


@dataclass
class Student:
    eleve_id: str
    elenoet: str
    ine: str
    last: str
    first: str
    first2: str
    birth: str  # dd/mm/yyyy
    sex: str
    mef: str
    division: str | None
    groups: list[str]
    options: list[tuple[str, str]]  # (CODE_MODALITE_ELECT, CODE_MATIERE)
    email: str = ""
    left_on: str = ""  # DATE_SORTIE (dd/mm/yyyy), past for a leaver
    regime: str = "21"


@dataclass
class Adult:
    personne_id: str
    civ: str  # M. / MME
    last: str
    first: str
    phone: str
    email: str
    adresse_id: str
    links: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (ELEVE_ID, NIVEAU_RESPONSABILITE, CODE_PARENTE, PAIE_FRAIS_SCOLAIRES)


@dataclass
class StaffMember:
    ident: str
    kind: str  # epp / local
    sex: str
    last: str
    first: str
    birth: str  # yyyy-mm-dd or ''
    function: str  # '' when missing
    discipline: tuple[str, str] | None = None  # (code, label)
    subject: str | None = None  # the MATIERE they teach
    head_of: list[tuple[str, str, str]] = field(default_factory=list)  # (code, start, end)


@dataclass
class Structure:
    code: str
    label: str
    mef: str | None = None  # divisions
    divisions: list[str] = field(default_factory=list)  # groups: the classes they draw from
    services: list[tuple[str, list[str]]] = field(default_factory=list)  # (subject, staff ids)


@dataclass
class School:
    uai: str
    year: int
    students: list[Student]
    adults: list[Adult]
    staff: list[StaffMember]
    divisions: list[Structure]
    groups: list[Structure]
    expected: dict[str, int]


def _split(total: int, shares: list[float]) -> list[int]:
    raw = [total * s / sum(shares) for s in shares]
    out = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[
        : total - sum(out)
    ]:
        out[i] += 1
    return out


def generate(
    n_students: int = 3000,
    n_guardians: int = 5500,
    n_staff: int = 250,
    *,
    uai: str = "0679999X",
    year: int = 2026,
    seed: int = 2026,
    half_classes: bool = False,
) -> School:
    """A school with exactly these numbers of accounts to create (see module docstring).

    `half_classes`: every class, not only the 2nde ones, is split in two half-class
    groups (`_<class>P1`, `_<class>P2`), as a timetable with language and lab work in half
    classes needs; the rest of the school is the same."""
    rnd = random.Random(seed)
    divisions, groups, students = _students(rnd, n_students, year, half_classes)
    leavers = _leavers(rnd, max(1, n_students // 100), divisions, year, len(students))
    adults = _families(rnd, students, leavers, n_guardians)
    staff = _staff(rnd, n_staff, divisions, groups, year)
    rnd.shuffle(students)
    everyone = students + leavers
    rnd.shuffle(everyone)
    return School(
        uai=uai,
        year=year,
        students=everyone,
        adults=adults,
        staff=staff,
        divisions=divisions,
        groups=sorted(groups.values(), key=lambda g: g.code),
        expected={
            "student": n_students,
            "relative": n_guardians,
            "teacher": sum(1 for s in staff if s.function == "ENS"),
            "staff": sum(1 for s in staff if s.function not in ("", "ENS")),
            "classes": len(divisions),
            "groups": len(groups),
            "students_in_file": len(everyone),
            "adults_in_file": len(adults),
            "staff_in_file": len(staff),
        },
    )


def _person_names(rnd: random.Random, sex: str, last: str | None = None) -> tuple[str, str]:
    first = rnd.choice(FIRST_F if sex == "2" else FIRST_M)
    if last is None:
        last = rnd.choice(LAST) if rnd.random() < 0.25 else _surname(rnd)
        if rnd.random() < 0.04:
            last = f"{last}-{rnd.choice(LAST)}"
    return first, last


def _ine(serial: int, rnd: random.Random) -> str:
    """A unique INE in RNIE form (9 digits, 2 letters) for a serial number."""
    return (
        f"{serial * 7919 % 1_000_000_000:09d}{rnd.choice('ABCDEFGHJK')}{rnd.choice('ABCDEFGHJK')}"
    )


def _surname(rnd: random.Random) -> str:
    name = f"{rnd.choice(ROOTS)}{rnd.choice(MIDDLES)}{rnd.choice(ENDS)}"
    r = rnd.random()
    if r < 0.05:
        return f"LE {name}"
    if r < 0.08:
        return f"D'{name}" if name[0] in "AEIOUYÉÈ" else f"DE {name}"
    return name


def _students(
    rnd: random.Random, n: int, year: int, half_classes: bool = False
) -> tuple[list[Structure], dict[str, Structure], list[Student]]:
    divisions: list[Structure] = []
    groups: dict[str, Structure] = {}
    students: list[Student] = []
    per_level = _split(n, [lv[4] for lv in LEVELS])
    serial = 0
    for (mef, _, prefix, key, _), count in zip(LEVELS, per_level, strict=True):
        n_classes = max(1, round(count / CLASS_SIZE))
        sizes = _split(count, [1.0] * n_classes)
        age = {"2": 15, "1": 16, "T": 17}[key[0]]
        for c, size in enumerate(sizes):
            code = f"{prefix}{c + 1}"
            if key == "2" and c % 7 == 3:
                code = f"{prefix} {c + 1}"  # a code with a space, as some schools type them
            div = Structure(code, f"{code} {'SECONDE' if key == '2' else prefix}", mef=mef)
            divisions.append(div)
            block = c // BLOCK
            for i in range(size):
                serial += 1
                sex = "2" if rnd.random() < 0.52 else "1"
                first, last = _person_names(rnd, sex)
                birth = (
                    f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/"
                    f"{year - age - (1 if rnd.random() < 0.75 else 0)}"
                )
                mine, options = _student_groups(
                    rnd, key, prefix, code, block, i, groups, half_classes
                )
                for g in mine:
                    if code not in groups[g].divisions:
                        groups[g].divisions.append(code)
                st = Student(
                    eleve_id=str(4_000_000 + serial),
                    elenoet=str(20_000 + serial),
                    ine=_ine(serial, rnd),
                    last=last,
                    first=first,
                    first2=rnd.choice(FIRST_F if sex == "2" else FIRST_M)
                    if rnd.random() < 0.6
                    else "",
                    birth=birth,
                    sex=sex,
                    mef=mef,
                    division=code,
                    groups=mine,
                    options=options,
                    regime=rnd.choice(("0", "21", "21", "22", "24", "31")),
                )
                r = rnd.random()
                if r < 0.25:
                    st.email = f"{_mail_part(first)}.{_mail_part(last)}{serial}@example.org"
                elif r < 0.253:
                    st.email = f"{_mail_part(first)}@example"  # a typo: ignored with a warning
                if rnd.random() < 0.003:  # not yet placed: only groups, no division
                    st.division = None
                if rnd.random() < 0.002:  # leaves in the future: still a current pupil
                    st.left_on = f"30/06/{year + 1}"
                students.append(st)
    return divisions, groups, students


def _student_groups(
    rnd: random.Random,
    key: str,
    prefix: str,
    code: str,
    block: int,
    index: int,
    groups: dict[str, Structure],
    half_classes: bool = False,
) -> tuple[list[str], list[tuple[str, str]]]:
    mine: list[str] = []
    options: list[tuple[str, str]] = [("S", "030201")]
    lv2 = _weighted(rnd, LV2)
    options.append(("O", lv2))
    lv2_code = f"{prefix}B{block + 1}_{SUBJECTS[lv2][0]}"
    mine.append(_group(groups, lv2_code, f"{SUBJECTS[lv2][1]} {prefix} B{block + 1}", lv2))
    if key != "2" and half_classes:  # language half-class (no random draw: same school)
        half = f"_{code.replace(' ', '')}P{1 + index % 2}"
        mine.append(_group(groups, half, "", "030201"))
    if key == "2":
        half = f"_{code.replace(' ', '')}P{1 + index % 2}"
        mine.append(_group(groups, half, "", "061800"))  # lab half-class: no label, as often
        if rnd.random() < 0.1:
            mine.append(_group(groups, f"{prefix}_LATIN", "LATIN SECONDE", "020700"))
            options.append(("F", "020700"))
    elif key in ("1G", "TG"):
        spes = rnd.sample(SPECIALITES, 3 if key == "1G" else 2)
        for spe in spes:
            label = f"SPE {SUBJECTS[spe][1]} {prefix} B{block + 1}"
            mine.append(_group(groups, f"{prefix}B{block + 1}_{SUBJECTS[spe][0]}", label, spe))
            options.append(("O", spe))
    if rnd.random() < 0.05:
        mine.append(_group(groups, f"{prefix}_EURO", "SECTION EUROPEENNE", "035100"))
    return sorted(set(mine)), options


def _group(groups: dict[str, Structure], code: str, label: str, subject: str) -> str:
    if code not in groups:
        groups[code] = Structure(code, label, services=[(subject, [])])
    return code


def _weighted(rnd: random.Random, choices) -> str:
    r, acc = rnd.random(), 0.0
    for value, weight in choices:
        acc += weight
        if r < acc:
            return value
    return choices[-1][0]


def _mail_part(name: str) -> str:
    table = str.maketrans("éèêëàâäîïôöûüùçœŒÉÈÊËÀÂÎÏÔÖÛÜÇ' -", "eeeeaaaiioouuucoEEEEEAAIIOOUUC___")
    return name.lower().translate(table)


def _leavers(
    rnd: random.Random, n: int, divisions: list[Structure], year: int, offset: int
) -> list[Student]:
    """Pupils who left during the year: still in the file, with a class and guardians."""
    out = []
    for i in range(n):
        sex = "2" if i % 2 else "1"
        first, last = _person_names(rnd, sex)
        div = rnd.choice(divisions)
        out.append(
            Student(
                eleve_id=str(4_000_000 + offset + i + 1),
                elenoet=str(20_000 + offset + i + 1),
                ine=_ine(offset + i + 1, rnd),
                last=last,
                first=first,
                first2="",
                birth=f"{rnd.randint(1, 28):02d}/{rnd.randint(1, 12):02d}/{year - 16}",
                sex=sex,
                mef=div.mef or "",
                division=div.code,
                groups=[],
                options=[],
                left_on=f"{rnd.randint(1, 28):02d}/09/{year}",
            )
        )
    return out


def _families(
    rnd: random.Random, students: list[Student], leavers: list[Student], n_guardians: int
) -> list[Adult]:
    """Families: siblings share their guardians; most children have two, some one."""
    n = len(students)
    siblings = min(round(0.07 * n), max(0, n - (n_guardians + 1) // 2))
    families = n - siblings
    if n_guardians < families:
        families, siblings = n_guardians, n - n_guardians
    two = n_guardians - families
    order = list(range(n))
    rnd.shuffle(order)
    kids: list[list[Student]] = [[students[order[f]]] for f in range(families)]
    for j, idx in enumerate(order[families:]):
        kids[j % families].append(students[idx])
    adults: list[Adult] = []
    counter = iter(range(300_000, 10_000_000))
    address = iter(range(500_000, 10_000_000))

    def adult(sex: str, last: str, addr: str, shared_mail: str = "") -> Adult:
        first, _ = _person_names(rnd, sex, last)
        pid = str(next(counter))
        mail = shared_mail or (
            f"{_mail_part(first)}.{_mail_part(last)}.{pid}@example.org"
            if rnd.random() < 0.6
            else ""
        )
        return Adult(
            personne_id=pid,
            civ="MME" if sex == "2" else "M.",
            last=last,
            first=first,
            phone=f"+336{rnd.randint(10_000_000, 99_999_999)}",
            email=mail,
            adresse_id=addr,
            links=[],
        )

    for f, children in enumerate(kids):
        last = children[0].last
        for child in children[1:]:
            child.last = last  # siblings carry the family name
        home = str(next(address))
        mother = adult("2", last if rnd.random() < 0.7 else rnd.choice(LAST), home)
        members = [(mother, "10")]
        if f < two:
            same_home = rnd.random() < 0.8
            shared = mother.email if mother.email and rnd.random() < 0.05 else ""
            father = adult("1", last, home if same_home else str(next(address)), shared)
            members.append((father, "20"))
        for k, (person, parente) in enumerate(members):
            for child in children:
                person.links.append((child.eleve_id, "1", parente, "1" if k == 0 else "0"))
            adults.append(person)
        if rnd.random() < 0.05:  # a grandparent to contact: no account
            grand = adult("2", last, str(next(address)))
            for child in children:
                grand.links.append((child.eleve_id, "3", "38", "0"))
            adults.append(grand)
        elif rnd.random() < 0.01:  # an educator in charge (level 2): no account
            carer = adult("1", rnd.choice(LAST), str(next(address)))
            carer.links.append((children[0].eleve_id, "2", "41", "0"))
            adults.append(carer)
    for child in leavers:  # guardians of pupils who left: no account
        home = str(next(address))
        for sex, parente in (("2", "10"), ("1", "20")):
            person = adult(sex, child.last, home)
            person.links.append((child.eleve_id, "1", parente, "1" if sex == "2" else "0"))
            adults.append(person)
    rnd.shuffle(adults)
    return adults


def _staff(
    rnd: random.Random,
    n_staff: int,
    divisions: list[Structure],
    groups: dict[str, Structure],
    year: int,
) -> list[StaffMember]:
    others = [round(n_staff * share) for _, share in STAFF_FUNCTIONS]
    n_teachers = max(1, n_staff - sum(others))
    # Services to staff: whole-class subjects of each division, then each group's subject.
    for div in divisions:
        key = next(lv[3] for lv in LEVELS if lv[0] == div.mef)
        div.services = [(subject, []) for subject in CLASS_SERVICES[key]]
    services: list[tuple[str, list[str]]] = [s for d in divisions for s in d.services]
    services += [s for g in groups.values() for s in g.services]
    per_subject: dict[str, list[list[str]]] = {}
    for subject, teachers in services:
        per_subject.setdefault(subject, []).append(teachers)
    subjects = sorted(per_subject)
    spare = max(0, n_teachers - len(subjects))
    shares = [1 + k for k in _split(spare, [len(per_subject[s]) for s in subjects])]
    staff: list[StaffMember] = []
    ident = iter(range(10_000, 10_000_000))

    def member(function: str, subject: str | None = None) -> StaffMember:
        sex = "2" if rnd.random() < 0.6 else "1"
        first, last = _person_names(rnd, sex)
        kind = "local" if function in ("AED", "ADF") and rnd.random() < 0.3 else "epp"
        birth = (
            ""
            if kind == "local"
            else f"{rnd.randint(1960, 1998)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        )
        m = StaffMember(str(next(ident)), kind, sex, last, first, birth, function)
        if subject is not None:
            m.subject = subject
            m.discipline = (f"L{int(subject[:4]) % 10000:04d}", SUBJECTS[subject][1][:20])
        return m

    for subject, share in zip(subjects, shares, strict=True):
        team = [member("ENS", subject) for _ in range(share)]
        staff += team
        for i, teachers in enumerate(per_subject[subject]):
            teachers.append(team[i % len(team)].ident)
            if rnd.random() < 0.04 and len(team) > 1:  # co-teaching
                teachers.append(team[(i + 1) % len(team)].ident)
    staff = staff[:n_teachers] if len(staff) > n_teachers else staff
    kept = {m.ident for m in staff}
    for _, teachers in services:
        teachers[:] = [t for t in teachers if t in kept] or [staff[0].ident]
    for (function, _), count in zip(STAFF_FUNCTIONS, others, strict=True):
        staff += [member(function) for _ in range(count)]
    # Head teachers: the first teacher of each division's first service, current this year;
    # one also has last year's assignment, now expired.
    by_id = {m.ident: m for m in staff}
    for div in divisions:
        head = by_id[div.services[0][1][0]]
        head.head_of.append((div.code, f"{year}-09-01", f"{year + 1}-08-31"))
    if staff and divisions:
        staff[0].head_of.append((divisions[-1].code, f"{year - 1}-09-01", f"{year}-08-31"))
    # Someone on long leave: listed without FONCTION, still cited by a service.
    absent = member("")
    staff.append(absent)
    divisions[0].services.append(("035100", [absent.ident]))
    rnd.shuffle(staff)
    return staff


# --- writers ---------------------------------------------------------------------------


def _t(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>" if text else f"<{tag}/>"


def _header(root: str, version: str, uai: str, year: int, stamp: str) -> list[str]:
    return [
        '<?xml version="1.0" encoding="ISO-8859-15"?>',
        f'<{root} VERSION="{version}">',
        "  <PARAMETRES>",
        f"    <UAJ>{uai}</UAJ>",
        f"    <ANNEE_SCOLAIRE>{year}</ANNEE_SCOLAIRE>",
        f"    <DATE_EXPORT>{stamp[:10]}</DATE_EXPORT>",
        f"    <HORODATAGE>{stamp}</HORODATAGE>",
        "  </PARAMETRES>",
        "  <DONNEES>",
    ]


def eleves_xml(school: School) -> bytes:
    """ElevesSansAdresses.xml (BEE_ELEVES 3.0) in ISO-8859-15."""
    out = _header("BEE_ELEVES", "3.0", school.uai, school.year, f"02/10/{school.year} 08:12:45")
    out.append("    <ELEVES>")
    for s in school.students:
        out += [
            f'      <ELEVE ELEVE_ID="{s.eleve_id}" ELENOET="{s.elenoet}">',
            f"        <ELENOET>{s.elenoet}</ELENOET>",
            f"        <ID_NATIONAL>{s.ine}</ID_NATIONAL>",
            f"        <INE_RNIE>{s.ine}</INE_RNIE>",
            f"        {_t('NOM_DE_FAMILLE', s.last)}",
            "        <NOM_USAGE/>",
            f"        {_t('PRENOM', s.first)}",
            f"        {_t('PRENOM2', s.first2)}",
            f"        <DATE_NAISS>{s.birth}</DATE_NAISS>",
            f"        <CODE_SEXE>{s.sex}</CODE_SEXE>",
            "        <CODE_PAYS>100</CODE_PAYS>",
            "        <DOUBLEMENT>0</DOUBLEMENT>",
            f"        <CODE_REGIME>{s.regime}</CODE_REGIME>",
            f"        <CODE_MEF>{s.mef}</CODE_MEF>",
            f"        {_t('MEL', s.email)}",
            f"        <DATE_ENTREE>01/09/{school.year}</DATE_ENTREE>",
        ]
        if s.left_on:
            out += [
                f"        <DATE_SORTIE>{s.left_on}</DATE_SORTIE>",
                "        <CODE_MOTIF_SORTIE>03</CODE_MOTIF_SORTIE>",
            ]
        out += ["        <CODE_STATUT>ST</CODE_STATUT>", "      </ELEVE>"]
    out += ["    </ELEVES>", "    <OPTIONS>"]
    for s in school.students:
        if not s.options:
            continue
        out.append(f'      <OPTION ELEVE_ID="{s.eleve_id}" ELENOET="{s.elenoet}">')
        for rank, (mode, subject) in enumerate(s.options, start=1):
            out.append(
                f"        <OPTIONS_ELEVE><NUM_OPTION>{rank}</NUM_OPTION><CODE_MODALITE_ELECT>"
                f"{mode}</CODE_MODALITE_ELECT><CODE_MATIERE>{subject}</CODE_MATIERE>"
                "</OPTIONS_ELEVE>"
            )
        out.append("      </OPTION>")
    out += ["    </OPTIONS>", "    <STRUCTURES>"]
    for s in school.students:
        items = ([(s.division, "D")] if s.division else []) + [(g, "G") for g in s.groups]
        if not items:
            continue
        out.append(f'      <STRUCTURES_ELEVE ELEVE_ID="{s.eleve_id}" ELENOET="{s.elenoet}">')
        for code, kind in items:
            out.append(
                f"        <STRUCTURE><CODE_STRUCTURE>{escape(code)}</CODE_STRUCTURE>"
                f"<TYPE_STRUCTURE>{kind}</TYPE_STRUCTURE></STRUCTURE>"
            )
        out.append("      </STRUCTURES_ELEVE>")
    out += ["    </STRUCTURES>", "    <BOURSES/>", "  </DONNEES>", "</BEE_ELEVES>", ""]
    return "\n".join(out).encode(ENCODING)


def responsables_xml(school: School) -> bytes:
    """ResponsablesAvecAdresses.xml (BEE_RESPONSABLES 2.1, NIVEAU_RESPONSABILITE form)."""
    out = _header(
        "BEE_RESPONSABLES", "2.1", school.uai, school.year, f"02/10/{school.year} 08:13:02"
    )
    out.append("    <PERSONNES>")
    for a in school.adults:
        out += [
            f'      <PERSONNE PERSONNE_ID="{a.personne_id}">',
            f"        <LC_CIVILITE>{a.civ}</LC_CIVILITE>",
            f"        {_t('NOM_DE_FAMILLE', a.last)}",
            f"        {_t('PRENOM', a.first)}",
            f"        <TEL_PORTABLE>{a.phone}</TEL_PORTABLE>",
            f"        {_t('MEL', a.email)}",
            "        <ACCEPTE_SMS>1</ACCEPTE_SMS>",
            "        <COMMUNICATION_ADRESSE>1</COMMUNICATION_ADRESSE>",
            f"        <ADRESSE_ID>{a.adresse_id}</ADRESSE_ID>",
            "        <CODE_PROFESSION>38</CODE_PROFESSION>",
            "      </PERSONNE>",
        ]
    out += ["    </PERSONNES>", "    <RESPONSABLES>"]
    for a in school.adults:
        for eleve_id, level, parente, pays in a.links:
            out += [
                "      <RESPONSABLE_ELEVE>",
                f"        <ELEVE_ID>{eleve_id}</ELEVE_ID>",
                f"        <PERSONNE_ID>{a.personne_id}</PERSONNE_ID>",
                f"        <NIVEAU_RESPONSABILITE>{level}</NIVEAU_RESPONSABILITE>",
                f"        <CODE_PARENTE>{parente}</CODE_PARENTE>",
                f"        <PAIE_FRAIS_SCOLAIRES>{pays}</PAIE_FRAIS_SCOLAIRES>",
                "        <PERCOIT_LES_AIDES>false</PERCOIT_LES_AIDES>",
                f"        <HEBERGE_ELEVE>{'true' if level == '1' else 'false'}</HEBERGE_ELEVE>",
                f"        <A_CONTACTER_EN_PRIORITE>{'true' if pays == '1' else 'false'}"
                "</A_CONTACTER_EN_PRIORITE>",
                "      </RESPONSABLE_ELEVE>",
            ]
    out += ["    </RESPONSABLES>", "    <ADRESSES>"]
    seen = set()
    for a in school.adults:
        if a.adresse_id in seen:
            continue
        seen.add(a.adresse_id)
        n = int(a.adresse_id) % 180 + 1
        out.append(
            f'      <ADRESSE ADRESSE_ID="{a.adresse_id}"><LIGNE1_ADRESSE>{n} RUE DES ÉCOLES'
            "</LIGNE1_ADRESSE><LIGNE2_ADRESSE/><CODE_POSTAL>67000</CODE_POSTAL><LIBELLE_POSTAL>"
            "STRASBOURG</LIBELLE_POSTAL><CODE_COMMUNE_INSEE>67482</CODE_COMMUNE_INSEE>"
            "<CODE_DEPARTEMENT>067</CODE_DEPARTEMENT><CODE_PAYS>100</CODE_PAYS>"
            "<LL_PAYS>FRANCE</LL_PAYS></ADRESSE>"
        )
    out += ["    </ADRESSES>", "  </DONNEES>", "</BEE_RESPONSABLES>", ""]
    return "\n".join(out).encode(ENCODING)


def sts_xml(school: School) -> bytes:
    """sts_emp_<UAI>_<year>.xml (STS_EDT) in ISO-8859-15."""
    out = [
        '<?xml version="1.0" encoding="ISO-8859-15"?>',
        "<STS_EDT>",
        "  <PARAMETRES>",
        f'    <UAJ CODE="{school.uai}"/>',
        f'    <ANNEE_SCOLAIRE ANNEE="{school.year}"/>',
        f"    <HORODATAGE>02/10/{school.year} 08:20:11</HORODATAGE>",
        "  </PARAMETRES>",
        "  <NOMENCLATURES>",
        "    <MATIERES>",
    ]
    for code, (short, label) in sorted(SUBJECTS.items()):
        out.append(
            f'      <MATIERE CODE="{code}"><CODE_GESTION>{short:<8}</CODE_GESTION>'
            f"<LIBELLE_COURT>{escape(label)}</LIBELLE_COURT><LIBELLE_LONG>{escape(label)}"
            f"</LIBELLE_LONG><LIBELLE_EDITION>{escape(label.title())}</LIBELLE_EDITION></MATIERE>"
        )
    out += ["    </MATIERES>", "    <MEFS>"]
    for mef, label, *_ in LEVELS:
        out.append(
            f'      <MEF CODE="{mef}"><LIBELLE_COURT>{label[:20]}</LIBELLE_COURT>'
            f"<LIBELLE_LONG>{label}</LIBELLE_LONG><LIBELLE_EDITION>{label.title()}"
            "</LIBELLE_EDITION></MEF>"
        )
    out += ["    </MEFS>", "  </NOMENCLATURES>", "  <DONNEES>", "    <INDIVIDUS>"]
    for m in school.staff:
        out += [
            f'      <INDIVIDU ID="{m.ident}" TYPE="{m.kind}">',
            f"        {_t('SEXE', m.sex if m.kind == 'epp' else '')}"
            f"<CIVILITE>{2 if m.sex == '2' else 1}</CIVILITE>",
            f"        {_t('NOM_USAGE', m.last)}<NOM_PATRONYMIQUE/>",
            f"        {_t('PRENOM', m.first)}",
            f"        {_t('DATE_NAISSANCE', m.birth)}",
            f"        {_t('GRADE', 'PROFESSEUR CERTIFIE' if m.function == 'ENS' else '')}",
        ]
        if m.function:
            out.append(f"        <FONCTION>{m.function}</FONCTION>")
        if m.head_of:
            out.append("        <PROFS_PRINC>")
            for code, start, end in m.head_of:
                out.append(
                    f"          <PROF_PRINC><CODE_STRUCTURE>{escape(code)}</CODE_STRUCTURE>"
                    f"<DATE_DEBUT>{start}</DATE_DEBUT><DATE_FIN>{end}</DATE_FIN></PROF_PRINC>"
                )
            out.append("        </PROFS_PRINC>")
        if m.discipline:
            out.append(
                f'        <DISCIPLINES><DISCIPLINE CODE="{m.discipline[0]}"><LIBELLE_COURT>'
                f"{escape(m.discipline[1])}</LIBELLE_COURT><NB_HEURES>18</NB_HEURES>"
                "</DISCIPLINE></DISCIPLINES>"
            )
        out.append("      </INDIVIDU>")
    out += ["    </INDIVIDUS>", "    <STRUCTURE>", "      <DIVISIONS>"]
    kinds = {m.ident: m.kind for m in school.staff}
    for d in school.divisions:
        out.append(
            f'        <DIVISION CODE="{escape(d.code)}"><LIBELLE_LONG>{escape(d.label)}'
            f'</LIBELLE_LONG><MEFS_APPARTENANCE><MEF CODE="{d.mef}"/></MEFS_APPARTENANCE>'
            "<SERVICES>"
        )
        out += _services(d.services, kinds)
        out.append("        </SERVICES></DIVISION>")
    out += ["      </DIVISIONS>", "      <GROUPES>"]
    for g in school.groups:
        out.append(
            f'        <GROUPE CODE="{escape(g.code)}">{_t("LIBELLE_LONG", g.label)}'
            "<DIVISIONS_APPARTENANCE>"
        )
        for code in g.divisions:
            out.append(f'          <DIVISION_APPARTENANCE CODE="{escape(code)}"/>')
        out.append("        </DIVISIONS_APPARTENANCE><SERVICES>")
        out += _services(g.services, kinds)
        out.append("        </SERVICES></GROUPE>")
    out += ["      </GROUPES>", "    </STRUCTURE>", "  </DONNEES>", "</STS_EDT>", ""]
    return "\n".join(out).encode(ENCODING)


def _services(services: list[tuple[str, list[str]]], kinds: dict[str, str]) -> list[str]:
    out = []
    for subject, teachers in services:
        who = "".join(f'<ENSEIGNANT ID="{t}" TYPE="{kinds.get(t, "epp")}"/>' for t in teachers)
        out.append(
            f'          <SERVICE CODE_MATIERE="{subject}" CODE_MOD_COURS="CG"><ENSEIGNANTS>'
            f"{who}</ENSEIGNANTS></SERVICE>"
        )
    return out


def write_school(school: School, directory: Path) -> list[Path]:
    """Write the three exports into `directory`; return their paths (students,
    guardians, STS)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = [
        directory / "ElevesSansAdresses.xml",
        directory / "ResponsablesAvecAdresses.xml",
        directory / f"sts_emp_{school.uai}_{school.year}.xml",
    ]
    for path, writer in zip(paths, (eleves_xml, responsables_xml, sts_xml), strict=True):
        path.write_bytes(writer(school))
    return paths
