"""Stored contents: streamed, one copy per content, types from the bytes, safe names,
nothing left behind by a refused or rolled-back write, the clean-up."""

from __future__ import annotations

import io
import os
import time

import pytest

from appliance import blobs, db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def store(tmp_path):
    conn = db.connect(tmp_path / "cartable.db")
    db.migrate(conn)
    conn.execute("CREATE TABLE attachment (id INTEGER PRIMARY KEY, sha256 TEXT)")
    return conn, tmp_path / "files"


class Trickle(io.RawIOBase):
    """A stream that gives its bytes a little at a time and counts what was read."""

    def __init__(self, total: int, piece: int = 65536):
        self.left, self.piece, self.read_bytes = total, piece, 0

    def readable(self):
        return True

    def read(self, n=-1):
        if self.left <= 0:
            return b""
        k = min(self.piece, self.left, n if n and n > 0 else self.piece)
        self.left -= k
        self.read_bytes += k
        return b"a" * k


def test_one_copy_per_content_and_its_type_from_the_bytes(store):
    conn, files = store
    first = blobs.write_bytes(files, PDF, max_bytes=10_000)
    again = blobs.write_bytes(files, PDF, max_bytes=10_000)
    assert first == again and first.mime == "application/pdf" and first.size == len(PDF)
    with db.transaction(conn):
        blobs.record(conn, first)
        blobs.record(conn, again)
    stored = list(blobs.root(files).rglob("*"))
    assert [p.name for p in stored if p.is_file()] == [first.sha256]
    assert blobs.path_of(files, first.sha256).read_bytes() == PDF
    assert oct(blobs.path_of(files, first.sha256).stat().st_mode & 0o777) == "0o640"
    assert blobs.get(conn, first.sha256) == first


@pytest.mark.parametrize(
    ("data", "mime", "inline"),
    [
        (PDF, "application/pdf", True),
        (PNG, "image/png", True),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg", True),
        ("Relire le chapitre 3, é à ç.\n".encode(), "text/plain", True),
        ("Texte Windows é".encode("cp1252"), "text/plain", True),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "text/html", False),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
            "image/svg+xml",
            False,
        ),
        (b"  <svg onload=alert(1)>", "image/svg+xml", False),
        (b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml", None, False),
        (b"MZ\x90\x00" + b"\x00" * 60, "application/x-msdownload", False),
        (b"\x00\x01\x02\x03binary", "application/octet-stream", False),
    ],
)
def test_types_come_from_the_content_not_the_name(data, mime, inline):
    found = blobs.sniff(data)
    if mime:
        assert found == mime
    else:
        assert found.endswith("wordprocessingml.document")
    assert blobs.inline_type(found) is inline


def test_a_large_upload_is_streamed_and_a_too_large_one_leaves_nothing(store):
    conn, files = store
    big = Trickle(5 * 1024 * 1024)
    blob = blobs.write(files, big, max_bytes=6 * 1024 * 1024)
    assert blob.size == 5 * 1024 * 1024 and big.read_bytes == blob.size
    too = Trickle(3 * 1024 * 1024)
    with pytest.raises(blobs.TooLarge) as err:
        blobs.write(files, too, max_bytes=2 * 1024 * 1024, field="piece_jointe")
    assert err.value.field == "piece_jointe" and "2 Mo" in str(err.value)
    # It stopped reading just past the limit and left no temporary file.
    assert too.read_bytes <= 2 * 1024 * 1024 + blobs.CHUNK
    names = [p.name for p in blobs.root(files).rglob("*") if p.is_file()]
    assert names == [blob.sha256]


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("/tmp/x/rapport.pdf", "rapport.pdf"),
        (".bashrc", "bashrc"),
        ("..", "document"),
        ("", "document"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("a\x00b\x1b[31mc\u202e.pdf", "ab[31mc.pdf"),  # the escape and the RTL mark go
        ('dev<oir>:"1"|?*.odt', "devoir1.odt"),
        ("Exposé d'Histoire.docx", "Exposé d'Histoire.docx"),
    ],
)
def test_a_name_is_only_a_harmless_label(given, shown):
    assert blobs.safe_name(given) == shown


def test_a_long_name_keeps_its_extension():
    name = blobs.safe_name("x" * 500 + ".pdf")
    assert len(name) == blobs.MAX_NAME and name.endswith(".pdf")


def test_the_clean_up_keeps_what_is_used_and_removes_the_rest(store):
    conn, files = store
    used = blobs.write_bytes(files, PDF, max_bytes=10_000)
    unused = blobs.write_bytes(files, PNG, max_bytes=10_000)
    fresh_stray = blobs.write_bytes(files, b"not yet committed", max_bytes=10_000)
    old_stray = blobs.write_bytes(files, b"rolled back long ago", max_bytes=10_000)
    old = time.time() - 2 * blobs.ORPHAN_GRACE_S
    os.utime(blobs.path_of(files, old_stray.sha256), (old, old))
    with db.transaction(conn):
        blobs.record(conn, used)
        blobs.record(conn, unused)
        conn.execute("INSERT INTO attachment (sha256) VALUES (?)", (used.sha256,))
    done = blobs.collect_garbage(conn, files, ["attachment.sha256"])
    assert done == {"removed": 1, "strays": 1, "bytes": unused.size + old_stray.size}
    assert blobs.path_of(files, used.sha256).exists()
    assert not blobs.path_of(files, unused.sha256).exists()
    assert blobs.path_of(files, fresh_stray.sha256).exists()  # within its day of grace
    assert not blobs.path_of(files, old_stray.sha256).exists()
    assert blobs.get(conn, unused.sha256) is None and blobs.get(conn, used.sha256) == used


def test_only_a_sha256_names_a_file(tmp_path):
    with pytest.raises(ValueError):
        blobs.path_of(tmp_path, "../../etc/passwd")
