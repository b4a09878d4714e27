"""backup.fsutil.atomic_write, the one way Cartable writes a file over another: the new
bytes whole or the old ones untouched, never a mix, never a stray temporary file."""

from __future__ import annotations

import os
import subprocess

import pytest

from backup.fsutil import atomic_write, atomic_write_json
from tests.fixtures.tmpfs import mounted_tmpfs


def test_writes_bytes_or_text_with_exactly_the_mode(tmp_path):
    target = tmp_path / "a.txt"
    old = os.umask(0o077)
    try:
        assert atomic_write(target, "é\n") == target
    finally:
        os.umask(old)
    assert target.read_bytes() == "é\n".encode()
    assert target.stat().st_mode & 0o777 == 0o644
    atomic_write(target, b"\x00\x01", mode=0o600)
    assert target.read_bytes() == b"\x00\x01"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_json_is_sorted_indented_utf8(tmp_path):
    atomic_write_json(tmp_path / "r.json", {"b": 1, "a": "é"})
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == '{\n  "a": "é",\n  "b": 1\n}\n'


@pytest.fixture
def full_tmpfs(tmp_path):
    """A real 64 KiB tmpfs (root only), filled to the last block."""
    with mounted_tmpfs(tmp_path / "petit", "size=64k") as mnt:
        yield mnt


def test_a_full_disk_leaves_the_old_file_whole(full_tmpfs):
    target = full_tmpfs / "repositories.json"
    target.write_bytes(b"ancien contenu\n")
    fd = os.open(full_tmpfs / "remplissage", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"x" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    with pytest.raises(OSError):
        atomic_write(target, b"n" * 200_000)
    assert target.read_bytes() == b"ancien contenu\n"
    assert sorted(p.name for p in full_tmpfs.iterdir()) == ["remplissage", "repositories.json"]


def test_a_missing_folder_raises_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write(tmp_path / "absent" / "f", b"x")
    assert not (tmp_path / "absent").exists()


def test_a_read_only_folder_leaves_the_old_file_whole(tmp_path):
    if os.geteuid() == 0:  # root writes anyway: make the folder immutable for real instead
        folder = tmp_path / "ro"
        folder.mkdir()
        (folder / "f").write_bytes(b"ancien")
        subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
            with pytest.raises(OSError):
                atomic_write(folder / "f", b"nouveau")
            assert (folder / "f").read_bytes() == b"ancien"
            assert [p.name for p in folder.iterdir()] == ["f"]
        finally:
            subprocess.run(["umount", str(folder)], check=True)
        return
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "f").write_bytes(b"ancien")
    folder.chmod(0o555)
    try:
        with pytest.raises(PermissionError):
            atomic_write(folder / "f", b"nouveau")
    finally:
        folder.chmod(0o755)
    assert (folder / "f").read_bytes() == b"ancien"


def test_inside_an_open_folder_a_planted_link_is_not_followed(tmp_path):
    elsewhere = tmp_path / "ailleurs"
    elsewhere.write_bytes(b"intact")
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "sda.json").symlink_to(elsewhere)
    fd = os.open(spool, os.O_RDONLY | os.O_DIRECTORY)
    try:
        atomic_write("sda.json", b"{}", dir_fd=fd)
        with pytest.raises(ValueError):
            atomic_write("sous/sda.json", b"{}", dir_fd=fd)
    finally:
        os.close(fd)
    assert elsewhere.read_bytes() == b"intact"  # the link was replaced, not written through
    assert not (spool / "sda.json").is_symlink()
    assert (spool / "sda.json").read_bytes() == b"{}"
