"""Software RAID state from `/proc/mdstat` (Linux md): pure parsing plus one reader.

Each array gives its members and their flags ((F) failed, (S) spare, (W) write-mostly),
the `[n/m] [UU_]` line (n disks expected, m working), and a running operation
(resync, recovery, check, repair, reshape) with its progress.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from appliance.health.rules import CRITICAL, INFO, OK, WARNING

_HEAD = re.compile(r"^(md\w+)\s*:\s*(\w+)(?:\s+\(([^)]*)\))?\s*(.*)$")
_MEMBER = re.compile(r"^([\w.-]+)\[(\d+)\]((?:\([A-Z]\))*)$")
_STATUS = re.compile(r"\[(\d+)/(\d+)\]\s+\[([U_]+)\]")
_BLOCKS = re.compile(r"^(\d+) blocks")
_OPERATION = re.compile(
    r"(resync|recovery|check|repair|reshape)\s*=\s*([\d.]+)%"
    r"(?:.*?finish=([\d.]+)min)?(?:.*?speed=(\d+)K/sec)?"
)
_PENDING = re.compile(r"(resync|recovery|check|repair|reshape)\s*=\s*(DELAYED|PENDING)")


def parse_mdstat(text: str) -> list[dict[str, Any]]:
    """Given the text of /proc/mdstat, return one dict per array.

    Keys: name, state (active/inactive), read_only, level, members [{name, index, failed,
    spare}], blocks, expected, working, map ("UU_"), degraded, failed_members, operation
    ({kind, progress_pct, finish_minutes, speed_kbps} or None), level_of_concern.
    """
    arrays: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        head = _HEAD.match(line)
        if head:
            current = _new_array(head)
            arrays.append(current)
            continue
        if current is None or not line:
            if not line:
                current = None
            continue
        _fill_detail(current, line)
    for a in arrays:
        a["level_of_concern"] = assess_array(a)
    return arrays


def _new_array(head: re.Match[str]) -> dict[str, Any]:
    name, state, mode, rest = head.groups()
    words = rest.split()
    level = words[0] if words and words[0].startswith(("raid", "linear", "multipath")) else None
    members = []
    for w in words[1 if level else 0 :]:
        m = _MEMBER.match(w)
        if m:
            flags = m.group(3)
            members.append({"name": m.group(1), "index": int(m.group(2)),
                            "failed": "(F)" in flags, "spare": "(S)" in flags})  # fmt: skip
    return {
        "name": name,
        "state": state,
        "read_only": bool(mode and "read-only" in mode),
        "level": level,
        "members": members,
        "blocks": None,
        "expected": None,
        "working": None,
        "map": None,
        "degraded": False,
        "failed_members": [m["name"] for m in members if m["failed"]],
        "operation": None,
    }


def _fill_detail(array: dict[str, Any], line: str) -> None:
    blocks = _BLOCKS.match(line)
    if blocks:
        array["blocks"] = int(blocks.group(1))
    status = _STATUS.search(line)
    if status:
        array["expected"], array["working"] = int(status.group(1)), int(status.group(2))
        array["map"] = status.group(3)
        array["degraded"] = array["working"] < array["expected"] or "_" in array["map"]
    op = _OPERATION.search(line)
    if op:
        array["operation"] = {
            "kind": op.group(1),
            "progress_pct": float(op.group(2)),
            "finish_minutes": float(op.group(3)) if op.group(3) else None,
            "speed_kbps": int(op.group(4)) if op.group(4) else None,
        }
    pending = _PENDING.search(line)
    if pending:
        array["operation"] = {"kind": pending.group(1), "progress_pct": 0.0,
                              "finish_minutes": None, "speed_kbps": None,
                              "waiting": pending.group(2).lower()}  # fmt: skip


def assess_array(a: dict[str, Any]) -> str:
    """The level of an array: critical when inactive, degraded or with a failed member;
    info during a check or resync of a healthy array; ok otherwise."""
    if a["state"] != "active" or a["degraded"] or a["failed_members"]:
        return CRITICAL
    if a["read_only"]:
        return WARNING
    if a["operation"]:
        return INFO
    return OK


def read_mdstat(path: str | Path = "/proc/mdstat") -> list[dict[str, Any]] | None:
    """Arrays of the box, or None when the file does not exist (no md driver loaded)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    return parse_mdstat(text)
