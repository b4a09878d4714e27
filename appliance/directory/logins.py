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
from collections.abc import Callable

from appliance.db import rows
from appliance.errors import CartableError
from appliance.i18n import N_
from backup.errors import Phrase

MAX_PART = 30
# Every login, typed or made: 2 to 40 characters, lower-case ASCII letters, digits, dot,
# hyphen, underscore, starting with a letter or a digit (what a slip, a URL and a Unix
# tool all take without quoting).
MAX_LOGIN = 40
LOGIN_PATTERN = r"[a-z0-9][a-z0-9._-]{1,39}"
_LOGIN = re.compile(LOGIN_PATTERN)
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
    base = f"{first}.{last}" if first and last else (first or last)
    # Room for a clash number; a one-letter name alone is not a login.
    base = base[: MAX_LOGIN - 3].rstrip(".-")
    return base if len(base) >= 2 else fallback


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
        login = f"{base[: MAX_LOGIN - len(str(n))]}{n}"
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


def check_login(login: str, suggest: Callable[[], str] | None = None) -> str:
    """The login as it is stored (trimmed, lower case) when it follows the rule
    (`LOGIN_PATTERN`); else raises CartableError on the field `login`, naming the rule and
    the suggestion `suggest()` gives (a free `prenom.nom` made from the person's names)."""
    cleaned = (login or "").strip().lower()
    if _LOGIN.fullmatch(cleaned):
        return cleaned
    hint = Phrase(N_(" Par exemple « %(login)s »."), login=suggest()) if suggest else ""
    if not cleaned:
        raise CartableError(
            N_("Identifiant : il est obligatoire.%(hint)s"), field="login", hint=hint
        )
    shown = "".join(c if c.isprintable() else "?" for c in login)[:60]
    raise CartableError(
        N_(
            "Identifiant « %(login)s » refusé : de 2 à %(max)s caractères, lettres minuscules "
            "sans accents, chiffres, point, tiret ou tiret bas, en commençant par une lettre "
            "ou un chiffre.%(hint)s"
        ),
        field="login",
        login=shown,
        max=MAX_LOGIN,
        hint=hint,
    )
