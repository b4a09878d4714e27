"""Plain records that every import parser produces, and the problems it finds.

A parser turns one file into a `ParsedFile`: people (`PersonRecord`), classes, groups,
subjects and teaching assignments, plus every problem with its file, line and a plain
French message. Nothing here touches the database: `reconcile` compares these records
with the directory.

People are keyed by a stable external id, a `(source, value)` pair:

- `siecle_eleve`: SIECLE `ELEVE_ID`; `ine`: the national student id (INE, either form);
- `siecle_personne`: SIECLE `PERSONNE_ID` of a guardian;
- `sts`: STS-Web `<TYPE>-<ID>` (e.g. `epp-8000`);
- `csv`: the `id` column of the CSV template, when it is not one of the prefixed forms
  `ELV-`, `RESP-`, `STS-` (those map back to the national sources, see `csv_key`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from appliance.directory.textsafe import is_valid_email
from appliance.errors import CartableError
from backup.errors import Phrase, fill, identity, translate

ERROR = "error"
WARNING = "warning"

SOURCE_LABELS = {
    "siecle_eleve": "ELEVE_ID",
    "ine": "INE",
    "siecle_personne": "PERSONNE_ID",
    "sts": "STS",
    "csv": "id CSV",
}

ExternalKey = tuple[str, str]


class UnreadableFile(CartableError):
    """A file that can't be read at all (missing, empty, not a known format): exit code 2."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a file: `severity` is "error" (blocks the apply) or "warning"."""

    file: str
    line: int | None
    severity: str
    message: str
    element: str | None = None
    # The marked French template and its values, for the web preview in the UI language
    # (`message` is the French text, for the CLI and the JSON).
    template: str | None = field(default=None, compare=False)
    params: dict[str, object] | None = field(default=None, compare=False)

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of `gettext`."""
        if self.template is None:
            return self.message
        return translate(self.template, self.params or {}, gettext)

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "element": self.element,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(slots=True)
class PersonRecord:
    """One person as a file describes them.

    `key` is the primary external id; `ids` holds every external id (key included).
    `current` is False for a student whose DATE_SORTIE is past (`left_on` then holds it).
    For students, `class_code` is their class (None: not placed) and `groups` their
    groups; `None` in `class_code`/`groups` with `sets_class`/`sets_groups` False means
    "the file says nothing, leave the directory as it is" (CSV with empty cells).
    For relatives, `children` lists the external keys of the students they are the legal
    guardian of, with `relationship` codes (CODE_PARENTE) per child.
    For teachers, `teaches` holds (kind, code, subject) with kind "class" or "group";
    `head_of` the classes of which they are head teacher (current assignments only).
    The sequences default to a shared empty tuple and are replaced, never appended to
    (`ids` excepted): a regional import holds a few hundred thousand records.
    """

    key: ExternalKey
    profile: str
    first_name: str
    last_name: str
    file: str
    line: int | None
    ids: list[ExternalKey] = field(default_factory=list)
    birth_date: str | None = None
    email: str | None = None
    function: str | None = None
    expires_on: str | None = None
    current: bool = True
    left_on: date | None = None
    class_code: str | None = None
    sets_class: bool = False
    groups: Sequence[str] = ()
    sets_groups: bool = False
    children: Sequence[ExternalKey] = ()
    relationship: dict[ExternalKey, str] = field(default_factory=dict)
    sets_children: bool = False
    teaches: Sequence[tuple[str, str, str | None]] = ()
    head_of: Sequence[str] = ()
    sets_teaching: bool = False

    def label(self) -> str:
        """'Prénom NOM' for messages."""
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class StructureRecord:
    """A class (division) or a teaching group seen in a file."""

    code: str
    name: str
    level: str | None = None


@dataclass
class ParsedFile:
    """Everything one file brought.

    `kind` is siecle_eleves, siecle_responsables, sts or csv. `complete_for` says which
    population the file lists completely (a person of it missing from the file departs):
    a set of (source, profile) pairs; empty for an additive CSV. `structures_complete`
    is True when the file lists every class and group of the school (SIECLE students, STS).
    `present_only` holds people listed but not imported (STS people without a function):
    they must not be marked as departed.
    """

    label: str
    kind: str
    encoding: str | None = None
    sha256: str | None = None
    uai: str | None = None
    year: int | None = None
    people: list[PersonRecord] = field(default_factory=list)
    classes: dict[str, StructureRecord] = field(default_factory=dict)
    groups: dict[str, StructureRecord] = field(default_factory=dict)
    subjects: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    complete_for: set[tuple[str, str]] = field(default_factory=set)
    structures_complete: bool = False
    has_services: bool = True
    guardian_links: list[GuardianLink] = field(default_factory=list)
    present_only: set[ExternalKey] = field(default_factory=set)
    stats: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def error(
        self, message: str, line: int | None = None, element: str | None = None, **params: object
    ) -> None:
        """Record an error: `message` a template marked with N_(), `params` its values."""
        self.problems.append(_problem(self.label, line, ERROR, message, element, params))

    def warn(
        self, message: str, line: int | None = None, element: str | None = None, **params: object
    ) -> None:
        """Record a warning: `message` a template marked with N_(), `params` its values."""
        self.problems.append(_problem(self.label, line, WARNING, message, element, params))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == ERROR for p in self.problems)


def _problem(
    label: str, line: int | None, severity: str, template: str, element, params: dict
) -> Problem:
    if isinstance(template, Phrase) and not params:  # a message built beforehand
        phrase = template
        template, params = phrase.template, phrase.params
    message = fill(template, params, identity)
    return Problem(label, line, severity, message, element, template, params)


@dataclass(slots=True)
class GuardianLink:
    """One RESPONSABLE_ELEVE row: adult × student, with its legal status.

    `legal` is True for RESP_LEGAL 1/2 (legacy form) or NIVEAU_RESPONSABILITE 1 (current).
    """

    person_key: ExternalKey
    student_key: ExternalKey
    legal: bool
    relationship: str | None
    pays: bool
    line: int | None


def csv_key(value: str) -> ExternalKey:
    """Map a CSV `id` to its external key: ELV-/RESP-/STS- prefixes name national ids.

    Given the raw id (already stripped); returns (source, value).
    """
    upper = value.upper()
    if upper.startswith("ELV-") and len(value) > 4:
        return ("siecle_eleve", value[4:])
    if upper.startswith("RESP-") and len(value) > 5:
        return ("siecle_personne", value[5:])
    if upper.startswith("STS-"):
        rest = value[4:]
        kind, sep, ident = rest.partition("-")
        if sep and kind and ident:
            return ("sts", f"{kind.lower()}-{ident}")
    return ("csv", value)


def key_text(key: ExternalKey) -> str:
    """A readable form of an external key, e.g. 'ELEVE_ID 1820121'."""
    return f"{SOURCE_LABELS.get(key[0], key[0])} {key[1]}"


def clean_email(text: str | None) -> tuple[str | None, bool]:
    """Normalise an e-mail address: returns (address or None, was_invalid).

    Empty gives (None, False); a malformed address (typos are common), one with a control
    character or longer than 254 characters gives (None, True).
    """
    text = (text or "").strip()
    if not text:
        return None, False
    if is_valid_email(text):
        return text, False
    return None, True
