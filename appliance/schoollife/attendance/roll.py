"""The roll call (appel) of a lesson.

The lesson's teacher (or its replacement: the teachers of `lesson_teacher`) takes it from
the lesson's class list at that date: the active students of its class or group, frozen
into the roll call when it is first saved (a student who leaves later stays on it, one
who arrives is added). Each student is present, absent, or late by a number of minutes;
"tous présents" is one click. The teacher may change it until the end of the lesson's day
(the school's zone), the vie scolaire at any time (`attendance.roll.any_day`); nobody
takes it before the lesson's day, nor for a cancelled lesson. A lesson whose roll call is
not taken by its end is listed for the vie scolaire ("appels non faits", `missing`) and
is never shown to families as an absence: a student has an absence only where a roll
call says so.

Saving a roll call (`save`) writes it, its audit row, the absences and lateness it makes
(`events.rebuild_day`, one event for consecutive absent lessons of a day), the guardians'
notifications of the new ones and the month's alert check, in one transaction.

    lesson_target(conn, lesson_id) -> the lesson (`lessons.get_lesson`'s shape) with
        kind "lesson", class_id, group_id: the policy's target (relation teaches_lesson)
    get_roll(conn, lesson) -> {"taken", "taken_at", "taken_by", "updated_at",
        "updated_by", "students": [{"id", "login", "first_name", "last_name", "status",
        "minutes", "planned", "event_id"}]}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from appliance.db import now_iso, one, rows, scalar
from appliance.errors import CartableError, Conflict
from appliance.i18n import N_
from appliance.schoollife import lessons
from appliance.schoollife.attendance import alerts, events, notify, planned
from appliance.schoollife.attendance.common import local_now, month_of
from appliance.security import policy
from appliance.security.audit import Actor, audited

STATUSES = ("present", "absent", "late")
MAX_LATE_MINUTES = 240

_STUDENT = "p.id, p.login, p.first_name, p.last_name"
_ORDER = " ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.login"


def lesson_target(conn: sqlite3.Connection, lesson_id: int) -> dict[str, Any]:
    """The lesson as the policy's target (see the module doc); NotFound otherwise."""
    lesson = lessons.get_lesson(conn, lesson_id)
    audience = one(conn, "SELECT class_id, group_id FROM lesson WHERE id = ?", (lesson_id,)) or {}
    return {**lesson, "kind": "lesson", **audience}


def _members(conn: sqlite3.Connection, lesson: Mapping[str, Any]) -> list[dict[str, Any]]:
    if lesson.get("class_id"):
        table, column, value = "class_membership", "class_id", lesson["class_id"]
    elif lesson.get("group_id"):
        table, column, value = "group_membership", "group_id", lesson["group_id"]
    else:
        return []
    return rows(
        conn,
        f"SELECT {_STUDENT} FROM {table} m JOIN person p ON p.id = m.person_id "
        f"WHERE m.{column} = ? AND p.profile = 'student' AND p.state = 'active'",
        (value,),
    )


def class_list(conn: sqlite3.Connection, lesson: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The students of the lesson's roll call: those it recorded, and the active students
    of its class or group now (the list at that date), by name."""
    recorded = rows(
        conn,
        f"SELECT {_STUDENT} FROM roll_entry e JOIN person p ON p.id = e.student_id "
        "WHERE e.lesson_id = ?",
        (lesson["id"],),
    )
    by_id = {s["id"]: s for s in (*recorded, *_members(conn, lesson))}
    return sorted(
        by_id.values(),
        key=lambda s: (s["last_name"].casefold(), s["first_name"].casefold(), s["login"]),
    )


def _names(conn: sqlite3.Connection, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    found = one(conn, "SELECT first_name, last_name FROM person WHERE id = ?", (person_id,))
    return f"{found['first_name']} {found['last_name']}" if found else None


def get_roll(conn: sqlite3.Connection, lesson: Mapping[str, Any]) -> dict[str, Any]:
    """The roll call of `lesson` (see the module doc). Not taken: every status is None,
    but "absent" for a student a planned absence covers (the pre-filled roll call)."""
    call = one(conn, "SELECT * FROM roll_call WHERE lesson_id = ?", (lesson["id"],))
    entries = {
        r["student_id"]: r
        for r in rows(conn, "SELECT * FROM roll_entry WHERE lesson_id = ?", (lesson["id"],))
    }
    students = class_list(conn, lesson)
    covered = planned.covering(conn, lesson, [s["id"] for s in students])
    out = []
    for s in students:
        entry = entries.get(s["id"])
        plan = covered.get(s["id"])
        if entry is not None:
            status, minutes, event_id = entry["status"], entry["minutes"], entry["event_id"]
        else:
            status, minutes, event_id = ("absent" if plan and call is None else None), None, None
        out.append(
            {**s, "status": status, "minutes": minutes, "planned": plan, "event_id": event_id}
        )
    return {
        "lesson_id": lesson["id"],
        "taken": call is not None,
        "taken_at": call["taken_at"] if call else None,
        "taken_by": _names(conn, call["taken_by"]) if call else None,
        "updated_at": call["updated_at"] if call else None,
        "updated_by": _names(conn, call["updated_by"]) if call else None,
        "students": out,
    }


# --- who may write it, and until when ---------------------------------------------------------


def closed_reason(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    lesson: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> Conflict | None:
    """Why `person` (whom the policy lets take this roll call) can't write it now, or None:
    a cancelled lesson, a lesson of a coming day, or a past day for someone who is not of
    the vie scolaire."""
    today = (now or local_now()).date().isoformat()
    if lesson["status"] == "cancelled":
        return Conflict(N_("Ce cours est annulé : il n'a pas d'appel."), field="lesson")
    if lesson["date"] > today:
        return Conflict(
            N_("L'appel de ce cours se fait le jour du cours, pas avant."), field="lesson"
        )
    if lesson["date"] < today and not policy.may(person, "attendance.roll.any_day", lesson, conn):
        return Conflict(
            N_(
                "L'appel de ce cours ne peut plus être modifié : il l'était jusqu'à la fin de "
                "la journée du cours. Adressez-vous à la vie scolaire."
            ),
            field="lesson",
        )
    return None


def ids_of(roll: Mapping[str, Any], logins: Iterable[str], field: str) -> list[int]:
    """The ids of students named by login, each on the roll call's list; CartableError
    naming the first login that is not."""
    by_login = {s["login"]: s["id"] for s in roll["students"]}
    out = []
    for login in logins:
        if login not in by_login:
            raise CartableError(
                N_("%(login)s n'est pas sur la liste de ce cours."), field=field, login=login
            )
        out.append(by_login[login])
    return out


def save(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    lesson: Mapping[str, Any],
    *,
    absent: Iterable[int],
    late: Mapping[int, int],
    actor: Actor | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Take (or change) the roll call of `lesson` for `person`: the students of `absent`
    absent, those of `late` late by their minutes, everyone else on the list present.
    Returns the roll call (`get_roll`).

    Raises Conflict when it can't be written now (`closed_reason`), CartableError for a
    student not on the list, one both absent and late, or minutes outside 1 to 240.
    """
    closed = closed_reason(conn, person, lesson, now=now)
    if closed is not None:
        raise closed
    students = class_list(conn, lesson)
    on_list = {s["id"] for s in students}
    absent_ids = set(absent)
    for sid in (*absent_ids, *late):
        if sid not in on_list:
            raise CartableError(
                N_("Un élève n'est pas sur la liste de ce cours (n° %(id)s)."),
                field="absent",
                id=sid,
            )
    both = absent_ids & set(late)
    if both:
        raise CartableError(
            N_("Un élève ne peut pas être à la fois absent et en retard."), field="late"
        )
    for minutes in late.values():
        if (
            isinstance(minutes, bool)
            or not isinstance(minutes, int)
            or not (1 <= minutes <= MAX_LATE_MINUTES)
        ):
            raise CartableError(
                N_("Un retard se compte en minutes, de 1 à %(max)s."),
                field="late",
                max=MAX_LATE_MINUTES,
            )
    wanted = {
        s["id"]: ("absent", None)
        if s["id"] in absent_ids
        else (("late", late[s["id"]]) if s["id"] in late else ("present", None))
        for s in students
    }
    with audited(conn, actor, "attendance.roll", target=f"lesson:{lesson['id']}") as entry:
        stamp = now_iso()
        who = actor.id if actor else None
        first = not scalar(conn, "SELECT 1 FROM roll_call WHERE lesson_id = ?", (lesson["id"],))
        if first:
            conn.execute(
                "INSERT INTO roll_call (lesson_id, taken_at, taken_by, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (lesson["id"], stamp, who, stamp, who),
            )
        else:
            conn.execute(
                "UPDATE roll_call SET updated_at = ?, updated_by = ? WHERE lesson_id = ?",
                (stamp, who, lesson["id"]),
            )
        before = {
            r["student_id"]: (r["status"], r["minutes"])
            for r in rows(
                conn, "SELECT student_id, status, minutes FROM roll_entry WHERE lesson_id = ?",
                (lesson["id"],),
            )
        }  # fmt: skip
        changed = [sid for sid, value in wanted.items() if before.get(sid) != value]
        conn.executemany(
            "INSERT INTO roll_entry (lesson_id, student_id, status, minutes) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (lesson_id, student_id) DO UPDATE SET status = excluded.status, "
            "minutes = excluded.minutes",
            [(lesson["id"], sid, *wanted[sid]) for sid in changed],
        )
        created: list[int] = []
        for sid in changed:
            created += events.rebuild_day(conn, sid, lesson["date"])
        for event_id in created:
            notify.absence_recorded(conn, events.get_event(conn, event_id), actor_id=who)
        alerts.check(conn, changed, month_of(date.fromisoformat(lesson["date"])))
        entry.details = {
            "first": first,
            "absent": len(absent_ids),
            "late": len(late),
            "changed": len(changed),
        }
        if not first and not changed:
            entry.skip()
    return get_roll(conn, lesson)


# --- what the vie scolaire and the teachers follow ----------------------------------------------


def missing(
    conn: sqlite3.Connection,
    day: date,
    *,
    now: datetime | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The lessons of `day` whose roll call was not taken by their end ("appels non
    faits"): not cancelled, with a class or a group, ended (before now, on today), in time
    order; one page of them and how many there are."""
    moment = now or local_now()
    today = moment.date().isoformat()
    shown = day.isoformat()
    if shown > today:
        return [], 0
    ended = "" if shown < today else " AND l.end_time <= :now"
    where = (
        "FROM lesson l WHERE l.date = :day AND l.status != 'cancelled' "
        "AND (l.class_id IS NOT NULL OR l.group_id IS NOT NULL)"
        f"{ended} AND NOT EXISTS (SELECT 1 FROM roll_call r WHERE r.lesson_id = l.id)"
    )
    params: dict[str, Any] = {"day": shown, "now": moment.strftime("%H:%M")}
    total = int(scalar(conn, f"SELECT count(*) {where}", params))
    found = rows(
        conn,
        f"SELECT l.id {where} ORDER BY l.start_time, l.audience_code, l.id "
        "LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset},
    )
    ids = [r["id"] for r in found]
    by_id = {x["id"]: x for x in (lessons.get_lesson(conn, i) for i in ids)}
    return [by_id[i] for i in ids], total


def states(conn: sqlite3.Connection, lesson_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """For each lesson with a roll call: when it was taken and how many absent and late."""
    ids = list(lesson_ids)
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for r in rows(
            conn,
            "SELECT c.lesson_id, c.taken_at, "
            "sum(e.status = 'absent') AS absent, sum(e.status = 'late') AS late "
            "FROM roll_call c LEFT JOIN roll_entry e ON e.lesson_id = c.lesson_id "
            f"WHERE c.lesson_id IN ({marks}) GROUP BY c.lesson_id",
            chunk,
        ):
            out[r["lesson_id"]] = {
                "taken_at": r["taken_at"],
                "absent": int(r["absent"] or 0),
                "late": int(r["late"] or 0),
            }
    return out


def teacher_day(
    conn: sqlite3.Connection, teacher: Mapping[str, Any], day: date
) -> list[dict[str, Any]]:
    """The lessons `teacher` (a person with `id` and `login`) teaches on `day`, in time
    order, each with `roll`: its roll call's state, or None when not taken."""
    found = [
        lesson
        for lesson in lessons.lessons_between(conn, day, day, person_id=teacher["id"])
        if teacher["login"] in lesson["teachers"]
    ]
    taken = states(conn, [lesson["id"] for lesson in found])
    return [{**lesson, "roll": taken.get(lesson["id"])} for lesson in found]
