"""Hostile import files built on the fly in tmp_path: a ZIP bomb, a CSV with a huge field,
names full of control characters. Nothing is committed: each test builds what it needs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

MB = 1024 * 1024
CSV_HEADER = b"profil;id;nom;prenom\n"


def _deflate_member(size: int) -> tuple[bytes, int]:
    """A raw-deflate stream of a CSV header followed by `size` bytes in all; returns
    (compressed bytes, crc32). Compressed once, copied into every member."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc = [comp.compress(CSV_HEADER)], zlib.crc32(CSV_HEADER)
    chunk = b"A" * MB
    left = size - len(CSV_HEADER)
    while left > 0:
        piece = chunk[: min(MB, left)]
        out.append(comp.compress(piece))
        crc = zlib.crc32(piece, crc)
        left -= len(piece)
    out.append(comp.flush())
    return b"".join(out), crc


def write_zip_bomb(
    path: Path, *, members: int = 12, member_bytes: int = 199 * MB, claimed: int | None = None
) -> Path:
    """Write a ZIP of `members` CSV members of `member_bytes` each once decompressed
    (a few hundred KB on disk). `claimed` puts another uncompressed size in the headers
    (a lying archive). Returns `path`."""
    data, crc = _deflate_member(member_bytes)
    size = member_bytes if claimed is None else claimed
    local, central = bytearray(), bytearray()
    for i in range(members):
        name = f"eleves_{i:02d}.csv".encode()
        offset = len(local)
        local += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(name), 0
        )
        local += name + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, members, members, len(central), len(local), 0)
    path.write_bytes(bytes(local) + bytes(central) + end)
    return path


def write_csv_with_huge_field(path: Path, *, chars: int = 200_000, line: int = 3) -> Path:
    """A CSV template whose row at `line` has a first name of `chars` characters."""
    rows = ["profil;id;nom;prenom"]
    rows += [f"Student;LOC-{n};NOM{n};Prenom{n}" for n in range(2, line)]
    rows.append(f"Student;LOC-{line};LONG;{'x' * chars}")
    rows.append(f"Student;LOC-{line + 1};APRES;Paul")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
