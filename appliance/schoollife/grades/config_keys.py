"""Configuration keys of grades and report cards."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from appliance.config import Key

_COEFFICIENT = re.compile(r"^\s*([A-Za-z0-9_-]{1,20})\s*=\s*(\d{1,2}(?:[.,]\d{1,2})?)\s*$")


def _check_coefficients(value: Any) -> None:
    for item in value:
        if not _COEFFICIENT.match(item):
            raise ValueError(
                f"« {item} » : écrivez CODE=COEFFICIENT, le code de la matière (STS-Web) et un "
                "nombre de 0 à 99 (ex. L1300=3)"
            )


def coefficients(items: list[str]) -> dict[str, Fraction]:
    """`["L1300=3", "L0202=2.5"]` → {"L1300": 3, "L0202": 5/2}."""
    out: dict[str, Fraction] = {}
    for item in items:
        m = _COEFFICIENT.match(item)
        if m:
            out[m.group(1)] = Fraction(m.group(2).replace(",", "."))
    return out


KEYS = [
    Key(
        "grades.non_rendu_counts_zero",
        bool,
        False,
        "Un devoir non rendu (code nr) compte 0 dans les moyennes. Faux : il n'y compte pas, "
        "comme abs (absent), disp (dispensé) et nn (non noté).",
        False,
    ),
    Key(
        "grades.subject_coefficients",
        list,
        [],
        "Coefficients des matières dans la moyenne générale, « CODE=COEFFICIENT » avec le "
        "code STS-Web de la matière. Une matière absente de la liste compte 1.",
        ["L1300=3", "L0202=3"],
        check=_check_coefficients,
    ),
]


@dataclass(frozen=True)
class GradeSettings:
    """What averages depend on, read once from the configuration."""

    nr_counts_zero: bool = False
    subject_coefficients: dict[str, Fraction] = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        """A hashable form, for caches."""
        return (self.nr_counts_zero, tuple(sorted(self.subject_coefficients.items())))


def settings_of(config: Any) -> GradeSettings:
    """The settings of a loaded configuration."""
    return GradeSettings(
        nr_counts_zero=bool(config["grades.non_rendu_counts_zero"]),
        subject_coefficients=coefficients(list(config["grades.subject_coefficients"])),
    )
