"""Import files: read, recognise, check the encoding, parse safely into plain records.

`parse_path` is the one entry point: it turns a path (an XML or CSV file, or a ZIP holding
them) into `ParsedFile`s whose problems say what is wrong, with file and line. It raises
`UnreadableFile` only when a file can't be read at all or is of no known format.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from appliance.directory.imports import csv_people, siecle, sts
from appliance.directory.imports.detect import (
    CSV,
    EDT,
    SIECLE_ELEVES,
    SIECLE_RESPONSABLES,
    STS,
    Source,
    detect,
    read_sources,
)
from appliance.directory.imports.encoding import check_xml_bytes
from appliance.directory.imports.records import ParsedFile, UnreadableFile
from appliance.directory.imports.sanitize import sanitize
from appliance.directory.imports.xmlsafe import XmlRefused
from appliance.directory.imports.xmlsafe import parse as parse_xml
from appliance.i18n import N_

__all__ = ["ParsedFile", "UnreadableFile", "parse_path", "parse_source"]


def parse_path(path: Path, *, today: date, full: bool, guest_expiry: date) -> list[ParsedFile]:
    """Parse one path (a file or a ZIP of files) into ParsedFiles.

    Given the import date `today` (for DATE_SORTIE and head-teacher dates), `full` (a CSV
    is then a complete list) and the default expiry of a guest without one. Raises
    UnreadableFile when the path can't be read or a file's format is unknown.
    """
    return [
        parse_source(s, today=today, full=full, guest_expiry=guest_expiry)
        for s in read_sources(Path(path))
    ]


def parse_source(source: Source, *, today: date, full: bool, guest_expiry: date) -> ParsedFile:
    """Parse one source (bytes + label); see `parse_path`."""
    kind = detect(source)
    pf = ParsedFile(label=source.label, kind=kind, sha256=source.sha256)
    if kind == CSV:
        csv_people.parse(source.data, pf, full=full, default_guest_expiry=guest_expiry)
        sanitize(pf)
        return pf
    if kind == EDT:
        pf.error(
            N_(
                "Ce fichier est l'export du logiciel d'emploi du temps (racine EDT_STS), pas celui "
                "de STS-Web : dans STS-Web, choisissez Exports > Emploi du temps "
                "(fichier sts_emp_<UAI>_<année>.xml). Ce fichier-ci s'importe dans l'emploi du "
                "temps : Administration → Emploi du temps, ou `cartable timetable import`."
            ),
            1,
        )
        return pf
    codec, errors = check_xml_bytes(source.data)
    pf.encoding = codec
    for line, message in errors:
        pf.error(message.template, line, **message.params)
    if errors:
        return pf
    try:
        if kind == SIECLE_ELEVES:
            siecle.parse_students(source.data, pf, today)
        elif kind == SIECLE_RESPONSABLES:
            siecle.parse_guardians(source.data, pf)
        elif kind == STS:
            sts.parse(parse_xml(source.data), pf, today)
    except XmlRefused as exc:
        # SIECLE files are read as a stream: drop whatever was read before the fault.
        pf = ParsedFile(label=source.label, kind=kind, sha256=source.sha256, encoding=codec)
        pf.error(exc.template, exc.line, **exc.params)
    sanitize(pf)
    return pf
