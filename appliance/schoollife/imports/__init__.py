"""Timetable files: read one (or the one inside a ZIP), recognise it, parse it safely.

`read(path)` is the entry point. The format is recognised from the content, never the
name: an XML file whose root is `EDT_STS` (the timetable software's export) or a CSV
whose header is our template's. Files are read as the directory's imports are: size and
ZIP-bomb limits (`appliance.directory.imports.detect.read_sources`), the encoding checked
against the declaration or detected, XML through defusedxml (no entities, no external
references; a truncated file stops at its line). It raises `UnreadableFile` (exit code 2)
only when the file can't be read at all or is no timetable; everything else is a problem
of the `ParsedTimetable`, with its line.
"""

from __future__ import annotations

from pathlib import Path

from appliance.directory.imports.detect import Source, read_sources, xml_root_name
from appliance.directory.imports.encoding import BOM_UTF8, decode_text
from appliance.directory.imports.records import UnreadableFile
from appliance.i18n import N_
from appliance.schoollife.imports import csv_template, edt
from appliance.schoollife.imports.records import (
    CSV,
    EDT,
    KIND_LABELS,
    ParsedTimetable,
    TeacherRef,
    WeeklyLesson,
)

__all__ = [
    "CSV",
    "EDT",
    "KIND_LABELS",
    "ParsedTimetable",
    "TeacherRef",
    "UnreadableFile",
    "WeeklyLesson",
    "kind_of",
    "parse_source",
    "read",
]


def kind_of(source: Source) -> str:
    """EDT or CSV; UnreadableFile for anything else, saying what it is when we know."""
    stripped = source.data.lstrip(BOM_UTF8 + b" \t\r\n")
    if stripped.startswith(b"<"):
        root = (xml_root_name(source.data) or "").upper()
        if root == "EDT_STS":
            return EDT
        if root == "STS_EDT":
            raise UnreadableFile(
                N_(
                    "%(label)s est l'export de STS-Web (personnels et services, racine STS_EDT), "
                    "pas l'emploi du temps : importez-le dans l'annuaire (`cartable import`). "
                    "L'emploi du temps est l'export du logiciel d'emploi du temps (racine "
                    "EDT_STS, souvent emp_sts.xml)."
                ),
                label=source.label,
            )
        raise UnreadableFile(
            N_(
                "%(label)s n'est pas un emploi du temps : fichier XML de type « %(root)s ». "
                "Cartable importe l'export du logiciel d'emploi du temps (racine EDT_STS) et "
                "son modèle CSV."
            ),
            label=source.label,
            root=root or "?",
        )
    try:
        head = decode_text(source.data[:8192]).text
    except UnicodeDecodeError:
        head = ""
    if csv_template.looks_like(head):
        return CSV
    raise UnreadableFile(
        N_(
            "%(label)s : format non reconnu. Ce n'est ni l'export EDT_STS du logiciel d'emploi "
            "du temps, ni le modèle CSV de Cartable (en-tête "
            "class_or_group;subject_code;teacher_id;day;start;duration;room;weeks)."
        ),
        label=source.label,
    )


def parse_source(source: Source) -> ParsedTimetable:
    """Parse one recognised source (see `kind_of`)."""
    if kind_of(source) == EDT:
        return edt.parse(source.label, source.data, source.sha256)
    return csv_template.parse(source.label, source.data, source.sha256)


def read(path: Path) -> ParsedTimetable:
    """Read and parse the timetable file at `path` (or the one timetable in a ZIP).

    Raises UnreadableFile when it can't be read, is of no timetable format, or a ZIP
    holds no timetable or more than one.
    """
    path = Path(path)
    found: list[ParsedTimetable] = []
    skipped: list[UnreadableFile] = []
    for source in read_sources(path):
        try:
            found.append(parse_source(source))
        except UnreadableFile as exc:
            skipped.append(exc)
    if len(found) > 1:
        raise UnreadableFile(
            N_("%(name)s contient %(count)s emplois du temps : importez-en un seul à la fois."),
            name=path.name,
            count=len(found),
        )
    if not found:
        raise skipped[0]
    return found[0]
