"""The school year's weeks and letters, and what people type for it (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from appliance.errors import CartableError
from appliance.schoollife.year import SchoolYear, parse_holiday, validate

TOUSSAINT = (date(2026, 10, 18), date(2026, 11, 1))
NOEL = (date(2026, 12, 20), date(2027, 1, 3))


def test_a_and_b_alternate_over_school_weeks_and_a_holiday_week_does_not_count():
    year = validate("2026-09-01", "2026-12-19", None, [TOUSSAINT])
    mondays = [m.isoformat() for m, _ in year.weeks]
    # The week of Tuesday 1 September is a school week; 19 and 26 October are holidays.
    assert mondays[0] == "2026-08-31" and "2026-10-19" not in mondays
    assert "2026-10-26" not in mondays and mondays[6:8] == ["2026-10-12", "2026-11-02"]
    letters = [letter for _, letter in year.weeks]
    assert letters[:9] == ["A", "B", "A", "B", "A", "B", "A", "B", "A"]
    # The week after the holidays follows the week before them: no flip for the holidays.
    assert year.letter(date(2026, 10, 16)) == "A" and year.letter(date(2026, 11, 4)) == "B"
    assert year.letter(date(2026, 10, 21)) is None  # a holiday week has no letter


def test_the_a_week_is_the_given_monday_and_letters_run_both_ways_from_it():
    year = validate("2026-09-01", "2027-07-03", "2026-09-07", [TOUSSAINT, NOEL])
    assert year.letters[date(2026, 8, 31)] == "B" and year.letters[date(2026, 9, 7)] == "A"
    mondays = [m for m, _ in year.weeks]
    for i, (_monday, letter) in enumerate(year.weeks):
        assert letter == ("A" if (i - mondays.index(date(2026, 9, 7))) % 2 == 0 else "B")
    assert date(2026, 12, 21) not in year.letters and date(2027, 1, 4) in year.letters
    assert year.to_json()["a_week"] == "2026-09-07"


def test_a_week_partly_in_holidays_still_counts_and_its_holiday_days_have_no_lessons():
    year = validate("2026-09-01", "2026-12-19", None, [(date(2026, 11, 11), date(2026, 11, 11))])
    assert date(2026, 11, 9) in year.letters  # Armistice on Wednesday: the week counts
    assert not year.is_school_day(date(2026, 11, 11))
    assert year.is_school_day(date(2026, 11, 12))
    assert not year.is_school_day(date(2026, 11, 15))  # a Sunday


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("2026-09-01", "2026-08-01", None, []), "end"),
        (("2026-09-01", "2026-09-01", None, []), "end"),
        (("2026-09-01", "2072-07-03", None, []), "end"),
        (("01/09/2026x", "2027-07-03", None, []), "start"),
        (("2026-09-01", "2027-07-03", "2026-09-08", []), "a_week"),
        (("2026-09-01", "2027-07-03", "2026-10-19", [TOUSSAINT]), "a_week"),
        (("2026-09-01", "2027-07-03", "2027-09-06", []), "a_week"),
        (("2026-09-01", "2027-07-03", None, [(date(2026, 11, 2), date(2026, 10, 30))]), "holidays"),
        (("2026-09-01", "2027-07-03", None, [(date(2027, 8, 1), date(2027, 8, 20))]), "holidays"),
        (("2026-09-01", "2027-07-03", None, ["vacances de Noël"]), "holidays"),
        (("2026-09-01", "2026-09-04", None, [("2026-08-30", "2026-09-06")]), "holidays"),
    ],
)
def test_each_mistake_is_refused_naming_its_field(args, field):
    with pytest.raises(CartableError) as err:
        validate(*args)
    assert err.value.field == field
    assert err.value.message


def test_the_a_week_must_be_a_monday_and_the_message_says_which_monday():
    with pytest.raises(CartableError) as err:
        validate("2026-09-01", "2027-07-03", "2026-09-09", [])
    assert "mercredi" in err.value.message and "07/09/2026" in err.value.message


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2026-10-18:2026-11-01", date(2026, 10, 18), date(2026, 11, 1)),
        ("18/10/2026 au 01/11/2026", date(2026, 10, 18), date(2026, 11, 1)),
        ("18/10/2026 - 01/11/2026", date(2026, 10, 18), date(2026, 11, 1)),
        (" 2026-11-11 ", date(2026, 11, 11), date(2026, 11, 11)),
        ("6/5/2027 to 8/5/2027", date(2027, 5, 6), date(2027, 5, 8)),
    ],
)
def test_holidays_are_read_in_the_forms_people_type(text, first, last):
    assert parse_holiday(text) == (first, last)


@pytest.mark.parametrize("text", ["", "2026-10-18", "du 18 au 25", "2026-10-18:2026-11-01:x"])
def test_an_unreadable_holiday_is_refused(text):
    if text == "2026-10-18":
        assert parse_holiday(text) == (date(2026, 10, 18), date(2026, 10, 18))
        return
    with pytest.raises(CartableError) as err:
        parse_holiday(text)
    assert err.value.field == "holidays"


def test_year_json_shape():
    data = SchoolYear(date(2026, 9, 1), date(2026, 9, 30)).to_json()
    assert set(data) == {"start", "end", "a_week", "holidays", "weeks"}
    assert data["weeks"][0] == {"monday": "2026-08-31", "letter": "A"}
    assert data["weeks"][-1] == {"monday": "2026-09-28", "letter": "A"}


def test_the_ministrys_fin_des_cours_and_reprise_mean_the_same_holidays():
    """Toussaint 2026, zone C: « fin des cours samedi 17 octobre, reprise lundi 2
    novembre » typed as published, or its days off typed as first:last."""
    official = validate("2026-09-01", "2027-07-03", None, ["2026-10-17:2026-11-02"])
    days_off = validate("2026-09-01", "2027-07-03", None, ["2026-10-18:2026-11-01"])
    assert official.weeks == days_off.weeks
    for day in (date(2026, 10, 17), date(2026, 11, 2)):
        assert official.is_school_day(day) and days_off.is_school_day(day)
    for day in (date(2026, 10, 19), date(2026, 10, 30), date(2026, 11, 1)):
        assert official.is_holiday(day) and days_off.is_holiday(day)
    # As typed, kept: the JSON shows what the technician gave.
    assert official.to_json()["holidays"] == [{"from": "2026-10-17", "to": "2026-11-02"}]
    # A range that does not run from a Saturday to a Monday keeps both its ends.
    week = validate("2026-09-01", "2027-07-03", None, ["2026-10-19:2026-10-30"])
    assert week.is_holiday(date(2026, 10, 19)) and week.is_holiday(date(2026, 10, 30))
