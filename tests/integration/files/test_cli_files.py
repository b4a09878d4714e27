"""`cartable files usage [--json]` and `cartable files gc` as real processes, and the
files' nightly job and the weekly clean-up among the worker's jobs."""

from __future__ import annotations

import json

from appliance import blobs, scheduler
from appliance import config as config_mod
from appliance.core import open_box
from appliance.directory import people
from appliance.files import nodes
from appliance.security.audit import Actor
from tests.conftest import make_person
from tests.integration.test_cli import init_school, run


def test_usage_lists_the_largest_users_and_gc_removes_unused_contents(tmp_path):
    cfg, data = init_school(tmp_path, config_text="[files]\nquota_mb_student = 1\n")
    box = open_box(config_mod.load(cfg, data, env={}))
    conn = box.conn()
    pid, login, _pw = make_person(conn, "student", "eleve.gros")
    student = people.get_person(conn, pid)
    actor = Actor(pid, login)
    root = nodes.target(conn, nodes.personal_root(conn, student)["id"])
    made = []
    for i, size in enumerate((600 * 1024, 250 * 1024)):
        writer = blobs.Writer(box.config.files_dir, max_bytes=1 << 21)
        writer.write(bytes([i]) * size)
        made.append(nodes.add_file(conn, actor, box.config, student, root, f"f{i}.bin", writer))
    r = run(["files", "usage", "--json"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["people"][0] == {
        "login": "eleve.gros", "name": "Testeur Student", "profile": "student",
        "used": 850 * 1024, "limit": 1024 * 1024, "ratio": 0.8301,
    }  # fmt: skip
    assert found["over_warning"] == 1 and found["total_used"] == 850 * 1024
    plain = run(["files", "usage"], data_dir=data, config=cfg).stdout
    assert "eleve.gros" in plain and "850 Ko / 1 Mo" in plain and "80 % ou plus" in plain
    # Deleted for good: the space is free at once, the content leaves the disk with gc.
    target = nodes.target(conn, made[0]["id"])
    nodes.delete(conn, actor, target)
    nodes.purge(conn, actor, nodes.target(conn, made[0]["id"]))
    assert blobs.path_of(box.config.files_dir, made[0]["sha256"]).exists()
    r = run(["files", "gc"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert "1 contenu(s) inutilisé(s)" in r.stdout and "600 Ko libérés" in r.stdout
    assert not blobs.path_of(box.config.files_dir, made[0]["sha256"]).exists()
    assert blobs.path_of(box.config.files_dir, made[1]["sha256"]).exists()
    ids = {spec.id for spec in scheduler.all_jobs(box)}
    assert {"files.trash", "blobs_gc"} <= ids
