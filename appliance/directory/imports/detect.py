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
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
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

# One file, or one ZIP member once decompressed (a lycée's SIECLE export is ~10 MB).
MAX_FILE_BYTES = 200 * 1024 * 1024
# All the members of one ZIP once decompressed, and how many it may hold: an export ZIP
# holds one to four files; a ZIP bomb announces (or inflates to) gigabytes.
MAX_ZIP_TOTAL_BYTES = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 20
_CHUNK = 1024 * 1024
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


def read_sources(path: Path) -> Iterator[Source]:
    """Read a file, or every XML/CSV member of a ZIP, one at a time.

    Checks what can be checked up front (the file exists, is not empty or too big; a ZIP
    holds something to import, not too many members, and its headers announce no more
    than `MAX_ZIP_TOTAL_BYTES` once decompressed), raising UnreadableFile at once; then
    returns an iterator that reads the members one by one as a stream, counting the bytes
    really decompressed (a header can lie), so that only one member is held in memory.
    The iterator raises UnreadableFile when a member turns out too big or unreadable.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(
                N_("%(name)s : fichier trop gros (plus de 200 Mo)."), name=path.name
            )
        with path.open("rb") as fh:
            head = fh.read(4)
            if head == b"PK\x03\x04":
                return _zip_members(path)
            data = head + fh.read()
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
    return iter([Source(path.name, data)])


def _zip_members(path: Path) -> Iterator[Source]:
    """Check the archive's directory, then return the iterator of its members."""
    name = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UnreadableFile(
            N_("%(name)s : archive ZIP illisible (%(exc)s)."), name=name, exc=str(exc)
        ) from exc
    try:
        members = [
            i
            for i in archive.infolist()
            if not i.is_dir() and i.filename.lower().endswith((".xml", ".csv"))
        ]
        if not members:
            raise UnreadableFile(
                N_("%(name)s : l'archive ZIP ne contient aucun fichier XML ou CSV."), name=name
            )
        if len(members) > MAX_ZIP_MEMBERS:
            raise UnreadableFile(
                N_(
                    "%(name)s : l'archive ZIP contient %(count)s fichiers XML ou CSV ; un "
                    "import en prend au plus %(max)s. Envoyez les exports eux-mêmes."
                ),
                name=name,
                count=len(members),
                max=MAX_ZIP_MEMBERS,
            )
        announced = sum(i.file_size for i in members)
        if announced > MAX_ZIP_TOTAL_BYTES:
            raise UnreadableFile(
                N_(
                    "%(name)s : l'archive ZIP ferait %(size)s Mo une fois décompressée, au-delà "
                    "des %(max)s Mo qu'un import accepte (les exports SIECLE et STS-Web d'un "
                    "établissement en font quelques dizaines) : elle n'est pas un export ; rien "
                    "n'a été importé."
                ),
                name=name,
                size=announced // (1024 * 1024),
                max=MAX_ZIP_TOTAL_BYTES // (1024 * 1024),
            )
    except BaseException:
        archive.close()
        raise
    return _read_members(name, archive, members)


def _read_members(
    name: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> Iterator[Source]:
    budget = MAX_ZIP_TOTAL_BYTES
    try:
        for info in members:
            limit = min(MAX_FILE_BYTES, budget)
            content = _read_capped(name, archive, info, limit)
            budget -= len(content)
            yield Source(f"{name}:{info.filename}", content)
            del content
    finally:
        archive.close()


def _read_capped(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The decompressed bytes of one member, read in chunks; UnreadableFile past `limit`."""
    buf = bytearray()
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                buf += chunk
                if len(buf) > limit:
                    raise UnreadableFile(
                        N_(
                            "%(name)s : %(filename)s est trop gros une fois décompressé "
                            "(plus de %(max)s Mo) : rien n'a été importé."
                        ),
                        name=name,
                        filename=info.filename,
                        max=limit // (1024 * 1024),
                    )
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
        raise UnreadableFile(
            N_("%(name)s : archive ZIP illisible, abîmée ou chiffrée (%(filename)s : %(exc)s)."),
            name=name,
            filename=info.filename,
            exc=str(exc),
        ) from exc
    except zlib.error as exc:
        raise UnreadableFile(
            N_("%(name)s : archive ZIP abîmée (%(filename)s : %(exc)s)."),
            name=name,
            filename=info.filename,
            exc=str(exc),
        ) from exc
    return bytes(buf)


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
