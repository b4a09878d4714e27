"""Rich text: the safe subset people may write (cahier de textes, messages, news, forums).

Text written in the portal is HTML from a small editor or a form: it is cleaned with
`nh3` on the way in (`sanitise`), kept cleaned, and templates still escape everything
but the cleaned HTML they are given. Allowed: paragraphs and line breaks, bold, italic,
underline, lists, quotes, and links to http(s) and mail addresses (opened with
`rel="noopener noreferrer nofollow"`). No images, styles, scripts, forms or attributes
other than a link's `href` and `title`.

`plain(html)` gives the words alone (search, notifications by e-mail, JSON `text`);
`from_plain(text)` turns a plain text (a CSV import, the API) into the same safe HTML.
"""

from __future__ import annotations

import html as html_mod
import re

import nh3

from appliance.errors import CartableError
from appliance.i18n import N_

TAGS = frozenset({"p", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "blockquote", "a"})
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Long enough for a term's lesson content; a page of text is about 3,000 characters.
MAX_CHARS = 50_000

_BLOCK_END = re.compile(r"</(p|li|blockquote)>|<br\s*/?>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def sanitise(text: str | None, *, field: str = "text", max_chars: int = MAX_CHARS) -> str:
    """The safe HTML of `text` (anything a browser could run is removed, not escaped).

    Raises CartableError naming `field` when the text is longer than `max_chars`.
    """
    text = text or ""
    if len(text) > max_chars:
        raise CartableError(
            N_("Le champ %(name)s dépasse %(max)s caractères (%(n)s)."),
            field=field,
            name=field,
            max=max_chars,
            n=len(text),
        )
    cleaned = nh3.clean(
        text,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return cleaned.strip()


def plain(html: str | None) -> str:
    """The words of a (cleaned or not) HTML text, with its line breaks, no tags."""
    with_breaks = _BLOCK_END.sub("\n", html or "")
    words = html_mod.unescape(nh3.clean(with_breaks, tags=set(), attributes={}))
    lines = [_SPACES.sub(" ", line).strip() for line in words.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def from_plain(text: str | None, *, field: str = "text", max_chars: int = MAX_CHARS) -> str:
    """Safe HTML for a plain text: escaped, paragraphs on blank lines, breaks on newlines."""
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > max_chars:
        return sanitise(text, field=field, max_chars=max_chars)  # raises, naming the field
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html_mod.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def looks_like_html(text: str | None) -> bool:
    """Whether a text sent by a form or the API is HTML (else it is taken as plain text)."""
    return bool(re.search(r"<\s*/?\s*[a-zA-Z][^>]*>", text or ""))


def clean_input(text: str | None, *, field: str = "text", max_chars: int = MAX_CHARS) -> str:
    """The safe HTML of what a person typed: HTML is sanitised, plain text converted."""
    if looks_like_html(text):
        return sanitise(text, field=field, max_chars=max_chars)
    return from_plain(text, field=field, max_chars=max_chars)
