"""Packing of the minute and hour tiers: one row holds a block of aggregate slots.

A row per (series, minute) would cost ~44 bytes in SQLite: 60 series × 30 days of minutes
alone would pass 100 MB. So a tier row holds a block of consecutive slots (30 minutes, or
24 hours), each slot packed as float32 average, minimum, maximum and a uint16 count
(14 bytes; float32 keeps 7 significant digits, plenty for a chart or a threshold). A block
is zlib-compressed when that makes it smaller (idle counters, steady temperatures).
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

_SLOT = struct.Struct("<fffH")
_FLOAT32_MAX = 3.4028234663852886e38
_RAW, _ZLIB = b"\x00", b"\x01"


@dataclass(frozen=True)
class Agg:
    """Average, minimum, maximum and number of raw points of one slot."""

    avg: float
    min: float
    max: float
    count: int

    @staticmethod
    def merge(parts: Sequence[Agg]) -> Agg:
        """Given aggregates of adjacent periods, return the aggregate of their union."""
        count = sum(p.count for p in parts)
        if count == 0:
            raise ValueError("merge of empty aggregates")
        total = math.fsum(p.avg * p.count for p in parts)
        return Agg(total / count, min(p.min for p in parts), max(p.max for p in parts), count)


@dataclass(frozen=True)
class Tier:
    """A storage tier: `step` seconds per slot, `slots` slots per block row."""

    name: str
    step: int
    slots: int

    @property
    def block_seconds(self) -> int:
        return self.step * self.slots

    def locate(self, ts: int) -> tuple[int, int]:
        """Given a timestamp, return (block number, slot index)."""
        return ts // self.block_seconds, (ts % self.block_seconds) // self.step

    def slot_ts(self, block: int, slot: int) -> int:
        return block * self.block_seconds + slot * self.step


MINUTE = Tier("minute", 60, 30)
HOUR = Tier("hour", 3600, 24)


def _f32(x: float) -> float:
    return max(-_FLOAT32_MAX, min(_FLOAT32_MAX, x))


def encode(slots: Sequence[Agg | None]) -> bytes:
    """Given a block's slots (None = no data), return the stored bytes."""
    raw = b"".join(
        _SLOT.pack(0.0, 0.0, 0.0, 0)
        if a is None
        else _SLOT.pack(_f32(a.avg), _f32(a.min), _f32(a.max), min(a.count, 0xFFFF))
        for a in slots
    )
    packed = zlib.compress(raw, 6)
    return _ZLIB + packed if len(packed) < len(raw) else _RAW + raw


def decode(blob: bytes, n: int) -> list[Agg | None]:
    """Given stored bytes and the tier's slot count, return the slots (None = no data)."""
    body = zlib.decompress(blob[1:]) if blob[:1] == _ZLIB else blob[1:]
    out: list[Agg | None] = []
    for i in range(n):
        off = i * _SLOT.size
        if off + _SLOT.size > len(body):
            out.append(None)
            continue
        avg, lo, hi, count = _SLOT.unpack_from(body, off)
        out.append(Agg(avg, lo, hi, count) if count else None)
    return out
