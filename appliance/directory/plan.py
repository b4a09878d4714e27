"""What an import would do: the `Plan`, its counts and its JSON form.

A plan is computed by `reconcile.plan` and carried out by `reconcile.apply`. People are
referred to by a `ref`: `p:<id>` for someone already in the directory, `k:<source>:<value>`
for someone the apply will create. Relations (memberships, links, teaching) are listed as
differences to apply, so that applying an up-to-date plan a second time has nothing to do.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from appliance.directory.imports.records import ERROR, WARNING, ExternalKey, Problem

COUNTED_PROFILES = ("student", "relative", "teacher", "staff", "guest")
ACTIONS = ("add", "update", "unchanged", "reactivate", "depart")


@dataclass(slots=True)
class PersonChange:
    """One person and what happens to them.

    `action` is add, update, unchanged, reactivate or depart. `fields` maps a field name
    to [old, new] (for an add, old is None). `new_ids` are external ids to record.
    """

    action: str
    profile: str
    ref: str
    first_name: str
    last_name: str
    login: str | None = None
    person_id: int | None = None
    key: ExternalKey | None = None
    fields: dict[str, list[Any]] = field(default_factory=dict)
    new_ids: list[ExternalKey] = field(default_factory=list)
    class_from: str | None = None
    class_to: str | None = None
    moved: bool = False
    departed_on: str | None = None
    reason: str | None = None
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ref": self.ref,
            "profile": self.profile,
            "login": self.login,
            "first_name": self.first_name,
            "last_name": self.last_name,
        }
        if self.fields:
            out["fields"] = self.fields
        if self.new_ids:
            out["new_ids"] = [f"{s}:{v}" for s, v in self.new_ids]
        if self.class_from or self.class_to:
            out["class_from"], out["class_to"] = self.class_from, self.class_to
        if self.departed_on:
            out["departed_on"] = self.departed_on
        if self.reason:
            out["reason"] = self.reason
        if self.file:
            out["file"], out["line"] = self.file, self.line
        return out


@dataclass
class StructureChanges:
    """Classes or groups to create, update (name, level), reopen and retire."""

    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    reopen: list[str] = field(default_factory=list)
    retire: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "create": self.create,
            "update": self.update,
            "reopen": self.reopen,
            "retire": self.retire,
        }


@dataclass
class Plan:
    """Everything an import would change, and every problem found on the way."""

    today: date
    full: bool
    school_year: int
    fingerprint: str
    files: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    people: list[PersonChange] = field(default_factory=list)
    classes: StructureChanges = field(default_factory=StructureChanges)
    groups: StructureChanges = field(default_factory=StructureChanges)
    subjects: list[dict[str, Any]] = field(default_factory=list)
    class_add: list[tuple[str, str]] = field(default_factory=list)
    class_drop: list[tuple[str, str]] = field(default_factory=list)
    group_add: list[tuple[str, str]] = field(default_factory=list)
    group_drop: list[tuple[str, str]] = field(default_factory=list)
    link_add: list[tuple[str, str, str | None]] = field(default_factory=list)
    link_drop: list[tuple[str, str]] = field(default_factory=list)
    teaching_add: list[tuple[str, str, str, str | None, int]] = field(default_factory=list)
    teaching_drop: list[tuple[str, int, str, str, str | None, int]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def applicable(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return bool(
            any(c.action != "unchanged" for c in self.people)
            or self.class_add
            or self.class_drop
            or self.group_add
            or self.group_drop
            or self.link_add
            or self.link_drop
            or self.teaching_add
            or self.teaching_drop
            or self.subjects
            or any(self.classes.to_json().values())
            or any(self.groups.to_json().values())
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """Per profile: add, update, unchanged, reactivate, depart, and move (class moves,
        also counted in update or reactivate)."""
        out = {p: {a: 0 for a in (*ACTIONS, "move")} for p in COUNTED_PROFILES}
        for c in self.people:
            bucket = out.setdefault(c.profile, {a: 0 for a in (*ACTIONS, "move")})
            bucket[c.action] += 1
            if c.moved:
                bucket["move"] += 1
        return out

    def summary(self) -> list[str]:
        """The plan in a few plain French sentences, counts first (for the CLI and the
        preview page): what will be created, changed, moved, reactivated, departed."""
        words = {
            "student": "élève(s)",
            "relative": "parent(s)",
            "teacher": "enseignant(s)",
            "staff": "personnel(s)",
            "guest": "invité(s)",
        }
        verbs = {
            "add": "à créer",
            "update": "à mettre à jour",
            "move": "changent de classe",
            "reactivate": "à réactiver (revenus avant la suppression de leurs données)",
            "depart": "partent (connexion encore possible pendant le délai de grâce)",
        }
        out = []
        for profile, counts in self.counts().items():
            for action, verb in verbs.items():
                if counts.get(action):
                    out.append(f"{counts[action]} {words.get(profile, profile)} {verb}.")
        for what, changes in (("classe(s)", self.classes), ("groupe(s)", self.groups)):
            if changes.create:
                out.append(f"{len(changes.create)} {what} à créer.")
            if changes.reopen:
                out.append(f"{len(changes.reopen)} {what} à rouvrir : {', '.join(changes.reopen)}.")
            if changes.retire:
                out.append(f"{len(changes.retire)} {what} à retirer : {', '.join(changes.retire)}.")
        if self.link_add or self.link_drop:
            out.append(
                f"Liens parent-enfant : {len(self.link_add)} à ajouter, "
                f"{len(self.link_drop)} à retirer."
            )
        if not self.has_changes:
            out.append("Rien ne change : l'annuaire est déjà à jour.")
        if self.errors:
            out.append(f"{len(self.errors)} erreur(s) : rien ne sera importé.")
        elif self.warnings:
            out.append(f"{len(self.warnings)} avertissement(s) à lire ; l'import reste possible.")
        return out

    def label(self, ref: str) -> str:
        """'Prénom NOM (login)' for a ref, for the JSON details (the ref itself for someone
        the plan does not list)."""
        if not self.labels:  # built on first use: a big plan is often applied unread
            self.labels = {
                c.ref: f"{f'{c.first_name} {c.last_name}'.strip()} ({c.login})" for c in self.people
            }
        return self.labels.get(ref, ref)

    def to_json(self) -> dict[str, Any]:
        """The plan as one JSON-ready dict: counts first, then problems, then details."""
        out = {
            "applicable": self.applicable,
            "has_changes": self.has_changes,
            "exit_code": exit_code(self),
            "today": self.today.isoformat(),
            "school_year": self.school_year,
            "full": self.full,
            "counts": self.counts(),
            "problems": [p.to_json() for p in self.problems],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "files": self.files,
            "skipped": self.skipped,
            "summary": self.summary(),
            **self._details(),
        }
        out["digest"] = digest(out)
        return out

    def _details(self) -> dict[str, Any]:
        by_action: dict[str, list[dict[str, Any]]] = {a: [] for a in ACTIONS if a != "unchanged"}
        for c in self.people:
            if c.action != "unchanged":
                by_action[c.action].append(c.to_json())
        moves = [
            {"login": c.login, "name": f"{c.first_name} {c.last_name}",
             "from": c.class_from, "to": c.class_to}
            for c in self.people
            if c.moved
        ]  # fmt: skip

        def link(g: str, s: str) -> dict[str, str]:
            return {"guardian": self.label(g), "student": self.label(s)}

        def teach(r: str, k: str, c: str, s: str | None, h: int) -> dict[str, Any]:
            return {"teacher": self.label(r), "kind": k, "code": c, "subject": s,
                    "head_teacher": bool(h)}  # fmt: skip

        return {
            "people": by_action,
            "moves": moves,
            "classes": self.classes.to_json(),
            "groups": self.groups.to_json(),
            "subjects": self.subjects,
            "guardian_links": {
                "add": [link(g, s) for g, s, _ in self.link_add],
                "drop": [link(g, s) for g, s in self.link_drop],
            },
            "teaching": {
                "add": [teach(*t) for t in self.teaching_add],
                "drop": [teach(r, k, c, s, h) for r, _, k, c, s, h in self.teaching_drop],
            },
            "memberships": {
                "class_add": len(self.class_add),
                "class_drop": len(self.class_drop),
                "group_add": len(self.group_add),
                "group_drop": len(self.group_drop),
            },
        }


def digest(plan_json: dict[str, Any]) -> str:
    """A short digest of a plan's JSON (without its own digest): the web UI shows a plan,
    then at apply time re-plans from the same files and checks the digest is the same."""
    body = {k: v for k, v in plan_json.items() if k != "digest"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:16]


def exit_code(plan: Plan) -> int:
    """0 when the plan can be applied (or was), 1 when it has errors.

    (2, a file that can't be read at all, is `UnreadableFile.exit_code`: no plan exists.)
    """
    return 0 if plan.applicable else 1
