"""Text that people type or files bring, made safe for the directory and the terminal.

One place decides which characters a name, a function or an e-mail address may hold, how
long it may be, and what a sane e-mail looks like; every entry uses it:

- forms and the CLI (`people.create_person`, `people.update_names`) *refuse* a bad value
  with `clean_text` / `clean_email_field`: a CartableError naming the field;
- imports *strip* what a national export or a spreadsheet lets slip (`strip_text`), with a
  warning naming the file and line (`appliance.directory.imports.sanitize`);
- the CLI *escapes* what it prints (`for_terminal`), as a second line of defence: an ESC
  sequence in a name must never drive the technician's terminal.

Unsafe characters are the C0 and C1 controls (NUL, BEL, ESC, CR, LF, DEL…), the Unicode
line and paragraph separators, zero-width characters and the bidirectional overrides and
isolates (U+202A-U+202E, U+2066-U+2069) that make "gpj.exe" read as "exe.jpg".
"""

from __future__ import annotations

import re
import unicodedata

from appliance.errors import CartableError
from appliance.i18n import N_
from backup.errors import Phrase

NAME_MAX = 100
FUNCTION_MAX = 200
EMAIL_MAX = 254  # RFC 5321 path limit
LOGIN_MAX = 64  # a generous bound; the login *format* is checked elsewhere

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
# Inside a single-line value, a tab or a line break is a space that went wrong.
_AS_SPACE = re.compile("[\t\n\r\u2028\u2029]+")
# Letters of any script are allowed (internationalised addresses), not spaces or quotes.
_LOCAL = re.compile(r"^[\w!#$%&'*+/=?^`{|}~.-]{1,64}$")
_LABEL = re.compile(r"^[^\W_](?:[\w-]{0,61}[^\W_])?$")

FIELD_LABELS = {
    "login": Phrase(N_("identifiant")),
    "first_name": Phrase(N_("prénom")),
    "last_name": Phrase(N_("nom")),
    "email": Phrase(N_("adresse e-mail")),
    "function": Phrase(N_("fonction")),
    "title": Phrase(N_("titre")),
    "reason": Phrase(N_("motif")),
    "note": Phrase(N_("note pour les familles")),
    "room": Phrase(N_("salle")),
    "label": Phrase(N_("libellé")),
}


def first_unsafe(value: str) -> str | None:
    """The first unsafe character of `value` as 'U+001B', or None when there is none."""
    m = _UNSAFE.search(value)
    return None if m is None else f"U+{ord(m.group()):04X}"


def clean_text(value: str | None, field: str, max_len: int = NAME_MAX) -> str:
    """A one-line value typed by a person, checked: returned stripped of outer spaces.

    Given the value, the field's name (for the message and the form) and its maximum
    length. Raises CartableError (with `field`) when it holds a control or invisible
    character, or is longer than `max_len`. An empty value is returned as "" (the caller
    decides whether the field is required).
    """
    text = unicodedata.normalize("NFC", value or "").strip()
    label = FIELD_LABELS.get(field, field)
    bad = first_unsafe(text)
    if bad is not None:
        raise CartableError(
            N_(
                "Le champ %(label)s contient un caractère de contrôle ou invisible (%(bad)s) : "
                "retapez-le sans copier-coller depuis un autre logiciel."
            ),
            field=field,
            label=label,
            bad=bad,
        )
    if len(text) > max_len:
        raise CartableError(
            N_("Le champ %(label)s est trop long (%(length)s caractères, %(max)s au plus)."),
            field=field,
            label=label,
            length=len(text),
            max=max_len,
        )
    return text


def strip_text(value: str | None) -> tuple[str, bool]:
    """A value from an import file with its unsafe characters removed.

    Tabs and line breaks become one space, the other unsafe characters go, spaces are
    collapsed. Returns (clean value, True if anything unsafe was removed).
    """
    text = unicodedata.normalize("NFC", value or "")
    changed = _UNSAFE.search(text) is not None
    cleaned = _UNSAFE.sub("", _AS_SPACE.sub(" ", text))
    return " ".join(cleaned.split()), changed


def is_valid_email(text: str) -> bool:
    """A simple, sane check of an address: local@domain.tld, no space, quote or control
    character, at most 254 characters, domain labels of letters, digits and hyphens, a
    top-level domain of 2+ letters."""
    if not text or len(text) > EMAIL_MAX or first_unsafe(text) or text.count("@") != 1:
        return False
    local, domain = text.split("@")
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return False
    return labels[-1].isalpha() and len(labels[-1]) >= 2


def clean_email_field(value: str | None, field: str = "email") -> str | None:
    """An e-mail address typed by a person: None when empty, else the checked address.

    Raises CartableError (with `field`) when it is not a sane address.
    """
    text = clean_text(value, field, EMAIL_MAX)
    if not text:
        return None
    if not is_valid_email(text):
        raise CartableError(
            N_(
                "Adresse e-mail « %(email)s » invalide : écrivez-la sous la forme "
                "prenom.nom@exemple.fr."
            ),
            field=field,
            email=for_terminal(text),
        )
    return text


def for_terminal(value: object) -> str:
    """`value` as text that can't drive a terminal: each unsafe character is shown as a
    visible escape (ESC → '\\x1b', U+202E → '\\u202e'), everything else is kept."""
    text = str(value)
    if not _UNSAFE.search(text):
        return text

    def visible(m: re.Match) -> str:
        code = ord(m.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(visible, text)
