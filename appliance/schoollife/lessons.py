"""The timetable's read service: the dated lessons of a person, a class, a group or a
room between two days. Pages, the JSON API and iCal build on it; it asks no policy (the
caller has decided who may see what).

    lessons_between(conn, first, last, *, person_id=None, class_id=None, group_id=None,
                    room=None) -> list[dict]

`first` and `last` are days (a `date` or "YYYY-MM-DD"), both included. At most one
selector is given; none gives every lesson of the school. A person's lessons are those
of their classes and their groups (a student not in the Latin group does not see Latin)
and those they teach (`lesson_teacher`). Each lesson is

    {"id": int, "date": "YYYY-MM-DD", "start": "HH:MM", "end": "HH:MM",
     "subject_code": str, "subject": str,
     "audience": {"kind": "class" | "group", "code": str},
     "teachers": [login, ...], "room": str | None,
     "status": "planned" | "cancelled" | "moved" | "replaced" | "added",
     "note": str | None,
     "moved_from": None | {"date", "start", "end", "room"}}

in time order (day, start, then audience code). Days and times are the school's local
ones. `get_lesson(conn, id)` gives one lesson in the same shape (NotFound otherwise).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import date
from typing import Any

from appliance.errors import CartableError, NotFound
from appliance.i18n import N_

_COLUMNS = (
    "l.id, l.date, l.start_time, l.end_time, l.subject_code, l.subject_label, "
    "l.audience_kind, l.audience_code, l.room, l.status, l.note, l.moved_from_date, "
    "l.moved_from_start, l.moved_from_end, l.moved_from_room"
)
_ORDER = " ORDER BY date, start_time, audience_code, subject_code, id"
_CHUNK = 500


def _day(value: date | str) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as exc:
        raise CartableError(
            N_("Date « %(value)s » invalide : écrivez AAAA-MM-JJ."), field="date", value=value
        ) from exc


def lessons_between(
    conn: sqlite3.Connection,
    first: date | str,
    last: date | str,
    *,
    person_id: int | None = None,
    class_id: int | None = None,
    group_id: int | None = None,
    room: str | None = None,
) -> list[dict[str, Any]]:
    """The lessons from `first` to `last` (both included) of one person, class, group or
    room (or of the whole school without a selector), in time order; see the module doc
    for the shape. Raises CartableError for a malformed day or several selectors."""
    a, b = _day(first), _day(last)
    given = [v for v in (person_id, class_id, group_id, room) if v is not None]
    if len(given) > 1:
        raise CartableError(
            N_("Une seule personne, classe, groupe ou salle à la fois."), field="selector"
        )
    span = "l.date BETWEEN :a AND :b"
    params: dict[str, Any] = {"a": a, "b": b}
    if person_id is not None:
        params["p"] = person_id
        sql = (
            f"SELECT {_COLUMNS} FROM lesson l WHERE {span} AND l.class_id IN "
            "(SELECT class_id FROM class_membership WHERE person_id = :p) "
            f"UNION SELECT {_COLUMNS} FROM lesson l WHERE {span} AND l.group_id IN "
            "(SELECT group_id FROM group_membership WHERE person_id = :p) "
            f"UNION SELECT {_COLUMNS} FROM lesson_teacher t JOIN lesson l ON l.id = t.lesson_id "
            f"WHERE t.person_id = :p AND {span}"
        )
    elif class_id is not None:
        params["c"] = class_id
        sql = f"SELECT {_COLUMNS} FROM lesson l WHERE l.class_id = :c AND {span}"
    elif group_id is not None:
        params["g"] = group_id
        sql = f"SELECT {_COLUMNS} FROM lesson l WHERE l.group_id = :g AND {span}"
    elif room is not None:
        params["r"] = room
        sql = f"SELECT {_COLUMNS} FROM lesson l WHERE l.room = :r AND {span}"
    else:
        sql = f"SELECT {_COLUMNS} FROM lesson l WHERE {span}"
    found = conn.execute(sql + _ORDER, params).fetchall()
    return _shaped(conn, found)


def get_lesson(conn: sqlite3.Connection, lesson_id: int) -> dict[str, Any]:
    """One lesson (the shape of `lessons_between`); raises NotFound."""
    found = conn.execute(f"SELECT {_COLUMNS} FROM lesson l WHERE l.id = ?", (lesson_id,)).fetchall()
    if not found:
        raise NotFound(N_("Aucun cours n'a le numéro %(lesson_id)s."), lesson_id=lesson_id)
    return _shaped(conn, found)[0]


def _teachers(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for lesson_id, login in conn.execute(
            "SELECT t.lesson_id, p.login FROM lesson_teacher t JOIN person p ON p.id = t.person_id "
            f"WHERE t.lesson_id IN ({marks}) ORDER BY p.last_name, p.first_name, p.login",
            chunk,
        ):
            out.setdefault(lesson_id, []).append(login)
    return out


def _shaped(conn: sqlite3.Connection, found: Iterable[sqlite3.Row]) -> list[dict[str, Any]]:
    found = list(found)
    teachers = _teachers(conn, [r["id"] for r in found])
    return [
        {
            "id": r["id"],
            "date": r["date"],
            "start": r["start_time"],
            "end": r["end_time"],
            "subject_code": r["subject_code"],
            "subject": r["subject_label"] or r["subject_code"],
            "audience": {"kind": r["audience_kind"], "code": r["audience_code"]},
            "teachers": teachers.get(r["id"], []),
            "room": r["room"] or None,
            "status": r["status"],
            "note": r["note"] or None,
            "moved_from": {
                "date": r["moved_from_date"],
                "start": r["moved_from_start"],
                "end": r["moved_from_end"],
                "room": r["moved_from_room"] or None,
            }
            if r["moved_from_date"]
            else None,
        }
        for r in found
    ]
