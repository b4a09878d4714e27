"""The demo school that `cartable run --demo` (and `make run`) creates on first start.

An admin, three teachers, one staff member, students in two classes, their parents (one
parent with two children) and a guest; then each feature's demo data, in the manifest's
order (`Feature.demo`: the school year and a timetable, the week's cahier de textes,
periods and marks, roll calls, works handed in, the agenda, usage statistics, messages,
news and a forum…), also given to a demo created before they existed. Passwords are generated
at creation, printed on the console and kept in `<data>/demo-logins.txt` (mode 0600): this
is a demo, never a real school.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from appliance import timefmt
from appliance.db import now_iso, scalar, transaction
from appliance.directory import people
from appliance.school import set_school
from appliance.security import passwords
from backup.fsutil import atomic_write

DEMO_UAI = "0999999Z"
DEMO_NAME = "Collège Jules-Ferry (démo)"

_TEACHERS = [
    ("marie.curie", "Marie", "Curie", "L1500", "Physique-chimie", ["5A", "4B"], "5A"),
    ("victor.hugo", "Victor", "Hugo", "L0202", "Lettres modernes", ["5A", "4B"], "4B"),
    ("ada.lovelace", "Ada", "Lovelace", "L1300", "Mathématiques", ["4B"], None),
]
_STUDENTS = [
    ("lea.martin", "Léa", "Martin", "2013-03-14", "5A"),
    ("hugo.martin", "Hugo", "Martin", "2012-01-09", "4B"),
    ("zoe.lefevre", "Zoë", "Lefèvre", "2013-07-22", "5A"),
    ("noah.benali", "Noah", "Benali", "2013-11-02", "5A"),
    ("ines.dubois", "Inès", "Dubois", "2012-05-30", "4B"),
    ("louis.coeur", "Louis", "Cœur", "2012-09-17", "4B"),
]
# Parents: (login, first, last, [children logins])
_RELATIVES = [
    ("sophie.martin", "Sophie", "Martin", ["lea.martin", "hugo.martin"]),
    ("karim.benali", "Karim", "Benali", ["noah.benali"]),
    ("claire.dubois", "Claire", "Dubois", ["ines.dubois"]),
]


def is_seeded(conn: sqlite3.Connection) -> bool:
    """True once the demo school exists in this database."""
    return bool(scalar(conn, "SELECT 1 FROM school WHERE uai = ?", (DEMO_UAI,)))


def seed(
    conn: sqlite3.Connection, data_dir: Path, *, portal_url: str = "http://127.0.0.1:8080"
) -> list[tuple[str, str, str]]:
    """Create the demo school; return (profile, login, password) for every account.

    Also writes them to `<data_dir>/demo-logins.txt`. When the demo already exists, only
    sets its portal address to `portal_url` (the one the demo is served on now, printed on
    its login slips) and returns the saved list.
    """
    saved = data_dir / "demo-logins.txt"
    seeded = is_seeded(conn)
    set_school(conn, uai=DEMO_UAI, name=DEMO_NAME, portal_url=portal_url)
    if seeded:
        _feature_demos(conn, data_dir)
        return read_saved(saved)
    accounts: list[tuple[str, str, str]] = []
    with transaction(conn):
        ids: dict[str, int] = {}

        def add(login, profile, first, last, **extra):
            pw = passwords.generate_initial_password(12)
            ids[login] = people.create_person(
                conn,
                login=login,
                profile=profile,
                first_name=first,
                last_name=last,
                password=pw,
                check_rules=False,
                **extra,
            )
            accounts.append((profile, login, pw))

        add("admin", "admin", "Alex", "Technicien")
        classes = {}
        for code, level in (("5A", "5e"), ("4B", "4e")):
            cur = conn.execute(
                "INSERT INTO school_class (code, name, level) VALUES (?, ?, ?)",
                (code, code, level),
            )
            classes[code] = cur.lastrowid
        for login, first, last, subj, subj_name, taught, head in _TEACHERS:
            add(login, "teacher", first, last)
            conn.execute(
                "INSERT OR IGNORE INTO subject (code, name) VALUES (?, ?)", (subj, subj_name)
            )
            for code in taught:
                conn.execute(
                    "INSERT INTO teaching (teacher_id, class_id, subject_code, head_teacher) "
                    "VALUES (?, ?, ?, ?)",
                    (ids[login], classes[code], subj, int(code == head)),
                )
        add("nadia.cpe", "staff", "Nadia", "Moreau", function="CPE")
        for login, first, last, born, code in _STUDENTS:
            add(login, "student", first, last, birth_date=born)
            conn.execute(
                "INSERT INTO class_membership (person_id, class_id) VALUES (?, ?)",
                (ids[login], classes[code]),
            )
        for login, first, last, children in _RELATIVES:
            add(login, "relative", first, last)
            for child in children:
                conn.execute(
                    "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
                    (ids[login], ids[child]),
                )
        expires = (timefmt.today() + timedelta(days=60)).isoformat()
        add("paul.invite", "guest", "Paul", "Invité", expires_on=expires)
        conn.execute("UPDATE person SET updated_at = ?", (now_iso(),))
    lines = ["# Comptes de démonstration (ne jamais utiliser pour un vrai établissement)"]
    lines += [f"{profile}\t{login}\t{pw}" for profile, login, pw in accounts]
    atomic_write(saved, ("\n".join(lines) + "\n").encode(), mode=0o600)
    _feature_demos(conn, data_dir)
    return accounts


def _feature_demos(conn: sqlite3.Connection, data_dir: Path) -> None:
    """Each feature's demo data, in manifest order (`Feature.demo`)."""
    from appliance import features  # the manifest imports much: only when a demo is made

    for ref in features.demo_steps():
        features.resolve(ref)(conn, data_dir)


def read_saved(path: Path) -> list[tuple[str, str, str]]:
    """The accounts saved by `seed`, or an empty list when the file is gone."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            profile, login, pw = line.split("\t")
            out.append((profile, login, pw))
    return out
