"""Big exports are read in pieces: the results must be those of a whole-file read."""

from __future__ import annotations

import pytest

from appliance.directory.imports import encoding
from appliance.directory.imports.encoding import check_xml_bytes
from appliance.directory.imports.xmlsafe import XmlRefused, stream

DOC = (
    '<?xml version="1.0" encoding="ISO-8859-15"?>\n<BEE_ELEVES>\n'
    "  <PARAMETRES><UAJ>0679999X</UAJ></PARAMETRES>\n  <DONNEES><ELEVES>\n"
    + "".join(
        f'    <ELEVE ELEVE_ID="{i}">\n      <PRENOM>Cœline</PRENOM>\n    </ELEVE>\n'
        for i in range(1, 6)
    )
    + "  </ELEVES></DONNEES>\n</BEE_ELEVES>\n"
).encode("iso8859_15")


@pytest.mark.parametrize("chunk", [1, 7, 1 << 18])
def test_stream_yields_each_item_with_its_lines(chunk):
    items = list(stream(DOC, {"PARAMETRES", "ELEVE"}, chunk=chunk))
    assert [t.root.tag for t in items] == ["PARAMETRES"] + ["ELEVE"] * 5
    assert items[0].root.findtext("UAJ") == "0679999X"
    eleves = items[1:]
    assert [t.root.get("ELEVE_ID") for t in eleves] == ["1", "2", "3", "4", "5"]
    assert [t.line(t.root) for t in eleves] == [5, 8, 11, 14, 17]
    assert eleves[0].root.findtext("PRENOM") == "Cœline"
    assert eleves[0].line(eleves[0].root.find("PRENOM")) == 6


def test_stream_of_a_truncated_file_raises_after_the_items_read():
    seen = []
    with pytest.raises(XmlRefused) as exc:
        for item in stream(DOC[: DOC.index(b'<ELEVE ELEVE_ID="4"')], {"ELEVE"}, chunk=16):
            seen.append(item)
    assert "tronqué" in exc.value.message
    assert len(seen) == 3  # the parser of a SIECLE file must drop them (see parse_source)


def test_stream_refuses_entities():
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r><ELEVE>&a;</ELEVE></r>'
    with pytest.raises(XmlRefused):
        list(stream(bomb, {"ELEVE"}))


def _straddling(head: bytes, body: bytes, cut: int) -> bytes:
    """`head`, spaces, then `body` with the real chunk boundary `cut` bytes into it."""
    return head + b" " * (encoding._CHUNK - len(head) - cut) + body


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("<R>\nab Zoë\nCÅ“UR et encore du texte après</R>", "utf-8"),
        ("<R>\nab\n\nLÃ©a DUPONT, suite du texte</R>", "iso8859_15"),
        ("<R>\nab \x85 x\n\nLÃ©a</R>", "iso8859_15"),
        ("<R>\nLéa\nZoë</R>", "iso8859_15"),
    ],
)
def test_chunked_encoding_check_matches_a_whole_read(text, codec):
    """A file a little larger than one chunk, its text cut by the chunk boundary at each
    of its bytes in turn (inside a character, a mojibake sequence, its context), gives
    what the same text in a file of one chunk gives (spaces before the root element
    change no line number and no excerpt)."""
    declared = "UTF-8" if codec == "utf-8" else "ISO-8859-15"
    head = f'<?xml version="1.0" encoding="{declared}"?>\n'.encode()
    body = text.encode(codec)
    whole = check_xml_bytes(head + b" " * 64 + body)
    for cut in range(len(body)):
        data = _straddling(head, body, cut)
        assert len(data) > encoding._CHUNK
        assert check_xml_bytes(data) == whole, cut


def test_utf8_error_line_counts_from_the_start_of_the_file():
    """The faulty byte lies in the second chunk, after 4 096 lines of the first."""
    head = b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n'
    lines = b"".join(b" " * 1023 + b"\n" for _ in range(4096))
    data = head + lines + b" " * (encoding._CHUNK - len(head) - len(lines)) + b"<R>\n\xe9</R>"
    assert data.index(b"\xe9") > encoding._CHUNK
    ((line, message),) = check_xml_bytes(data)[1]
    assert line == 3 + 4096 and "UTF-8" in message


def test_truncated_siecle_file_brings_nobody(tmp_path):
    from datetime import date

    from appliance.directory.imports import parse_path

    path = tmp_path / "ElevesSansAdresses.xml"
    named = DOC.replace(
        b"<PRENOM>", "<NOM_DE_FAMILLE>CŒUR</NOM_DE_FAMILLE><PRENOM>".encode("iso8859_15")
    )
    path.write_bytes(named[: named.index(b'<ELEVE ELEVE_ID="5"')])  # four pupils, then cut
    (pf,) = parse_path(path, today=date(2026, 10, 1), full=False, guest_expiry=date(2027, 8, 31))
    assert not pf.people and not pf.complete_for
    assert [p.severity for p in pf.problems] == ["error"]
