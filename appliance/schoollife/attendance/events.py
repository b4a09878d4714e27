"""Absences and lateness: the events the vie scolaire follows.

The roll calls make them (`rebuild_day`, called by `roll.save` for each student whose row
changed): a student's absent rows of a day, in time order, with no presence (present or
late) between them, are ONE absence event from the first lesson's start to the last
one's end (a lesson whose roll call was not taken does not break it, nor is it part of
it); each late row is one lateness event with its minutes. A change of roll call keeps
the events it can (the same id, its reason, its excuses), splits or joins them as the
rows say, and deletes an event no row holds any more (the teacher's mistake, corrected).
A new absence that a planned absence covers gets its reason, already justified.

The vie scolaire settles an event (`settle`): a reason from the list, justified or not,
a comment; a guardian's excuse accepted is the same (`excuses.decide`).

    as_json(event) -> {"id", "start", "end", "kind", "minutes", "reason_code",
                       "justified", "excuse": {"status", "text"} | None}
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from appliance.db import now_iso, one, rows, scalar
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife.attendance import alerts, planned, reasons
from appliance.schoollife.attendance.common import person_thing, plain_text
from appliance.security.audit import Actor, audited

KINDS = {"absence": N_("Absence"), "late": N_("Retard")}
COMMENT_MAX = 1000

_EVENT = (
    "e.id, e.student_id, e.kind, e.date, e.start_time, e.end_time, e.minutes, e.reason_code, "
    "e.justified, e.comment, e.planned_id, e.created_at, e.updated_at, e.settled_at, "
    "e.settled_by, r.label AS reason_label, coalesce(r.admissible, 0) AS admissible, "
    "p.login, p.first_name, p.last_name, "
    "(SELECT group_concat(c.code, ', ') FROM class_membership m "
    " JOIN school_class c ON c.id = m.class_id WHERE m.person_id = e.student_id) AS classes, "
    "(SELECT x.status FROM attendance_excuse x WHERE x.event_id = e.id "
    " ORDER BY x.id DESC LIMIT 1) AS excuse_status, "
    "(SELECT x.text FROM attendance_excuse x WHERE x.event_id = e.id "
    " ORDER BY x.id DESC LIMIT 1) AS excuse_text"
)
_FROM = (
    "FROM attendance_event e JOIN person p ON p.id = e.student_id "
    "LEFT JOIN attendance_reason r ON r.code = e.reason_code"
)


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    row["justified"] = bool(row["justified"])
    row["admissible"] = bool(row["admissible"])
    return row


def get_event(conn: sqlite3.Connection, event_id: int) -> dict[str, Any]:
    """One event, with its student's login, names and classes, its reason's label and
    its latest excuse's status and text; NotFound otherwise."""
    found = one(conn, f"SELECT {_EVENT} {_FROM} WHERE e.id = ?", (event_id,))
    if found is None:
        raise NotFound(N_("Aucune absence n'a le numéro %(id)s."), id=event_id)
    return _shaped(found)


def target(conn: sqlite3.Connection, event_id: int) -> dict[str, Any]:
    """The policy's target for an event: its student (kind "person"), the event in
    `event`. NotFound when there is no such event."""
    event = get_event(conn, event_id)
    student = one(
        conn, "SELECT id, login, profile FROM person WHERE id = ?", (event["student_id"],)
    )
    return {**person_thing(student or {}), "event": event}


def lessons_of(conn: sqlite3.Connection, event_id: int) -> list[dict[str, Any]]:
    """The lessons an event is made of (their roll calls' rows), in time order."""
    return rows(
        conn,
        "SELECT l.id, l.date, l.start_time AS start, l.end_time AS end, l.subject_code, "
        "coalesce(nullif(l.subject_label, ''), l.subject_code) AS subject, l.audience_code, "
        "e.status, e.minutes FROM roll_entry e JOIN lesson l ON l.id = e.lesson_id "
        "WHERE e.event_id = ? ORDER BY l.date, l.start_time, l.id",
        (event_id,),
    )


def as_json(event: dict[str, Any]) -> dict[str, Any]:
    """An event as the JSON API gives it."""
    excuse = (
        {"status": event["excuse_status"], "text": event["excuse_text"]}
        if event.get("excuse_status")
        else None
    )
    return {
        "id": event["id"],
        "start": f"{event['date']}T{event['start_time']}",
        "end": f"{event['date']}T{event['end_time']}",
        "kind": event["kind"],
        "minutes": event["minutes"],
        "reason_code": event["reason_code"],
        "justified": bool(event["justified"]),
        "excuse": excuse,
    }


# --- the events of a student's day, from the roll calls ------------------------------------


def _runs(entries: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The absent rows in runs: a present or late row ends a run."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for entry in entries:
        if entry["status"] == "absent":
            current.append(entry)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def rebuild_day(conn: sqlite3.Connection, student_id: int, day: str) -> list[int]:
    """Make the student's events of `day` ("AAAA-MM-JJ") agree with their roll calls'
    rows (see the module doc), in the caller's transaction. Returns the ids of the events
    it created."""
    entries = rows(
        conn,
        "SELECT e.lesson_id, e.status, e.minutes, e.event_id, l.date, l.start_time AS start, "
        "l.end_time AS end, l.subject_code FROM roll_entry e JOIN lesson l ON l.id = e.lesson_id "
        "WHERE e.student_id = ? AND l.date = ? AND l.status != 'cancelled' "
        "ORDER BY l.start_time, l.end_time, l.id",
        (student_id, day),
    )
    existing = {
        r["id"]: r
        for r in rows(
            conn,
            "SELECT id, kind, reason_code, justified, comment, settled_at, settled_by "
            "FROM attendance_event WHERE student_id = ? AND date = ?",
            (student_id, day),
        )
    }
    stamp = now_iso()
    kept: set[int] = set()
    created: list[int] = []
    links: list[tuple[int | None, int]] = []

    def new_event(kind: str, first: dict, last: dict, minutes: int | None, like: dict | None):
        settled = dict(like) if like else None
        planned_id = None
        if settled is None and kind == "absence":
            cover = planned.covering(conn, first, [student_id]).get(student_id)
            if cover is not None:
                planned_id = cover["id"]
                settled = {
                    "reason_code": cover["reason_code"],
                    "justified": 1,
                    "comment": "",
                    "settled_at": stamp,
                    "settled_by": cover["created_by"],
                }
        settled = settled or {}
        cur = conn.execute(
            "INSERT INTO attendance_event (student_id, kind, date, start_time, end_time, "
            "minutes, reason_code, justified, comment, planned_id, created_at, updated_at, "
            "settled_at, settled_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                student_id, kind, day, first["start"], last["end"], minutes,
                settled.get("reason_code"), int(bool(settled.get("justified"))),
                settled.get("comment") or "", planned_id, stamp, stamp,
                settled.get("settled_at"), settled.get("settled_by"),
            ),
        )  # fmt: skip
        event_id = int(cur.lastrowid or 0)
        created.append(event_id)
        kept.add(event_id)
        return event_id

    def reuse(event_id: int, first: dict, last: dict, minutes: int | None) -> int:
        conn.execute(
            "UPDATE attendance_event SET start_time = ?, end_time = ?, minutes = ?, "
            "updated_at = CASE WHEN start_time = ? AND end_time = ? AND minutes IS ? "
            "THEN updated_at ELSE ? END WHERE id = ?",
            (first["start"], last["end"], minutes, first["start"], last["end"], minutes,
             stamp, event_id),
        )  # fmt: skip
        kept.add(event_id)
        return event_id

    for run in _runs(entries):
        held = Counter(
            e["event_id"]
            for e in run
            if e["event_id"] in existing and existing[e["event_id"]]["kind"] == "absence"
        )
        free = [eid for eid, _n in held.most_common() if eid not in kept]
        if free:
            event_id = reuse(free[0], run[0], run[-1], None)
        else:
            # A run split off an event keeps that event's settlement.
            like = existing[next(iter(held))] if held else None
            event_id = new_event("absence", run[0], run[-1], None, like)
        links += [(event_id, e["lesson_id"]) for e in run]
    for entry in entries:
        if entry["status"] == "late":
            eid = entry["event_id"]
            if eid in existing and existing[eid]["kind"] == "late" and eid not in kept:
                event_id = reuse(eid, entry, entry, entry["minutes"])
            else:
                event_id = new_event("late", entry, entry, entry["minutes"], None)
            links.append((event_id, entry["lesson_id"]))
        elif entry["status"] == "present":
            links.append((None, entry["lesson_id"]))
    conn.executemany(
        "UPDATE roll_entry SET event_id = ? WHERE lesson_id = ? AND student_id = ?",
        [(event_id, lesson_id, student_id) for event_id, lesson_id in links],
    )
    gone = [(eid,) for eid in existing if eid not in kept]
    conn.executemany("DELETE FROM attendance_event WHERE id = ?", gone)
    return created


# --- reading ----------------------------------------------------------------------------------


def for_student(
    conn: sqlite3.Connection,
    student_id: int,
    first: date | None = None,
    last: date | None = None,
    *,
    after: Sequence[Any] | None = None,
    limit: int = 100,
    offset: int = 0,
    newest_first: bool = False,
) -> list[dict[str, Any]]:
    """A student's events from `first` to `last` (both included, both optional), in time
    order (or the newest first). `after`: the key [start "AAAA-MM-JJTHH:MM", id] of the
    last event of the previous page (time order only)."""
    clauses: list[str] = ["e.student_id = ?"]
    params: list[Any] = [student_id]
    if first is not None:
        clauses.append("e.date >= ?")
        params.append(first.isoformat())
    if last is not None:
        clauses.append("e.date <= ?")
        params.append(last.isoformat())
    if after is not None:
        clauses.append("(e.date || 'T' || e.start_time, e.id) > (?, ?)")
        params += [str(after[0]), int(after[1])]
    order = "DESC" if newest_first else "ASC"
    found = rows(
        conn,
        f"SELECT {_EVENT} {_FROM} WHERE {' AND '.join(clauses)} "
        f"ORDER BY e.date {order}, e.start_time {order}, e.id {order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_shaped(r) for r in found]


def count_for_student(conn: sqlite3.Connection, student_id: int) -> int:
    return int(
        scalar(conn, "SELECT count(*) FROM attendance_event WHERE student_id = ?", (student_id,))
    )


def _office_where(
    first: date, last: date, *, unsettled: bool, kind: str | None, excuse_pending: bool
) -> tuple[str, list[Any]]:
    clauses = ["e.date BETWEEN ? AND ?"]
    params: list[Any] = [first.isoformat(), last.isoformat()]
    if unsettled:
        clauses.append("e.justified = 0")
    if kind in KINDS:
        clauses.append("e.kind = ?")
        params.append(kind)
    if excuse_pending:
        clauses.append(
            "EXISTS (SELECT 1 FROM attendance_excuse x WHERE x.event_id = e.id "
            "AND x.status = 'pending')"
        )
    return " WHERE " + " AND ".join(clauses), params


def office_list(
    conn: sqlite3.Connection,
    first: date,
    last: date,
    *,
    unsettled: bool = False,
    kind: str | None = None,
    excuse_pending: bool = False,
    limit: int,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """The events of every student from `first` to `last`, the latest day first (then by
    time, class and name): one page and how many there are. `unsettled`: only those not
    justified; `kind`: "absence" or "late" only; `excuse_pending`: only those with an
    excuse waiting."""
    where, params = _office_where(
        first, last, unsettled=unsettled, kind=kind, excuse_pending=excuse_pending
    )
    total = int(scalar(conn, f"SELECT count(*) FROM attendance_event e{where}", params))
    found = rows(
        conn,
        f"SELECT {_EVENT} {_FROM}{where} ORDER BY e.date DESC, e.start_time, classes, "
        "p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, e.id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_shaped(r) for r in found], total


# --- settling -----------------------------------------------------------------------------------


def settle(
    conn: sqlite3.Connection,
    event_id: int,
    *,
    reason_code: str | None,
    justified: bool,
    comment: str | None = None,
    actor: Actor | None,
    by: int | None = None,
) -> dict[str, Any]:
    """The vie scolaire settles an event: its reason (an active one, or none), justified
    or not, and a comment (None keeps the one it has). A justified event's excuses
    waiting are accepted with it. `by`: who settles it when `actor` is None (a step of a
    larger action, an excuse accepted). Returns the event. CartableError for an unknown
    reason, a justified event without one, a comment too long; NotFound."""
    event = get_event(conn, event_id)
    reason = reasons.choice(conn, reason_code)
    if justified and reason is None:
        raise CartableError(
            N_("Une absence justifiée a un motif : choisissez-le dans la liste."),
            field="reason_code",
        )
    text = (
        event["comment"]
        if comment is None
        else plain_text(comment, "comment", required=False, limit=COMMENT_MAX)
    )
    who = actor.id if actor else by
    with audited(conn, actor, "attendance.justify", target=f"attendance_event:{event_id}") as entry:
        stamp = now_iso()
        conn.execute(
            "UPDATE attendance_event SET reason_code = ?, justified = ?, comment = ?, "
            "settled_at = ?, settled_by = ?, updated_at = ? WHERE id = ?",
            (reason, int(justified), text, stamp, who, stamp, event_id),
        )
        if justified:
            conn.execute(
                "UPDATE attendance_excuse SET status = 'accepted', decided_at = ?, "
                "decided_by = ? WHERE event_id = ? AND status = 'pending'",
                (stamp, who, event_id),
            )
        entry.details = {
            "student_id": event["student_id"],
            "reason_code": reason,
            "justified": bool(justified),
        }
        alerts.check(conn, [event["student_id"]], event["date"][:7])
    return get_event(conn, event_id)
