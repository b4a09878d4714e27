import re
import tomllib

import pytest

from appliance import config as config_mod
from appliance.errors import ConfigError


def test_defaults_with_an_empty_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("")
    cfg = config_mod.load(f, tmp_path, env={})
    assert cfg["web.port"] == 8080
    assert cfg["security.session_idle_minutes"] == 30
    assert cfg.data_dir == tmp_path
    assert cfg.sources["web.port"] == "défaut"


def test_file_then_environment_layering(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[web]\nport = 9000\nthreads = 4\n", encoding="utf-8")
    cfg = config_mod.load(f, tmp_path, env={"CARTABLE_WEB_PORT": "9100"})
    assert cfg["web.port"] == 9100
    assert cfg["web.threads"] == 4
    assert cfg.sources["web.threads"] == str(f)
    assert cfg.sources["web.port"] == "variable CARTABLE_WEB_PORT"


def test_data_dir_from_environment(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("")
    cfg = config_mod.load(f, None, env={"CARTABLE_DATA_DIR": str(tmp_path / "x")})
    assert cfg.data_dir == tmp_path / "x"


def test_unknown_key_in_file_names_the_key(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[web]\nprot = 9000\n")
    with pytest.raises(ConfigError, match="web.prot"):
        config_mod.load(f, tmp_path, env={})


def test_ill_typed_key_names_the_key(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[web]\nport = "huit"\n')
    with pytest.raises(ConfigError, match="web.port"):
        config_mod.load(f, tmp_path, env={})


def test_ill_typed_environment_names_the_variable(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("")
    with pytest.raises(ConfigError, match="CARTABLE_WEB_PORT"):
        config_mod.load(f, tmp_path, env={"CARTABLE_WEB_PORT": "abc"})


def test_unknown_environment_variable_is_an_error(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("")
    with pytest.raises(ConfigError, match="CARTABLE_WEB_PROT"):
        config_mod.load(f, tmp_path, env={"CARTABLE_WEB_PROT": "1"})


def test_out_of_range_and_choices(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[web]\nport = 70000\n")
    with pytest.raises(ConfigError, match="au plus"):
        config_mod.load(f, tmp_path, env={})
    f.write_text('[web]\nsecure_cookies = "parfois"\n')
    with pytest.raises(ConfigError, match="secure_cookies"):
        config_mod.load(f, tmp_path, env={})


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="n'existe pas"):
        config_mod.load(tmp_path / "absent.toml", tmp_path, env={})


def test_broken_toml_names_the_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("[web\nport=1")
    with pytest.raises(ConfigError, match="c.toml"):
        config_mod.load(f, tmp_path, env={})


def test_every_key_is_documented():
    names = set()
    for key in config_mod.schema():
        assert key.name not in names, f"duplicate key {key.name}"
        names.add(key.name)
        assert key.description and len(key.description) > 15, f"{key.name} has no description"
        assert key.example is not None and key.example != "" or key.type is str, key.name
        assert "." in key.name, key.name
    assert {"web.port", "security.session_idle_minutes"} <= names


def test_example_is_generated_from_schema_and_valid_once_uncommented(tmp_path):
    text = config_mod.example_toml()
    for key in config_mod.schema():
        assert key.env_name in text
        assert key.description in text
    key_line = re.compile(r"^# [a-z0-9_]+ = ")
    uncommented = "\n".join(
        line[2:] if key_line.match(line) else line for line in text.splitlines()
    )
    data = tomllib.loads(uncommented)
    f = tmp_path / "full.toml"
    f.write_text(uncommented, encoding="utf-8")
    cfg = config_mod.load(f, tmp_path, env={})
    assert data["web"]["port"] == cfg["web.port"]


def test_secrets_are_masked_in_display(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("")
    cfg = config_mod.load(f, tmp_path, env={})
    for key, shown, _source in cfg.public_items():
        if key.secret and cfg[key.name]:
            assert shown != cfg[key.name]
