"""Restoring the whole school to an earlier archive: the current state is kept first as
an archive, the old state comes back exactly (rows and files), nothing is lost."""

from __future__ import annotations

import sqlite3

from backup import archives, jobs, restore, setup
from tests.fixtures.backup.support import db_content, requires_borg, tree_digests

pytestmark = requires_borg


def test_restore_a_changed_school_to_an_earlier_archive(ctx, school, tmp_path):
    setup.init_repository(ctx, "local", str(tmp_path / "depot"))
    (first,) = jobs.run_backup(ctx, school)
    db = school.databases["cartable.db"]
    files = school.trees[0]
    before_rows = db_content(db)
    before_files = tree_digests(files)
    before_cfg = school.config_files["cartable.toml"].read_text()

    # The school changes: rows added and deleted (left in the WAL), files changed.
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("DELETE FROM grade WHERE id < 50")
    conn.execute("INSERT INTO person (label, value) VALUES ('nouvel élève', 1)")
    conn.commit()
    (files / "people" / "42" / "devoir.txt").write_text("écrasé par erreur\n")
    (files / "classes" / "6A" / "cours.bin").unlink()
    (files / "nouveau.txt").write_text("ajouté après\n")
    school.config_files["cartable.toml"].write_text("[web]\nport = 9090\n")
    changed_rows = db_content(db)

    report = restore.restore_school(ctx, "local", first.archive, school)
    conn.close()
    assert report.ok, report.text()
    assert [s.name for s in report.steps] == [
        "repository",
        "destination",
        "keep-current",
        "extraction",
        "manifest",
        "databases",
        "checksums",
        "install",
    ]
    assert db_content(db) == before_rows
    assert tree_digests(files) == before_files
    assert school.config_files["cartable.toml"].read_text() == before_cfg
    assert not (db.parent / "cartable.db-wal").exists()

    kept = [a for a in archives.list_archives(ctx, "local") if a.kind == "pre-restore"]
    assert len(kept) == 1 and kept[0].name.startswith("avant-restauration-")
    aside = next(db.parent.glob(".remplace-*"))
    assert (aside / "tree" / "files" / "nouveau.txt").exists()
    assert db_content(aside / "database" / "cartable.db") == changed_rows

    # The kept state can itself be restored: nothing was lost.
    out = archives.restore_paths(ctx, "local", kept[0].name, ["files/nouveau.txt"], tmp_path)
    assert (out.folder / "files" / "nouveau.txt").read_text() == "ajouté après\n"
    history = ctx.registry.get("local").runs()
    assert [r.job for r in history][-1] == "restore-paths"
    assert any(r.job == "restore-school" and r.ok for r in history)
