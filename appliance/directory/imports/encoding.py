"""Character encodings of import files: detection, and the mojibake that hand edits leave.

SIECLE and STS files declare their encoding (ISO-8859-15) and the XML parser decodes them
itself; here we only check that the bytes agree with the declaration, because a secretary
who re-saves the file in an editor changes the bytes but not the declaration, and every
accented letter then turns into garbage such as `Ã©`. CSV files declare nothing: a BOM
means UTF-8 (or UTF-16), else a strict UTF-8 decode that succeeds, else one of the two
Western single-byte code pages (CP1252 from Excel, ISO-8859-15 from Linux tools).
charset-normalizer names the probable encoding when a file is not what it says.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

from appliance.i18n import N_
from backup.errors import Phrase

BOM_UTF8 = codecs.BOM_UTF8
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")

# Letters that UTF-8 continuation bytes (0x80-0xBF) become when read as Latin-9/CP1252.
_CONT = "\u0080-\u00bf€ŠšŽžŒœŸ‚ƒ„…†‡ˆ‰‹‘’“”•–—˜™›"
_MOJIBAKE = re.compile(f"[ÃÂ][{_CONT}]|Å[“’\u0092\u0093]|â€")
_C1_CONTROLS = re.compile("[\u0080-\u009f]")
_SINGLE_BYTE = {"iso8859-1", "iso8859-15", "cp1252", "latin-1"}

# Bytes where ISO-8859-15 has letters (Š š Ž ž Œ œ Ÿ) but CP1252 has symbols.
_LATIN9_LETTER_BYTES = frozenset(b"\xa6\xa8\xb4\xb8\xbc\xbd\xbe")


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with the encoding used (a Python codec name)."""

    text: str
    encoding: str


def codec_name(label: str) -> str | None:
    """The canonical Python codec name of an encoding label, or None if unknown."""
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return {"latin-1": "iso8859-1", "iso8859_15": "iso8859-15"}.get(name, name)


def guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's best guess among UTF-8, CP1252 and ISO-8859-15, or None."""
    best = from_bytes(data[:200_000], cp_isolation=["utf_8", "cp1252", "iso8859_15"]).best()
    return best.encoding if best is not None else None


def find_mojibake(text: str) -> str | None:
    """Return a short excerpt around the first mojibake sequence in `text`, or None.

    Mojibake is UTF-8 read as a single-byte code page: `Ã©` for é, `Å“` for œ, `â€™` for ’.
    """
    m = _MOJIBAKE.search(text)
    return None if m is None else _excerpt(text, m)


def _excerpt(text: str, m: re.Match) -> str:
    start = max(0, m.start() - 16)
    excerpt = re.sub(r"<[^>]*>?", " ", text[start : m.end() + 16])
    return " ".join(excerpt.split())


def line_of(text: str, index: int) -> int:
    """1-based line number of a character position in `text`."""
    return text.count("\n", 0, index) + 1


def xml_declared_encoding(data: bytes) -> str:
    """The encoding named in the XML declaration (lower case), 'utf-8' when absent."""
    m = _XML_DECL.match(data[:400].lstrip(BOM_UTF8))
    return m.group(1).decode("ascii").lower() if m else "utf-8"


_CHUNK = 1 << 22  # bytes decoded at a time: a 100 MB export is never held as text at once
_CONTEXT = 16  # characters of context on each side of a mojibake excerpt


def _decoded(data: bytes, codec: str, errors: str = "strict") -> Iterator[tuple[str, int, bool]]:
    """Decode `data` chunk by chunk: yields (text, line of its first character, last).

    Raises UnicodeDecodeError as `bytes.decode` would; its `position` attribute is the
    offset of the faulty byte in `data`.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors)
    line = 1
    for start in range(0, len(data), _CHUNK):
        last = start + _CHUNK >= len(data)
        state = decoder.getstate()
        pending = len(state[0]) if isinstance(state, tuple) and isinstance(state[0], bytes) else 0
        try:
            text = decoder.decode(data[start : start + _CHUNK], last)
        except UnicodeDecodeError as exc:
            skipped = 3 if start == 0 and codec == "utf-8-sig" and data.startswith(BOM_UTF8) else 0
            # Where the fault is in the whole file (exc.start is within this chunk).
            exc.position = start - pending + exc.start + skipped  # type: ignore[attr-defined]
            raise
        yield text, line, last
        line += text.count("\n")
    if not data:
        yield decoder.decode(b"", True), 1, True


def _scan(data: bytes, codec: str, errors: str, c1: bool) -> tuple[int | None, tuple | None]:
    """Find, chunk by chunk, the line of the first C1 control character (when `c1`) and the
    first mojibake sequence as (line, excerpt), as a search of the whole decoded text
    would. Raises UnicodeDecodeError (see `_decoded`): the whole file is decoded even after
    both were found."""
    c1_line, mojibake = None, None
    carry = ""  # the end of the text so far, not yet searched or needed as context
    for text, line, last in _decoded(data, codec, errors):
        if c1 and c1_line is None:
            m = _C1_CONTROLS.search(text)
            if m is not None:
                c1_line = line + text.count("\n", 0, m.start())
        if mojibake is None:
            window = carry + text
            # A match must leave room for its right-hand context unless the text ends.
            end = len(window) if last else max(0, len(window) - _CONTEXT)
            m = _MOJIBAKE.search(window, 0, end)
            if m is not None:
                first_line = line - carry.count("\n")
                mojibake = (first_line + window.count("\n", 0, m.start()), _excerpt(window, m))
            carry = window[max(0, end - _CONTEXT - 4) :]
    return c1_line, mojibake


def check_xml_bytes(data: bytes) -> tuple[str | None, list[tuple[int | None, Phrase]]]:
    """Check that an XML file's bytes agree with its declared encoding.

    Given the raw bytes; returns (codec name or None, errors as (line, French message)).
    An error means the file was re-saved in another encoding than it declares, or holds
    mojibake: the import must be refused, since names would be stored garbled. The bytes
    are decoded a few megabytes at a time, never as a whole.
    """
    declared = xml_declared_encoding(data)
    codec = codec_name(declared)
    if codec is None:
        return None, [
            (
                1,
                Phrase(
                    N_("Le fichier déclare un encodage inconnu « %(declared)s »."),
                    declared=declared,
                ),
            )
        ]
    has_bom = data.startswith(BOM_UTF8)
    if codec in _SINGLE_BYTE:
        if has_bom or _is_multibyte_utf8(data):
            return codec, [(_first_non_ascii_line(data), _resaved_message(declared))]
        c1_line, mojibake = _scan(data, codec, "replace", c1=codec != "cp1252")
        if c1_line is not None:
            return codec, [
                (
                    c1_line,
                    Phrase(
                        N_(
                            "Le fichier déclare l'encodage %(declared)s mais contient des "
                            "caractères de Windows-1252 (il a été réenregistré sous Windows). "
                            "Demandez un nouvel export, sans l'ouvrir dans un éditeur."
                        ),
                        declared=declared.upper(),
                    ),
                )
            ]
    else:
        try:
            _, mojibake = _scan(data, "utf-8-sig" if codec == "utf-8" else codec, "strict", False)
        except UnicodeDecodeError as exc:
            if codec != "utf-8":
                return codec, [
                    (
                        1,
                        Phrase(
                            N_("Le fichier n'est pas lisible dans l'encodage %(declared)s."),
                            declared=declared,
                        ),
                    )
                ]
            guess = guess_encoding(data) or Phrase(N_("inconnu"))
            line = data.count(b"\n", 0, exc.position) + 1  # type: ignore[attr-defined]
            return codec, [
                (
                    line,
                    Phrase(
                        N_(
                            "Le fichier déclare l'encodage UTF-8 mais n'en est pas (encodage "
                            "probable : %(guess)s). Il a sans doute été réenregistré ; demandez un "
                            "nouvel export."
                        ),
                        guess=guess,
                    ),
                )
            ]
    if mojibake is not None:
        line, excerpt = mojibake
        return codec, [(line, _mojibake_message(excerpt))]
    return codec, []


def decode_text(data: bytes) -> Decoded:
    """Decode a text file (CSV) that declares nothing.

    BOM → UTF-8 (or UTF-16); else strict UTF-8; else CP1252 or ISO-8859-15, whichever
    turns the bytes into letters rather than symbols or control characters. Repeated BOMs
    are removed. Raises UnicodeDecodeError only for bytes no candidate can decode.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoded(data.decode("utf-16").replace("\ufeff", ""), "utf-16")
    if data.startswith(BOM_UTF8):
        return Decoded(data.decode("utf-8-sig").replace("\ufeff", ""), "utf-8-sig")
    try:
        text = data.decode("utf-8").replace("\ufeff", "")
    except UnicodeDecodeError:
        return Decoded(_decode_single_byte(data), _single_byte_choice(data))
    if _unlikely_in_names(text):
        # A few CP1252 letters can also form valid UTF-8 ("ÈŒ" is the bytes of "Ȍ"): when
        # UTF-8 gives characters beyond the European alphabets and the CP1252 reading is
        # letters only, the file is CP1252. A real UTF-8 name ("Nguyễn") read as CP1252
        # gives symbols ("Nguyá»…n"), so it stays UTF-8.
        try:
            single = _decode_single_byte(data)
        except UnicodeDecodeError:
            single = None
        if single is not None and all(ch.isalpha() for ch in single if ord(ch) > 0x7F):
            return Decoded(single, _single_byte_choice(data))
    return Decoded(text, "utf-8")


def _unlikely_in_names(text: str) -> bool:
    """True when `text` holds characters beyond Latin-1 and Latin Extended-A (where œ, Œ,
    Ÿ and the other letters of French and most European names live) other than common
    punctuation and the euro sign: then the file may be CP1252 that happens to be valid
    UTF-8."""
    return any(
        ord(ch) > 0x17F and ch not in "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u20ac\u2122"
        for ch in text
    )


def _single_byte_choice(data: bytes) -> str:
    high = {b for b in data if b >= 0x80}
    if any(0x80 <= b <= 0x9F for b in high):
        return "cp1252"
    if high & _LATIN9_LETTER_BYTES:
        return "iso8859-15" if _latin9_bytes_between_letters(data) else "cp1252"
    if 0xA4 in high:  # € in Latin-9, ¤ in CP1252: a currency sign is likelier to be €
        return "iso8859-15"
    guess = guess_encoding(data)
    return "iso8859-15" if guess == "iso8859_15" else "cp1252"


def _decode_single_byte(data: bytes) -> str:
    return data.decode(_single_byte_choice(data), errors="strict")


def _latin9_bytes_between_letters(data: bytes) -> bool:
    """True when a Latin-9-only letter byte sits next to a letter (as in 'Cœline')."""
    for i, b in enumerate(data):
        if b in _LATIN9_LETTER_BYTES:
            before = data[i - 1 : i]
            after = data[i + 1 : i + 2]
            if (before and (before.isalpha() or before[0] >= 0xC0)) or (
                after and (after.isalpha() or after[0] >= 0xC0)
            ):
                return True
    return False


def _is_multibyte_utf8(data: bytes) -> bool:
    """True if the bytes hold non-ASCII characters and decode as UTF-8."""
    if data.isascii():
        return False
    try:
        for _ in _decoded(data, "utf-8"):
            continue
    except UnicodeDecodeError:
        return False
    return True


def _first_non_ascii_line(data: bytes) -> int:
    m = re.search(rb"[\x80-\xff]", data)
    return 1 if m is None else data.count(b"\n", 0, m.start()) + 1


def _resaved_message(declared: str) -> Phrase:
    return Phrase(
        N_(
            "Le fichier déclare l'encodage %(declared)s mais a été réenregistré en UTF-8 "
            "(sans doute ouvert puis enregistré dans un éditeur) : les lettres accentuées "
            "seraient importées déformées (« Ã© » au lieu de « é »). Demandez un nouvel export "
            "à SIECLE ou STS-Web et importez-le sans l'ouvrir."
        ),
        declared=declared.upper(),
    )


def _mojibake_message(excerpt: str) -> Phrase:
    return Phrase(
        N_(
            "Le fichier contient des lettres déformées (« %(excerpt)s ») : il a été converti "
            "deux fois d'un encodage à l'autre. Les noms seraient importés abîmés ; demandez "
            "un nouvel export, ou réenregistrez le fichier d'origine en UTF-8."
        ),
        excerpt=excerpt,
    )
