"""The manifest as the web app, the worker and the CLI read it: every blueprint, job and
command comes from a feature, and a feature that does not import stops the build."""

from __future__ import annotations

import subprocess
import sys

import pytest

from appliance import backups, cli, features, scheduler
from appliance.core import create_box
from appliance.features import FEATURES, Feature
from backup.repos import Registry, Repository
from tests.conftest import login_admin, text
from webui.app import create_app


def _blueprint_names(feature: Feature) -> set[str]:
    return {features.resolve(ref).name for ref in feature.blueprints}


def test_every_blueprint_of_the_app_comes_from_the_manifest(app):
    declared = [name for f in FEATURES for name in _blueprint_names(f)]
    assert len(declared) == len(set(declared))
    assert set(app.blueprints) == set(declared)
    assert {"auth", "portal", "account", "admin", "directory", "health", "backups"} <= set(declared)


def test_each_feature_has_the_route_rows_of_its_own_blueprints(app):
    for feature in FEATURES:
        areas = {endpoint.split(".")[0] for endpoint in feature.routes} - {"static"}
        assert areas == _blueprint_names(feature), feature.name
        assert set(feature.routes) <= {r.endpoint for r in app.url_map.iter_rules()}


def test_an_app_without_a_feature_shows_its_tile_as_coming(app, box):
    whole = app.test_client()
    login_admin(whole, box.conn())
    assert 'href="/admin/sante/"' in whole.get("/").get_data(as_text=True)
    app = create_app(box, [f for f in FEATURES if f.name != "health"])
    assert "health" not in app.blueprints and "backups" in app.blueprints
    client = app.test_client()
    login_admin(client, box.conn())
    page = text(client.get("/"))
    assert "Santé du serveur" in page and "Sauvegardes" in page
    assert 'href="/admin/sauvegardes/"' in page
    assert "/admin/sante" not in page


def test_a_blueprint_that_does_not_import_stops_the_app(box):
    broken = Feature("broken", blueprints=("webui.no_such_area:bp",))
    with pytest.raises(ModuleNotFoundError) as err:
        create_app(box, [*FEATURES, broken])
    assert err.value.name == "webui.no_such_area"
    missing_bp = Feature("no_bp", blueprints=("webui.formats:bp",))
    with pytest.raises(ImportError, match="'bp'"):
        create_app(box, [*FEATURES, missing_bp])


@pytest.fixture
def backup_box(config, tmp_path):
    """A box with a repository never backed up: the worker also plans a catch-up."""
    box = create_box(config)
    Registry(backups.state_dir(box.config)).add(
        Repository(label="local", url=str(tmp_path / "repo"), kind="local")
    )
    return box


def test_every_scheduler_job_is_declared_by_its_feature(backup_box):
    every = []
    for feature in FEATURES:
        ids = [spec.id for spec in scheduler.all_jobs(backup_box, [feature])]
        assert set(ids) <= set(feature.job_ids), feature.name
        every += ids
    assert "backup.catch_up" in every and "lifecycle" in every
    declared = {job_id for f in FEATURES for job_id in f.job_ids}
    assert sum(len(f.job_ids) for f in FEATURES) == len(declared)  # no id in two features
    sched = scheduler.build(backup_box, blocking=False)
    assert {job.id for job in sched.get_jobs()} == set(every)
    assert set(every) <= declared


def test_a_jobs_module_that_does_not_import_stops_the_worker(box):
    broken = Feature("broken", jobs=("appliance.no_such_area.schedule:jobs",))
    with pytest.raises(ModuleNotFoundError):
        scheduler.all_jobs(box, [*FEATURES, broken])


def test_a_cli_module_that_does_not_import_raises():
    with pytest.raises(ModuleNotFoundError) as err:
        cli.register_commands([Feature("broken", cli=("appliance.cli_no_such_area",))])
    assert err.value.name == "appliance.cli_no_such_area"


def test_the_command_has_the_groups_of_every_feature():
    r = subprocess.run(
        [sys.executable, "-m", "appliance", "--help"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0, r.stderr
    for group in ("run", "user", "import", "lifecycle", "health", "backup", "config", "init"):
        assert f"  {group} " in r.stdout, group


def test_the_demo_school_is_filled_by_the_manifests_steps(box, config):
    """Every feature with demo data declares its step once (`Feature.demo`); each resolves,
    fills its part, and gives it to a demo created before it (the second seed adds
    nothing and loses nothing)."""
    from appliance.directory import demo

    steps = features.demo_steps()
    assert len(steps) == len(set(steps)) and all(callable(features.resolve(s)) for s in steps)
    owners = {f.name for f in FEATURES if f.demo}
    assert {
        "schoollife",
        "diary",
        "grades",
        "attendance",
        "files",
        "assignments",
        "agenda",
        "community",
        "news_forums",
    } <= owners
    conn = box.conn()
    demo.seed(conn, config.data_dir)
    counted = (
        "lesson",
        "homework",
        "assessment",
        "file_node",
        "assignment",
        "agenda_event",
        "usage_stat",
        "message",
        "news",
        "forum",
    )
    before = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counted}
    assert all(before.values()), before
    # A demo made before the agenda existed: its step gives it the agenda on the next start.
    conn.execute("DELETE FROM agenda_event")
    demo.seed(conn, config.data_dir)
    after = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counted}
    assert after == before
