"""Passphrases: strong and readable, kept 0600, never shown by repr or str."""

import stat

import pytest

from backup.errors import BackupError
from backup.passphrase import (
    ALPHABET,
    Secret,
    generate_passphrase,
    read_passphrase_file,
    resolve_passphrase,
    write_passphrase_file,
)


def test_generated_passphrases_are_strong_readable_and_different():
    seen = {generate_passphrase().reveal() for _ in range(50)}
    assert len(seen) == 50
    for p in seen:
        groups = p.split("-")
        assert len(groups) == 8 and all(len(g) == 4 for g in groups)
        assert set(p.replace("-", "")) <= set(ALPHABET)
    assert not set("0o1li") & set(ALPHABET)


def test_secret_never_shows_itself():
    s = Secret("tres-secret")
    assert "tres" not in repr(s) and "tres" not in str(s) and "tres" not in f"{s}"
    assert s == Secret("tres-secret") and s != Secret("autre")
    for bad in ("", "deux\nlignes"):
        with pytest.raises(BackupError):
            Secret(bad)


def test_file_is_0600_in_a_0700_folder_and_reads_back(tmp_path):
    path = tmp_path / "passphrases" / "local.passphrase"
    s = generate_passphrase()
    write_passphrase_file(path, s)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert read_passphrase_file(path) == s
    assert resolve_passphrase(path) == s and resolve_passphrase(str(path)) == s
    assert resolve_passphrase(s) is s


def test_reading_refuses_bad_files(tmp_path):
    with pytest.raises(BackupError, match="n'existe pas"):
        read_passphrase_file(tmp_path / "absent")
    empty = tmp_path / "vide"
    empty.write_text("\n")
    empty.chmod(0o600)
    with pytest.raises(BackupError, match="vide"):
        read_passphrase_file(empty)
    public = tmp_path / "public"
    public.write_text("abc\n")
    public.chmod(0o644)
    with pytest.raises(BackupError, match="chmod 600"):
        read_passphrase_file(public)
    typed = tmp_path / "tapee"
    typed.write_text("ma phrase avec espaces\r\n")
    typed.chmod(0o600)
    assert read_passphrase_file(typed).reveal() == "ma phrase avec espaces"
