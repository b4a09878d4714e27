"""Files waiting between preview and apply: safe names, private modes, unknown tokens."""

from __future__ import annotations

import io
import os
import stat
import time

import pytest

from appliance.directory import uploads
from appliance.errors import CartableError, NotFound


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\secrétariat\\ÉLÈVES 2026.xml", "ELEVES_2026.xml"),
        (".hidden", "hidden"),
        ("import.json", "fichier_import.json"),
        ("", "fichier"),
        ("<script>.csv", "script_.csv"),
    ],
)
def test_safe_names(name, safe):
    assert uploads.safe_name(name) == safe


def test_same_name_twice_gets_a_number():
    assert uploads.safe_name("a.xml", ["a.xml"]) == "a_2.xml"
    assert uploads.safe_name("a.xml", ["a.xml", "a_2.xml"]) == "a_3.xml"


def test_saved_files_are_private_and_come_back(tmp_path):
    pending = uploads.save(
        tmp_path,
        [("../x.xml", io.BytesIO(b"<a/>")), ("x.xml", io.BytesIO(b"<b/>")), ("", io.BytesIO())],
        full=True,
        actor="tech",
    )
    assert [p.name for p in pending.files] == ["x.xml", "x_2.xml"]
    folder = pending.files[0].parent
    assert folder.parent == tmp_path / "imports" / "pending"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    again = uploads.load(tmp_path, pending.token)
    assert again.full and again.actor == "tech" and again.files == pending.files
    uploads.discard(tmp_path, pending.token)
    with pytest.raises(NotFound):
        uploads.load(tmp_path, pending.token)


def test_bad_tokens_and_empty_uploads(tmp_path):
    for token in ("../../etc", "", "a" * 10, "a/b" * 10):
        with pytest.raises(NotFound):
            uploads.load(tmp_path, token)
    with pytest.raises(CartableError, match="Aucun fichier"):
        uploads.save(tmp_path, [("", io.BytesIO())], full=False, actor="tech")


def test_stale_folders_are_removed(tmp_path):
    old = uploads.save(tmp_path, [("a.xml", io.BytesIO(b"x"))], full=False, actor="t")
    folder = old.files[0].parent
    past = time.time() - 2 * 24 * 3600
    os.utime(folder, (past, past))
    fresh = uploads.save(tmp_path, [("b.xml", io.BytesIO(b"y"))], full=False, actor="t")
    assert not folder.exists() and fresh.files[0].exists()
