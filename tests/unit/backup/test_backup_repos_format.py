"""repositories.json is versioned: a file without version is version 1, upgraded on read and
written back; a file newer than the code is refused and left as it is."""

import json
import os
import stat

import pytest

from backup.errors import RegistryError
from backup.repos import Registry, Repository
from backup.repos_format import REGISTRY_VERSION, upgrade

# A registry as the first format wrote it, without its "version" (hand-kept or older files).
OLD_ENTRY = {
    "label": "local",
    "url": "/srv/sauvegardes/cartable",
    "kind": "local",
    "repo_id": "0f1e2d3c",
    "created": "2026-09-01T08:00:00+00:00",
    "passphrase_file": None,
    "host_key": None,
    "key_sheet_confirmed": True,
    "key_sheet_confirmed_at": "2026-09-01T09:00:00+00:00",
    "history": [
        {
            "label": "local",
            "job": "backup",
            "outcome": "ok",
            "message": "Sauvegarde faite.",
            "started": "2026-09-02T01:00:00+00:00",
            "ended": "2026-09-02T01:05:00+00:00",
        }
    ],
}


def _old_registry(tmp_path):
    path = tmp_path / "repositories.json"
    path.write_text(json.dumps({"repositories": [OLD_ENTRY]}, indent=2), encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def test_registry_without_version_is_read_and_written_back_at_the_current_version(tmp_path):
    path = _old_registry(tmp_path)
    repo = Registry(tmp_path).get("local")
    assert repo.repo_id == "0f1e2d3c" and repo.key_sheet_confirmed
    assert repo.last_run("backup").message == "Sauvegarde faite."
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["version"] == REGISTRY_VERSION
    assert stored["repositories"] == [OLD_ENTRY]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_change_to_an_old_registry_keeps_its_entries(tmp_path):
    path = _old_registry(tmp_path)
    reg = Registry(tmp_path)
    reg.add(Repository("hors-site", "ssh://sauve@nas:22/cartable", "ssh"))
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["version"] == REGISTRY_VERSION
    assert [r["label"] for r in stored["repositories"]] == ["local", "hors-site"]
    assert reg.get("local").repo_id == "0f1e2d3c"


def test_newer_registry_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "repositories.json"
    text = json.dumps({"version": REGISTRY_VERSION + 1, "repositories": [OLD_ENTRY]})
    path.write_text(text, encoding="utf-8")
    reg = Registry(tmp_path)
    with pytest.raises(RegistryError) as info:
        reg.all()
    message = str(info.value)
    assert "plus récent" in message and f"format {REGISTRY_VERSION + 1}" in message
    assert str(path) in message
    with pytest.raises(RegistryError, match="plus récent"):
        reg.add(Repository("autre", "/srv/autre", "local"))
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("version", ["1", 0, True, None])
def test_registry_with_an_invalid_version_is_refused(tmp_path, version):
    path = tmp_path / "repositories.json"
    path.write_text(json.dumps({"version": version, "repositories": []}), encoding="utf-8")
    with pytest.raises(RegistryError, match="version invalide"):
        Registry(tmp_path).all()


def test_registry_that_is_not_an_object_is_refused(tmp_path):
    (tmp_path / "repositories.json").write_text("[]", encoding="utf-8")
    with pytest.raises(RegistryError, match="forme attendue"):
        Registry(tmp_path).all()


def test_upgrade_runs_the_chain_in_order_from_a_file_without_version(tmp_path):
    def to_2(data):
        return {
            **data,
            "repositories": [{**r, "kind": r["kind"].upper()} for r in data["repositories"]],
        }

    def to_3(data):
        assert data["version"] == 2
        return {**data, "note": "v3"}

    data, changed = upgrade(
        {"repositories": [OLD_ENTRY]}, tmp_path, chain={1: to_2, 2: to_3}, current=3
    )
    assert changed and data["version"] == 3 and data["note"] == "v3"
    assert data["repositories"][0]["kind"] == "LOCAL"
    same, changed = upgrade(data, tmp_path, chain={1: to_2, 2: to_3}, current=3)
    assert not changed and same == data
