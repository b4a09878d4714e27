"""`cartable token create|list|revoke` as a technician runs them (a real process), and the
token they print used against the real app on the same data folder."""

from __future__ import annotations

import json
import re

from appliance import config as config_mod
from appliance.core import open_box
from tests.integration.test_cli import init_school, run


def _app(cfg, data):
    from webui.app import create_app

    return create_app(open_box(config_mod.load(cfg, data, env={})))


def test_create_list_revoke_and_use_a_token(tmp_path):
    cfg, data = init_school(tmp_path)
    pw = tmp_path / "pw"
    pw.write_text("une phrase de passe pour léa\n")
    r = run(
        ["user", "add", "lea.martin", "--profile", "student", "--first-name", "Léa",
         "--last-name", "Martin", "--password-file", str(pw)],
        data_dir=data, config=cfg,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr

    r = run(["token", "create", "lea.martin", "--label", "Agenda", "--days", "30"],
            data_dir=data, config=cfg)  # fmt: skip
    assert r.returncode == 0, r.stderr
    token = r.stdout.splitlines()[-1]
    assert re.fullmatch(r"cartable_[A-Za-z0-9_-]{43}", token)
    assert "valable jusqu'au" in r.stdout and "plus jamais affiché" in r.stdout
    r = run(["token", "create", "tech", "--label", "Supervision"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    admin_token = r.stdout.splitlines()[-1]

    client = _app(cfg, data).test_client()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (me["login"], me["profile"]) == ("lea.martin", "student")
    r_admin = client.get("/api/v1/me", headers={"Authorization": f"Bearer {admin_token}"})
    assert r_admin.get_json()["login"] == "tech"

    r = run(["token", "list", "lea.martin", "--json"], data_dir=data, config=cfg)
    listed = json.loads(r.stdout)
    assert [set(t) for t in listed] == [
        {"id", "label", "created", "last_used", "expires", "expired"}
    ]
    assert listed[0]["label"] == "Agenda" and listed[0]["last_used"] is not None
    assert re.search(r"[+-]\d\d:\d\d$", listed[0]["expires"])  # the school's offset
    assert token not in r.stdout and token[9:] not in r.stdout
    plain = run(["token", "list", "lea.martin"], data_dir=data, config=cfg)
    assert "Agenda" in plain.stdout and "expire le" in plain.stdout and token not in plain.stdout

    r = run(["token", "revoke", str(listed[0]["id"])], data_dir=data, config=cfg)
    assert r.returncode == 0 and "révoqué" in r.stdout
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.get_json()["error"]["code"] == "bad_token"
    r = run(["token", "revoke", str(listed[0]["id"])], data_dir=data, config=cfg)
    assert r.returncode == 1 and r.stderr.startswith("Erreur : Aucun jeton")
    unknown = run(["token", "list", "nobody"], data_dir=data, config=cfg)
    assert unknown.returncode == 1 and "nobody" in unknown.stderr


def test_create_refuses_what_it_must(tmp_path):
    cfg, data = init_school(tmp_path)
    r = run(["token", "create", "tech", "--label", " "], data_dir=data, config=cfg)
    assert r.returncode == 1 and "Donnez un nom" in r.stderr and "Traceback" not in r.stderr
    r = run(["token", "create", "tech", "--label", "x", "--days", "0"], data_dir=data, config=cfg)
    assert r.returncode == 2 and "--days" in r.stderr
    r = run(["user", "disable", "tech"], data_dir=data, config=cfg)
    assert r.returncode == 0
    r = run(["token", "create", "tech", "--label", "x"], data_dir=data, config=cfg)
    assert r.returncode == 1 and "désactivé" in r.stderr
