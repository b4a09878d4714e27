"""Marks, coefficients and averages as numbers: what people type, what is stored, what is
shown, and the exact arithmetic of averages (`school-life-notes.md`, "Grades").

- A **mark** is a number within the assessment's scale (at most two decimals, typed with
  `.` or `,`) or a code: `abs` (absent), `disp` (dispensé), `nn` (non noté) never count;
  `nr` (non rendu) counts as 0 only when `grades.non_rendu_counts_zero` is true. Stored as
  text: "14.5", "0", "abs". In memory a number is an int of hundredths (1450), a code
  its text.
- A **coefficient** is 0 to 99, at most two decimals ("0.5", "2"), in hundredths too.
- A **subject average** over a period is Σ(mark ÷ out_of × 20 × coefficient) ÷
  Σ coefficient over the counted marks, an exact `Fraction` (None when nothing counts:
  "NN", never 0); a **mean** of averages (a class's, an overall one with subject
  coefficients) stays exact too. Rounding happens only when shown: two decimals, half up,
  with a comma on pages and in PDFs (`shown`), a JSON number in the API (`as_number`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache

from appliance.errors import CartableError
from appliance.i18n import N_

CODES = ("abs", "disp", "nn", "nr")
CODE_WORDS = {
    "abs": N_("absent"),
    "disp": N_("dispensé"),
    "nn": N_("non noté"),
    "nr": N_("non rendu"),
}
# How a code is written in a grid and on a report card.
CODE_SHOWN = {"abs": "Abs", "disp": "Disp", "nn": "NN", "nr": "NR"}
NO_AVERAGE = "NN"

_NUMBER = re.compile(r"^\d{1,3}(?:[.,]\d{1,2})?$")
_TWO = Decimal("0.01")

Mark = int | str  # hundredths, or a code


def parse_mark(raw: object, out_of: int, *, field: str = "mark") -> Mark | None:
    """A mark as typed (text, or a JSON number): hundredths, a code, or None for an empty
    field (no mark). Raises CartableError naming `field` for anything else, or a number
    outside 0..out_of."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise _bad_mark(raw, out_of, field)
    if isinstance(raw, int | float):
        text = format(Decimal(str(raw)).normalize(), "f")
    else:
        text = str(raw).strip().lower()
    if text == "":
        return None
    if text in CODES:
        return text
    if not _NUMBER.match(text):
        raise _bad_mark(raw, out_of, field)
    hundredths = int(Decimal(text.replace(",", ".")) * 100)
    if hundredths > out_of * 100:
        raise CartableError(
            N_("La note %(value)s dépasse le barème : elle est sur %(out_of)s."),
            field=field,
            value=str(raw).strip(),
            out_of=out_of,
        )
    return hundredths


def _bad_mark(raw: object, out_of: int, field: str) -> CartableError:
    return CartableError(
        N_(
            "Note « %(value)s » illisible : écrivez un nombre de 0 à %(out_of)s (au plus deux "
            "décimales, avec une virgule ou un point) ou un code : abs (absent), disp "
            "(dispensé), nn (non noté), nr (non rendu)."
        ),
        field=field,
        value=str(raw).strip(),
        out_of=out_of,
    )


def stored(mark: Mark) -> str:
    """A mark as stored: "14.5", "0", "abs"."""
    if isinstance(mark, str):
        return mark
    return _plain(Decimal(mark) / 100)


@lru_cache(maxsize=20000)
def loaded(text: str) -> Mark:
    """A stored mark back in memory."""
    if text in CODES:
        return text
    return int(Decimal(text) * 100)


def parse_coefficient(raw: object, *, field: str = "coefficient") -> int:
    """A coefficient (0 to 99, at most two decimals) in hundredths; CartableError."""
    if type(raw) is str and field == "coefficient":
        return _stored_coefficient(raw)
    return _coefficient(raw, field)


@lru_cache(maxsize=1024)
def _stored_coefficient(text: str) -> int:
    # Every mark read carries its assessment's coefficient as text: a few distinct ones.
    return _coefficient(text, "coefficient")


def _coefficient(raw: object, field: str) -> int:
    text = str(raw).strip() if not isinstance(raw, int | float) else str(raw)
    if isinstance(raw, bool) or not re.match(r"^\d{1,2}(?:[.,]\d{1,2})?$", text):
        raise CartableError(
            N_(
                "Coefficient « %(value)s » refusé : un nombre de 0 à 99, au plus deux "
                "décimales (0,5 ; 2)."
            ),
            field=field,
            value=str(raw).strip(),
        )
    return int(Decimal(text.replace(",", ".")) * 100)


def coefficient_text(hundredths: int) -> str:
    """A coefficient as stored ("1", "0.5")."""
    return _plain(Decimal(hundredths) / 100)


def _plain(value: Decimal) -> str:
    text = format(value.quantize(_TWO), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- averages ----------------------------------------------------------------------------


def counted(mark: Mark, nr_counts_zero: bool) -> int | None:
    """The hundredths a mark counts for in averages, or None when it does not count."""
    if isinstance(mark, int):
        return mark
    if mark == "nr" and nr_counts_zero:
        return 0
    return None


def subject_average(
    marks: Iterable[tuple[Mark, int, int]], nr_counts_zero: bool
) -> Fraction | None:
    """Σ(mark ÷ out_of × 20 × coefficient) ÷ Σ coefficient over the counted marks, given
    (mark, out_of, coefficient in hundredths) triples; None when no coefficient counts.

    Integers in the loop (hundredths of marks times hundredths of coefficients, per scale),
    one exact fraction at the end."""
    per_scale: dict[int, int] = {}
    weight = 0
    for mark, out_of, coefficient in marks:
        value = counted(mark, nr_counts_zero)
        if value is None:
            continue
        per_scale[out_of] = per_scale.get(out_of, 0) + value * coefficient
        weight += coefficient
    if not weight:
        return None
    total = sum((Fraction(20 * s, out_of * 100) for out_of, s in per_scale.items()), Fraction(0))
    return total / weight


def mean(values: Iterable[Fraction | None]) -> Fraction | None:
    """The exact mean of the values that are not None; None when there are none."""
    found = [v for v in values if v is not None]
    return sum(found, Fraction(0)) / len(found) if found else None


def spread(values: Iterable[Fraction | None]) -> tuple[Fraction | None, ...]:
    """(mean, min, max) of the values that are not None (all None when there are none)."""
    found = [v for v in values if v is not None]
    if not found:
        return None, None, None
    return sum(found, Fraction(0)) / len(found), min(found), max(found)


def weighted_mean(
    values: Mapping[str, Fraction | None], weights: Mapping[str, Fraction]
) -> Fraction | None:
    """Σ(value × weight) ÷ Σ weight over the keys whose value is not None (weight 1 when
    not given); None when nothing counts."""
    total, weight = Fraction(0), Fraction(0)
    for key, value in values.items():
        if value is None:
            continue
        w = weights.get(key, Fraction(1))
        total += value * w
        weight += w
    return total / weight if weight else None


def assessment_stats(marks: Iterable[Mark], nr_counts_zero: bool) -> dict[str, object]:
    """An assessment's own figures on its scale: {"average", "min", "max" (Fractions or
    None), "count"} over its counted marks."""
    values = [v for v in (counted(m, nr_counts_zero) for m in marks) if v is not None]
    if not values:
        return {"average": None, "min": None, "max": None, "count": 0}
    return {
        "average": Fraction(sum(values), 100 * len(values)),
        "min": Fraction(min(values), 100),
        "max": Fraction(max(values), 100),
        "count": len(values),
    }


# --- shown --------------------------------------------------------------------------------


def rounded(value: Fraction) -> Decimal:
    """Two decimals, half up, of an exact value."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        _TWO, rounding=ROUND_HALF_UP
    )


def shown(value: Fraction | None, *, empty: str = NO_AVERAGE) -> str:
    """An average as people read it: "14,50"; `empty` ("NN") for None."""
    if value is None:
        return empty
    return format(rounded(value), "f").replace(".", ",")


def as_number(value: Fraction | None) -> float | None:
    """An average as a JSON number, rounded to two decimals (14.5); None stays None."""
    return None if value is None else float(rounded(value))


def mark_shown(mark: Mark) -> str:
    """A mark as people read it: "14,5", "Abs"."""
    if isinstance(mark, str):
        return CODE_SHOWN.get(mark, mark)
    return stored(mark).replace(".", ",")


def mark_json(mark: Mark) -> float | int | str:
    """A mark in the API: a number (14.5, 12) or its code."""
    if isinstance(mark, str):
        return mark
    return mark // 100 if mark % 100 == 0 else mark / 100
