"""Our CSV template of a timetable, for software that cannot write `EDT_STS` (§6).

One weekly lesson a line, `;`-separated (`,` and tabs are recognised too), with the header

    class_or_group;subject_code;teacher_id;day;start;duration;room;weeks

`day` 1–6 (or lundi … samedi), `start` and `duration` HH:MM, `weeks` H (every school week,
the default), A or B: the calendar set in Cartable says which weeks are which.
`teacher_id` is an STS-Web id (`8000`, `epp-8000`), a CSV id of the people template, or a
login; several teachers are separated by `,` or `|`. The French column names (`classe`,
`matiere`, `enseignant`, `jour`, `debut`, `duree`, `salle`, `semaines`) are accepted.
The encoding is detected as for the people's CSV (BOM, UTF-8, else CP1252/ISO-8859-15).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata

from appliance.directory.imports.encoding import decode_text, find_mojibake
from appliance.i18n import N_
from appliance.schoollife.imports import fields
from appliance.schoollife.imports.records import CSV, ParsedTimetable, TeacherRef, WeeklyLesson

COLUMNS = (
    "class_or_group",
    "subject_code",
    "teacher_id",
    "day",
    "start",
    "duration",
    "room",
    "weeks",
)
REQUIRED = ("class_or_group", "subject_code", "day", "start", "duration")
_ALIASES = {
    "classe": "class_or_group",
    "groupe": "class_or_group",
    "classe_ou_groupe": "class_or_group",
    "division": "class_or_group",
    "matiere": "subject_code",
    "code_matiere": "subject_code",
    "subject": "subject_code",
    "enseignant": "teacher_id",
    "professeur": "teacher_id",
    "teacher": "teacher_id",
    "jour": "day",
    "debut": "start",
    "heure": "start",
    "heure_debut": "start",
    "duree": "duration",
    "salle": "room",
    "semaines": "weeks",
    "semaine": "weeks",
    "alternance": "weeks",
}
CALENDAR_WEEKS = ("H", "A", "B")


def normalise_header(name: str) -> str:
    """A header cell as a column name: lower case, accents folded, spaces as `_`."""
    text = unicodedata.normalize("NFKD", (name or "").strip().strip('"').lstrip("\ufeff"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[\s-]+", "_", text)
    return _ALIASES.get(text, text)


def looks_like(text: str) -> bool:
    """True when the first line is the template's header (its audience, day and start)."""
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    names = {normalise_header(h) for h in re.split(r"[;,\t]", header)}
    return {"class_or_group", "day", "start"} <= names


def _delimiter(header: str) -> str:
    counts = {d: sum(normalise_header(h) in COLUMNS for h in header.split(d)) for d in ";,\t"}
    return max(counts, key=lambda d: counts[d])


def teacher_refs(cell: str) -> list[TeacherRef]:
    """The teachers of a cell: each id with the directory keys it may match."""
    refs = []
    for part in re.split(r"[,|/]", cell or ""):
        ident = part.strip()
        if not ident:
            continue
        keys: list[tuple[str, str]] = []
        upper = ident.upper()
        rest = ident[4:] if upper.startswith("STS-") else ident
        kind, sep, number = rest.partition("-")
        if sep and kind and number:
            keys.append(("sts", f"{kind.lower()}-{number}"))
        elif ident.isdigit():
            keys.append(("sts", f"epp-{ident}"))
        keys += [("csv", ident), ("login", ident.lower())]
        refs.append(TeacherRef(ident, tuple(dict.fromkeys(keys))))
    return refs


def parse(label: str, data: bytes, sha256: str) -> ParsedTimetable:
    """Read the CSV template into a ParsedTimetable (problems inside, never raised)."""
    pt = ParsedTimetable(label=label, kind=CSV, sha256=sha256)
    try:
        decoded = decode_text(data)
    except UnicodeDecodeError:
        pt.error(
            N_(
                "Le fichier n'est lisible dans aucun encodage connu (UTF-8, Windows-1252, "
                "ISO-8859-15) : enregistrez-le en « CSV UTF-8 »."
            ),
            1,
        )
        return pt
    pt.encoding = decoded.encoding
    text = decoded.text
    mojibake = find_mojibake(text)
    if mojibake is not None:
        pt.error(
            N_(
                "Le fichier contient des lettres déformées (« %(excerpt)s ») : il a été converti "
                "deux fois d'un encodage à l'autre. Réenregistrez le fichier d'origine en "
                "« CSV UTF-8 »."
            ),
            next((n for n, t in enumerate(text.splitlines(), 1) if find_mojibake(t)), 1),
            excerpt=mojibake,
        )
        return pt
    lines = text.splitlines()
    delimiter = _delimiter(lines[0] if lines else "")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [normalise_header(h) for h in next(reader)]
    except StopIteration:
        return pt
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        pt.error(
            N_(
                "Colonnes manquantes dans l'en-tête : %(missing)s. L'en-tête du modèle est "
                "class_or_group;subject_code;teacher_id;day;start;duration;room;weeks."
            ),
            1,
            missing=", ".join(missing),
        )
        return pt
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        pt.warn(
            N_("Colonnes inconnues ignorées : %(columns)s."),
            1,
            columns=", ".join(unknown),
        )
    where = {name: header.index(name) for name in COLUMNS if name in header}
    merged: dict[str, WeeklyLesson] = {}
    line = 1
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = where.get(name)
            return row[index] if index is not None and index < len(row) else ""

        _row(pt, line, cell, merged)
    return pt


def _row(pt: ParsedTimetable, line: int, cell, merged: dict[str, WeeklyLesson]) -> None:  # noqa: ANN001
    audience = fields.code(pt, line, cell("class_or_group"))
    subject = fields.code(pt, line, cell("subject_code"))
    room = fields.code(pt, line, cell("room"))
    weeks = fields.code(pt, line, cell("weeks")).upper() or "H"
    teachers = teacher_refs(fields.code(pt, line, cell("teacher_id")))
    times = fields.lesson_times(pt, line, cell("day"), cell("start"), cell("duration"), csv=True)
    if not audience:
        pt.error(N_("La classe ou le groupe (class_or_group) manque."), line)
        return
    if times is None:
        return
    day, start, end = times
    lesson = WeeklyLesson(line, "", audience, subject, day, start, end, room, weeks, teachers)
    same = merged.get(lesson.key)
    if same is None:
        merged[lesson.key] = lesson
        pt.lessons.append(lesson)
        return
    added = [t for t in teachers if t not in same.teachers]
    if not added:
        pt.warn(
            N_(
                "Ce cours apparaît deux fois (déjà ligne %(first_line)s) : il est importé une fois."
            ),
            line,
            first_line=same.line,
        )
    same.teachers.extend(added)
