"""CSV files that a spreadsheet opens safely (CSV/formula injection, OWASP).

A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is run as a formula by Excel or LibreOffice
when a secretary opens the export: a name such as `=HYPERLINK("http://…")` typed by anyone
would then act in their session. Every CSV Cartable writes goes through `write_csv`, which
prefixes such cells with an apostrophe (shown as text, not stored by the spreadsheet) and
otherwise writes what the directory holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """`value` as a CSV cell text that a spreadsheet will not run: None gives "", numbers
    are written as they are, a text starting with = + - @ (or tab, CR) gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)  # a negative number is a number, not a formula
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(
    header: Iterable[str], rows: Iterable[Iterable[Any]], *, delimiter: str = ";"
) -> bytes:
    """A whole CSV file: UTF-8 with a BOM (Excel then reads accents right), `;` between
    cells (French spreadsheets), CRLF line ends, every cell through `safe_cell`.

    Given the header and the rows (any values); returns the file's bytes.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")
