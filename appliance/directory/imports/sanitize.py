"""What an import file brings, stripped of the characters that have no place in a name.

A SIECLE or STS export, or a spreadsheet saved as CSV, may carry control characters (ESC
sequences, BEL, NUL, line breaks inside a cell) or invisible ones (U+202E, zero-width
spaces): they would reach the technician's terminal, the slips and every page. They are
removed here, each with a warning naming the file and the line; a name still longer than
a name can be is an error of that line (the file is damaged).
"""

from __future__ import annotations

from appliance.directory.imports.records import ParsedFile
from appliance.directory.textsafe import FIELD_LABELS, FUNCTION_MAX, NAME_MAX, strip_text
from appliance.i18n import N_

_PERSON_FIELDS = (("first_name", NAME_MAX), ("last_name", NAME_MAX), ("function", FUNCTION_MAX))


def sanitize(pf: ParsedFile) -> None:
    """Strip unsafe characters from the people and structures of `pf`, in place, adding a
    warning (or an error for an overlong name) with file and line to its problems."""
    for rec in pf.people:
        emptied = False
        for field, max_len in _PERSON_FIELDS:
            raw = getattr(rec, field)
            if raw is None:
                continue
            clean, changed = strip_text(raw)
            label = FIELD_LABELS[field]
            if not changed:
                clean = raw  # a clean value is left exactly as the file gave it
            else:
                setattr(rec, field, clean if clean or field != "function" else None)
                emptied = emptied or (not clean and field != "function")
                pf.warn(
                    N_(
                        "Caractères de contrôle ou invisibles retirés du champ %(label)s de "
                        "« %(value)s » (ils n'ont pas leur place dans un nom)."
                    ),
                    rec.line,
                    label=label,
                    value=clean[:60],
                )
            if len(clean) > max_len:
                pf.error(
                    N_(
                        "Le champ %(label)s fait %(length)s caractères (%(max)s au plus) : le "
                        "fichier est sans doute abîmé à cette ligne."
                    ),
                    rec.line,
                    label=label,
                    length=len(clean),
                    max=max_len,
                )
        if emptied:
            pf.error(
                N_("La personne « %(key)s » n'a pas de nom ou de prénom."),
                rec.line,
                key=rec.key[1][:40],
            )
    for structures in (pf.classes, pf.groups):
        for code, record in structures.items():
            clean, changed = strip_text(record.name)
            if changed:
                record.name = clean or code
                pf.warn(
                    N_("Caractères de contrôle ou invisibles retirés du nom de « %(name)s »."),
                    name=clean[:60],
                )
