"""The consistent snapshot (online backup API, integrity check, never an empty dump) and
the verification of restored data against its manifest."""

import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time

import pytest

from backup import snapshot as snap_mod
from backup.errors import NotEnoughSpace, SnapshotError
from backup.snapshot import BackupSources, build_snapshot, snapshot_database
from backup.verify import verify_extracted
from tests.fixtures.tmpfs import mounted_tmpfs


def _db(path, rows=100):
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute('CREATE TABLE "odd ""name" (x)')
    conn.executemany("INSERT INTO person (name) VALUES (?)", [(f"p{i}",) for i in range(rows)])
    conn.commit()
    return conn


def test_snapshot_of_a_live_database_under_writes(tmp_path):
    conn = _db(tmp_path / "live.db")
    stop = threading.Event()

    def writer():
        w = sqlite3.connect(tmp_path / "live.db", timeout=10)
        while not stop.is_set():
            w.execute("INSERT INTO person (name) VALUES ('x')")
            w.commit()
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        entry = snapshot_database(tmp_path / "live.db", tmp_path / "copy.db")
    finally:
        stop.set()
        t.join()
    assert entry["tables"]["person"] >= 100 and entry["tables"]['odd "name'] == 0
    assert not (tmp_path / "copy.db.partial").exists()
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert copy.execute("SELECT count(*) FROM person").fetchone()[0] == entry["tables"]["person"]
    conn.close()


def test_missing_database_is_an_error_not_an_empty_copy(tmp_path):
    with pytest.raises(SnapshotError, match="introuvable"):
        snapshot_database(tmp_path / "absent.db", tmp_path / "copy.db")
    assert not (tmp_path / "absent.db").exists() and not (tmp_path / "copy.db").exists()


def test_garbage_file_is_refused(tmp_path):
    (tmp_path / "bad.db").write_bytes(os.urandom(8192))
    with pytest.raises(SnapshotError, match="illisible ou abîmée"):
        snapshot_database(tmp_path / "bad.db", tmp_path / "copy.db")
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "copy.db.partial").exists()


def _sources(tmp_path):
    _db(tmp_path / "cartable.db").close()
    files = tmp_path / "files"
    (files / "a").mkdir(parents=True)
    (files / "a" / "one.txt").write_text("un")
    (files / "two.bin").write_bytes(b"\x00" * 5000)
    (files / "lien").symlink_to("two.bin")
    (tmp_path / "cartable.toml").write_text("[web]\n")
    return BackupSources(
        databases={"cartable.db": tmp_path / "cartable.db"},
        trees=[files],
        config_files={"cartable.toml": tmp_path / "cartable.toml"},
        product_version="0.1.0",
        schema_version=3,
    )


def test_build_snapshot_and_manifest(tmp_path):
    sources = _sources(tmp_path)
    cache = tmp_path / "checksums.json"
    snap = build_snapshot(sources, tmp_path / "staging", checksum_cache=cache)
    m = json.loads((snap.folder / "manifest.json").read_text())
    assert m["product_version"] == "0.1.0" and m["schema_version"] == 3
    assert m["databases"]["cartable.db"]["tables"]["person"] == 100
    assert set(m["trees"]["files"]["files"]) == {"a/one.txt", "two.bin"}  # no symlink
    assert m["config"]["cartable.toml"]["size"] == 6
    assert snap.paths == [f"{tmp_path}/staging/./cartable-snapshot", f"{tmp_path}/./files"]
    assert snap.expected_new_bytes(None) >= 5002 + snap.snapshot_bytes
    assert snap.expected_new_bytes(4e9) == snap.snapshot_bytes
    assert "1 base(s), 100 lignes ; 2 fichiers" in snap.comment


@pytest.fixture
def strictatime_files(tmp_path):
    """tmp_path/files on a real tmpfs mounted `strictatime` (root only): every read of a
    file's content moves its access time, so a test sees which files were read."""
    with mounted_tmpfs(tmp_path / "files", "size=1m,strictatime") as files:
        yield files


def _read_since(root, before):
    """The files under `root` whose content was read since the {path: atime_ns} `before`."""
    return sorted(
        str(p) for p in root.rglob("*") if p.is_file() and not p.is_symlink()
        and p.stat().st_atime_ns != before.get(str(p))
    )  # fmt: skip


def test_checksum_cache_avoids_hashing_unchanged_files(tmp_path, strictatime_files):
    sources = _sources(tmp_path)
    cache = tmp_path / "checksums.json"
    build_snapshot(sources, tmp_path / "staging", checksum_cache=cache)
    one = tmp_path / "files" / "a" / "one.txt"
    one.write_text("deux")
    atimes = {str(p): p.stat().st_atime_ns for p in strictatime_files.rglob("*") if p.is_file()}
    time.sleep(0.01)  # a read now gives a later access time
    snap = build_snapshot(sources, tmp_path / "staging", checksum_cache=cache)
    tree_hashes = _read_since(strictatime_files, atimes)
    assert tree_hashes == [str(tmp_path / "files" / "a" / "one.txt")]
    manifest = json.loads((snap.folder / snap_mod.MANIFEST_NAME).read_text())
    assert json.dumps(manifest).count(hashlib.sha256(b"deux").hexdigest()) == 1


def test_staging_without_space_refuses(tmp_path):
    sources = _sources(tmp_path)
    with pytest.raises(NotEnoughSpace, match="Pas assez de place"):
        build_snapshot(sources, tmp_path / "staging", margin_bytes=2**62)


def test_clashing_names_are_refused(tmp_path):
    bad = BackupSources(databases={"files": tmp_path / "x.db"}, trees=[tmp_path / "files"])
    with pytest.raises(SnapshotError):
        bad.validate()


def _extracted(tmp_path):
    sources = _sources(tmp_path)
    snap = build_snapshot(sources, tmp_path / "staging")
    root = tmp_path / "restored"
    shutil.copytree(tmp_path / "staging", root)
    shutil.copytree(tmp_path / "files", root / "files", symlinks=True, copy_function=shutil.copy2)
    return snap, root


def test_verification_passes_on_a_faithful_copy(tmp_path):
    _snap, root = _extracted(tmp_path)
    manifest, result = verify_extracted(root)
    assert result.ok and result.databases == 1 and result.rows == 100 and result.files == 3
    assert "1 base(s) intègre(s)" in result.summary()


def test_verification_finds_tampering_and_tolerates_live_changes(tmp_path):
    _snap, root = _extracted(tmp_path)
    target = root / "files" / "two.bin"
    st = target.stat()
    target.write_bytes(b"\x01" * 5000)  # same size, same mtime: corruption
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    changed = root / "files" / "a" / "one.txt"
    changed.write_text("changé pendant la sauvegarde")
    os.utime(changed, (1, 1))
    conn = sqlite3.connect(root / "cartable-snapshot" / "databases" / "cartable.db")
    conn.execute("DELETE FROM person WHERE id < 3")
    conn.commit()
    conn.close()
    _m, result = verify_extracted(root)
    assert not result.ok
    text = " ".join(result.problems)
    assert "files/two.bin : contenu différent" in text
    assert "table person : 98 lignes au lieu de 100" in text
    assert any("one.txt modifié pendant la sauvegarde" in n for n in result.notes)
