"""The backup config keys are plain, complete, self-consistent data."""

import re

from backup.config_keys import KEY_SPECS

FIELDS = {"name", "type", "default", "description", "example", "choices", "minimum", "maximum"}


def test_every_key_is_documented_and_consistent():
    names = [k["name"] for k in KEY_SPECS]
    assert len(names) == len(set(names))
    for spec in KEY_SPECS:
        assert set(spec) <= FIELDS, spec["name"]
        assert spec["name"].startswith("backup.") and re.match(r"^[a-z_.]+$", spec["name"])
        assert spec["type"] in (str, int, bool)
        assert len(spec["description"]) > 20 and spec["description"].endswith((".", ")"))
        for value in (spec["default"], spec["example"]):
            assert type(value) is spec["type"], spec["name"]
            if "choices" in spec:
                assert value in spec["choices"]
            if "minimum" in spec:
                assert spec["minimum"] <= value <= spec["maximum"], spec["name"]


def test_the_defaults_the_issue_asks_for():
    defaults = {k["name"]: k["default"] for k in KEY_SPECS}
    assert defaults["backup.schedule_time"] == "01:30"
    assert (defaults["backup.keep_daily"], defaults["backup.keep_weekly"]) == (7, 4)
    assert defaults["backup.keep_monthly"] == 12
    for name in (
        "backup.check_day",
        "backup.verify_data_max_minutes",
        "backup.removable_max_age_days",
        "backup.lock_wait_seconds",
        "backup.drill_day",
    ):
        assert name in defaults
