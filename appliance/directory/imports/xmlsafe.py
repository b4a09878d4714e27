"""Safe XML parsing with line numbers, and the helpers every XML parser shares.

defusedxml refuses entity declarations (the "billion laughs" bomb) and external entities
or DTDs; the bytes go to the parser as they are, so that it decodes them with the
charset the XML declaration names (ISO-8859-15 for SIECLE). A truncated file fails with
the line where it stops. Elements keep their source line in `Tree.line`.

`parse` builds the whole tree. `stream` builds only the elements a caller asks for (one
SIECLE `ELEVE`, `PERSONNE`…), hands each over as soon as it ends and forgets it, so that
a file of a hundred thousand people is read in little memory.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from appliance.i18n import N_
from backup.errors import Explained


class XmlRefused(Explained):
    """The XML can't be used; `line` says where, `message` why (in French)."""

    def __init__(self, message: str, line: int | None = None, **params: object):
        super().__init__(message, **params)
        self.line = line


@dataclass
class Tree:
    """A parsed document: the root element and each element's source line."""

    root: Element
    lines: dict[int, int] = field(default_factory=dict)

    def line(self, el: Element | None) -> int | None:
        """Line where `el` starts in the file, or None."""
        return None if el is None else self.lines.get(id(el))


class _LineBuilder(ET.TreeBuilder):
    def __init__(self) -> None:
        super().__init__()
        self.parser: DefusedXMLParser | None = None
        self.lines: dict[int, int] = {}

    def start(self, tag, attrs):  # noqa: ANN001 - signature of TreeBuilder.start
        el = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(el)] = self.parser.parser.CurrentLineNumber
        return el


def _parser(target) -> DefusedXMLParser:  # noqa: ANN001 - any ElementTree parser target
    parser = DefusedXMLParser(
        target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    target.parser = parser
    return parser


def _refused(exc: Exception, data: bytes) -> XmlRefused:
    """The XmlRefused for a parser exception (unsafe, truncated or malformed file)."""
    if isinstance(exc, DefusedXmlException):
        return XmlRefused(
            N_(
                "Le fichier contient des déclarations d'entités ou des références externes "
                "(%(kind)s) : c'est le procédé des « bombes XML ». Un export SIECLE "
                "ou STS-Web n'en contient jamais ; le fichier est refusé par sécurité."
            ),
            kind=type(exc).__name__,
        )
    position = getattr(exc, "position", None)  # set by expat and ElementTree's ParseError
    line = position[0] if position else None
    total = data.count(b"\n") + 1
    if str(exc).startswith(("no element found", "unclosed token")) or (
        line is not None and line >= total - 1
    ):
        return XmlRefused(
            N_(
                "Le fichier est tronqué ou incomplet : il s'arrête à la ligne %(line_no)s "
                "(%(exc)s). Il a sans doute été mal copié ou téléchargé ; refaites l'export."
            ),
            line,
            line_no=line,
            exc=exc,
        )
    return XmlRefused(
        N_("Le fichier XML est mal formé à la ligne %(line_no)s (%(exc)s)."),
        line,
        line_no=line,
        exc=exc,
    )


def parse(data: bytes) -> Tree:
    """Parse XML bytes safely.

    Returns the Tree; raises XmlRefused for an unsafe file (entities, external
    references), a truncated or malformed one (with its line), or an empty one.
    """
    builder = _LineBuilder()
    parser = _parser(builder)
    try:
        parser.feed(data)
        root = parser.close()
    except (DefusedXmlException, ET.ParseError) as exc:
        raise _refused(exc, data) from exc
    return Tree(root, builder.lines)


class _ItemBuilder:
    """Parser target that builds only the elements named in `items` (with everything
    inside them) and collects each one, as a Tree of its own, when it ends. Text outside
    them, and the text that follows an element (its tail), are dropped."""

    def __init__(self, items: set[str]):
        self.items = items
        self.parser: DefusedXMLParser | None = None
        self.stack: list[Element | None] = []  # None: an element outside any item
        self.pending: list[str] = []
        self.lines: dict[int, int] = {}
        self.done: list[Tree] = []

    def start(self, tag, attrs):  # noqa: ANN001 - signature of TreeBuilder.start
        parent = self.stack[-1] if self.stack else None
        if parent is None and tag not in self.items:
            self.stack.append(None)
            return
        if parent is not None:
            if self.pending and parent.text is None and not len(parent):
                parent.text = "".join(self.pending)
            el = ET.SubElement(parent, tag, attrs)
        else:
            el = Element(tag, attrs)
        self.pending.clear()
        if self.parser is not None:
            self.lines[id(el)] = self.parser.parser.CurrentLineNumber
        self.stack.append(el)

    def data(self, text: str) -> None:
        if self.stack and self.stack[-1] is not None:
            self.pending.append(text)

    def end(self, tag):  # noqa: ANN001 - signature of TreeBuilder.end
        el = self.stack.pop()
        if el is None:
            return
        if self.pending and el.text is None and not len(el):
            el.text = "".join(self.pending)
        self.pending.clear()
        if not self.stack or self.stack[-1] is None:
            self.done.append(Tree(el, self.lines))
            self.lines = {}

    def close(self) -> None:
        return None

    def take(self) -> list[Tree]:
        done, self.done = self.done, []
        return done


def stream(data: bytes, items: set[str], chunk: int = 1 << 18) -> Iterator[Tree]:
    """Parse XML bytes safely, yielding a Tree for each element whose tag is in `items`
    (anywhere in the document; an item inside another is part of the outer one), in
    document order, as soon as it ends. Nothing else is kept.

    Raises XmlRefused as `parse` does, possibly after some items were yielded: a caller
    must drop what it gathered when that happens.
    """
    builder = _ItemBuilder(items)
    parser = _parser(builder)
    try:
        for start in range(0, len(data), chunk):
            parser.feed(data[start : start + chunk])
            yield from builder.take()
        parser.close()
    except (DefusedXmlException, ET.ParseError) as exc:
        raise _refused(exc, data) from exc
    yield from builder.take()


def value(el: Element | None, name: str) -> str:
    """Attribute `name` of `el`, else the text of its child `name`; stripped, '' if absent.

    SIECLE and STS put the same ids sometimes as attributes, sometimes as children.
    """
    if el is None:
        return ""
    attr = el.get(name)
    if attr is not None and attr.strip():
        return attr.strip()
    child = el.find(name)
    if child is not None and child.text:
        return child.text.strip()
    return ""


def first(el: Element, *names: str) -> str:
    """The first non-empty `value` among several element names."""
    for name in names:
        found = value(el, name)
        if found:
            return found
    return ""


def parse_date(text: str, fmt: str = "%d/%m/%Y") -> date | None:
    """A date from `text` in `fmt`; None when empty or malformed."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, fmt).date()
    except ValueError:
        return None


def collapse(text: str) -> str:
    """Trim the ends and collapse inner runs of spaces (for names and labels)."""
    return " ".join((text or "").split())
