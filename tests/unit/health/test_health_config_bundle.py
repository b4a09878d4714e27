"""Configuration keys of health and mail; the support bundle."""

import io
import json
import tarfile

from appliance.config import Key, load, schema
from appliance.health.bundle import MASK, clean_config, redact, support_bundle_bytes
from appliance.health.command import Result
from appliance.health.config_keys import KEYS
from appliance.health.settings import HealthSettings, MailSettings


def test_every_key_is_documented_and_prefixed():
    names = [k.name for k in KEYS]
    assert len(names) == len(set(names))
    for k in KEYS:
        assert isinstance(k, Key)
        assert k.name.startswith(("health.", "mail.")), k.name
        assert len(k.description) > 15 and k.example not in (None, "")
    assert {k.name for k in KEYS if k.secret} == {"mail.password"}
    by = {k.name: k.default for k in KEYS}
    assert by["health.sample_interval_seconds"] == 10
    assert (by["health.fs_warning_pct"], by["health.fs_critical_pct"]) == (80, 90)
    assert by["health.prediction_horizon_hours"] == 48
    assert by["health.backup_max_age_hours"] == 26


def test_settings_from_the_loaded_configuration(tmp_path):
    names = {k.name for k in schema()}
    assert {k.name for k in KEYS} <= names
    (tmp_path / "c.toml").write_text(
        '[health]\nups_name = "ups@localhost"\n[mail]\nhost = "smtp.example"\nto = ["t@x.fr"]\n'
    )
    cfg = load(config_file=tmp_path / "c.toml", data_dir=tmp_path, env={})
    s = HealthSettings.from_config(cfg)
    m = MailSettings.from_config(cfg)
    assert s.ups_name == "ups@localhost" and s == HealthSettings(ups_name="ups@localhost")
    assert m.enabled and m.sender == "cartable@localhost" and m.to == ["t@x.fr"]
    assert "password" not in repr(MailSettings(password="hunter22"))


def test_clean_config_removes_secrets():
    cfg = {
        "mail.password": "hunter22",
        "mail.host": "smtp",
        "backup.passphrase": "x" * 8,
        "mail.username": "u",
        "web.port": 8080,
        "mail.token_empty": "",
    }
    out = clean_config(cfg, secret_keys={"mail.password"})
    assert out["mail.password"] == MASK and out["backup.passphrase"] == MASK
    assert out["mail.host"] == "smtp" and out["web.port"] == 8080
    assert out["mail.token_empty"] == ""
    triples = [(k, "shown", "défaut") for k in KEYS if k.name in ("mail.password", "mail.host")]
    assert clean_config(triples) == {
        "mail.host": {"value": "shown", "source": "défaut"},
        "mail.password": {"value": MASK, "source": "défaut"},
    }
    assert redact("login hunter22 ok", ["hunter22", ""]) == f"login {MASK} ok"


def test_support_bundle(tmp_path):
    log = tmp_path / "cartable.log"
    log.write_text("start\nrelay password=hunter22\n")
    diag = [
        {"category": "resources", "status": "success", "summary": "ok", "details": "", "advice": ""}
    ]
    data = support_bundle_bytes(
        diagnosis=diag,
        config={"mail.password": "hunter22", "mail.host": "smtp"},
        secret_keys={"mail.password"},
        secret_values=["hunter22"],
        journal_units=["cartable*"],
        log_files=[str(log), str(tmp_path / "absent.log")],
        extra={"alerts.json": []},
        runner=lambda argv, t: Result(1, "", "No journal files were found."),
        now=0,
    )
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        files = {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode() for m in tar}
    assert json.loads(files["diagnosis.json"]) == diag
    assert json.loads(files["config.json"])["mail.password"] == MASK
    assert "hunter22" not in "".join(files.values())
    assert "relay password=" + MASK in files["logs/cartable.log"]
    assert "absent.log.missing.txt" in "".join(files)
    assert "logs/journal-unavailable.txt" in files
    assert {"system.json", "README.txt", "alerts.json"} <= files.keys()
