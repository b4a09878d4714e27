"""A read-only picture of the directory, as the import planner needs it.

One pass over each table builds the indexes the planner looks things up in: people by
external id and by name + birth date, memberships, teaching assignments, guardian links,
logins in use. `fingerprint` changes whenever any of these change, so an apply can refuse
a plan made on a directory that has changed since.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from appliance.db import rows
from appliance.directory.logins import fold

NATIONAL_SOURCES = ("siecle_eleve", "siecle_personne", "sts", "ine")
# Sources whose files are complete lists: people keyed by them are theirs to depart, and a
# "full" CSV leaves them alone (an INE alone does not make a person SIECLE's).
MANAGED_SOURCES = ("siecle_eleve", "siecle_personne", "sts")

TeachingKey = tuple[str, str, str | None, int]  # (kind, code, subject, head_teacher)


@dataclass
class Snapshot:
    """The directory at one moment; see the module docstring."""

    persons: dict[int, dict[str, Any]] = field(default_factory=dict)
    ext: dict[tuple[str, str], int] = field(default_factory=dict)
    ids_of: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    classes: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)
    class_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    groups_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    teaching_of: dict[int, dict[TeachingKey, int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    children_of: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    logins: set[str] = field(default_factory=set)
    by_name: dict[tuple[str, str, str, str], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    fingerprint: str = ""

    def managed_by_national_files(self, person_id: int) -> bool:
        return any(src in MANAGED_SOURCES for src, _ in self.ids_of.get(person_id, []))


def name_key(profile: str, last_name: str, first_name: str, birth_date: str) -> tuple:
    """Key for the name + birth date fallback match."""
    return (profile, fold(last_name), fold(first_name), birth_date)


def load(conn: sqlite3.Connection) -> Snapshot:
    """Read the directory into a Snapshot."""
    snap = Snapshot()
    for p in rows(
        conn,
        "SELECT id, login, profile, state, first_name, last_name, birth_date, email, function, "
        "expires_on, departed_on, disabled_on FROM person",
    ):
        snap.persons[p["id"]] = p
        snap.logins.add(p["login"])
        if p["birth_date"]:
            key = name_key(p["profile"], p["last_name"], p["first_name"], p["birth_date"])
            snap.by_name[key].append(p["id"])
    snap.logins |= {r["login"] for r in rows(conn, "SELECT login FROM retired_login")}
    for r in rows(conn, "SELECT person_id, source, value FROM external_id"):
        snap.ext[(r["source"], r["value"])] = r["person_id"]
        snap.ids_of[r["person_id"]].append((r["source"], r["value"]))
    snap.classes = {r["code"]: r for r in rows(conn, "SELECT * FROM school_class")}
    snap.groups = {r["code"]: r for r in rows(conn, "SELECT * FROM teaching_group")}
    snap.subjects = {r["code"]: r for r in rows(conn, "SELECT * FROM subject")}
    for r in rows(
        conn,
        "SELECT m.person_id, c.code FROM class_membership m "
        "JOIN school_class c ON c.id = m.class_id",
    ):
        snap.class_of[r["person_id"]].add(r["code"])
    for r in rows(
        conn,
        "SELECT m.person_id, g.code FROM group_membership m "
        "JOIN teaching_group g ON g.id = m.group_id",
    ):
        snap.groups_of[r["person_id"]].add(r["code"])
    for r in rows(
        conn,
        "SELECT t.id, t.teacher_id, t.subject_code, t.head_teacher, c.code AS class_code, "
        "g.code AS group_code FROM teaching t LEFT JOIN school_class c ON c.id = t.class_id "
        "LEFT JOIN teaching_group g ON g.id = t.group_id",
    ):
        kind, code = ("class", r["class_code"]) if r["class_code"] else ("group", r["group_code"])
        key = (kind, code, r["subject_code"], r["head_teacher"])
        snap.teaching_of[r["teacher_id"]][key] = r["id"]
    for r in rows(conn, "SELECT guardian_id, student_id FROM guardian_link"):
        snap.children_of[r["guardian_id"]].add(r["student_id"])
    snap.fingerprint = fingerprint(conn)
    return snap


def fingerprint(conn: sqlite3.Connection) -> str:
    """A short digest that changes whenever the directory's people or links change."""
    parts = []
    for sql in (
        "SELECT count(*), coalesce(max(id), 0), coalesce(max(updated_at), '') FROM person",
        "SELECT count(*), group_concat(state, '') FROM (SELECT state FROM person ORDER BY id)",
        "SELECT count(*), coalesce(sum(person_id), 0) FROM external_id",
        "SELECT count(*), coalesce(sum(length(retired_at)), 0) FROM school_class",
        "SELECT count(*), coalesce(sum(length(retired_at)), 0) FROM teaching_group",
        "SELECT count(*), coalesce(sum(person_id * class_id), 0) FROM class_membership",
        "SELECT count(*), coalesce(sum(person_id * group_id), 0) FROM group_membership",
        "SELECT count(*), coalesce(sum(guardian_id * student_id), 0) FROM guardian_link",
        "SELECT count(*), coalesce(max(id), 0) FROM teaching",
        "SELECT count(*) FROM retired_login",
        "SELECT count(*) FROM subject",
    ):
        parts.append(repr(tuple(conn.execute(sql).fetchone())))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
