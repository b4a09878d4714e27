from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.directory.imports.encoding import check_xml_bytes, decode_text, find_mojibake

NAMES = "Nom;Prénom\nCŒUR;Zoë\nLE BŒUF;Cœline\nNOËL;Jean-François\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"),
     ("iso8859_15", "iso8859-15")],
)  # fmt: skip
def test_csv_encodings_keep_names_intact(encoding, expected):
    decoded = decode_text(NAMES.encode(encoding))
    assert decoded.text == NAMES
    assert decoded.encoding == expected


def test_cp1252_curly_apostrophe():
    text = "Nom;Prénom\nD’ARC;Jeanne\n"
    assert decode_text(text.encode("cp1252")).text == text


def test_repeated_boms_are_stripped():
    assert decode_text(b"\xef\xbb\xbf\xef\xbb\xbfnom;prenom\n").text == "nom;prenom\n"


def test_utf16_with_bom():
    assert decode_text(NAMES.encode("utf-16")).text == NAMES


def test_mojibake_is_found():
    assert find_mojibake("ZoÃ« CÅ“UR") is not None
    assert find_mojibake("l’élève") is None
    assert find_mojibake("Zoë Cœur, Ève, Ãlvaro") is None


def xml(body: str, declared: str = "ISO-8859-15") -> str:
    return f'<?xml version="1.0" encoding="{declared}"?>\n<A>\n<B>{body}</B>\n</A>\n'


def test_latin9_file_is_fine():
    codec, errors = check_xml_bytes(xml("Cœline Zoë").encode("iso8859_15"))
    assert codec == "iso8859-15"
    assert errors == []


def test_latin9_declared_but_saved_as_utf8_is_refused():
    codec, errors = check_xml_bytes(xml("Cœline Zoë").encode("utf-8"))
    assert len(errors) == 1
    line, message = errors[0]
    assert line == 3
    assert "UTF-8" in message


def test_latin9_declared_but_saved_as_cp1252_is_refused():
    _, errors = check_xml_bytes(xml("Cœline").encode("cp1252"))
    assert errors and "Windows-1252" in errors[0][1]


def test_utf8_declared_but_latin9_bytes_is_refused():
    _, errors = check_xml_bytes(xml("Zoë", "UTF-8").encode("iso8859_15"))
    assert errors and "UTF-8" in errors[0][1]


def test_double_encoded_utf8_is_refused():
    data = xml("Zoë", "UTF-8").encode("utf-8").decode("latin-1").encode("utf-8")
    _, errors = check_xml_bytes(data)
    assert errors and "déformées" in errors[0][1]


def test_unknown_declared_encoding():
    _, errors = check_xml_bytes(xml("x", "KLINGON-8").encode())
    assert errors and "inconnu" in errors[0][1]


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæ ABCDEÉÈŒ-'", min_size=1))
def test_cp1252_or_latin9_names_round_trip(name):
    for encoding in ("cp1252", "utf-8"):
        text = f"nom;prenom\n{name};x\n"
        assert decode_text(text.encode(encoding)).text == text


def test_cp1252_that_happens_to_be_valid_utf8_is_read_as_cp1252():
    text = "nom;prenom\nÈŒ;x\n"
    assert decode_text(text.encode("cp1252")).text == text


@pytest.mark.parametrize("name", ["Nguyễn", "Łukasz", "Дмитрий", "Ahmed Ŝ", "Zoë Cœur"])
def test_real_utf8_names_stay_utf8(name):
    text = f"nom;prenom\n{name};x\n"
    decoded = decode_text(text.encode("utf-8"))
    assert decoded.text == text and decoded.encoding == "utf-8"
