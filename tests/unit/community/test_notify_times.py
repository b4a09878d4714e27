"""When a notification's e-mail goes (`notify_times.Schedule`): quiet hours and days, the
daily and the weekly digest, in the school's zone across a change of clocks."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from appliance.community.notify_times import Schedule, check_days, parse_hhmm, parse_quiet_hours

PARIS = ZoneInfo("Europe/Paris")
S = Schedule(tz="Europe/Paris")


def at(*args) -> float:
    return datetime(*args, tzinfo=PARIS).timestamp()


def shown(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, PARIS).strftime("%a %d/%m %H:%M")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ((2026, 3, 13, 21, 0), "Mon 16/03 07:00"),  # Friday evening
        ((2026, 3, 14, 10, 0), "Mon 16/03 07:00"),  # Saturday
        ((2026, 3, 15, 23, 30), "Mon 16/03 07:00"),  # Sunday night
        ((2026, 3, 16, 6, 0), "Mon 16/03 07:00"),  # Monday before 07:00
        ((2026, 3, 16, 7, 0), "Mon 16/03 07:00"),  # the end of the quiet hours: at once
        ((2026, 3, 16, 19, 59), "Mon 16/03 19:59"),  # at once
        ((2026, 3, 16, 20, 0), "Tue 17/03 07:00"),
        ((2026, 3, 18, 22, 0), "Thu 19/03 07:00"),  # Wednesday night
    ],
)
def test_homework_waits_for_the_next_school_morning(written, expected):
    assert shown(S.due("immediate", "homework", at(*written))) == expected


def test_other_types_go_at_once_whatever_the_hour():
    friday_night = at(2026, 3, 13, 23, 0)
    for type_ in ("message", "lesson_changed", "absence"):
        assert S.due("immediate", type_, friday_night) == friday_night


def test_digests_go_at_the_daily_time_and_on_the_weekly_day():
    assert shown(S.due("daily", "message", at(2026, 3, 10, 10, 0))) == "Wed 11/03 06:30"
    assert shown(S.due("daily", "message", at(2026, 3, 10, 6, 0))) == "Tue 10/03 06:30"
    assert shown(S.due("weekly", "news", at(2026, 3, 10, 10, 0))) == "Mon 16/03 06:30"
    assert shown(S.due("weekly", "news", at(2026, 3, 16, 6, 0))) == "Mon 16/03 06:30"
    assert shown(S.due("weekly", "news", at(2026, 3, 16, 6, 31))) == "Mon 23/03 06:30"


def test_the_digest_keeps_its_wall_time_when_the_clocks_change():
    # Clocks go forward on Sunday 29 March 2026: 06:30 is still 06:30 on Monday.
    assert shown(S.due("daily", "message", at(2026, 3, 28, 12, 0))) == "Sun 29/03 06:30"
    assert shown(S.due("weekly", "news", at(2026, 3, 25, 12, 0))) == "Mon 30/03 06:30"
    assert S.due("weekly", "news", at(2026, 3, 25, 12, 0)) == at(2026, 3, 30, 6, 30)


def test_no_quiet_hours_and_other_settings():
    none = Schedule(quiet=None, quiet_days=frozenset(), tz="Europe/Paris")
    assert none.due("immediate", "homework", at(2026, 3, 14, 23, 0)) == at(2026, 3, 14, 23, 0)
    daytime = Schedule(quiet=(time(12, 0), time(14, 0)), quiet_days=frozenset(), tz="Europe/Paris")
    assert shown(daytime.due("immediate", "homework", at(2026, 3, 10, 12, 30))) == "Tue 10/03 14:00"


def test_the_settings_are_checked_in_plain_words():
    assert parse_hhmm("06:30") == time(6, 30)
    assert parse_quiet_hours("20:00-07:00") == (time(20, 0), time(7, 0))
    assert parse_quiet_hours("") is None
    for wrong in ("25:00", "6h30", "06:60"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_hhmm(wrong)
    with pytest.raises(ValueError, match="HH:MM-HH:MM"):
        parse_quiet_hours("20:00")
    with pytest.raises(ValueError, match="inconnu"):
        check_days(["sat", "samedi"])


def test_a_wrong_setting_in_the_configuration_names_its_key(tmp_path):
    from appliance import config as config_mod
    from appliance.errors import ConfigError

    path = tmp_path / "cartable.toml"
    path.write_text('[notifications]\nquiet_hours = "20h-7h"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="notifications.quiet_hours"):
        config_mod.load(path, tmp_path / "data", env={})
    path.write_text('[notifications]\nquiet_types = ["homework", "devoirs"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="devoirs"):
        config_mod.load(path, tmp_path / "data", env={})
    path.write_text('[notifications]\ndaily_at = "05:45"\n', encoding="utf-8")
    loaded = config_mod.load(path, tmp_path / "data", env={})
    assert Schedule.from_config(loaded).daily_at == time(5, 45)
