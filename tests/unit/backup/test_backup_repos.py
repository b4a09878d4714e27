"""Repository locations and the registry (atomic JSON, locked read-modify-write)."""

import json
import stat

import pytest

from backup.errors import RegistryError
from backup.repos import HISTORY_LIMIT, Registry, Repository, RunRecord, parse_location


@pytest.mark.parametrize(
    ("url", "kind", "borg_url"),
    [
        ("/srv/sauvegardes/cartable/", "local", "/srv/sauvegardes/cartable"),
        ("file:///srv/depot", "local", "/srv/depot"),
        (
            "ssh://borg@backup.example.org:2222/srv/x",
            "ssh",
            "ssh://borg@backup.example.org:2222/srv/x",
        ),
        ("ssh://borg@host/srv/x", "ssh", "ssh://borg@host:22/srv/x"),
        ("borg@host:depots/x", "ssh", "ssh://borg@host:22/./depots/x"),
        ("borg@host:/abs", "ssh", "ssh://borg@host:22/abs"),
    ],
)
def test_parse_location(url, kind, borg_url):
    loc = parse_location(url)
    assert loc.kind == kind and loc.borg_url == borg_url


def test_removable_location():
    loc = parse_location("removable://0b3c2a1e-1111-4222-8333-444455556666/sauvegardes/cartable")
    assert loc.kind == "removable" and loc.fs_uuid.startswith("0b3c")
    assert loc.path == "/sauvegardes/cartable"


@pytest.mark.parametrize(
    "bad", ["", "relatif/chemin", "removable://pas un uuid/x", "removable://abcd"]
)
def test_bad_locations_are_explained(bad):
    with pytest.raises(RegistryError, match="."):
        parse_location(bad)


def test_registry_add_update_history(tmp_path):
    reg = Registry(tmp_path)
    reg.add(Repository(label="local", url="/srv/a", kind="local"))
    with pytest.raises(RegistryError, match="déjà utilisée"):
        reg.add(Repository(label="local", url="/srv/b", kind="local"))
    with pytest.raises(RegistryError, match="déjà enregistré"):
        reg.add(Repository(label="autre", url="/srv/a", kind="local"))
    with pytest.raises(RegistryError, match="Étiquette invalide"):
        reg.add(Repository(label="Pas Bien", url="/srv/c", kind="local"))
    with pytest.raises(RegistryError, match="Aucun dépôt"):
        reg.get("absent")
    for i in range(HISTORY_LIMIT + 5):
        reg.record_run(RunRecord("local", "backup", "ok", f"run {i}"))
    repo = reg.get("local")
    assert len(repo.history) == HISTORY_LIMIT and repo.history[-1]["message"] == f"run {i}"
    assert repo.last_run("backup").message == f"run {i}"
    assert repo.last_run("drill") is None
    reg.confirm_key_sheet("local")
    assert reg.get("local").key_sheet_confirmed
    assert stat.S_IMODE(reg.path.stat().st_mode) == 0o600
    assert json.loads(reg.path.read_text())["version"] == 1


def test_select_without_repository_says_how_to_add_one(tmp_path):
    with pytest.raises(RegistryError, match="cartable backup init"):
        Registry(tmp_path).select()


def test_unreadable_registry_is_an_explained_error(tmp_path):
    (tmp_path / "repositories.json").write_text("{pas du json")
    with pytest.raises(RegistryError, match="illisible"):
        Registry(tmp_path).all()
