"""Words of messages for the search: folded (lower case, no accents, œ as oe) so that
"eleve" finds « Élève » and « Lefèvre » is found by "lefevre"."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

_SPECIAL = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o"})
_SPACES = re.compile(r"\s+")
# The combining marks (accents) NFKD splits off letters; dropped with one translate.
_MARKS = (
    dict.fromkeys(c for c in range(0x300, 0x370) if unicodedata.combining(chr(c)))
    | dict.fromkeys(c for c in range(0x1AB0, 0x1B00))
    | dict.fromkeys(range(0x20D0, 0x2100))
)


def fold(text: str | None) -> str:
    """`text` in lower case without accents, its spaces collapsed (the search folds
    thousands of names: translate tables, no per-character Python)."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    if not text.isascii():
        text = text.translate(_MARKS)
    return _SPACES.sub(" ", text.lower()).strip()


def like_pattern(query: str) -> str:
    """A LIKE pattern (`ESCAPE '\\'`) matching the folded `query` anywhere."""
    folded = fold(query)
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def with_fold(conn: sqlite3.Connection) -> sqlite3.Connection:
    """`conn` with the SQL function `cartable_fold(text)` (the same folding)."""
    conn.create_function("cartable_fold", 1, fold, deterministic=True)
    return conn


def preview(text: str | None, length: int = 140) -> str:
    """The start of a plain text on one line, cut at a word, with an ellipsis."""
    # What `_SPACES.sub(" ", …).strip()` gives (both split at str.isspace), 4 × faster:
    # a listing makes 25 to 100 of them.
    line = " ".join((text or "").split())
    if len(line) <= length:
        return line
    cut = line[:length].rsplit(" ", 1)[0]
    return cut + "…"
