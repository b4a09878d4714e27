"""The access policy: the one place that answers "may this person do this to that?".

Every view asks `may()` (through the `requires` decorator of the web UI); services that
act for a person ask it too. `route_access.py`, next to this module, is the table of what
every route answers to every profile; a test walks the app against it.

Rules ("besoin d'en connaître", arrêté ENT art. 4): a parent sees only their own children,
a teacher only their own classes, the technician runs the box. Staff see what their
function needs: vie scolaire (CPE) and direction the directory of students and their
guardians, the secretariat too (read-only: the directory has no write action for them).
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from appliance import features
from appliance.db import scalar

# Actions any logged-in person may do on themselves.
_SELF_ACTIONS = {
    "portal.home",
    "account.view",
    "account.password",
    "account.locale",
    "account.export",
}

# Actions by profile (no target needed): each feature declares its own in its entry of
# the manifest (`appliance/features.py`, `Feature.actions`).
_PROFILES = ("admin", "teacher", "staff", "relative", "student", "guest")
_BY_PROFILE: dict[str, set[str]] = {
    **{profile: set() for profile in _PROFILES},
    **features.actions_by_profile(),
}

# What staff may do by function: the STS-Web FONCTION codes (`person.function`, several
# joined by commas when a CSV file gives them) and the words a CSV file may use instead.
# The directory of students and guardians: every class and group, the students' logins,
# their guardians with their e-mail address (to reach a family); no account states, no
# technician's pages, no write action.
_STUDENTS_DIRECTORY = frozenset(
    {"directory.home", "directory.browse", "directory.guardians.view", "directory.logins.view"}
)
_BY_FUNCTION: dict[str, frozenset[str]] = {
    "EDU": _STUDENTS_DIRECTORY,  # vie scolaire: conseiller principal d'éducation
    "DIR": _STUDENTS_DIRECTORY,  # direction: chef d'établissement, adjoint
    "SEC": _STUDENTS_DIRECTORY,  # secrétariat (read-only)
    "ADM": _STUDENTS_DIRECTORY,  # administration (read-only)
    "ADF": _STUDENTS_DIRECTORY,  # STS-Web's administrative staff (read-only)
}
_FUNCTION_WORDS = {
    "CPE": "EDU",
    "VIE SCOLAIRE": "EDU",
    "DIRECTION": "DIR",
    "PRINCIPAL": "DIR",
    "PRINCIPAL ADJOINT": "DIR",
    "PROVISEUR": "DIR",
    "PROVISEUR ADJOINT": "DIR",
    "SECRETARIAT": "SEC",
    "ADMINISTRATION": "ADM",
}

# Actions on a class or a group (target: a dict with `kind` "class" or "group" and `id`).
_STRUCTURE_ACTIONS = {"directory.class.view", "directory.group.view"}

# Actions on a job of the queue (target: the job, `jobqueue.get`'s shape).
_JOB_ACTIONS = {"job.view", "job.result"}


def may(
    person: Mapping[str, Any] | None,
    action: str,
    target: Mapping[str, Any] | None = None,
    conn: sqlite3.Connection | None = None,
) -> bool:
    """True if `person` (a dict with at least id, profile, state) may do `action` to `target`.

    Targeted actions need `conn` to check links: `child.view` (target: a student) is
    allowed to the student's legal guardians; `person.reset_password` (target: a person)
    to the technician for anyone and to a teacher for a student of a class they teach;
    `directory.class.view` (target: a class) to the technician, to the teachers of the
    class and to its students; `directory.group.view` (target: a group) to the technician
    and to the teachers of the group; `job.view` (target: a job of the queue) to whoever
    asked for it and to whom its feature's "<kind's feature>.jobs.any" is given,
    `job.result` to whoever asked for it only.
    """
    if not person or person.get("state") == "disabled":
        return False
    profile = person.get("profile") or ""
    if action in _SELF_ACTIONS:
        return True
    if action in _BY_PROFILE.get(profile, set()):
        return True
    if profile == "staff" and action in function_actions(person.get("function")):
        return True
    if action == "child.view" and target is not None and conn is not None:
        return profile == "relative" and _is_guardian(conn, person["id"], target["id"])
    if action == "person.reset_password" and target is not None:
        if profile == "admin":
            return True
        if profile == "teacher" and conn is not None and target.get("profile") == "student":
            return _teaches(conn, person["id"], target["id"])
    if action in _STRUCTURE_ACTIONS and target is not None:
        return _may_see_structure(person, action, target, conn)
    if action in _JOB_ACTIONS and target is not None:
        return _may_follow_job(person, action, target)
    return False


def _may_follow_job(person: Mapping[str, Any], action: str, target: Mapping[str, Any]) -> bool:
    """`job.view` (follow, cancel): whoever asked for the job, and those whom its feature
    lets follow anyone's ("<feature>.jobs.any": the technician for the directory);
    `job.result` (take its file, e.g. slips with passwords): only whoever asked."""
    if target.get("actor_id") is not None and target.get("actor_id") == person.get("id"):
        return True
    feature = str(target.get("kind") or "").split(".", 1)[0]
    return action == "job.view" and bool(feature) and may(person, f"{feature}.jobs.any")


def _may_see_structure(
    person: Mapping[str, Any],
    action: str,
    target: Mapping[str, Any],
    conn: sqlite3.Connection | None,
) -> bool:
    kind = "class" if action == "directory.class.view" else "group"
    if target.get("kind", kind) != kind:
        return False
    if person.get("profile") == "admin" or may(person, "directory.browse"):
        return True
    if conn is None:
        return False
    column = "class_id" if kind == "class" else "group_id"
    if person.get("profile") == "teacher":
        return bool(
            scalar(
                conn,
                f"SELECT 1 FROM teaching WHERE teacher_id = ? AND {column} = ?",
                (person["id"], target["id"]),
            )
        )
    if person.get("profile") == "student" and kind == "class":
        return bool(
            scalar(
                conn,
                "SELECT 1 FROM class_membership WHERE person_id = ? AND class_id = ?",
                (person["id"], target["id"]),
            )
        )
    return False


@lru_cache(maxsize=512)
def function_actions(function: str | None) -> frozenset[str]:
    """The actions a staff member's function(s) give: "EDU", "CPE, DIR" or "Vie scolaire"."""
    found: set[str] = set()
    for word in (function or "").replace("/", ",").replace(";", ",").split(","):
        norm = unicodedata.normalize("NFKD", word.strip().upper())
        code = "".join(c for c in norm if not unicodedata.combining(c)).replace("-", " ")
        found |= _BY_FUNCTION.get(_FUNCTION_WORDS.get(code, code), frozenset())
    return frozenset(found)


def _is_guardian(conn: sqlite3.Connection, guardian_id: int, student_id: int) -> bool:
    return bool(
        scalar(
            conn,
            "SELECT 1 FROM guardian_link WHERE guardian_id = ? AND student_id = ? AND level = 1",
            (guardian_id, student_id),
        )
    )


def _teaches(conn: sqlite3.Connection, teacher_id: int, student_id: int) -> bool:
    return bool(
        scalar(
            conn,
            "SELECT 1 FROM teaching t JOIN class_membership m ON m.class_id = t.class_id "
            "WHERE t.teacher_id = ? AND m.person_id = ? UNION "
            "SELECT 1 FROM teaching t JOIN group_membership g ON g.group_id = t.group_id "
            "WHERE t.teacher_id = ? AND g.person_id = ?",
            (teacher_id, student_id, teacher_id, student_id),
        )
    )


def totp_required(person: Mapping[str, Any], admin_totp_required: bool) -> bool:
    """True when the person must enrol TOTP before using the portal (admins, by default)."""
    return (
        admin_totp_required and person.get("profile") == "admin" and not person.get("totp_enabled")
    )
