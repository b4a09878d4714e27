"""For one person: which fields, memberships, links and teaching assignments change.

`PeopleDiff` writes into the Plan: a `PersonChange` per person, and the relation
differences (class and group memberships, guardian links, teaching rows) keyed by refs
(`p:<id>` for existing people, `k:<source>:<value>` for people to create).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from appliance.directory.imports.records import ParsedFile, PersonRecord
from appliance.directory.plan import PersonChange, Plan
from appliance.directory.snapshot import Snapshot, TeachingKey
from appliance.i18n import N_

# Fields a file may set; an empty value in a file never erases what the directory holds.
_FIELDS = ("first_name", "last_name", "birth_date", "email", "function", "expires_on")


class PeopleDiff:
    """See module docstring; `departing` holds the ids of people the plan marks departed."""

    def __init__(self, snap: Snapshot, plan: Plan, today: date):
        self.snap, self.plan, self.today = snap, plan, today
        self.departing: set[int] = set()
        self.reactivated: set[int] = set()

    # --- new people ---------------------------------------------------------------------

    def add(self, rec: PersonRecord, login: str, children: list[tuple[str, str | None]]) -> None:
        """Plan the creation of a person with the given login."""
        ref = f"k:{rec.key[0]}:{rec.key[1]}"
        fields = {f: [None, getattr(rec, f)] for f in _FIELDS if getattr(rec, f)}
        change = PersonChange(
            action="add",
            profile=rec.profile,
            ref=ref,
            first_name=rec.first_name,
            last_name=rec.last_name,
            login=login,
            key=rec.key,
            fields=fields,
            new_ids=list(rec.ids),
            class_to=rec.class_code,
            file=rec.file,
            line=rec.line,
        )
        self._relations(rec, ref, set(), set(), {}, set(), children, additive=False)
        self.plan.people.append(change)

    # --- people already in the directory -------------------------------------------------

    def existing(
        self,
        rec: PersonRecord,
        pid: int,
        children: list[tuple[str, str | None]],
        *,
        additive: bool,
        pf: ParsedFile,
    ) -> None:
        """Plan the changes for a record matched with person `pid`."""
        person = self.snap.persons[pid]
        ref = f"p:{pid}"
        change = PersonChange(
            action="unchanged",
            profile=person["profile"],
            ref=ref,
            first_name=person["first_name"],
            last_name=person["last_name"],
            login=person["login"],
            person_id=pid,
            key=rec.key,
            file=rec.file,
            line=rec.line,
        )
        if not rec.current:
            if person["state"] == "active":
                change.action = "depart"
                change.departed_on = (rec.left_on or self.today).isoformat()
                change.reason = "date de sortie passée (DATE_SORTIE)"
                self.departing.add(pid)
            self.plan.people.append(change)
            return
        change.fields = self._field_changes(rec, person)
        change.new_ids = [k for k in rec.ids if k not in self.snap.ext]
        before = self._relation_count()
        moved = self._relations(
            rec,
            ref,
            self.snap.class_of.get(pid, set()),
            self.snap.groups_of.get(pid, set()),
            self.snap.teaching_of.get(pid, {}),
            {f"p:{c}" for c in self.snap.children_of.get(pid, set())},
            children,
            additive=additive,
        )
        relations_changed = self._relation_count() != before
        if moved is not None:
            change.moved = True
            change.class_from, change.class_to = moved
        if person["state"] != "active":
            if person["departed_on"]:
                change.action = "reactivate"
                self.reactivated.add(pid)
            else:
                pf.warn(
                    N_(
                        "Le compte « %(login)s » (%(name)s) a été désactivé à la main : "
                        "il reste désactivé (réactivez-le depuis l'annuaire si besoin)."
                    ),
                    rec.line,
                    login=person["login"],
                    name=rec.label(),
                )
        if change.action == "unchanged" and (change.fields or change.new_ids or relations_changed):
            change.action = "update"
        self.plan.people.append(change)

    def _field_changes(self, rec: PersonRecord, person: dict[str, Any]) -> dict[str, list]:
        out: dict[str, list] = {}
        for f in _FIELDS:
            new = getattr(rec, f)
            if new and new != person[f]:
                out[f] = [person[f], new]
        if rec.profile != person["profile"]:
            out["profile"] = [person["profile"], rec.profile]
        return out

    def _relation_count(self) -> int:
        p = self.plan
        lists: tuple[list, ...] = (p.class_add, p.class_drop, p.group_add, p.group_drop)
        lists += (p.link_add, p.link_drop, p.teaching_add, p.teaching_drop)
        return sum(len(x) for x in lists)

    def _relations(
        self,
        rec: PersonRecord,
        ref: str,
        classes: set[str],
        groups: set[str],
        teaching: dict[TeachingKey, int],
        current_children: set[str],
        children: list[tuple[str, str | None]],
        *,
        additive: bool,
    ) -> tuple[str | None, str | None] | None:
        """Add the relation differences of one person; return (from, to) on a class move."""
        moved = None
        if rec.sets_class:
            want = {rec.class_code} if rec.class_code else set()
            for code in sorted(classes - want):
                self.plan.class_drop.append((ref, code))
            for code in sorted(want - classes):
                self.plan.class_add.append((ref, code))
            if want != classes and ref.startswith("p:") and rec.profile == "student":
                moved = (", ".join(sorted(classes)) or None, rec.class_code)
        if rec.sets_groups:
            want = set(rec.groups)
            for code in sorted(groups - want):
                self.plan.group_drop.append((ref, code))
            for code in sorted(want - groups):
                self.plan.group_add.append((ref, code))
        if rec.sets_teaching:
            self._teaching(rec, ref, teaching, additive)
        if rec.sets_children or children:
            want_children = {r for r, _ in children}
            for child, relationship in children:
                if child not in current_children:
                    self.plan.link_add.append((ref, child, relationship))
            if not additive and rec.sets_children:
                for child in sorted(current_children - want_children):
                    self.plan.link_drop.append((ref, child))
        return moved

    def _teaching(
        self, rec: PersonRecord, ref: str, have: dict[TeachingKey, int], additive: bool
    ) -> None:
        want: set[TeachingKey] = {(k, c, s, 0) for k, c, s in rec.teaches}
        want |= {("class", c, None, 1) for c in rec.head_of}
        if additive:
            taught = {(k, c, h) for k, c, _, h in have}
            for k, c, s, h in sorted(want, key=_tkey):
                if (k, c, h) not in taught:
                    self.plan.teaching_add.append((ref, k, c, s, h))
            return
        for key in sorted(set(have) - want, key=_tkey):
            self.plan.teaching_drop.append((ref, have[key], *key))
        for k, c, s, h in sorted(want - set(have), key=_tkey):
            self.plan.teaching_add.append((ref, k, c, s, h))

    # --- departures ---------------------------------------------------------------------

    def depart(self, pid: int, on: date, reason: str) -> None:
        """Plan the departure of person `pid` (no longer in a complete list) on date `on`."""
        person = self.snap.persons[pid]
        self.departing.add(pid)
        ref = f"p:{pid}"
        self.plan.people.append(
            PersonChange(
                action="depart",
                profile=person["profile"],
                ref=ref,
                first_name=person["first_name"],
                last_name=person["last_name"],
                login=person["login"],
                person_id=pid,
                departed_on=on.isoformat(),
                reason=reason,
                class_from=", ".join(sorted(self.snap.class_of.get(pid, set()))) or None,
            )
        )

    def depart_orphan_relatives(self, claimed: set[int]) -> None:
        """Depart active relatives left with no current child (all their children depart
        or have left) whom no file of this import lists."""
        for pid, kids in self.snap.children_of.items():
            person = self.snap.persons[pid]
            if person["profile"] != "relative" or person["state"] != "active":
                continue
            if pid in claimed or pid in self.departing or not kids:
                continue
            if all(self._gone(k) for k in kids):
                self.depart(pid, self.today, "plus aucun enfant scolarisé")

    def _gone(self, student_id: int) -> bool:
        if student_id in self.departing:
            return True
        if student_id in self.reactivated:
            return False
        return self.snap.persons[student_id]["state"] != "active"


def _tkey(t: tuple) -> tuple:
    return tuple("" if x is None else str(x) for x in t)
