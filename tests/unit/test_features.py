"""The feature manifest: every configuration key, route row, tile and policy action is
declared by exactly one feature, and a reference that does not import raises."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from appliance import config, db, features
from appliance.features import FEATURES, Feature
from appliance.portal import tiles
from appliance.security import policy, route_access
from appliance.security.route_rows import PROFILES


def test_the_manifest_lists_the_areas_in_order():
    assert [f.name for f in FEATURES] == [
        "platform",
        "directory",
        "health",
        "backups",
        "schoollife",
        "diary",
        "grades",
        "community",
        "notifications",
        "news_forums",
        "attendance",
        "files",
        "assignments",
        "agenda",
    ]
    assert len({f.name for f in FEATURES}) == len(FEATURES)


def test_every_config_key_belongs_to_exactly_one_feature():
    owners = Counter()
    for feature in FEATURES:
        names = [k.name for k in config.schema([feature])]
        assert names or not feature.config_keys, f"{feature.name} declares modules without keys"
        owners.update(names)
    assert [name for name, n in owners.items() if n > 1] == []
    assert set(owners) == {k.name for k in config.schema()}


def test_a_key_declared_twice_is_refused():
    twice = Feature("twice", config_keys=("appliance.health.config_keys",))
    with pytest.raises(ValueError, match="declared twice"):
        config.schema([*FEATURES, twice])


def test_a_missing_config_module_raises_instead_of_being_skipped():
    broken = Feature("broken", config_keys=("appliance.nothing_here.config_keys",))
    with pytest.raises(ModuleNotFoundError) as err:
        config.schema([*FEATURES, broken])
    assert err.value.name == "appliance.nothing_here"


def test_an_import_error_inside_a_feature_module_raises(tmp_path, monkeypatch):
    (tmp_path / "half_written_feature.py").write_text("import a_library_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = Feature("half", config_keys=("half_written_feature",))
    try:
        with pytest.raises(ModuleNotFoundError) as err:
            config.schema([broken])
        assert err.value.name == "a_library_not_installed"
    finally:
        sys.modules.pop("half_written_feature", None)


def test_a_missing_attribute_raises_import_error_naming_it():
    with pytest.raises(ImportError, match="no_such_function"):
        features.resolve("appliance.health.schedule:no_such_function")
    assert features.resolve("appliance.directory.schedule:jobs").__name__ == "jobs"


def test_every_route_row_belongs_to_exactly_one_feature():
    owners = Counter(endpoint for f in FEATURES for endpoint in f.routes)
    assert [e for e, n in owners.items() if n > 1] == []
    assert set(owners) == set(route_access.ROUTES)
    for endpoint, row in route_access.ROUTES.items():
        assert set(row) == set(PROFILES), endpoint
    with pytest.raises(ValueError, match="two features"):
        route_access.gather([*FEATURES, Feature("again", routes={"health.index": {}})])


def test_every_tile_comes_from_one_feature_or_is_coming():
    declared = Counter(t.key for f in FEATURES for t in f.tiles)
    assert [k for k, n in declared.items() if n > 1] == []
    catalogue = tiles.catalogue()
    for feature in FEATURES:
        for tile in feature.tiles:
            assert tile.endpoint in feature.routes, tile.key
            assert catalogue[tile.key] == tile
    for profile, keys in tiles._BY_PROFILE.items():
        assert set(keys) <= set(catalogue), profile
    coming = [t for t in catalogue.values() if t.endpoint is None]
    assert {t.key for t in coming} == {t.key for t in catalogue.values()} - set(declared)


def test_every_policy_action_belongs_to_exactly_one_feature():
    owner: dict[str, set[str]] = {}
    for feature in FEATURES:
        for rule in feature.rules:
            owner.setdefault(rule.action, set()).add(feature.name)
    assert {a: o for a, o in owner.items() if len(o) > 1} == {}
    assert policy.index(features.rules()) == policy.RULES
    assert sum(len(r) for r in policy.RULES.values()) == sum(len(f.rules) for f in FEATURES)
    admin = {"id": 1, "profile": "admin", "state": "active"}
    assert policy.may(admin, "admin.health.view") and policy.may(admin, "admin.backups.run")
    teacher = {"id": 2, "profile": "teacher", "state": "active"}
    assert not policy.may(teacher, "admin.backups.run")


def test_migrations_come_from_the_features_packages():
    # Two entries of one service package share its migrations: listed once.
    assert features.migration_packages() == [
        "appliance.migrations",
        "appliance.schoollife.migrations",
        "appliance.schoollife.diary.migrations",
        "appliance.schoollife.grades.migrations",
        "appliance.community.migrations",
        "appliance.schoollife.attendance.migrations",
        "appliance.files.migrations",
        "appliance.files.assignments.migrations",
        "appliance.agenda.migrations",
    ]
    numbers = [n for n, _name, _sql in db.available_migrations()]
    assert numbers == sorted(set(numbers)) and numbers[0] == 1
