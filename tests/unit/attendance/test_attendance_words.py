"""The words the attendance service reads from people and the configuration: clock
times, days, months, the half-day split (`attendance.half_day_split`), and which half-day
a lesson belongs to."""

from __future__ import annotations

from datetime import date

import pytest

from appliance import config as config_mod
from appliance.errors import CartableError
from appliance.schoollife.attendance import common
from appliance.schoollife.attendance.halfdays import halves


@pytest.mark.parametrize(
    ("typed", "clock"),
    [("8:05", "08:05"), ("08h05", "08:05"), (" 12:30 ", "12:30"), ("23:59", "23:59")],
)
def test_clock_times_as_typed(typed, clock):
    assert common.clock(typed, "start") == clock


@pytest.mark.parametrize("typed", ["", "24:00", "8", "08:60", "8.05", "huit heures"])
def test_a_wrong_clock_time_names_its_field(typed):
    with pytest.raises(CartableError) as err:
        common.clock(typed, "start_time")
    assert err.value.field == "start_time"


def test_days_and_months():
    assert common.day("2026-12-01", "from") == date(2026, 12, 1)
    assert common.day("1/12/2026", "from") == date(2026, 12, 1)
    with pytest.raises(CartableError, match="AAAA-MM-JJ"):
        common.day("2026-02-30", "from")
    assert common.month("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert common.month("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert common.month("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    for wrong in ("2026-13", "26-12", "2026/12", "décembre"):
        with pytest.raises(CartableError, match="AAAA-MM"):
            common.month(wrong)
    first, last = common.month(None)
    assert first.day == 1 and common.month_of(first) == common.this_month() and last >= first


def test_the_half_day_split_setting(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text('[attendance]\nhalf_day_split = "13:00"\n')
    assert config_mod.load(cfg, tmp_path / "data", env={})["attendance.half_day_split"] == "13:00"
    for wrong in ("9:00", "16:00", "midi"):
        cfg.write_text(f'[attendance]\nhalf_day_split = "{wrong}"\n')
        with pytest.raises(CartableError, match="attendance.half_day_split"):
            config_mod.load(cfg, tmp_path / "data", env={})
    cfg.write_text("")
    assert config_mod.load(cfg, tmp_path / "data", env={})["attendance.half_day_split"] == "12:30"
    common.use_split("12:45")
    try:
        assert common.half_day_split() == "12:45" and common.half_day_split("11:00") == "11:00"
    finally:
        common.use_split(common.DEFAULT_SPLIT)


def test_which_half_day_a_lesson_is_in():
    assert halves("08:00", "08:55", "12:30") == (True, False)
    assert halves("11:30", "12:30", "12:30") == (True, False)  # ends at the split
    assert halves("12:30", "13:25", "12:30") == (False, True)  # starts at the split
    assert halves("12:00", "13:00", "12:30") == (True, True)  # across it: both
    assert halves("16:25", "17:20", "12:30") == (False, True)


def test_a_text_typed_by_a_person():
    assert common.plain_text(" Malade\r\nfièvre\u202e ", "text", required=True) == "Malade\nfièvre"
    with pytest.raises(CartableError, match="obligatoire"):
        common.plain_text("\u200b \n", "text", required=True)
    with pytest.raises(CartableError, match="2000"):
        common.plain_text("x" * 2001, "text", required=False)
