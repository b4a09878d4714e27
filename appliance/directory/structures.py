"""Classes, groups and subjects in an import plan: create, rename, reopen, retire.

A class or group named by a file is created, or reopened if it had been retired; its name
or level is updated when a file gives a real label (STS does; SIECLE gives only codes).
One that no file names any more is retired (hidden, kept for history until its members are
purged), but only when the import holds a complete list of the school's structures
(SIECLE students or STS) and no active person is left in it after the import.
Subjects come from the STS nomenclature and are never deleted (teaching rows cite them).
"""

from __future__ import annotations

from typing import Any

from appliance.directory.imports.records import ParsedFile, StructureRecord
from appliance.directory.peoplediff import PeopleDiff
from appliance.directory.plan import Plan, StructureChanges
from appliance.directory.snapshot import Snapshot
from appliance.i18n import N_


def compare(
    snap: Snapshot,
    parsed: list[ParsedFile],
    usable: list[ParsedFile],
    plan: Plan,
    diff: PeopleDiff,
) -> None:
    """Fill the plan's classes, groups and subjects (see module docstring)."""
    complete = any(pf.structures_complete for pf in usable)
    wanted_classes = _merge(pf.classes for pf in parsed)
    wanted_groups = _merge(pf.groups for pf in parsed)
    # Codes that people of the import are put into must exist, even if no file lists them.
    for _, code in plan.class_add:
        wanted_classes.setdefault(code, StructureRecord(code, code))
    for _, code in plan.group_add:
        wanted_groups.setdefault(code, StructureRecord(code, code))
    for _, kind, code, _, _ in plan.teaching_add:
        target = wanted_classes if kind == "class" else wanted_groups
        target.setdefault(code, StructureRecord(code, code))
    _structures(snap.classes, wanted_classes, plan.classes, with_level=True)
    _structures(snap.groups, wanted_groups, plan.groups, with_level=False)
    if complete:
        remaining = _remaining(snap, plan, diff)
        plan.classes.retire = sorted(
            code
            for code, row in snap.classes.items()
            if not row["retired_at"]
            and code not in wanted_classes
            and not remaining.get(("class", code))
        )
        plan.groups.retire = sorted(
            code
            for code, row in snap.groups.items()
            if not row["retired_at"]
            and code not in wanted_groups
            and not remaining.get(("group", code))
        )
    _subjects(snap, parsed, plan)
    _cross_check(usable)


def _cross_check(usable: list[ParsedFile]) -> None:
    """SIECLE and STS should name the same classes and groups: report the codes that differ
    (the group codes are expected to match, which real files do not always do)."""
    students = next((pf for pf in usable if pf.kind == "siecle_eleves"), None)
    sts = next((pf for pf in usable if pf.kind == "sts"), None)
    if students is None or sts is None:
        return
    for what, mine, theirs in (
        ("classes", students.classes, sts.classes),
        ("groupes", students.groups, sts.groups),
    ):
        missing = sorted(set(mine) - set(theirs))
        if missing:
            sts.warn(
                N_(
                    "Ces %(what)s de SIECLE sont absents de STS-Web : %(missing)s. Leurs "
                    "élèves sont importés, mais aucun enseignant n'y est rattaché ; vérifiez les "
                    "codes dans les deux logiciels."
                ),
                what=what,
                missing=", ".join(missing),
            )


def _merge(maps) -> dict[str, StructureRecord]:
    """One record per code, preferring a real label and a level over a bare code."""
    out: dict[str, StructureRecord] = {}
    for found in maps:
        for code, rec in found.items():
            have = out.get(code)
            if have is None:
                out[code] = StructureRecord(rec.code, rec.name, rec.level)
                continue
            if rec.name and rec.name != code:
                have.name = rec.name
            if rec.level:
                have.level = rec.level
    return out


def _structures(
    have: dict[str, dict[str, Any]],
    wanted: dict[str, StructureRecord],
    out: StructureChanges,
    *,
    with_level: bool,
) -> None:
    for code in sorted(wanted):
        rec = wanted[code]
        row = have.get(code)
        if row is None:
            item: dict[str, str | None] = {"code": code, "name": rec.name or code}
            if with_level:
                item["level"] = rec.level
            out.create.append(item)
            continue
        if row["retired_at"]:
            out.reopen.append(code)
        fields = {}
        if rec.name and rec.name != code and rec.name != row["name"]:
            fields["name"] = [row["name"], rec.name]
        if with_level and rec.level and rec.level != row["level"]:
            fields["level"] = [row["level"], rec.level]
        if fields:
            out.update.append({"code": code, "fields": fields})


def _remaining(snap: Snapshot, plan: Plan, diff: PeopleDiff) -> dict[tuple[str, str], int]:
    """How many active people each class and group still has after the plan."""
    dropped = {("class", r, c) for r, c in plan.class_drop}
    dropped |= {("group", r, c) for r, c in plan.group_drop}
    dropped |= {(k, r, c) for r, _, k, c, _, _ in plan.teaching_drop}
    counts: dict[tuple[str, str], int] = {}

    def alive(pid: int) -> bool:
        if pid in diff.departing:
            return False
        return snap.persons[pid]["state"] == "active" or pid in diff.reactivated

    def count(kind: str, pid: int, code: str) -> None:
        if alive(pid) and (kind, f"p:{pid}", code) not in dropped:
            counts[(kind, code)] = counts.get((kind, code), 0) + 1

    for pid, codes in snap.class_of.items():
        for code in codes:
            count("class", pid, code)
    for pid, codes in snap.groups_of.items():
        for code in codes:
            count("group", pid, code)
    for pid, rows in snap.teaching_of.items():
        for kind, code, _, _ in rows:
            count(kind, pid, code)
    return counts


def _subjects(snap: Snapshot, parsed: list[ParsedFile], plan: Plan) -> None:
    merged: dict[str, tuple[str, str | None]] = {}
    for pf in parsed:
        merged.update(pf.subjects)
    for code in sorted(merged):
        name, short = merged[code]
        row = snap.subjects.get(code)
        if row is not None and name == code:
            continue  # a code missing from the nomenclature: keep the name we have
        if row is None:
            plan.subjects.append({"action": "create", "code": code, "name": name, "short": short})
        elif row["name"] != name or (short and row.get("short_name") != short):
            plan.subjects.append(
                {
                    "action": "update",
                    "code": code,
                    "name": name,
                    "short": short or row.get("short_name"),
                    "was": row["name"],
                }
            )
