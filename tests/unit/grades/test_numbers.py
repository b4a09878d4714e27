"""Marks, coefficients and averages as numbers (#13, `school-life-notes.md` "Grades"):
what is typed, stored and shown, and averages computed by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from appliance.errors import CartableError
from appliance.schoollife.grades import numbers
from appliance.schoollife.grades.config_keys import coefficients


@pytest.mark.parametrize(
    ("typed", "out_of", "expected"),
    [
        ("14,5", 20, 1450),
        ("14.5", 20, 1450),
        (" 14 ", 20, 1400),
        ("0", 20, 0),
        ("20", 20, 2000),
        ("7,25", 10, 725),
        ("100", 100, 10000),
        (14.5, 20, 1450),
        (12, 20, 1200),
        (12.0, 20, 1200),
        (" ABS ", 20, "abs"),
        ("Disp", 20, "disp"),
        ("nn", 20, "nn"),
        ("NR", 20, "nr"),
        ("", 20, None),
        (None, 20, None),
    ],
)
def test_a_typed_mark(typed, out_of, expected):
    assert numbers.parse_mark(typed, out_of) == expected


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("20,5", "dépasse le barème"),
        ("21", "dépasse le barème"),
        (20.01, "dépasse le barème"),
        ("-1", "illisible"),
        (-1, "illisible"),
        ("14.333", "illisible"),
        ("14,5,2", "illisible"),
        ("quatorze", "illisible"),
        ("1e1", "illisible"),
        (True, "illisible"),
        ("absent", "illisible"),
    ],
)
def test_a_mark_refused_names_its_field(typed, words):
    with pytest.raises(CartableError) as err:
        numbers.parse_mark(typed, 20, field="marks.lea")
    assert words in err.value.message and err.value.field == "marks.lea"


def test_stored_and_shown():
    assert [numbers.stored(m) for m in (1450, 1400, 0, 725, "abs")] == [
        "14.5",
        "14",
        "0",
        "7.25",
        "abs",
    ]
    assert [numbers.loaded(t) for t in ("14.5", "14", "7.25", "nr")] == [1450, 1400, 725, "nr"]
    assert numbers.mark_shown(1450) == "14,5" and numbers.mark_shown("abs") == "Abs"
    assert numbers.mark_shown("nn") == "NN" and numbers.mark_shown("nr") == "NR"
    assert numbers.mark_json(1450) == 14.5 and numbers.mark_json(1400) == 14
    assert numbers.mark_json("disp") == "disp"
    assert numbers.shown(Fraction(29, 2)) == "14,50"
    assert numbers.shown(None) == "NN" and numbers.shown(None, empty="—") == "—"
    assert numbers.as_number(Fraction(31, 3)) == 10.33 and numbers.as_number(None) is None


def test_coefficients():
    assert [numbers.parse_coefficient(c) for c in ("1", "0,5", "2.25", "0", "99", 3, 0.5)] == [
        100,
        50,
        225,
        0,
        9900,
        300,
        50,
    ]
    for bad in ("100", "-1", "1,234", "", "deux", True):
        with pytest.raises(CartableError) as err:
            numbers.parse_coefficient(bad)
        assert err.value.field == "coefficient"
    assert numbers.coefficient_text(50) == "0.5" and numbers.coefficient_text(200) == "2"
    assert coefficients(["L1300=3", "L0202 = 2,5"]) == {"L1300": 3, "L0202": Fraction(5, 2)}


def test_a_subject_average_by_hand():
    # 12/20 coef 1, 7/10 coef 2 (= 14/20), 30/40 coef 0.5 (= 15/20):
    # (12 + 28 + 7.5) / 3.5 = 47.5 / 3.5 = 95/7 = 13.571428…
    marks = [(1200, 20, 100), (700, 10, 200), (3000, 40, 50)]
    assert numbers.subject_average(marks, False) == Fraction(95, 7)
    assert numbers.shown(Fraction(95, 7)) == "13,57"


def test_codes_never_count_and_nr_counts_zero_only_when_set():
    marks = [(1600, 20, 100), ("abs", 20, 100), ("disp", 20, 100), ("nn", 20, 100), ("nr", 20, 100)]
    assert numbers.subject_average(marks, False) == 16
    assert numbers.subject_average(marks, True) == 8  # (16 + 0) / 2
    assert numbers.subject_average([("abs", 20, 100)], True) is None
    assert numbers.subject_average([("nr", 20, 100)], True) == 0  # 0, not "no average"


def test_no_counted_mark_is_no_average_not_zero():
    assert numbers.subject_average([], False) is None
    assert numbers.subject_average([("abs", 20, 100), ("nn", 10, 200)], False) is None
    # A mark of 0 counts; a coefficient 0 does not weigh.
    assert numbers.subject_average([(0, 20, 100)], False) == 0
    assert numbers.subject_average([(2000, 20, 0)], False) is None
    assert numbers.subject_average([(2000, 20, 0), (1000, 20, 100)], False) == 10


def test_kept_exact_then_rounded_half_up_once():
    # 12.34 and 12.35: the exact mean is 12.345, shown 12,35 (half up). In binary floating
    # point the mean is 12.344999… and would show 12,34.
    avg = numbers.subject_average([(1234, 20, 100), (1235, 20, 100)], False)
    assert avg == Fraction(12345, 1000)
    assert numbers.shown(avg) == "12,35" and numbers.as_number(avg) == 12.35
    assert round((12.34 + 12.35) / 2, 2) == 12.34  # what floats would have said
    # Thirds stay thirds until shown: 1/3 and 2/3 of a /3 scale give exactly 10.
    assert numbers.subject_average([(100, 3, 100), (200, 3, 100)], False) == 10


def test_means_spread_and_weighted_overall():
    values = [Fraction(12), Fraction(15), None, Fraction(8)]
    assert numbers.mean(values) == Fraction(35, 3)
    assert numbers.spread(values) == (Fraction(35, 3), 8, 15)
    assert numbers.spread([None]) == (None, None, None)
    overall = numbers.weighted_mean(
        {"L1300": Fraction(12), "L0202": Fraction(15), "L1500": None}, {"L1300": Fraction(3)}
    )
    assert overall == Fraction(36 + 15, 4)  # maths coefficient 3, French 1, physics none


def test_an_assessment_own_figures_on_its_scale():
    figures = numbers.assessment_stats([1450, 800, "abs", "nr", 1000], False)
    assert figures == {"average": Fraction(3250, 300), "min": 8, "max": Fraction(29, 2), "count": 3}
    with_zero = numbers.assessment_stats([1450, "nr"], True)
    assert with_zero["count"] == 2 and with_zero["min"] == 0
    assert numbers.assessment_stats(["abs"], False)["average"] is None
