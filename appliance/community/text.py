"""Words of messages for the search: folded (lower case, no accents, œ as oe) so that
"eleve" finds « Élève » and « Lefèvre » is found by "lefevre"."""

from __future__ import annotations

import re
import sqlite3
import unicodedata

_SPECIAL = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o"})
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """`text` in lower case without accents, its spaces collapsed."""
    text = (text or "").translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _SPACES.sub(" ", text).strip()


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
    line = _SPACES.sub(" ", text or "").strip()
    if len(line) <= length:
        return line
    cut = line[:length].rsplit(" ", 1)[0]
    return cut + "…"
