"""Times as people read them (school's zone, French formats) and as JSON carries them."""

from datetime import UTC, date, datetime

import pytest

from appliance import config as config_mod
from appliance import timefmt
from appliance.errors import ConfigError

SUMMER = "2026-07-01T12:00:00+00:00"  # CEST: 14:00 in Paris
WINTER = "2026-12-01T20:19:00+00:00"  # CET: 21:19 in Paris


def test_utc_times_show_in_paris_on_both_sides_of_daylight_saving():
    assert timefmt.fmt_datetime(SUMMER, "Europe/Paris") == "01/07/2026 14:00"
    assert timefmt.fmt_datetime(WINTER, "Europe/Paris") == "01/12/2026 21:19"
    assert timefmt.fmt_time("2026-12-01T20:19:00Z", "Europe/Paris") == "21:19"
    assert timefmt.fmt_date(WINTER, "Europe/Paris") == "01/12/2026"


def test_the_api_carries_school_times_to_the_minute():
    assert timefmt.api_minute(SUMMER, "Europe/Paris") == "2026-07-01T14:00"
    assert timefmt.api_minute(WINTER, "Europe/Paris") == "2026-12-01T21:19"
    assert timefmt.api_minute("2026-12-01") == "2026-12-01"
    assert timefmt.api_minute(None) is None


def test_json_carries_the_schools_offset():
    assert timefmt.iso(SUMMER, "Europe/Paris") == "2026-07-01T14:00:00+02:00"
    assert timefmt.iso(WINTER, "Europe/Paris") == "2026-12-01T21:19:00+01:00"
    doc = {"at": WINTER, "day": "2026-12-01", "n": 3, "rows": [{"t": "2026-07-01T12:00:00Z"}]}
    assert timefmt.json_times(doc, "Europe/Paris") == {
        "at": "2026-12-01T21:19:00+01:00",
        "day": "2026-12-01",
        "n": 3,
        "rows": [{"t": "2026-07-01T14:00:00+02:00"}],
    }


def test_every_kind_of_value_the_code_holds():
    moment = datetime(2026, 12, 1, 20, 19, tzinfo=UTC)
    assert timefmt.fmt_datetime(moment, "Europe/Paris") == "01/12/2026 21:19"
    assert timefmt.fmt_datetime(moment.timestamp(), "Europe/Paris") == "01/12/2026 21:19"
    # a calendar day is never shifted by a zone
    assert timefmt.fmt_date("2026-12-01", "Pacific/Kiritimati") == "01/12/2026"
    assert timefmt.fmt_date(date(2026, 12, 1), "America/Cayenne") == "01/12/2026"
    # across midnight the day follows the zone
    assert timefmt.fmt_datetime(WINTER, "Indian/Reunion") == "02/12/2026 00:19"
    assert timefmt.fmt_datetime(None) == "" and timefmt.iso(None) is None
    assert timefmt.fmt_datetime("pas une date") == "pas une date"


def test_zone_key_is_validated_and_named(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[school]\ntimezone = "Europe/Pariss"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"school\.timezone.*Europe/Pariss"):
        config_mod.load(f, tmp_path, env={})
    f.write_text('[school]\ntimezone = "Indian/Reunion"\n', encoding="utf-8")
    assert config_mod.load(f, tmp_path, env={})["school.timezone"] == "Indian/Reunion"
    f.write_text("", encoding="utf-8")
    assert config_mod.load(f, tmp_path, env={})["school.timezone"] == "Europe/Paris"
    with pytest.raises(ConfigError, match="CARTABLE_SCHOOL_TIMEZONE"):
        config_mod.load(f, tmp_path, env={"CARTABLE_SCHOOL_TIMEZONE": "../../etc/passwd"})


def test_stored_times_kept_per_zone_and_naive_ones_follow_the_servers_clock():
    """A stored time's words are kept per text and zone (listings show the same times
    page after page): another zone gives its own; a naive time, read in the server's
    zone, is never kept."""
    import os
    import time

    assert timefmt.iso(WINTER, "Europe/Paris") == "2026-12-01T21:19:00+01:00"
    assert timefmt.iso(WINTER, "America/New_York") == "2026-12-01T15:19:00-05:00"
    assert timefmt.iso(WINTER, "Europe/Paris") == "2026-12-01T21:19:00+01:00"
    assert timefmt.fmt_datetime(WINTER, "Asia/Tokyo") == "02/12/2026 05:19"
    assert timefmt.fmt_datetime(WINTER, "Europe/Paris") == "01/12/2026 21:19"
    before = os.environ.get("TZ")
    try:
        shown = []
        for server in ("UTC", "Asia/Tokyo"):
            os.environ["TZ"] = server
            time.tzset()
            shown.append(timefmt.fmt_time("2026-12-01T12:00:00", "Europe/Paris"))
        assert shown == ["13:00", "04:00"]
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
