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

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife.year import SchoolYear

_COLUMNS = (
    "l.id, l.date, l.start_time, l.end_time, l.subject_code, l.subject_label, "
    "l.audience_kind, l.audience_code, l.room, l.status, l.note, l.moved_from_date, "
    "l.moved_from_start, l.moved_from_end, l.moved_from_room"
)
_NAMES = [c.strip()[2:] for c in _COLUMNS.split(",")]
# Each query answers ONE row, a JSON array of its lessons (teachers included), read in C:
# a row fetched is a round of Python's GIL, and a busy portal has eight threads.
_JSON_FIELDS = ", ".join(f"'{name}', x.{name}" for name in _NAMES)
_JSON_TEACHERS = (
    ", 'teachers', json((SELECT json_group_array(login) FROM (SELECT p.login FROM "
    "lesson_teacher t JOIN person p ON p.id = t.person_id WHERE t.lesson_id = x.id "
    "ORDER BY p.last_name, p.first_name, p.login)))"
)


def _in_time_order(r: Mapping[str, Any]) -> tuple:
    return (r["date"], r["start_time"], r["audience_code"], r["subject_code"], r["id"])


def _in_old_time_order(r: Mapping[str, Any]) -> tuple:
    return (r["moved_from_date"], r["moved_from_start"], r["audience_code"], r["id"])


def _fetch(
    conn: sqlite3.Connection,
    sql: str,
    params: Mapping[str, Any] | tuple,
    *,
    teachers: bool,
    order: Callable[[Mapping[str, Any]], tuple] = _in_time_order,
) -> list[dict[str, Any]]:
    """The lessons `sql` selects (the columns of `_COLUMNS`), shaped, in `order`."""
    fields = _JSON_FIELDS + (_JSON_TEACHERS if teachers else "")
    (text,) = conn.execute(
        f"SELECT json_group_array(json_object({fields})) FROM ({sql}) AS x", params
    ).fetchone()
    found = json.loads(text)
    found.sort(key=order)
    return _shaped(found)


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
    teachers: bool = True,
) -> list[dict[str, Any]]:
    """The lessons from `first` to `last` (both included) of one person, class, group or
    room (or of the whole school without a selector), in time order; see the module doc
    for the shape (`teachers` False: without the lessons' teachers, one query less, each
    lesson's `teachers` empty). Raises CartableError for a malformed day or several
    selectors."""
    a, b = _day(first), _day(last)
    sql, params = _selection(
        "l.date BETWEEN :a AND :b",
        person_id=person_id,
        class_id=class_id,
        group_id=group_id,
        room=room,
    )
    return _fetch(conn, sql, {**params, "a": a, "b": b}, teachers=teachers)


def moved_away_between(
    conn: sqlite3.Connection,
    first: date | str,
    last: date | str,
    *,
    person_id: int | None = None,
    class_id: int | None = None,
    group_id: int | None = None,
    room: str | None = None,
    teachers: bool = True,
) -> list[dict[str, Any]]:
    """The lessons moved away from a day between `first` and `last` (their `moved_from`
    day), to another day or time, of the same selection as `lessons_between`, in the
    order of their old time. A lesson whose room only changed is not in it (it is still
    at its place). Same shape as `lessons_between`."""
    a, b = _day(first), _day(last)
    given = [v for v in (person_id, class_id, group_id, room) if v is not None]
    if len(given) > 1:
        raise CartableError(
            N_("Une seule personne, classe, groupe ou salle à la fois."), field="selector"
        )
    # Moved lessons are few: found through their own index first, then filtered.
    where = (
        "l.moved_from_date BETWEEN :a AND :b AND NOT (l.date = l.moved_from_date "
        "AND l.start_time = l.moved_from_start)"
    )
    params: dict[str, Any] = {"a": a, "b": b}
    if person_id is not None:
        params["p"] = person_id
        where += (
            " AND (l.class_id IN (SELECT class_id FROM class_membership WHERE person_id = :p)"
            " OR l.group_id IN (SELECT group_id FROM group_membership WHERE person_id = :p)"
            " OR l.id IN (SELECT lesson_id FROM lesson_teacher WHERE person_id = :p))"
        )
    elif class_id is not None:
        params["c"] = class_id
        where += " AND l.class_id = :c"
    elif group_id is not None:
        params["g"] = group_id
        where += " AND l.group_id = :g"
    elif room is not None:
        params["r"] = room
        where += " AND l.moved_from_room = :r"
    return _fetch(
        conn,
        f"SELECT {_COLUMNS} FROM lesson l INDEXED BY lesson_moved_from WHERE {where}",
        params,
        teachers=teachers,
        order=_in_old_time_order,
    )


def _selection(
    span: str,
    *,
    person_id: int | None,
    class_id: int | None,
    group_id: int | None,
    room: str | None,
) -> tuple[str, dict[str, Any]]:
    """The SELECT of the lessons matching `span` (SQL on `l`, with :a and :b) of one
    selection, and its parameters; CartableError for several selectors."""
    given = [v for v in (person_id, class_id, group_id, room) if v is not None]
    if len(given) > 1:
        raise CartableError(
            N_("Une seule personne, classe, groupe ou salle à la fois."), field="selector"
        )
    params: dict[str, Any] = {}
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
    return sql, params


def get_lesson(conn: sqlite3.Connection, lesson_id: int) -> dict[str, Any]:
    """One lesson (the shape of `lessons_between`); raises NotFound."""
    found = _fetch(
        conn, f"SELECT {_COLUMNS} FROM lesson l WHERE l.id = ?", (lesson_id,), teachers=True
    )
    if not found:
        raise NotFound(N_("Aucun cours n'a le numéro %(lesson_id)s."), lesson_id=lesson_id)
    return found[0]


def _shaped(found: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "date": r["date"],
            "start": r["start_time"],
            "end": r["end_time"],
            "subject_code": r["subject_code"],
            "subject": r["subject_label"] or r["subject_code"],
            "audience": {"kind": r["audience_kind"], "code": r["audience_code"]},
            "teachers": r.get("teachers") or [],
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


def bump_version(conn: sqlite3.Connection) -> None:
    """Note that the timetable changed (inside the caller's write transaction): what
    pages kept of it is read again (`timetable_version`)."""
    conn.execute("UPDATE timetable_version SET version = version + 1 WHERE id = 1")


def sharing_key(conn: sqlite3.Connection, person_id: int) -> tuple[str, str, int | None, int]:
    """What a person's lessons depend on, in one query: their classes and groups (ids), the
    person themselves when they teach (their lessons are their own), and the timetable's
    version. Two students of the same class and groups have the same key, so the same
    lessons: a page may keep them in memory under it."""
    row = conn.execute(
        "SELECT (SELECT group_concat(class_id) FROM (SELECT class_id FROM class_membership "
        "WHERE person_id = :p ORDER BY class_id)), (SELECT group_concat(group_id) FROM "
        "(SELECT group_id FROM group_membership WHERE person_id = :p ORDER BY group_id)), "
        "EXISTS (SELECT 1 FROM lesson_teacher WHERE person_id = :p), "
        "(SELECT version FROM timetable_version WHERE id = 1)",
        {"p": person_id},
    ).fetchone()
    return (row[0] or "", row[1] or "", person_id if row[2] else None, int(row[3] or 0))


# --- what families read first ---------------------------------------------------------

# How far ahead the home page looks for the next day with lessons (two weeks of holidays
# and the weekends around them).
_HORIZON_DAYS = 21


def changed(lesson: Mapping[str, Any]) -> bool:
    """True for a lesson that is not as the timetable planned it (cancelled, moved,
    replaced, added)."""
    return lesson["status"] != "planned"


def coming_days(
    conn: sqlite3.Connection, person_id: int, today: date, year: SchoolYear | None
) -> dict[str, Any]:
    """What a student's (or a parent's, for a child) home page shows: today's lessons and
    those of the next day that has some (within three weeks), changes first.

    Returns `{"today": day, "next": day | None, "changes": [item, ...]}` where a day is
    `{"date": "YYYY-MM-DD", "lessons": [lesson...], "moved_away": [lesson...],
    "holiday": bool}` (`moved_away`: lessons moved from that day to another time) and
    `changes` lists, in time order, `{"date", "lesson", "moved_away": bool}` for every
    changed lesson of both days and every lesson moved away from them. Lessons come
    without their teachers (`teachers` empty). A year not set gives the days without
    holidays.
    """
    # Most days the next day has lessons: ask for today and tomorrow first, further only
    # when they have none (a weekend, holidays). The home page shows no teachers.
    found = lessons_between(
        conn, today, today + timedelta(days=1), person_id=person_id, teachers=False
    )
    todays = [x for x in found if x["date"] == today.isoformat()]
    later = [x for x in found if x["date"] > today.isoformat()]
    for first, last in ((2, 7), (8, _HORIZON_DAYS)):
        if later:
            break
        later = lessons_between(
            conn,
            today + timedelta(days=first),
            today + timedelta(days=last),
            person_id=person_id,
            teachers=False,
        )
    next_day = later[0]["date"] if later else None
    away = moved_away_between(conn, today, next_day or today, person_id=person_id, teachers=False)
    days = [today.isoformat()] + ([next_day] if next_day else [])

    def day(iso: str, on_day: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "date": iso,
            "lessons": on_day,
            "moved_away": [m for m in away if m["moved_from"]["date"] == iso],
            "holiday": bool(year and year.is_holiday(date.fromisoformat(iso))),
        }

    shown = {
        "today": day(days[0], todays),
        "next": day(next_day, [x for x in later if x["date"] == next_day]) if next_day else None,
    }
    changes: list[dict[str, Any]] = []
    for key in ("today", "next"):
        one_day = shown[key]
        if one_day is None:
            continue
        changes.extend(
            {"date": one_day["date"], "lesson": x, "moved_away": False}
            for x in one_day["lessons"]
            if changed(x)
        )
        changes.extend(
            {"date": one_day["date"], "lesson": x, "moved_away": True}
            for x in one_day["moved_away"]
        )
    changes.sort(
        key=lambda c: (
            c["date"],
            c["lesson"]["moved_from"]["start"] if c["moved_away"] else c["lesson"]["start"],
        )
    )
    return {**shown, "changes": changes}


# --- the JSON API's shape ---------------------------------------------------------------

# `api_shape` written in SQL: the API's week is built by SQLite as one JSON text.
_API_OBJECT = (
    "json_object('id', x.id, 'start', x.date || 'T' || x.start_time, "
    "'end', x.date || 'T' || x.end_time, 'subject_code', x.subject_code, "
    "'subject', CASE WHEN coalesce(x.subject_label, '') != '' THEN x.subject_label "
    "ELSE x.subject_code END, "
    "'audience', json_object('kind', x.audience_kind, 'code', x.audience_code), "
    "'teachers', json((SELECT json_group_array(login) FROM (SELECT p.login FROM "
    "lesson_teacher t JOIN person p ON p.id = t.person_id WHERE t.lesson_id = x.id "
    "ORDER BY p.last_name, p.first_name, p.login))), "
    "'room', nullif(x.room, ''), 'status', x.status, 'note', nullif(x.note, ''), "
    "'moved_from', json(CASE WHEN x.moved_from_date IS NULL THEN NULL ELSE json_object("
    "'start', x.moved_from_date || 'T' || x.moved_from_start, "
    "'end', x.moved_from_date || 'T' || x.moved_from_end, "
    "'room', nullif(x.moved_from_room, '')) END))"
)


def api_json_between(
    conn: sqlite3.Connection,
    first: date | str,
    last: date | str,
    *,
    person_id: int | None = None,
    class_id: int | None = None,
    group_id: int | None = None,
    room: str | None = None,
) -> str:
    """The lessons of `lessons_between`, each in `api_shape`, as the text of one JSON array
    in time order, made by SQLite (the API's week without a Python object per lesson)."""
    a, b = _day(first), _day(last)
    sql, params = _selection(
        "l.date BETWEEN :a AND :b",
        person_id=person_id,
        class_id=class_id,
        group_id=group_id,
        room=room,
    )
    (text,) = conn.execute(
        f"SELECT json_group_array(json(item)) FROM (SELECT {_API_OBJECT} AS item "
        f"FROM ({sql}) AS x ORDER BY x.date, x.start_time, x.audience_code, x.subject_code, "
        "x.id)",
        {**params, "a": a, "b": b},
    ).fetchone()
    return str(text)


def api_shape(lesson: Mapping[str, Any]) -> dict[str, Any]:
    """A lesson as the JSON API gives it: times as `YYYY-MM-DDTHH:MM` (the school's
    local time), `moved_from` as `{"start", "end", "room"}` or None."""
    moved = lesson["moved_from"]
    return {
        "id": lesson["id"],
        "start": f"{lesson['date']}T{lesson['start']}",
        "end": f"{lesson['date']}T{lesson['end']}",
        "subject_code": lesson["subject_code"],
        "subject": lesson["subject"],
        "audience": dict(lesson["audience"]),
        "teachers": list(lesson["teachers"]),
        "room": lesson["room"],
        "status": lesson["status"],
        "note": lesson["note"],
        "moved_from": {
            "start": f"{moved['date']}T{moved['start']}",
            "end": f"{moved['date']}T{moved['end']}",
            "room": moved["room"],
        }
        if moved
        else None,
    }
