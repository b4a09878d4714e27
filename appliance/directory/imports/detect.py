"""Read an import file (or the XML inside a ZIP) and recognise its format from its content.

The file name says nothing reliable (staff rename files, and send the EDT export in place
of STS): the root element tells SIECLE students (`BEE_ELEVES`), SIECLE guardians
(`BEE_RESPONSABLES`) and STS-Web (`STS_EDT`) apart, and a header row with `profil`, `nom`
and `prenom` marks the CSV template.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from appliance.directory.imports.csv_people import normalise_header
from appliance.directory.imports.encoding import BOM_UTF8, decode_text
from appliance.directory.imports.records import UnreadableFile
from appliance.i18n import N_

SIECLE_ELEVES = "siecle_eleves"
SIECLE_RESPONSABLES = "siecle_responsables"
STS = "sts"
CSV = "csv"
EDT = "edt"  # the timetable software's own export: recognised to be refused clearly

KIND_LABELS = {
    SIECLE_ELEVES: "SIECLE élèves",
    SIECLE_RESPONSABLES: "SIECLE responsables",
    STS: "STS-Web (emploi du temps)",
    CSV: "CSV Cartable",
    EDT: "export du logiciel d'emploi du temps",
}

MAX_FILE_BYTES = 200 * 1024 * 1024
_ROOTS = {
    "BEE_ELEVES": SIECLE_ELEVES,
    "BEE_RESPONSABLES": SIECLE_RESPONSABLES,
    "STS_EDT": STS,
    "EDT_STS": EDT,
}
_ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.-]*)[\s/>]")
_SKIP = re.compile(rb"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)", re.S)


@dataclass(frozen=True)
class Source:
    """One file's bytes with a label for messages (file name, or 'zip:member')."""

    label: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_sources(path: Path) -> list[Source]:
    """Read a file, or every XML/CSV member of a ZIP.

    Returns the sources; raises UnreadableFile when the file is missing, unreadable,
    empty, too big, or a ZIP with nothing to import in it.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UnreadableFile(
                N_("%(name)s : fichier trop gros (plus de 200 Mo)."), name=path.name
            )
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile(N_("%(path)s : fichier introuvable."), path=path) from exc
    except IsADirectoryError as exc:
        raise UnreadableFile(N_("%(path)s est un dossier, pas un fichier."), path=path) from exc
    except OSError as exc:
        raise UnreadableFile(
            N_("%(path)s : lecture impossible (%(strerror)s)."), path=path, strerror=exc.strerror
        ) from exc
    if not data.strip():
        raise UnreadableFile(N_("%(name)s : le fichier est vide."), name=path.name)
    if data.startswith(b"PK\x03\x04"):
        return _zip_members(path.name, data)
    return [Source(path.name, data)]


def _zip_members(name: str, data: bytes) -> list[Source]:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        members = [
            i
            for i in archive.infolist()
            if not i.is_dir() and i.filename.lower().endswith((".xml", ".csv"))
        ]
        if not members:
            raise UnreadableFile(
                N_("%(name)s : l'archive ZIP ne contient aucun fichier XML ou CSV."), name=name
            )
        out = []
        for info in members:
            if info.file_size > MAX_FILE_BYTES:
                raise UnreadableFile(
                    N_("%(name)s : %(filename)s est trop gros une fois décompressé."),
                    name=name,
                    filename=info.filename,
                )
            with archive.open(info) as fh:
                content = fh.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                raise UnreadableFile(
                    N_("%(name)s : %(filename)s est trop gros une fois décompressé."),
                    name=name,
                    filename=info.filename,
                )
            out.append(Source(f"{name}:{info.filename}", content))
        return out
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError) as exc:
        raise UnreadableFile(
            N_("%(name)s : archive ZIP illisible ou chiffrée (%(exc)s)."), name=name, exc=exc
        ) from exc


def xml_root_name(data: bytes) -> str | None:
    """The name of the root element, read from the start of the bytes, or None."""
    head = data[:65536]
    if head.startswith(BOM_UTF8):
        head = head[3:]
    pos = 0
    while True:
        m = _SKIP.match(head, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = head[pos:].lstrip()
    m = _ROOT_TAG.match(rest)
    return m.group(1).decode("ascii", "replace") if m else None


def detect(source: Source) -> str:
    """Recognise the format of a source: SIECLE_ELEVES, SIECLE_RESPONSABLES, STS, EDT or CSV.

    Raises UnreadableFile for anything else (not XML of a known root, not the CSV template).
    """
    stripped = source.data.lstrip(BOM_UTF8 + b" \t\r\n")
    if stripped.startswith(b"<"):
        root = xml_root_name(source.data)
        if root is None:
            raise UnreadableFile(
                N_("%(label)s : fichier XML illisible (pas d'élément racine)."), label=source.label
            )
        kind = _ROOTS.get(root.upper())
        if kind is None:
            raise UnreadableFile(
                N_(
                    "%(label)s : fichier XML de type « %(root)s » inconnu. Cartable importe "
                    "ElevesSansAdresses.xml (ou ElevesAvecAdresses.xml), "
                    "ResponsablesAvecAdresses.xml, sts_emp_<UAI>_<année>.xml et le modèle CSV."
                ),
                label=source.label,
                root=root,
            )
        return kind
    if _looks_like_csv_template(source.data):
        return CSV
    raise UnreadableFile(
        N_(
            "%(label)s : format non reconnu. Ce n'est ni un export SIECLE ou STS-Web (XML), "
            "ni le modèle CSV de Cartable (ligne d'en-tête avec profil;id;nom;prenom…)."
        ),
        label=source.label,
    )


def _looks_like_csv_template(data: bytes) -> bool:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        text = decode_text(data[:8192]).text
    except UnicodeDecodeError:
        return False
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    names = {normalise_header(h) for h in re.split(r"[;,\t]", header)}
    return {"profil", "nom", "prenom"} <= names
