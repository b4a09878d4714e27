from __future__ import annotations

import pytest

from appliance.config import load, schema
from appliance.directory.config_keys import KEYS
from appliance.errors import ConfigError


def test_keys_are_in_the_schema_and_documented():
    names = {k.name for k in schema()}
    for key in KEYS:
        assert key.name in names
        assert key.name.startswith("directory.")
        assert len(key.description) > 30


def test_purge_delay_is_capped_by_the_law(tmp_path):
    cfg = load(config_file=None, data_dir=tmp_path, env={})
    assert cfg["directory.purge_after_days"] == 90
    assert cfg["directory.departed_grace_days"] == 15
    with pytest.raises(ConfigError, match="purge_after_days"):
        load(data_dir=tmp_path, env={}, overrides={"directory.purge_after_days": 91})
