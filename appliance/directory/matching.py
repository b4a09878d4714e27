"""The heart of import planning: match records with people, compute what changes for each.

Used by `reconcile.plan`. Order matters: students, staff and guests are matched first, so
that the set of current students is known when deciding which guardians get an account;
then guardians are matched; then the people the complete files no longer list depart;
then classes, groups and subjects are compared (`structures`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from appliance.directory import guardians, structures
from appliance.directory.imports.records import (
    ExternalKey,
    ParsedFile,
    PersonRecord,
    key_text,
)
from appliance.directory.logins import allocate, fold
from appliance.directory.peoplediff import PeopleDiff
from appliance.directory.plan import Plan
from appliance.directory.snapshot import Snapshot, name_key
from appliance.i18n import N_


class Matcher:
    """Fills a Plan from parsed files and a directory snapshot (see module docstring)."""

    def __init__(self, snap: Snapshot, parsed: list[ParsedFile], plan: Plan, today: date):
        self.snap, self.parsed, self.plan, self.today = snap, parsed, plan, today
        self.file_of: dict[int, ParsedFile] = {}
        self.claimed: dict[int, PersonRecord] = {}
        self.pid_of: dict[int, int | None] = {}  # id(record) -> person id or None (new)
        self.ref_by_key: dict[ExternalKey, str] = {}
        self.record_by_ref: dict[str, PersonRecord] = {}
        self.student_keys: set[ExternalKey] = set()
        self.rejected: set[int] = set()
        self.taken = set(snap.logins)
        self.diff = PeopleDiff(snap, plan, today)

    # --- orchestration ------------------------------------------------------------------

    def run(self) -> None:
        usable = [pf for pf in self.parsed if not pf.has_errors]
        first_wave: list[PersonRecord] = []
        csv_relatives: list[PersonRecord] = []
        for pf in self.parsed:
            for rec in pf.people:
                self.file_of[id(rec)] = pf
                if rec.profile == "relative" and pf.kind == "siecle_responsables":
                    continue
                (csv_relatives if rec.profile == "relative" else first_wave).append(rec)
        self._check_duplicates(first_wave + csv_relatives + self._siecle_relatives())
        self.student_keys = {k for r in first_wave if r.profile == "student" for k in r.ids}
        for rec in first_wave:
            self._match(rec)
        scopes = set().union(*(pf.complete_for for pf in usable)) if usable else set()
        present = self._present_only(usable)
        student_scopes = {s for s in scopes if s[1] == "student"}
        departing_students = self._departures(student_scopes, present)
        relatives = []
        for pf in self.parsed:
            if pf.kind == "siecle_responsables":
                relatives += guardians.siecle_accounts(pf, self._current_student, self._known)
                pf.guardian_links = []  # used up: free them before the plan grows
        relatives += guardians.csv_accounts(csv_relatives, self._current_student, self._pf)
        for rec in relatives:
            self._match(rec)
        other_scopes = scopes - student_scopes
        departing = departing_students | self._departures(other_scopes, present)
        records = [r for r in first_wave + relatives if id(r) not in self.rejected]
        self._warn_homonyms(records)
        for rec in records:
            self._plan_record(rec)
        for pid in sorted(departing):
            self.diff.depart(pid, self.today, "absent du fichier complet")
        self.diff.depart_orphan_relatives(set(self.claimed))
        structures.compare(self.snap, self.parsed, usable, self.plan, self.diff)

    def _pf(self, rec: PersonRecord) -> ParsedFile:
        return self.file_of[id(rec)]

    def _siecle_relatives(self) -> list[PersonRecord]:
        return [r for pf in self.parsed if pf.kind == "siecle_responsables" for r in pf.people]

    # --- matching -------------------------------------------------------------------

    def _check_duplicates(self, records: list[PersonRecord]) -> None:
        owner: dict[ExternalKey, PersonRecord] = {}
        for rec in records:
            for key in rec.ids:
                other = owner.get(key)
                if other is None:
                    owner[key] = rec
                elif other is not rec and self._pf(other) is not self._pf(rec):
                    self._pf(rec).error(
                        N_(
                            "%(key_text)s (%(name)s) est aussi dans %(file)s "
                            "(ligne %(line_no)s) : une personne ne doit venir que d'un fichier."
                        ),
                        rec.line,
                        key_text=key_text(key),
                        name=rec.label(),
                        file=other.file,
                        line_no=other.line,
                    )
                    self.rejected.add(id(rec))
                elif other is not rec and key[0] == "ine":
                    self._pf(rec).error(
                        N_(
                            "L'INE %(key)s est donné à deux élèves (%(other)s ligne "
                            "%(line_no)s, %(name)s) : corrigez-le dans SIECLE."
                        ),
                        rec.line,
                        key=key[1],
                        other=other.label(),
                        line_no=other.line,
                        name=rec.label(),
                    )
                    self.rejected.add(id(rec))

    def _match(self, rec: PersonRecord) -> None:
        if id(rec) in self.rejected:
            return
        pf = self._pf(rec)
        found = {self.snap.ext[k] for k in rec.ids if k in self.snap.ext}
        pid = None
        if len(found) > 1:
            logins = ", ".join(sorted(self.snap.persons[p]["login"] for p in found))
            pf.error(
                N_(
                    "Les identifiants de %(name)s désignent plusieurs comptes de l'annuaire "
                    "(%(logins)s) : corrigez les identifiants avant d'importer."
                ),
                rec.line,
                name=rec.label(),
                logins=logins,
            )
            self.rejected.add(id(rec))
            return
        if found:
            pid = found.pop()
        elif rec.birth_date:
            pid = self._match_by_name(rec, pf)
        if pid is not None and pid in self.claimed:
            other = self.claimed[pid]
            pf.error(
                N_(
                    "%(name)s et %(other)s (%(file)s, ligne %(line_no)s) désignent "
                    "le même compte « %(login)s »."
                ),
                rec.line,
                name=rec.label(),
                other=other.label(),
                file=other.file,
                line_no=other.line,
                login=self.snap.persons[pid]["login"],
            )
            self.rejected.add(id(rec))
            return
        if pid is not None and not self._profile_ok(rec, pid, pf):
            self.rejected.add(id(rec))
            return
        if pid is not None:
            self.claimed[pid] = rec
        self.pid_of[id(rec)] = pid
        ref = f"p:{pid}" if pid is not None else f"k:{rec.key[0]}:{rec.key[1]}"
        self.record_by_ref[ref] = rec
        for key in rec.ids:
            self.ref_by_key[key] = ref

    def _match_by_name(self, rec: PersonRecord, pf: ParsedFile) -> int | None:
        key = name_key(rec.profile, rec.last_name, rec.first_name, rec.birth_date or "")
        candidates = [
            pid
            for pid in self.snap.by_name.get(key, [])
            if pid not in self.claimed
            and not any(src == rec.key[0] for src, _ in self.snap.ids_of.get(pid, []))
        ]
        if len(candidates) == 1:
            pf.warn(
                N_(
                    "%(name)s a été reconnu par son nom et sa date de naissance (compte "
                    "« %(login)s ») : son identifiant "
                    "%(key_text)s y est ajouté."
                ),
                rec.line,
                name=rec.label(),
                login=self.snap.persons[candidates[0]]["login"],
                key_text=key_text(rec.key),
            )
            return candidates[0]
        if len(candidates) > 1:
            pf.warn(
                N_(
                    "%(name)s : plusieurs comptes de l'annuaire ont ce nom et cette date de "
                    "naissance ; un nouveau compte est créé. Vérifiez qu'il ne fait pas doublon."
                ),
                rec.line,
                name=rec.label(),
            )
        return None

    def _profile_ok(self, rec: PersonRecord, pid: int, pf: ParsedFile) -> bool:
        have = self.snap.persons[pid]["profile"]
        if have == rec.profile or {have, rec.profile} <= {"teacher", "staff"}:
            return True
        pf.error(
            N_(
                "%(name)s (%(key_text)s) est « %(have)s » dans l'annuaire mais "
                "« %(profile)s » dans le fichier : un compte ne change pas de profil par import."
            ),
            rec.line,
            name=rec.label(),
            key_text=key_text(rec.key),
            have=have,
            profile=rec.profile,
        )
        return False

    # --- current students, departures --------------------------------------------------

    def _current_student(self, key: ExternalKey) -> str | None:
        ref = self.ref_by_key.get(key)
        if ref is not None:
            rec = self.record_by_ref[ref]
            ok = rec.current and rec.profile == "student" and id(rec) not in self.rejected
            return ref if ok else None
        pid = self.snap.ext.get(key)
        if pid is None:
            return None
        person = self.snap.persons[pid]
        if person["profile"] != "student" or person["state"] != "active":
            return None
        return None if pid in self.diff.departing else f"p:{pid}"

    def _known(self, key: ExternalKey) -> bool:
        return key in self.student_keys or key in self.snap.ext

    def _present_only(self, usable: list[ParsedFile]) -> set[int]:
        keys = set().union(*(pf.present_only for pf in usable)) if usable else set()
        return {self.snap.ext[k] for k in keys if k in self.snap.ext}

    def _departures(self, scopes: set[tuple[str, str]], present: set[int]) -> set[int]:
        out = set()
        for pid, person in self.snap.persons.items():
            if person["state"] != "active" or pid in self.claimed or pid in present:
                continue
            if person["profile"] == "admin":
                continue
            for source, profile in scopes:
                if person["profile"] != profile:
                    continue
                if source == "csv":
                    hit = not self.snap.managed_by_national_files(pid)
                else:
                    hit = any(s == source for s, _ in self.snap.ids_of.get(pid, []))
                if hit:
                    out.add(pid)
                    break
        self.diff.departing |= out
        return out

    def _warn_homonyms(self, records: list[PersonRecord]) -> None:
        groups: dict[tuple, list[PersonRecord]] = defaultdict(list)
        for rec in records:
            if rec.current:
                groups[(rec.profile, fold(rec.last_name), fold(rec.first_name))].append(rec)
        for same in groups.values():
            if len(same) > 1:
                where = ", ".join(
                    f"{key_text(r.key)}" + (f" en {r.class_code}" if r.class_code else "")
                    for r in same
                )
                self._pf(same[-1]).warn(
                    N_(
                        "Homonymes : %(count)s personnes s'appellent %(name)s (%(where)s). "
                        "Elles ont des comptes distincts (identifiants suffixés) : vérifiez qu'il "
                        "ne "
                        "s'agit pas d'un doublon."
                    ),
                    same[-1].line,
                    count=len(same),
                    name=same[0].label(),
                    where=where,
                )

    # --- per-record plan ----------------------------------------------------------------

    def _plan_record(self, rec: PersonRecord) -> None:
        pid = self.pid_of.get(id(rec))
        pf = self._pf(rec)
        additive = pf.kind == "csv" and not self.plan.full
        if pid is None:
            if not rec.current:
                self.plan.skipped["students_left_not_in_directory"] = (
                    self.plan.skipped.get("students_left_not_in_directory", 0) + 1
                )
                return
            if rec.profile == "relative" and not rec.children:
                pf.warn(
                    N_("%(name)s n'a aucun enfant scolarisé : pas de compte parent."),
                    rec.line,
                    name=rec.label(),
                )
                return
            fallback = "eleve" if rec.profile == "student" else "utilisateur"
            login = allocate(rec.first_name, rec.last_name, self.taken, fallback=fallback)
            self.diff.add(rec, login, self._child_refs(rec))
            return
        self.diff.existing(rec, pid, self._child_refs(rec), additive=additive, pf=pf)

    def _child_refs(self, rec: PersonRecord) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        for key in rec.children:
            ref = self.ref_by_key.get(key) or (
                f"p:{self.snap.ext[key]}" if key in self.snap.ext else None
            )
            if ref is not None and ref not in [r for r, _ in out]:
                out.append((ref, rec.relationship.get(key) or None))
        return out
