"""Changes to the timetable during the year: a lesson cancelled, moved, given to another
teacher, an extra lesson added, or a change undone; each with a note shown to families.

    cancel(conn, lesson_id, *, note, actor) -> lesson
    move(conn, lesson_id, *, day, start, end, room=KEEP, note, actor) -> lesson
    replace(conn, lesson_id, *, teachers, note, actor) -> lesson
    add(conn, *, day, start, end, subject_code, audience, teachers, room, note, actor) -> lesson
    restore(conn, lesson_id, *, actor) -> lesson
    change(conn, lesson_id, values, *, actor) -> lesson   (the forms' and the API's entry)

Each function validates what it is given (CartableError naming the field: "date",
"start", "end", "room", "teachers", "subject_code", "audience", "note", "status"),
writes and audits in one transaction (`schoollife.lesson_cancel`, `_move`, `_replace`,
`_add`, `_restore`), and returns the lesson in the shape of `lessons.get_lesson`. Who may
change is the caller's question (`timetable.change`); this module asks no policy.

- **cancel**: status `cancelled`, the lesson stays where it is (and keeps what it was
  moved from, so that restoring brings it back).
- **move**: the lesson goes to a new day, time and room (the room is kept unless given);
  its first place is kept as `moved_from` (moving it again keeps the first place).
- **replace**: other teachers (logins of teachers); the planned ones are kept aside
  (`planned_teachers`) the first time, for restoring.
- **add**: an extra lesson (`origin` manual, status `added`) of a class or a group of
  the directory: a later timetable import never deletes it.
- **restore**: the lesson as planned again: at its first place, with its planned teachers,
  without note (an added lesson becomes `added` again).

A move or an added lesson may not overlap another lesson that takes place (not cancelled)
in the same room, of the same class or group, or of one of its teachers; a replacement
teacher may not be teaching elsewhere at that time. The day must be in the school year.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from appliance.db import now_iso, one, rows
from appliance.directory import textsafe
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife import lessons
from appliance.schoollife.year import parse_day, require_year
from appliance.security.audit import Actor, audited
from appliance.timefmt import fmt_date

NOTE_MAX = 200
ROOM_MAX = 40
STATUSES = ("cancelled", "moved", "replaced", "planned")

_CLOCK = re.compile(r"^(\d{1,2})[:hH](\d{2})$")


class _Keep:
    """The room of `move` when none is given: the lesson keeps its room."""


KEEP = _Keep()


@dataclass(frozen=True)
class Slot:
    """A day and a time span of the school's local time ("HH:MM")."""

    day: date
    start: str
    end: str


# --- reading what people type -------------------------------------------------------------


def parse_clock(value: str | None, field: str) -> str:
    """A time of day typed as "8:10", "08:10" or "8h10", as "HH:MM"; CartableError."""
    text = (value or "").strip()
    m = _CLOCK.match(text)
    if m is None or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise CartableError(
            N_("Heure « %(value)s » invalide : écrivez HH:MM, par exemple 08:10."),
            field=field,
            value=text,
        )
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def parse_slot(day: str | date | None, start: str | None, end: str | None) -> Slot:
    """The day and times of a move or an added lesson, checked (end after start)."""
    slot = Slot(parse_day(day, "date"), parse_clock(start, "start"), parse_clock(end, "end"))
    if slot.end <= slot.start:
        raise CartableError(
            N_("L'heure de fin (%(end)s) doit venir après l'heure de début (%(start)s)."),
            field="end",
            start=slot.start,
            end=slot.end,
        )
    return slot


def clean_note(value: str | None) -> str:
    """The note shown to families: one line, at most NOTE_MAX characters."""
    return textsafe.clean_text(value, "note", NOTE_MAX)


def clean_room(value: str | None) -> str:
    return textsafe.clean_text(value, "room", ROOM_MAX)


def _teacher_ids(conn: sqlite3.Connection, logins: Sequence[str] | str | None) -> list[int]:
    """The person ids of active teachers given by login (a list, or one string of logins
    separated by commas or spaces); CartableError (field "teachers") naming a stranger."""
    if isinstance(logins, str):
        logins = [x for x in re.split(r"[\s,;]+", logins) if x]
    wanted = list(dict.fromkeys((x or "").strip().lower() for x in (logins or []) if x.strip()))
    if not wanted:
        raise CartableError(
            N_("Indiquez au moins un professeur (son identifiant)."), field="teachers"
        )
    ids = []
    for login in wanted:
        row = one(
            conn,
            "SELECT id FROM person WHERE login = ? AND profile = 'teacher' AND state = 'active'",
            (login,),
        )
        if row is None:
            raise CartableError(
                N_("« %(login)s » n'est l'identifiant d'aucun professeur en activité."),
                field="teachers",
                login=login,
            )
        ids.append(int(row["id"]))
    return ids


def _audience(conn: sqlite3.Connection, audience: Mapping[str, Any] | str | None) -> dict[str, Any]:
    """A class or a group of the directory, given as {"kind", "code"} or "class:5A"."""
    if isinstance(audience, str):
        kind, _, code = audience.partition(":")
    elif isinstance(audience, Mapping):
        kind, code = str(audience.get("kind") or ""), str(audience.get("code") or "")
    else:
        kind, code = "", ""
    table = {"class": "school_class", "group": "teaching_group"}.get(kind.strip())
    row = (
        one(
            conn,
            f"SELECT id, code FROM {table} WHERE code = ? AND retired_at IS NULL",
            (code.strip(),),
        )
        if table
        else None
    )
    if row is None:
        raise CartableError(
            N_("Classe ou groupe « %(code)s » inconnu : choisissez une classe ou un groupe."),
            field="audience",
            code=code or kind,
        )
    return {"kind": kind.strip(), "id": int(row["id"]), "code": row["code"]}


def _subject(conn: sqlite3.Connection, code: str | None) -> tuple[str, str]:
    code = (code or "").strip()
    row = one(conn, "SELECT code, name FROM subject WHERE code = ?", (code,))
    if row is None:
        raise CartableError(
            N_("Matière « %(code)s » inconnue : choisissez une matière de la liste."),
            field="subject_code",
            code=code,
        )
    return row["code"], row["name"]


# --- checks against the rest of the timetable ------------------------------------------


def _in_year(conn: sqlite3.Connection, day: date) -> None:
    year = require_year(conn)
    if not year.in_year(day):
        raise CartableError(
            N_(
                "Le %(day)s est en dehors de l'année scolaire (du %(start)s au %(end)s) : "
                "choisissez un jour de l'année."
            ),
            field="date",
            day=fmt_date(day),
            start=fmt_date(year.start),
            end=fmt_date(year.end),
        )


def _overlapping(
    conn: sqlite3.Connection, slot: Slot, *, skip: int | None, where: str, params: tuple
) -> dict[str, Any] | None:
    found = rows(
        conn,
        "SELECT l.id, l.start_time, l.end_time, l.subject_label, l.subject_code, "
        "l.audience_code, l.room FROM lesson l WHERE l.date = ? AND l.start_time < ? "
        f"AND l.end_time > ? AND l.status != 'cancelled' AND l.id IS NOT ? AND {where} "
        "ORDER BY l.start_time LIMIT 1",
        (slot.day.isoformat(), slot.end, slot.start, skip, *params),
    )
    return found[0] if found else None


def _what(row: Mapping[str, Any]) -> str:
    """The other lesson in a few words: « Mathématiques (5A) »."""
    return f"{row['subject_label'] or row['subject_code']} ({row['audience_code']})"


def _check_free(
    conn: sqlite3.Connection,
    slot: Slot,
    *,
    skip: int | None,
    room: str,
    class_id: int | None,
    group_id: int | None,
    teacher_ids: Sequence[int],
    teachers_field: str = "start",
) -> None:
    """CartableError when the slot clashes with a lesson that takes place: same room,
    same class or group, or one of the teachers."""
    if room:
        clash = _overlapping(conn, slot, skip=skip, where="l.room = ?", params=(room,))
        if clash:
            raise CartableError(
                N_(
                    "La salle %(room)s est déjà occupée de %(other_start)s à %(other_end)s "
                    "par %(other)s : choisissez une autre salle ou un autre horaire."
                ),
                field="room",
                room=room,
                other=_what(clash),
                other_start=clash["start_time"],
                other_end=clash["end_time"],
            )
    for column, value in (("class_id", class_id), ("group_id", group_id)):
        if value is None:
            continue
        clash = _overlapping(conn, slot, skip=skip, where=f"l.{column} = ?", params=(value,))
        if clash:
            raise CartableError(
                N_(
                    "Cette classe ou ce groupe a déjà cours de %(other_start)s à %(other_end)s "
                    "(%(other)s) : choisissez un autre horaire."
                ),
                field="start",
                other=_what(clash),
                other_start=clash["start_time"],
                other_end=clash["end_time"],
            )
    for teacher_id in teacher_ids:
        clash = _overlapping(
            conn,
            slot,
            skip=skip,
            where="l.id IN (SELECT lesson_id FROM lesson_teacher WHERE person_id = ?)",
            params=(teacher_id,),
        )
        if clash:
            login = one(conn, "SELECT login FROM person WHERE id = ?", (teacher_id,))
            raise CartableError(
                N_(
                    "%(login)s a déjà cours de %(other_start)s à %(other_end)s (%(other)s) : "
                    "choisissez un autre horaire ou un autre professeur."
                ),
                field=teachers_field,
                login=login["login"] if login else teacher_id,
                other=_what(clash),
                other_start=clash["start_time"],
                other_end=clash["end_time"],
            )


# --- the changes ------------------------------------------------------------------------------


def _row(conn: sqlite3.Connection, lesson_id: int) -> dict[str, Any]:
    row = one(conn, "SELECT * FROM lesson WHERE id = ?", (lesson_id,))
    if row is None:
        raise NotFound(N_("Aucun cours n'a le numéro %(lesson_id)s."), lesson_id=lesson_id)
    return row


def _teachers_of(conn: sqlite3.Connection, lesson_id: int) -> list[int]:
    return [
        int(r["person_id"])
        for r in rows(
            conn, "SELECT person_id FROM lesson_teacher WHERE lesson_id = ?", (lesson_id,)
        )
    ]


def _details(row: Mapping[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "date": row["date"],
        "start": row["start_time"],
        "subject_code": row["subject_code"],
        "audience": f"{row['audience_kind']}:{row['audience_code']}",
        **more,
    }


def cancel(conn: sqlite3.Connection, lesson_id: int, *, note: str | None, actor: Actor | None):
    """Cancel a lesson, with a note for families; returns the lesson."""
    text = clean_note(note)
    with audited(conn, actor, "schoollife.lesson_cancel", target=f"lesson:{lesson_id}") as entry:
        row = _row(conn, lesson_id)
        conn.execute(
            "UPDATE lesson SET status = 'cancelled', note = ?, updated_at = ? WHERE id = ?",
            (text, now_iso(), lesson_id),
        )
        entry.details = _details(row, note=bool(text))
        lessons.bump_version(conn)
    return lessons.get_lesson(conn, lesson_id)


def move(
    conn: sqlite3.Connection,
    lesson_id: int,
    *,
    day: str | date | None,
    start: str | None,
    end: str | None,
    room: str | None | _Keep = KEEP,
    note: str | None,
    actor: Actor | None,
):
    """Move a lesson to another day, time (and room); its first place is kept as
    `moved_from`. Returns the lesson."""
    slot = parse_slot(day, start, end)
    text = clean_note(note)
    with audited(conn, actor, "schoollife.lesson_move", target=f"lesson:{lesson_id}") as entry:
        row = _row(conn, lesson_id)
        new_room = row["room"] if isinstance(room, _Keep) else clean_room(room)
        _in_year(conn, slot.day)
        _check_free(
            conn,
            slot,
            skip=lesson_id,
            room=new_room,
            class_id=row["class_id"],
            group_id=row["group_id"],
            teacher_ids=_teachers_of(conn, lesson_id),
        )
        first_place = row["moved_from_date"] is None
        conn.execute(
            "UPDATE lesson SET status = 'moved', note = ?, date = ?, start_time = ?, end_time = ?, "
            "room = ?, moved_from_date = coalesce(moved_from_date, ?), "
            "moved_from_start = coalesce(moved_from_start, ?), "
            "moved_from_end = coalesce(moved_from_end, ?), "
            "moved_from_room = CASE WHEN moved_from_date IS NULL THEN ? ELSE moved_from_room END, "
            "updated_at = ? WHERE id = ?",
            (
                text,
                slot.day.isoformat(),
                slot.start,
                slot.end,
                new_room,
                row["date"],
                row["start_time"],
                row["end_time"],
                row["room"],
                now_iso(),
                lesson_id,
            ),
        )
        entry.details = _details(
            row,
            to={"date": slot.day.isoformat(), "start": slot.start, "end": slot.end},
            room=new_room,
            first_move=first_place,
            note=bool(text),
        )
        lessons.bump_version(conn)
    return lessons.get_lesson(conn, lesson_id)


def replace(
    conn: sqlite3.Connection,
    lesson_id: int,
    *,
    teachers: Sequence[str] | str | None,
    note: str | None,
    actor: Actor | None,
):
    """Give a lesson to other teachers (logins); returns the lesson."""
    text = clean_note(note)
    with audited(conn, actor, "schoollife.lesson_replace", target=f"lesson:{lesson_id}") as entry:
        row = _row(conn, lesson_id)
        ids = _teacher_ids(conn, teachers)
        before = _teachers_of(conn, lesson_id)
        slot = Slot(date.fromisoformat(row["date"]), row["start_time"], row["end_time"])
        _check_free(
            conn,
            slot,
            skip=lesson_id,
            room="",
            class_id=None,
            group_id=None,
            teacher_ids=[t for t in ids if t not in before],
            teachers_field="teachers",
        )
        conn.execute("DELETE FROM lesson_teacher WHERE lesson_id = ?", (lesson_id,))
        conn.executemany(
            "INSERT INTO lesson_teacher (lesson_id, person_id) VALUES (?, ?)",
            [(lesson_id, t) for t in ids],
        )
        conn.execute(
            "UPDATE lesson SET status = 'replaced', note = ?, "
            "planned_teachers = coalesce(planned_teachers, ?), updated_at = ? WHERE id = ?",
            (text, json.dumps(before), now_iso(), lesson_id),
        )
        logins = [
            r["login"]
            for r in rows(
                conn,
                f"SELECT login FROM person WHERE id IN ({','.join('?' * len(ids))}) ORDER BY login",
                ids,
            )
        ]
        entry.details = _details(row, teachers=logins, note=bool(text))
        lessons.bump_version(conn)
    return lessons.get_lesson(conn, lesson_id)


def add(
    conn: sqlite3.Connection,
    *,
    day: str | date | None,
    start: str | None,
    end: str | None,
    subject_code: str | None,
    audience: Mapping[str, Any] | str | None,
    teachers: Sequence[str] | str | None,
    room: str | None,
    note: str | None,
    actor: Actor | None,
):
    """Add an extra lesson (status `added`) for a class or a group; returns it."""
    slot = parse_slot(day, start, end)
    text, place = clean_note(note), clean_room(room)
    with audited(conn, actor, "schoollife.lesson_add") as entry:
        code, label = _subject(conn, subject_code)
        aud = _audience(conn, audience)
        ids = _teacher_ids(conn, teachers)
        _in_year(conn, slot.day)
        class_id = aud["id"] if aud["kind"] == "class" else None
        group_id = aud["id"] if aud["kind"] == "group" else None
        _check_free(
            conn,
            slot,
            skip=None,
            room=place,
            class_id=class_id,
            group_id=group_id,
            teacher_ids=ids,
            teachers_field="teachers",
        )
        stamp = now_iso()
        cur = conn.execute(
            "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
            "audience_kind, audience_code, class_id, group_id, room, status, note, origin, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'added', ?, 'manual', ?)",
            (
                slot.day.isoformat(),
                slot.start,
                slot.end,
                code,
                label,
                aud["kind"],
                aud["code"],
                class_id,
                group_id,
                place,
                text,
                stamp,
            ),
        )
        lesson_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO lesson_teacher (lesson_id, person_id) VALUES (?, ?)",
            [(lesson_id, t) for t in ids],
        )
        entry.target = f"lesson:{lesson_id}"
        entry.details = {
            "date": slot.day.isoformat(),
            "start": slot.start,
            "end": slot.end,
            "subject_code": code,
            "audience": f"{aud['kind']}:{aud['code']}",
            "room": place,
            "note": bool(text),
        }
        lessons.bump_version(conn)
    return lessons.get_lesson(conn, lesson_id)


def restore(conn: sqlite3.Connection, lesson_id: int, *, actor: Actor | None):
    """Undo the changes of a lesson: at its first place, with its planned teachers, no
    note, status `planned` (`added` for an added lesson). Returns the lesson."""
    with audited(conn, actor, "schoollife.lesson_restore", target=f"lesson:{lesson_id}") as entry:
        row = _row(conn, lesson_id)
        if row["moved_from_date"]:
            slot = Slot(
                date.fromisoformat(row["moved_from_date"]),
                row["moved_from_start"],
                row["moved_from_end"],
            )
            _check_free(
                conn,
                slot,
                skip=lesson_id,
                room=row["moved_from_room"] or "",
                class_id=row["class_id"],
                group_id=row["group_id"],
                teacher_ids=[],
            )
        if row["planned_teachers"] is not None:
            conn.execute("DELETE FROM lesson_teacher WHERE lesson_id = ?", (lesson_id,))
            conn.executemany(
                "INSERT OR IGNORE INTO lesson_teacher (lesson_id, person_id) "
                "SELECT ?, id FROM person WHERE id = ?",
                [(lesson_id, t) for t in json.loads(row["planned_teachers"])],
            )
        conn.execute(
            "UPDATE lesson SET status = CASE WHEN origin = 'manual' THEN 'added' ELSE 'planned' "
            "END, note = '', date = coalesce(moved_from_date, date), "
            "start_time = coalesce(moved_from_start, start_time), "
            "end_time = coalesce(moved_from_end, end_time), "
            "room = CASE WHEN moved_from_date IS NULL THEN room "
            "ELSE coalesce(moved_from_room, '') END, "
            "moved_from_date = NULL, moved_from_start = NULL, moved_from_end = NULL, "
            "moved_from_room = NULL, planned_teachers = NULL, updated_at = ? WHERE id = ?",
            (now_iso(), lesson_id),
        )
        entry.details = _details(row, was=row["status"])
        lessons.bump_version(conn)
    return lessons.get_lesson(conn, lesson_id)


def change(
    conn: sqlite3.Connection, lesson_id: int, values: Mapping[str, Any], *, actor: Actor | None
):
    """One change as the forms and the JSON API give it: `status` ("cancelled", "moved",
    "replaced", or "planned" to undo) and the fields that status needs (`note`; `date`,
    `start`, `end`, `room` for a move; `teachers` for a replacement). A move's `start`
    and `end` may also be given as "YYYY-MM-DDTHH:MM" (the API's times), the day then
    taken from `start`. Returns the lesson."""
    status = values.get("status")
    note = values.get("note")
    if status == "cancelled":
        return cancel(conn, lesson_id, note=note, actor=actor)
    if status == "moved":
        if values.get("start") in (None, "") and values.get("date") in (None, ""):
            raise CartableError(
                N_("Un déplacement a besoin du nouvel horaire : jour, début et fin."),
                field="start",
            )
        day, start, end = _day_and_times(values)
        room = values["room"] if "room" in values and values["room"] is not None else KEEP
        return move(
            conn, lesson_id, day=day, start=start, end=end, room=room, note=note, actor=actor
        )
    if status == "replaced":
        return replace(conn, lesson_id, teachers=values.get("teachers"), note=note, actor=actor)
    if status == "planned":
        return restore(conn, lesson_id, actor=actor)
    raise CartableError(
        N_("Changement « %(status)s » inconnu : annulé, déplacé ou remplacé."),
        field="status",
        status=status or "",
    )


def _day_and_times(values: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """(day, start, end) from a form ("date", "HH:MM", "HH:MM") or from the API's
    "YYYY-MM-DDTHH:MM" times (the end's day must be the start's)."""
    start, end, day = values.get("start"), values.get("end"), values.get("date")
    if isinstance(start, str) and "T" in start:
        day, _, start = start.partition("T")
        if isinstance(end, str) and "T" in end:
            end_day, _, end = end.partition("T")
            if end_day != day:
                raise CartableError(N_("Un cours commence et finit le même jour."), field="end")
    return day, start, end


def added_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `add` from a form or the API's body (times as
    "HH:MM" with `date`, or as "YYYY-MM-DDTHH:MM")."""
    day, start, end = _day_and_times(values)
    return {
        "day": day,
        "start": start,
        "end": end,
        "subject_code": values.get("subject_code"),
        "audience": values.get("audience"),
        "teachers": values.get("teachers"),
        "room": values.get("room"),
        "note": values.get("note"),
    }
