"""Credentials slips: who gets one, new initial passwords, and the PDF to hand out.

Plain passwords are never stored, so printing a slip means issuing a new initial password
(to be changed at first login). Slips are grouped by class: the students of a class, then
their parents (a parent with children in several classes appears once, under the first
class), so a teacher can hand them out; then teachers, staff and guests.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from appliance import labels
from appliance.db import now_iso, rows, transaction
from appliance.directory import history
from appliance.directory.apply import hash_many
from appliance.directory.people import PROFILES
from appliance.directory.slips_pdf import render_pdf
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security import sessions
from appliance.security.passwords import generate_initial_password

SECTION_ORDER = {"student": 0, "relative": 1, "teacher": 2, "staff": 3, "guest": 4}
PROFILE_NAMES = {"teacher": "Enseignant", "staff": "Personnel", "guest": "Invité"}
SECTION_TITLES = {
    "student": "Élèves",
    "relative": "Parents",
    "teacher": "Enseignants",
    "staff": "Personnels",
    "guest": "Invités",
}


@dataclass
class Slip:
    """One person's slip: `group` is the class it is filed under ('' for adults)."""

    person_id: int
    login: str
    first_name: str
    last_name: str
    profile: str
    group: str
    password: str
    detail: str = ""
    children: list[str] = field(default_factory=list)

    @property
    def section(self) -> tuple[str, str]:
        return (SECTION_TITLES.get(self.profile, self.profile), self.group)


_MAX_IMPORT_NUMBER = 2**63 - 1  # SQLite's INTEGER
HASH_CHUNK = 100  # passwords hashed between two progress reports


def select_people(
    conn: sqlite3.Connection,
    *,
    class_code: str | None = None,
    profile: str | None = None,
    new_since_import: int | None = None,
) -> list[dict[str, Any]]:
    """Active accounts matching the filters (admins never), with their class or children.

    `class_code` keeps the students of that class and their parents (and, with
    `profile="teacher"`, the teachers of the class); `new_since_import` keeps accounts
    created by import N or a later one. Raises CartableError for an unknown profile.
    """
    if profile is not None and profile not in PROFILES:
        raise CartableError(N_("Profil inconnu « %(profile)s »."), field="profile", profile=profile)
    where = ["p.state = 'active'", "p.profile != 'admin'"]
    params: list[Any] = []
    if profile:
        where.append("p.profile = ?")
        params.append(profile)
    if new_since_import is not None:
        if not 1 <= new_since_import <= _MAX_IMPORT_NUMBER:
            raise CartableError(
                N_(
                    "Numéro d'import « %(number)s » impossible : donnez le numéro d'un "
                    "import de l'historique (1, 2, 3…), affiché après chaque import."
                ),
                field="new_since_import",
                number=new_since_import,
            )
        where.append("p.created_by_import >= ?")
        params.append(new_since_import)
    if class_code:
        where.append(
            "(p.id IN (SELECT m.person_id FROM class_membership m JOIN school_class c "
            "ON c.id = m.class_id WHERE c.code = ?) OR p.id IN (SELECT g.guardian_id "
            "FROM guardian_link g JOIN class_membership m ON m.person_id = g.student_id "
            "JOIN school_class c ON c.id = m.class_id WHERE c.code = ?) OR p.id IN ("
            "SELECT t.teacher_id FROM teaching t JOIN school_class c ON c.id = t.class_id "
            "WHERE c.code = ? AND p.profile = 'teacher'))"
        )
        params += [class_code] * 3
        if profile is None:
            where.append("p.profile IN ('student', 'relative')")
    found = rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name, p.profile, p.function, "
        "(SELECT min(c.code) FROM class_membership m JOIN school_class c ON c.id = m.class_id "
        " WHERE m.person_id = p.id) AS class_code "
        f"FROM person p WHERE {' AND '.join(where)}",
        params,
    )
    kids = _children(conn, [p["id"] for p in found if p["profile"] == "relative"])
    for p in found:
        p["children"] = kids.get(p["id"], [])
    return found


def _children(conn: sqlite3.Connection, guardian_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    if not guardian_ids:
        return out
    for r in rows(
        conn,
        "SELECT g.guardian_id, s.first_name, s.last_name, (SELECT min(c.code) FROM "
        "class_membership m JOIN school_class c ON c.id = m.class_id WHERE m.person_id = s.id) "
        "AS class_code FROM guardian_link g JOIN person s ON s.id = g.student_id "
        "WHERE s.state = 'active' AND g.guardian_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY s.first_name",
        (str(guardian_ids),),
    ):
        out.setdefault(r["guardian_id"], []).append(r)
    return out


def build_slips(
    people: list[dict[str, Any]], passwords: dict[int, str], *, class_code: str | None = None
) -> list[Slip]:
    """Slips for these people (from `select_people`), sorted for printing."""
    slips = []
    for p in people:
        group, detail = "", ""
        if p["profile"] == "student":
            group = p["class_code"] or "Sans classe"
            detail = f"Élève — {group}"
        elif p["profile"] == "relative":
            classes = sorted({c["class_code"] or "Sans classe" for c in p["children"]})
            group = (
                class_code
                if class_code is not None and class_code in classes
                else (classes[0] if classes else "")
            )
            names = [
                f"{c['first_name']} ({c['class_code'] or 'sans classe'})" for c in p["children"]
            ]
            detail = "Parent de " + ", ".join(names) if names else "Parent"
        else:
            detail = PROFILE_NAMES.get(p["profile"], p["profile"])
            if p.get("function"):
                detail += f" — {labels.function_label(p['function'])}"
        slips.append(
            Slip(
                person_id=p["id"],
                login=p["login"],
                first_name=p["first_name"],
                last_name=p["last_name"],
                profile=p["profile"],
                group=group,
                password=passwords[p["id"]],
                detail=detail,
            )
        )
    slips.sort(
        key=lambda s: (
            SECTION_ORDER.get(s.profile, 9) >= 2,
            s.group.casefold(),
            SECTION_ORDER.get(s.profile, 9),
            s.last_name.casefold(),
            s.first_name.casefold(),
            s.login,
        )
    )
    return slips


def selection(
    conn: sqlite3.Connection,
    *,
    class_code: str | None = None,
    profile: str | None = None,
    new_since_import: int | None = None,
) -> list[dict[str, Any]]:
    """`select_people`, raising NotFound when nobody matches (nothing is issued then)."""
    people = select_people(
        conn, class_code=class_code, profile=profile, new_since_import=new_since_import
    )
    if not people:
        raise NotFound(
            N_(
                "Aucun compte actif ne correspond à ces critères : aucune fiche n'a été produite "
                "et aucun mot de passe n'a été changé."
            )
        )
    return people


def issue_credentials(
    conn: sqlite3.Connection,
    *,
    class_code: str | None = None,
    profile: str | None = None,
    new_since_import: int | None = None,
    portal_url: str,
    school_name: str = "",
    actor: str | None = None,
    progress: Callable[..., None] | None = None,
    keep: Callable[[bytes], None] | None = None,
) -> tuple[bytes, int]:
    """Issue new initial passwords for the selected people and render their slips.

    Each selected account gets a new random password to change at first login (its
    sessions end; only the hash is stored). Returns (PDF bytes, number of slips); the
    caller writes the file atomically. Raises NotFound when nobody matches the filters.

    `progress(done, total, template, **values)`, when given, is called between the steps
    (hashing, by HASH_CHUNK passwords, then the PDF), all of them before the one write:
    the job queue's report may raise there, and then no password has changed.
    `keep(pdf)`, when given, stores the PDF inside the write transaction: should it fail,
    no password changes either (the new passwords exist only in that file).
    """
    people = selection(
        conn, class_code=class_code, profile=profile, new_since_import=new_since_import
    )
    passwords = {p["id"]: generate_initial_password() for p in people}
    ids = list(passwords)
    hashes: list[str] = []
    for start in range(0, len(ids), HASH_CHUNK):
        if progress is not None:
            progress(start, len(ids) + 1, N_("Mots de passe provisoires : %(done)s sur %(total)s."),
                     done=start, total=len(ids))  # fmt: skip
        hashes += hash_many([passwords[i] for i in ids[start : start + HASH_CHUNK]])
    if progress is not None:
        progress(len(ids), len(ids) + 1, N_("Mise en page des %(count)s fiches (PDF)."),
                 count=len(ids))  # fmt: skip
    slips = build_slips(people, passwords, class_code=class_code)
    pdf = render_pdf(slips, portal_url=portal_url, school_name=school_name)
    stamp = now_iso()
    with transaction(conn):
        conn.executemany(
            "UPDATE person SET password_hash = ?, must_change_password = 1, updated_at = ? "
            "WHERE id = ?",
            [(h, stamp, i) for h, i in zip(hashes, ids, strict=True)],
        )
        sessions.end_sessions(conn, *ids)
        history.audit(
            conn,
            "directory.credentials",
            actor=actor,
            details={
                "count": len(ids),
                "class": class_code,
                "profile": profile,
                "new_since_import": new_since_import,
            },
        )
        if keep is not None:
            keep(pdf)
    return pdf, len(slips)


def slips_after_import(
    conn: sqlite3.Connection,
    initial_passwords: dict[int, str],
    *,
    portal_url: str,
    school_name: str = "",
) -> tuple[bytes, int]:
    """Render the slips of the accounts an import just created, with the passwords the
    apply returned (`ApplyResult.initial_passwords`): no password is issued again."""
    people = [p for p in select_people(conn) if p["id"] in initial_passwords]
    if not people:
        raise NotFound(N_("Cet import n'a créé aucun compte : aucune fiche à imprimer."))
    slips = build_slips(people, initial_passwords)
    return render_pdf(slips, portal_url=portal_url, school_name=school_name), len(slips)
