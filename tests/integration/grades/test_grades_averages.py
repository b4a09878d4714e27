"""Averages on a real school, computed by hand (#13): codes, coefficients, scales, an
empty subject, `nr` both ways, a late arrival; the class's figures and the overall
average with subject coefficients; each assessment's own figures."""

from __future__ import annotations

from fractions import Fraction

import pytest

from appliance.schoollife.grades import assessments, reading
from appliance.schoollife.grades.config_keys import GradeSettings
from tests.integration.grades.conftest import days_ago

PLAIN = GradeSettings()
NR_ZERO = GradeSettings(nr_counts_zero=True)


@pytest.fixture
def marked(school):
    """5A in mathematics (three scales, three coefficients, codes) and French."""
    s = school
    s.assess(
        "prof.maths",
        "class",
        "5A",
        "L1300",
        days_ago(6),
        out_of=20,
        coefficient=1,
        marks={"lea": 12, "noah": 16, "zoe": "abs"},
    )
    s.assess(
        "prof.maths",
        "class",
        "5A",
        "L1300",
        days_ago(5),
        out_of=10,
        coefficient=2,
        marks={"lea": "7", "noah": "5", "zoe": "9"},
    )
    s.assess(
        "prof.maths",
        "class",
        "5A",
        "L1300",
        days_ago(4),
        out_of=40,
        coefficient="0,5",
        marks={"lea": "30", "noah": "nr", "zoe": "20"},
    )
    s.assess(
        "prof.francais",
        "class",
        "5A",
        "L0202",
        days_ago(4),
        marks={"lea": "10", "zoe": "8", "noah": "disp"},
    )
    return s


def _subject(data, code):
    return next(x for x in data["subjects"] if x["subject_code"] == code)


def test_a_student_average_by_hand(marked):
    s = marked
    lea = reading.student_grades(s.conn, s.person("direction"), s.person("lea"), s.current, PLAIN)
    maths = _subject(lea, "L1300")
    # (12×1 + 7/10×20×2 + 30/40×20×0.5) / (1 + 2 + 0.5) = (12 + 28 + 7.5) / 3.5 = 95/7
    assert maths["average"] == Fraction(95, 7)
    assert [m["mark"] for m in maths["marks"]] == [1200, 700, 3000]
    assert [m["coefficient"] for m in maths["marks"]] == [100, 200, 50]
    # Noah: nr left out: (16 + 5/10×20×2) / 3 = 12; Zoé: abs left out: (36 + 5) / 2.5 = 16.4
    noah = reading.student_grades(s.conn, s.person("direction"), s.person("noah"), s.current, PLAIN)
    assert _subject(noah, "L1300")["average"] == 12
    # The class: the mean of the three students' averages, with min and max.
    assert maths["class_average"] == (Fraction(95, 7) + 12 + Fraction(82, 5)) / 3
    assert (maths["min"], maths["max"]) == (12, Fraction(82, 5))
    # Each assessment's own figures, on its scale, over the marks that count.
    assert [m["class_average"] for m in maths["marks"]] == [14, 7, 25]
    assert [(m["class_min"], m["class_max"]) for m in maths["marks"]] == [
        (12, 16),
        (5, 9),
        (20, 30),
    ]
    # French: Noah dispensé has no average; the class's is Léa's and Zoé's.
    french = _subject(lea, "L0202")
    assert (french["average"], french["class_average"]) == (10, 9)
    assert _subject(noah, "L0202")["average"] is None


def test_nr_counts_zero_when_the_school_says_so(marked):
    s = marked
    noah = reading.student_grades(
        s.conn, s.person("direction"), s.person("noah"), s.current, NR_ZERO
    )
    maths = _subject(noah, "L1300")
    assert maths["average"] == Fraction(36, Fraction(7, 2))  # (16 + 20 + 0) / 3.5
    assert maths["marks"][2]["class_average"] == Fraction(50, 3)  # (30 + 0 + 20) / 3
    assert maths["class_average"] == (Fraction(95, 7) + Fraction(72, 7) + Fraction(82, 5)) / 3
    json = reading.grades_json(noah)
    assert next(x for x in json["subjects"] if x["subject_code"] == "L1300")["average"] == 10.29


def test_an_empty_subject_is_listed_without_an_average(marked):
    s = marked
    lea = reading.student_grades(s.conn, s.person("lea"), s.person("lea"), s.current, PLAIN)
    physics = _subject(lea, "L1500")
    assert physics["marks"] == [] and physics["average"] is None
    assert (physics["class_average"], physics["min"], physics["max"]) == (None, None, None)
    shown = reading.grades_json(lea)
    assert next(x for x in shown["subjects"] if x["subject_code"] == "L1500")["average"] is None
    # The overall average is the mean of the subjects that have one: maths and French
    # (Latin is taught to Léa too, without marks yet).
    assert [x["subject_code"] for x in shown["subjects"]] == ["L0202", "L0201", "L1300", "L1500"]
    assert lea["overall_average"] == (Fraction(95, 7) + 10) / 2
    assert shown["overall_average"] == 11.79


def test_the_overall_average_takes_the_subject_coefficients(marked):
    s = marked
    weighted = GradeSettings(subject_coefficients={"L1300": Fraction(3)})
    lea = reading.student_grades(s.conn, s.person("lea"), s.person("lea"), s.current, weighted)
    assert lea["overall_average"] == (Fraction(95, 7) * 3 + 10) / 4
    table = reading.class_table(s.conn, {"id": s.classes["5A"], "code": "5A"}, s.current, weighted)
    by_login = {st["login"]: st for st in table["students"]}
    assert by_login["lea"]["overall"] == (Fraction(95, 7) * 3 + 10) / 4
    assert by_login["noah"]["overall"] == 12  # maths only: French dispensé
    assert by_login["zoe"]["overall"] == (Fraction(82, 5) * 3 + 8) / 4
    assert table["overall"][1] == 12 and table["overall"][2] == (Fraction(82, 5) * 3 + 8) / 4
    assert [x["code"] for x in table["subjects"]] == ["L0202", "L0201", "L1300", "L1500"]


def test_a_student_who_joined_after_an_assessment_has_no_line_in_it(marked):
    s = marked
    from tests.conftest import make_person

    hugo, _login, _pw = make_person(s.conn, "student", login="hugo")
    s.ids["hugo"] = hugo
    s.conn.execute("INSERT INTO class_membership VALUES (?, ?)", (hugo, s.classes["5A"]))
    first = assessments.of_audience(s.conn, "class", s.classes["5A"], "L1300", s.current["id"])[0]
    assert [line["login"] for line in assessments.roster(s.conn, first)] == ["noah", "zoe", "lea"]
    with pytest.raises(assessments.MarksRefused) as refused:
        assessments.set_marks(s.conn, s.actor("prof.maths"), first, {hugo: 15}, today=days_ago(6))
    assert refused.value.problems[hugo].field == f"marks.{hugo}"
    # An assessment of today has his line; his average is that mark alone.
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(0), marks={"hugo": 18, "lea": 12})
    today = assessments.of_audience(s.conn, "class", s.classes["5A"], "L1300", s.current["id"])[-1]
    assert "hugo" in [line["login"] for line in assessments.roster(s.conn, today)]
    grades = reading.student_grades(s.conn, s.person("hugo"), s.person("hugo"), s.current, PLAIN)
    maths = _subject(grades, "L1300")
    assert maths["average"] == 18 and len(maths["marks"]) == 1
    # The class's figures now count him (the kept book saw the change).
    lea_now = (12 * 1 + 28 + Fraction(15, 2) + 12) / Fraction(9, 2)
    assert maths["class_average"] == (lea_now + 12 + Fraction(82, 5) + 18) / 4


def test_a_student_who_left_keeps_the_lines_of_their_marks(marked):
    s = marked
    first = assessments.of_audience(s.conn, "class", s.classes["5A"], "L1300", s.current["id"])[0]
    s.conn.execute("DELETE FROM class_membership WHERE person_id = ?", (s.ids["noah"],))
    assert "noah" in [line["login"] for line in assessments.roster(s.conn, first)]
    assert assessments.stats(s.conn, first, False)["count"] == 2
    # The class's figures are over the class's students now.
    lea = reading.student_grades(s.conn, s.person("lea"), s.person("lea"), s.current, PLAIN)
    assert _subject(lea, "L1300")["class_average"] == (Fraction(95, 7) + Fraction(82, 5)) / 2


def test_a_group_assessment_counts_for_students_of_two_classes(school):
    s = school
    s.assess("prof.latin", "group", "LAT", "L0201", days_ago(3), marks={"lea": 15, "ines": 9})
    lea = reading.student_grades(s.conn, s.person("lea"), s.person("lea"), s.current, PLAIN)
    latin = _subject(lea, "L0201")
    # The assessment's own average is the group's; the class figures are 5A's (Léa alone).
    assert latin["marks"][0]["class_average"] == 12
    assert (latin["average"], latin["class_average"], latin["min"]) == (15, 15, 15)
    ines = reading.student_grades(s.conn, s.person("ines"), s.person("ines"), s.current, PLAIN)
    assert _subject(ines, "L0201")["average"] == 9
