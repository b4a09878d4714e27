"""Logins `prenom.nom`: lower case, accents folded, spaces and apostrophes removed, hyphens kept.

On a clash a number is added (`lea.martin`, `lea.martin2`, `lea.martin3`…). A login is
never given again while its former owner's data may exist: the `person` table holds the
logins in use (active, departed or disabled people), `retired_login` the logins of purged
people, kept reserved for a while (see `lifecycle`).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata

from appliance.db import rows

MAX_PART = 30
_SPECIAL = str.maketrans(
    {
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ß": "ss",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)
_DROP = re.compile(r"[\s'’ʼ`´‘]+")
_NOT_LOGIN = re.compile(r"[^a-z0-9-]+")


def fold(text: str) -> str:
    """Fold a name part for a login: 'Cœline' → 'coeline', "N'Diaye" → 'ndiaye',
    'Dupont-Dupuis' → 'dupont-dupuis', 'Le Bœuf' → 'leboeuf'."""
    text = (text or "").translate(_SPECIAL)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = _DROP.sub("", text)
    text = _NOT_LOGIN.sub("", text)
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text[:MAX_PART].strip("-")


def base_login(first_name: str, last_name: str, *, fallback: str = "utilisateur") -> str:
    """The login before any clash number: 'Léa', 'MARTIN' → 'lea.martin'.

    A part that folds to nothing (a name in a non-Latin script) is replaced by `fallback`.
    """
    first = fold(first_name)
    last = fold(last_name)
    if first and last:
        return f"{first}.{last}"
    return first or last or fallback


def taken_logins(conn: sqlite3.Connection) -> set[str]:
    """Every login that can't be given: those of people in the directory and retired ones."""
    found = rows(conn, "SELECT login FROM person UNION SELECT login FROM retired_login")
    return {r["login"] for r in found}


def allocate(
    first_name: str, last_name: str, taken: set[str], *, fallback: str = "utilisateur"
) -> str:
    """A free login for this person, added to `taken` before it is returned.

    Given the names and the set of logins already in use or reserved (see `taken_logins`,
    plus those handed out earlier in the same import); returns `prenom.nom`, or
    `prenom.nom2`, `prenom.nom3`… on a clash.
    """
    base = base_login(first_name, last_name, fallback=fallback)
    login, n = base, 1
    while login in taken:
        n += 1
        login = f"{base}{n}"
    taken.add(login)
    return login


def allocate_in_db(conn: sqlite3.Connection, first_name: str, last_name: str) -> str:
    """A free login checked against the database only (one person created by hand)."""
    base = base_login(first_name, last_name)
    like = rows(
        conn,
        "SELECT login FROM person WHERE login = ? OR login GLOB ? "
        "UNION SELECT login FROM retired_login WHERE login = ? OR login GLOB ?",
        (base, f"{base}[0-9]*", base, f"{base}[0-9]*"),
    )
    return allocate(first_name, last_name, {r["login"] for r in like})
