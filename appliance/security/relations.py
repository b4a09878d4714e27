"""The relations between people and things of the school: the one place that computes them.

The policy's rules (`appliance.security.rules`) name a relation between the person who
asks and the thing asked about; this module says whether it holds. Every relation is a
function `(conn, person, target) -> bool`, where `person` is the asker (a dict with at
least `id`, `profile`, `function`) and `target` a thing: a person (`kind` "person" or no
`kind`, with `id` and `profile`), a class or a group (`kind` "class" / "group", `id`,
and optionally `subject_code` to narrow the relation to one subject).

- `self`: the target is the asker.
- `guardian_of`: the asker is a legal guardian (responsable légal, level 1) of the target
  student.
- `child_of`: the asker is a student whose legal guardian is the target.
- `teaches`: the asker teaches the target class or group (in `subject_code` when given),
  or teaches a student of the target (through a class or a group).
- `head_teacher_of`: the asker is the professeur principal of the target class, or of a
  class of the target student.
- `member_of`: the asker is a member of the target class or group.
- `author_of`: the asker wrote the target (a thing with `author_id`: a news item).
- `granted_publisher`: the technician granted the asker the right to publish news
  (table `news_publisher`); the target is a news item (`kind` "news").
- `audience_of`: the target news item is published, current, and addressed to the asker
  (`audience_keys`: everyone, their profile, their class's students, their children's
  class's parents, the classes and groups they teach).
- `parent_of_member`: the asker is a legal guardian (level 1) of a member of the target
  class or group (a parent reading their child's class's cahier de textes).
- `asked_for`: the target is a job of the queue (`jobqueue.get`'s shape) the asker asked for.
- `teaches_lesson`: the target is a dated lesson (`kind` "lesson", `id`) and the asker is
  one of its teachers (`lesson_teacher`: its teacher, or its replacement).
- `file_writer`: the target is a document or folder (`kind` "file_node",
  `appliance.files.nodes.target`) of the asker's own space, or of the space of a class or
  group the asker teaches.
- `file_reader`: the target document is not in a trash and the asker writes it, is a
  member of its class or group, a legal guardian of a member when a teacher opened its
  folder to parents (`parents_read`), or it (or a folder holding it) is shared with the
  asker or with a class or group of theirs.

The scopes of the communication rules (`appliance.community.rules`) are relations too,
between the person who writes and a person written to:

- `taught_by` (scope `own_teachers`): the target teaches the asker (a student), through a
  class or a group.
- `classmate_of` (scope `own_class`): the asker and the target are students of a same class.
- `teacher_of_child` (scope `children_teachers`): the target teaches a child of the asker
  (a legal guardian).
- `parent_of_taught` (scope `parents_of_taught`): the target is a legal guardian of a
  student the asker teaches.
- `school_life` (scope `school_life`): the target is a member of staff of the vie scolaire
  or the direction (function EDU or DIR), whoever asks.
- `may_write_to`: the communication rules allow the asker to write to the target person
  (the rule of their two profiles is "allowed" and its scope holds); the one answer to
  "may A write to B", read from the rules' table by `appliance.community.rules`.

`calendar_keys(conn, person)` gives the school calendar's audience targets a person
belongs to (the agenda's list of school events reads them; not a relation).

`functions(person)` gives a staff member's function codes (`has_function`): the STS-Web
FONCTION codes (several joined by commas when a CSV file gives them) and the words a CSV
file may use instead ("CPE", "Vie scolaire", "Direction"…).

Services that list things (a teacher's students, a parent's children) use the directory's
own queries; these functions answer one question about one pair, cheaply (one indexed
lookup each).
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

Thing = Mapping[str, Any]
Relation = Callable[[sqlite3.Connection, Thing, Thing], bool]

# The words a CSV file may use for a function, and the code they stand for.
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
    "DOCUMENTATION": "DOC",
    "DOCUMENTALISTE": "DOC",
}


@lru_cache(maxsize=512)
def function_codes(function: str | None) -> frozenset[str]:
    """The function codes of a `person.function` value: "EDU", "CPE, DIR", "Vie scolaire"."""
    found: set[str] = set()
    for word in (function or "").replace("/", ",").replace(";", ",").split(","):
        norm = unicodedata.normalize("NFKD", word.strip().upper())
        code = "".join(c for c in norm if not unicodedata.combining(c)).replace("-", " ")
        if code:
            found.add(_FUNCTION_WORDS.get(code, code))
    return frozenset(found)


def functions(person: Thing) -> frozenset[str]:
    """A staff member's function codes (`has_function`); nobody else has one."""
    if person.get("profile") != "staff":
        return frozenset()
    return function_codes(person.get("function"))


def has_function(person: Thing, code: str) -> bool:
    return code in functions(person)


def _kind(target: Thing) -> str:
    return str(target.get("kind") or "person")


def _exists(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> bool:
    # Plain sqlite3 (not appliance.db): the manifest's rules import this module, and the
    # database module reads the manifest.
    return conn.execute(sql, params).fetchone() is not None


def is_self(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    return _kind(target) == "person" and target.get("id") == person.get("id")


def guardian_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "person":
        return False
    return _exists(
        conn,
        "SELECT 1 FROM guardian_link WHERE guardian_id = ? AND student_id = ? AND level = 1",
        (person["id"], target["id"]),
    )


def child_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "person":
        return False
    return guardian_of(conn, target, {"kind": "person", "id": person["id"]})


def teaches(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    kind = _kind(target)
    subject = target.get("subject_code")
    subject_sql = " AND t.subject_code = ?" if subject else ""
    extra: tuple[Any, ...] = (subject,) if subject else ()
    if kind in ("class", "group"):
        column = "class_id" if kind == "class" else "group_id"
        return _exists(
            conn,
            f"SELECT 1 FROM teaching t WHERE t.teacher_id = ? AND t.{column} = ?{subject_sql}",
            (person["id"], target["id"], *extra),
        )
    if kind != "person" or target.get("profile", "student") != "student":
        return False
    return _exists(
        conn,
        "SELECT 1 FROM teaching t JOIN class_membership m ON m.class_id = t.class_id "
        f"WHERE t.teacher_id = ? AND m.person_id = ?{subject_sql} UNION ALL "
        "SELECT 1 FROM teaching t JOIN group_membership g ON g.group_id = t.group_id "
        f"WHERE t.teacher_id = ? AND g.person_id = ?{subject_sql}",
        (person["id"], target["id"], *extra, person["id"], target["id"], *extra),
    )


def head_teacher_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    kind = _kind(target)
    if kind == "class":
        return _exists(
            conn,
            "SELECT 1 FROM teaching WHERE teacher_id = ? AND class_id = ? AND head_teacher = 1",
            (person["id"], target["id"]),
        )
    if kind != "person":
        return False
    return _exists(
        conn,
        "SELECT 1 FROM teaching t JOIN class_membership m ON m.class_id = t.class_id "
        "WHERE t.teacher_id = ? AND m.person_id = ? AND t.head_teacher = 1",
        (person["id"], target["id"]),
    )


def member_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    kind = _kind(target)
    if kind == "class":
        sql = "SELECT 1 FROM class_membership WHERE person_id = ? AND class_id = ?"
    elif kind == "group":
        sql = "SELECT 1 FROM group_membership WHERE person_id = ? AND group_id = ?"
    else:
        return False
    return _exists(conn, sql, (person["id"], target["id"]))


def _person(target: Thing) -> bool:
    return _kind(target) == "person" and target.get("id") is not None


def taught_by(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if not _person(target) or person.get("profile") != "student":
        return False
    return teaches(conn, {"id": target["id"]}, {"kind": "person", "id": person["id"]})


def classmate_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if not _person(target) or target["id"] == person.get("id"):
        return False
    return _exists(
        conn,
        "SELECT 1 FROM class_membership a JOIN class_membership b ON b.class_id = a.class_id "
        "WHERE a.person_id = ? AND b.person_id = ?",
        (person["id"], target["id"]),
    )


def teacher_of_child(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if not _person(target):
        return False
    return _exists(
        conn,
        "SELECT 1 FROM guardian_link l JOIN class_membership m ON m.person_id = l.student_id "
        "JOIN teaching t ON t.class_id = m.class_id "
        "WHERE l.guardian_id = ? AND l.level = 1 AND t.teacher_id = ? UNION ALL "
        "SELECT 1 FROM guardian_link l JOIN group_membership g ON g.person_id = l.student_id "
        "JOIN teaching t ON t.group_id = g.group_id "
        "WHERE l.guardian_id = ? AND l.level = 1 AND t.teacher_id = ?",
        (person["id"], target["id"], person["id"], target["id"]),
    )


def parent_of_taught(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if not _person(target):
        return False
    return teacher_of_child(conn, target, {"kind": "person", "id": person["id"]})


# The functions of the vie scolaire and the direction (those every family may reach).
SCHOOL_LIFE_FUNCTIONS = frozenset({"EDU", "DIR"})


def school_life(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if not _person(target):
        return False
    if "function" not in target or "profile" not in target:
        found = conn.execute(
            "SELECT profile, function FROM person WHERE id = ?", (target["id"],)
        ).fetchone()
        if found is None:
            return False
        target = {"profile": found[0], "function": found[1]}
    return bool(functions(target) & SCHOOL_LIFE_FUNCTIONS)


def may_write_to(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if not _person(target):
        return False
    from appliance.community import rules  # the rules' table; it names relations of this module

    return rules.may_write_to(conn, person, target)


def author_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    author = target.get("author_id")
    return _kind(target) != "person" and author is not None and author == person.get("id")


def granted_publisher(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "news":
        return False
    return _exists(conn, "SELECT 1 FROM news_publisher WHERE person_id = ?", (person["id"],))


def audience_keys(conn: sqlite3.Connection, person: Thing) -> list[str]:
    """The audience targets a person belongs to ("all", "profile:relative",
    "students:class:5A", "parents:class:5A", "…:group:CODE"): a student their class and
    groups, a legal guardian their children's, a teacher those they teach (a news item for
    a class's students or parents is for its teaching team too)."""
    keys = ["all", f"profile:{person.get('profile')}"]
    pid = person["id"]
    found = conn.execute(
        "SELECT 'students:class:' || c.code FROM class_membership m "
        "JOIN school_class c ON c.id = m.class_id WHERE m.person_id = ? UNION "
        "SELECT 'students:group:' || g.code FROM group_membership m "
        "JOIN teaching_group g ON g.id = m.group_id WHERE m.person_id = ? UNION "
        "SELECT 'parents:class:' || c.code FROM guardian_link l "
        "JOIN class_membership m ON m.person_id = l.student_id "
        "JOIN school_class c ON c.id = m.class_id WHERE l.guardian_id = ? AND l.level = 1 UNION "
        "SELECT 'parents:group:' || g.code FROM guardian_link l "
        "JOIN group_membership m ON m.person_id = l.student_id "
        "JOIN teaching_group g ON g.id = m.group_id WHERE l.guardian_id = ? AND l.level = 1 "
        "UNION SELECT w.who || ':class:' || c.code FROM teaching t "
        "JOIN school_class c ON c.id = t.class_id, (SELECT 'students' AS who UNION ALL "
        "SELECT 'parents') w WHERE t.teacher_id = ? "
        "UNION SELECT w.who || ':group:' || g.code FROM teaching t "
        "JOIN teaching_group g ON g.id = t.group_id, (SELECT 'students' AS who UNION ALL "
        "SELECT 'parents') w WHERE t.teacher_id = ?",
        (pid, pid, pid, pid, pid, pid),
    ).fetchall()
    return keys + sorted(r[0] for r in found)


def calendar_keys(conn: sqlite3.Connection, person: Thing) -> list[str]:
    """The audience targets of the school calendar a person belongs to: those of
    `audience_keys`, a legal guardian's children's classes and groups for their students
    too (a trip of 5A concerns its families), and a teacher's classes and groups as
    "teachers:class:CODE" / "teachers:group:CODE"."""
    keys = set(audience_keys(conn, person))
    pid = person["id"]
    found = conn.execute(
        "SELECT 'students:class:' || c.code FROM guardian_link l "
        "JOIN class_membership m ON m.person_id = l.student_id "
        "JOIN school_class c ON c.id = m.class_id WHERE l.guardian_id = ? AND l.level = 1 UNION "
        "SELECT 'students:group:' || g.code FROM guardian_link l "
        "JOIN group_membership m ON m.person_id = l.student_id "
        "JOIN teaching_group g ON g.id = m.group_id WHERE l.guardian_id = ? AND l.level = 1 "
        "UNION SELECT 'teachers:class:' || c.code FROM teaching t "
        "JOIN school_class c ON c.id = t.class_id WHERE t.teacher_id = ? "
        "UNION SELECT 'teachers:group:' || g.code FROM teaching t "
        "JOIN teaching_group g ON g.id = t.group_id WHERE t.teacher_id = ?",
        (pid, pid, pid, pid),
    ).fetchall()
    keys.update(r[0] for r in found)
    return sorted(keys)


def audience_of(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "news":
        return False
    now = datetime.now(UTC).replace(microsecond=0).isoformat()  # as the rows store it
    return _exists(
        conn,
        "SELECT 1 FROM news n WHERE n.id = ? AND n.state = 'published' "
        "AND coalesce(n.publish_from, '') <= ? AND (n.expires_at IS NULL OR n.expires_at > ?) "
        "AND EXISTS (SELECT 1 FROM news_audience a WHERE a.news_id = n.id "
        "AND a.target IN (SELECT value FROM json_each(?)))",
        (target["id"], now, now, json.dumps(audience_keys(conn, person))),
    )


def parent_of_member(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    kind = _kind(target)
    if kind == "class":
        sql = (
            "SELECT 1 FROM guardian_link g JOIN class_membership m ON m.person_id = g.student_id "
            "WHERE g.guardian_id = ? AND g.level = 1 AND m.class_id = ?"
        )
    elif kind == "group":
        sql = (
            "SELECT 1 FROM guardian_link g JOIN group_membership m ON m.person_id = g.student_id "
            "WHERE g.guardian_id = ? AND g.level = 1 AND m.group_id = ?"
        )
    else:
        return False
    return _exists(conn, sql, (person["id"], target["id"]))


def asked_for(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    return (
        "actor_id" in target
        and target["actor_id"] is not None
        and (target["actor_id"] == person.get("id"))
    )


def teaches_lesson(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "lesson":
        return False
    return _exists(
        conn,
        "SELECT 1 FROM lesson_teacher WHERE lesson_id = ? AND person_id = ?",
        (target["id"], person["id"]),
    )


def file_writer(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "file_node":
        return False
    kind, space_id = target["space_kind"], target["space_id"]
    if kind == "person":
        return space_id == person.get("id")
    return teaches(conn, person, {"kind": kind, "id": space_id})


def file_reader(conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    if _kind(target) != "file_node" or target.get("trashed"):
        return False
    if file_writer(conn, person, target):
        return True
    space = {"kind": target["space_kind"], "id": target["space_id"]}
    if space["kind"] in ("class", "group"):
        if member_of(conn, person, space):
            return True
        if target.get("parents_read") and parent_of_member(conn, person, space):
            return True
    pid = person["id"]
    return _exists(
        conn,
        "SELECT 1 FROM file_share s WHERE s.node_id IN (SELECT value FROM json_each(?)) AND ("
        "(s.audience_kind = 'person' AND s.audience_id = ?) OR (s.audience_kind = 'class' "
        "AND s.audience_id IN (SELECT class_id FROM class_membership WHERE person_id = ?)) "
        "OR (s.audience_kind = 'group' AND s.audience_id IN "
        "(SELECT group_id FROM group_membership WHERE person_id = ?)))",
        (json.dumps(list(target.get("path") or [target["id"]])), pid, pid, pid),
    )


RELATIONS: dict[str, Relation] = {
    "self": is_self,
    "guardian_of": guardian_of,
    "child_of": child_of,
    "teaches": teaches,
    "head_teacher_of": head_teacher_of,
    "member_of": member_of,
    "author_of": author_of,
    "granted_publisher": granted_publisher,
    "audience_of": audience_of,
    "parent_of_member": parent_of_member,
    "asked_for": asked_for,
    "teaches_lesson": teaches_lesson,
    "taught_by": taught_by,
    "classmate_of": classmate_of,
    "teacher_of_child": teacher_of_child,
    "parent_of_taught": parent_of_taught,
    "school_life": school_life,
    "may_write_to": may_write_to,
    "file_writer": file_writer,
    "file_reader": file_reader,
}


# Relations that read nothing of their target but its kind and id (not, say, the subject of
# `teaches`): within one reading their answer for a person is the same for every target of
# that kind and id, whatever else the target says (`policy.may`'s `memo`).
BY_IDENTITY = frozenset({"self", "guardian_of", "child_of", "head_teacher_of", "member_of"})


def holds(relation: str, conn: sqlite3.Connection, person: Thing, target: Thing) -> bool:
    """Whether `person` is in `relation` with `target`; an unknown name raises KeyError."""
    return RELATIONS[relation](conn, person, target)
