"""The CSV template of Cartable: one header row, a `profil` column, any profile.

Separator `;` (a header without `;` may use tabs or commas), UTF-8 with or without BOM,
CP1252 or ISO-8859-15. Header names are matched loosely (case, accents, spaces, `*`,
apostrophes and stray BOMs ignored); a multi-valued field repeats its column. Empty cells
mean "leave as it is" for classes, groups, children and teaching, so a CSV can correct a
few fields of people that SIECLE or STS brought.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from datetime import date

from appliance.directory.imports.encoding import decode_text, find_mojibake
from appliance.directory.imports.records import (
    ParsedFile,
    PersonRecord,
    StructureRecord,
    UnreadableFile,
    clean_email,
    csv_key,
)
from appliance.directory.imports.xmlsafe import parse_date
from appliance.i18n import N_
from backup.errors import Phrase

PROFILES = {
    "student": "student",
    "eleve": "student",
    "teacher": "teacher",
    "enseignant": "teacher",
    "professeur": "teacher",
    "personnel": "staff",
    "staff": "staff",
    "relative": "relative",
    "parent": "relative",
    "responsable": "relative",
    "guest": "guest",
    "invite": "guest",
}

ALIASES = {
    "externalid": "id",
    "identifiant": "id",
    "profile": "profil",
    "nomdusage": "nomusage",
    "firstname": "prenom",
    "lastname": "nom",
    "birthdate": "datedenaissance",
    "datenaissance": "datedenaissance",
    "mail": "email",
    "courriel": "email",
    "adressemail": "email",
    "classes": "classe",
    "groupe": "groupes",
    "fonctions": "fonction",
    "disciplines": "discipline",
    "childexternalid": "idenfant",
    "dateexpiration": "expiration",
    "datedexpiration": "expiration",
    "expireon": "expiration",
    "finvalidite": "expiration",
}

KNOWN = {
    "profil",
    "id",
    "nom",
    "nomusage",
    "prenom",
    "datedenaissance",
    "sexe",
    "civilite",
    "email",
    "classe",
    "groupes",
    "ine",
    "fonction",
    "discipline",
    "professeurprincipal",
    "idenfant",
    "expiration",
}


def normalise_header(name: str) -> str:
    """Loose form of a header cell: 'Date de naissance*' → 'datedenaissance'."""
    text = unicodedata.normalize("NFKD", name.replace("\ufeff", "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\s*'’_\-.]", "", text)
    return ALIASES.get(text, text)


def _delimiter(header: str) -> str:
    if ";" in header:
        return ";"
    return "\t" if "\t" in header else ","


def _date(text: str) -> date | None:
    return parse_date(text) or parse_date(text, "%Y-%m-%d")


def parse(data: bytes, pf: ParsedFile, *, full: bool, default_guest_expiry: date) -> None:
    """Fill `pf` from the CSV bytes.

    `full` makes the file the complete list of each profile it contains.
    `default_guest_expiry` is used for a guest row without an expiry date (with a warning).
    """
    try:
        decoded = decode_text(data)
    except UnicodeDecodeError:
        pf.error(N_("Le fichier n'est ni en UTF-8, ni en Windows-1252, ni en ISO-8859-15."), 1)
        return
    pf.encoding = decoded.encoding
    excerpt = find_mojibake(decoded.text)
    if excerpt is not None:
        pf.error(
            N_(
                "Le fichier contient des lettres déformées (« %(excerpt)s ») : il a été converti "
                "deux fois d'un encodage à l'autre. Réenregistrez-le en UTF-8 depuis le fichier "
                "d'origine."
            ),
            None,
            excerpt=excerpt,
        )
        return
    header = decoded.text.lstrip("\r\n").split("\n", 1)[0]
    if not decoded.text.strip():
        pf.error(N_("Le fichier est vide."), 1)
        return
    rows = _rows(decoded.text, _delimiter(header), pf.label)
    columns: dict[str, list[int]] = defaultdict(list)
    for i, cell in enumerate(rows[0]):
        name = normalise_header(cell)
        if name:
            columns[name].append(i)
    unknown = sorted(n for n in columns if n not in KNOWN)
    if unknown:
        pf.warn(N_("Colonnes inconnues ignorées : %(unknown)s."), 1, unknown=", ".join(unknown))
    for required in ("profil", "id", "nom", "prenom"):
        if required not in columns:
            pf.error(
                N_("La colonne obligatoire « %(required)s » manque dans l'en-tête."),
                1,
                required=required,
            )
    if pf.has_errors:
        return
    seen: dict[tuple[str, str], int] = {}
    profiles_seen: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        rec = _row(row, number, columns, pf, default_guest_expiry)
        if rec is None:
            continue
        if rec.key in seen:
            pf.error(
                N_(
                    "L'identifiant « %(key)s » apparaît deux fois (lignes %(seen)s et "
                    "%(number)s) : chaque personne doit avoir son propre id."
                ),
                number,
                key=rec.key[1],
                seen=seen[rec.key],
                number=number,
            )
            continue
        seen[rec.key] = number
        profiles_seen.add(rec.profile)
        pf.people.append(rec)
    pf.stats["rows"] = len(seen)
    if full:
        pf.complete_for = {("csv", p) for p in profiles_seen}


def _rows(text: str, delimiter: str, label: str) -> list[list[str]]:
    """The rows of the CSV text. Raises UnreadableFile naming the line when the file can't
    be cut into cells (a field longer than the csv module's limit, usually a quote left
    open that swallows the rest of the file)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar='"')
    out: list[list[str]] = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as exc:
            if "field larger" in str(exc):
                reason = Phrase(
                    N_(
                        "un champ dépasse %(max)s caractères : un guillemet ouvert n'est sans "
                        "doute pas refermé"
                    ),
                    max=csv.field_size_limit(),
                )
            else:
                reason = Phrase(N_("le fichier CSV est mal formé (%(exc)s)"), exc=str(exc))
            raise UnreadableFile(
                N_(
                    "%(file)s, ligne %(line)s : %(reason)s. Corrigez le fichier (rien n'a été "
                    "importé)."
                ),
                file=label,
                line=line,
                reason=reason,
            ) from exc
        out.append(row)


class _Cells:
    """The cells of one row, by loose column name (repeated columns give several)."""

    def __init__(self, row: list[str], columns: dict[str, list[int]]):
        self.row, self.columns = row, columns

    def all(self, name: str) -> list[str]:
        row = self.row
        return [
            row[i].strip() for i in self.columns.get(name, []) if i < len(row) and row[i].strip()
        ]

    def one(self, name: str) -> str:
        found = self.all(name)
        return found[0] if found else ""


def _row(
    row: list[str],
    number: int,
    columns: dict[str, list[int]],
    pf: ParsedFile,
    default_guest_expiry: date,
) -> PersonRecord | None:
    cells = _Cells(row, columns)
    raw_profile = cells.one("profil")
    profile = PROFILES.get(normalise_header(raw_profile))
    if profile is None:
        pf.error(
            N_(
                "Profil « %(raw_profile)s » inconnu : utilisez Student, Teacher, Personnel, "
                "Relative ou Guest."
            ),
            number,
            raw_profile=raw_profile,
        )
        return None
    ident = cells.one("id")
    if not ident:
        pf.error(
            N_(
                "La colonne id est vide : donnez à chaque personne un identifiant stable "
                "(par exemple LOC-0001), sans quoi un second import créerait un doublon."
            ),
            number,
        )
        return None
    key = csv_key(ident)
    rec = PersonRecord(
        key=key,
        profile=profile,
        first_name=cells.one("prenom"),
        last_name=cells.one("nomusage") or cells.one("nom"),
        file=pf.label,
        line=number,
        ids=[key],
    )
    if not rec.first_name or not rec.last_name:
        pf.error(N_("La personne « %(ident)s » n'a pas de nom ou de prénom."), number, ident=ident)
        return None
    _fill(rec, cells, pf, number, default_guest_expiry)
    return rec


def _fill(
    rec: PersonRecord, cells: _Cells, pf: ParsedFile, number: int, default_guest_expiry: date
) -> None:
    raw_birth = cells.one("datedenaissance")
    birth = _date(raw_birth)
    if raw_birth and birth is None:
        pf.warn(
            N_("Date de naissance illisible « %(raw_birth)s » (attendu jj/mm/aaaa)."),
            number,
            raw_birth=raw_birth,
        )
    rec.birth_date = birth.isoformat() if birth else None
    rec.email, bad = clean_email(cells.one("email"))
    if bad:
        pf.warn(
            N_("Adresse e-mail invalide « %(email)s » : ignorée."), number, email=cells.one("email")
        )
    for ine in cells.all("ine"):
        if rec.profile == "student" and ("ine", ine.upper()) not in rec.ids:
            rec.ids.append(("ine", ine.upper()))
    functions = cells.all("fonction")
    rec.function = ", ".join(functions) if functions else None
    _placement(
        rec, cells.all("classe"), cells.all("groupes"), cells.all("professeurprincipal"), pf, number
    )
    children = cells.all("idenfant")
    if rec.profile == "relative":
        rec.children = [csv_key(c) for c in children]
        rec.sets_children = bool(children)
    if rec.profile == "guest":
        expiry = _date(cells.one("expiration"))
        if expiry is None:
            expiry = default_guest_expiry
            pf.warn(
                N_(
                    "Invité %(name)s sans date d'expiration : le compte expirera le "
                    "%(expiry)s (fin de l'année scolaire)."
                ),
                number,
                name=rec.label(),
                expiry=format(expiry, "%d/%m/%Y"),
            )
        rec.expires_on = expiry.isoformat()


def _placement(
    rec: PersonRecord,
    classes: list[str],
    groups: list[str],
    heads: list[str],
    pf: ParsedFile,
    number: int,
) -> None:
    if rec.profile == "student":
        if len(classes) > 1:
            pf.warn(
                N_("Un élève n'a qu'une classe : seule « %(classes)s » est retenue."),
                number,
                classes=classes[0],
            )
        if classes:
            rec.class_code, rec.sets_class = classes[0], True
        if groups:
            rec.groups, rec.sets_groups = sorted(set(groups)), True
    elif rec.profile == "teacher":
        if classes or heads:
            rec.teaches = [("class", c, None) for c in sorted(set(classes))]
            rec.head_of = sorted(set(heads))
            rec.sets_teaching = True
    elif rec.profile == "guest" and classes:
        rec.class_code, rec.sets_class = classes[0], True
    elif groups and rec.profile != "student":
        pf.warn(N_("La colonne groupes ne sert que pour les élèves : ignorée."), number)
    for code in ([rec.class_code] if rec.class_code else []) + [c for _, c, _ in rec.teaches]:
        pf.classes.setdefault(code, _structure(code))
    for code in rec.head_of:
        pf.classes.setdefault(code, _structure(code))
    for code in rec.groups:
        pf.groups.setdefault(code, _structure(code))


def _structure(code: str) -> StructureRecord:
    return StructureRecord(code, code)
