"""Homework (travail à faire): writing it (`reading` reads it, `progress` has the ticks
and the workload).

A homework item is given to a class or a group in a subject, most often in a lesson; it
has a text (the safe rich text of `appliance.richtext`), a kind (`KINDS`), a due day (a
date, or "for the next lesson" of that class and subject resolved from the timetable when
it is written), an estimated time, attachments (stored contents, `appliance.blobs`) and a
publication time: families see it from then on, its teachers at once.

The services return items as `reading.get` gives them (its module doc has the shape);
they ask no policy: the caller has (`diary.write` on the class in the subject).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from appliance import blobs, richtext, timefmt
from appliance.db import now_iso, transaction
from appliance.errors import CartableError
from appliance.files import quota
from appliance.i18n import N_
from appliance.schoollife.diary import audiences, days
from appliance.schoollife.diary import lessons as diary_lessons
from appliance.schoollife.diary.reading import get, get_attachment
from appliance.security.audit import Actor, audited
from backup.errors import Phrase

KINDS = ("exercise", "homework", "lesson", "test")
KIND_LABELS = {
    "exercise": Phrase(N_("Exercices")),
    "homework": Phrase(N_("Devoir à la maison")),
    "lesson": Phrase(N_("Leçon à apprendre")),
    "test": Phrase(N_("Contrôle")),
}
MAX_TEXT = 20_000
MAX_MINUTES = 600
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class Attachment:
    """A content written to the store (`blobs.write`) and the name it was given."""

    blob: blobs.Blob
    name: str


def store_files(
    files_dir: Path, uploads: Iterable[tuple[BinaryIO, str]], *, max_mb: int
) -> list[Attachment]:
    """Stream each (stream, name) given into the store (`blobs.write`, at most `max_mb`
    MB each: TooLarge naming the file otherwise) and return them as Attachments, to give to
    `create` / `update` which record them with the homework. A content written but never
    recorded (a refused form) is deleted by the weekly clean-up."""
    out = []
    for stream, name in uploads:
        label = blobs.safe_name(name)
        try:
            blob = blobs.write(files_dir, stream, max_bytes=max_mb * 1024 * 1024, field=label)
        except blobs.TooLarge:
            raise blobs.TooLarge(
                N_("Le fichier %(name)s dépasse la taille permise (%(max)s Mo)."),
                field="attachments",
                name=label,
                max=max_mb,
            ) from None
        out.append(Attachment(blob, label))
    if len(out) > MAX_ATTACHMENTS:
        raise _too_many()
    return out


# --- reading what people type ------------------------------------------------------------


def parse_publish_at(value: datetime | str | None) -> str:
    """A publication time as stored (UTC ISO): an aware datetime, or "YYYY-MM-DDTHH:MM"
    (seconds optional) in the school's zone, or an ISO time with its offset; None or ""
    is now. Raises CartableError naming `publish_at`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return now_iso()
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.strip())
    except ValueError:
        raise CartableError(
            N_("Heure de publication « %(value)s » invalide : écrivez AAAA-MM-JJTHH:MM."),
            field="publish_at",
            value=value,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timefmt.zone())
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _minutes(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= MAX_MINUTES:
        raise CartableError(
            N_("Le temps estimé est un nombre de minutes de 0 à %(max)s."),
            field="minutes",
            max=MAX_MINUTES,
        )
    return minutes


def _text(value: str | None) -> str:
    html = richtext.clean_input(value, field="text", max_chars=MAX_TEXT)
    if not richtext.plain(html):
        raise CartableError(N_("Écrivez le travail à faire."), field="text")
    return html


def _kind(value: str | None) -> str:
    if value not in KINDS:
        raise CartableError(
            N_("Type de travail « %(kind)s » inconnu : exercise, homework, lesson ou test."),
            field="kind",
            kind=value,
        )
    return str(value)


# --- writing ------------------------------------------------------------------------------


def _resolve_due(
    conn: sqlite3.Connection,
    audience: dict[str, Any],
    subject_code: str,
    given: date,
    due: date | str | None,
    due_next_lesson: bool,
) -> date:
    if due_next_lesson:
        return date.fromisoformat(
            diary_lessons.next_lesson(conn, audience, subject_code, given)["date"]
        )
    if due is None or (isinstance(due, str) and not due.strip()):
        raise CartableError(
            N_(
                "Donnez la date pour laquelle le travail est à faire, ou choisissez « pour le "
                "prochain cours »."
            ),
            field="due",
        )
    day = days.parse_day(due, "due")
    if day < given:
        raise CartableError(
            N_(
                "Le travail est à faire pour le %(due)s, avant le jour où il est donné (%(given)s)."
            ),
            field="due",
            due=timefmt.fmt_date(day),
            given=timefmt.fmt_date(given),
        )
    return day


def create(
    conn: sqlite3.Connection,
    actor: Actor,
    *,
    audience: dict[str, Any],
    subject_code: str,
    text: str | None,
    kind: str | None = "homework",
    due: date | str | None = None,
    due_next_lesson: bool = False,
    minutes: int | str | None = None,
    lesson_id: int | None = None,
    publish_at: datetime | str | None = None,
    attachments: Sequence[Attachment] = (),
) -> dict[str, Any]:
    """Write a homework item for `audience` (a class or group, `audiences.get`'s shape) in
    `subject_code`, given in `lesson_id` (which must be a lesson of that class and subject)
    or, without a lesson, today. Returns the item; raises CartableError naming the field at
    fault (nothing is written)."""
    subject_code = (subject_code or "").strip()
    if not subject_code:
        raise CartableError(N_("Donnez la matière (son code)."), field="subject_code")
    given = days.local_today()
    if lesson_id is not None:
        lesson = diary_lessons.get(conn, lesson_id)
        if (
            lesson["audience"]["kind"] != audience["kind"]
            or lesson["audience_id"] != audience["id"]
            or lesson["subject_code"] != subject_code
        ):
            raise CartableError(
                N_("Le cours %(lesson_id)s n'est pas un cours de cette classe dans cette matière."),
                field="lesson_id",
                lesson_id=lesson_id,
            )
        given = date.fromisoformat(lesson["date"])
    html = _text(text)
    kind = _kind(kind)
    due_day = _resolve_due(conn, audience, subject_code, given, due, due_next_lesson)
    mins = _minutes(minutes)
    publish = parse_publish_at(publish_at)
    if len(attachments) > MAX_ATTACHMENTS:
        raise _too_many()
    stamp = now_iso()
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO homework (lesson_id, audience_kind, class_id, group_id, subject_code, "
            "subject_label, kind, text_html, due_date, due_next_lesson, minutes, publish_at, "
            "author_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            (
                lesson_id,
                audience["kind"],
                audience["id"] if audience["kind"] == "class" else None,
                audience["id"] if audience["kind"] == "group" else None,
                subject_code,
                audiences.subject_label(conn, subject_code),
                kind,
                html,
                due_day.isoformat(),
                int(bool(due_next_lesson)),
                mins,
                publish,
                actor.id,
                stamp,
                stamp,
            ),
        )
        homework_id = int(cur.lastrowid or 0)
        _attach(conn, homework_id, attachments, actor.id)
    return get(conn, homework_id)


def update(
    conn: sqlite3.Connection,
    actor: Actor,
    homework_id: int,
    *,
    text: str | None,
    kind: str | None,
    due: date | str | None = None,
    due_next_lesson: bool = False,
    minutes: int | str | None = None,
    publish_at: datetime | str | None = None,
    attachments: Sequence[Attachment] = (),
) -> dict[str, Any]:
    """Change a homework item (its text, kind, due day, time, publication) and add
    `attachments`; returns it. "For the next lesson" is resolved again from the day it was
    given. Raises NotFound, or CartableError naming the field at fault."""
    item = get(conn, homework_id)
    html = _text(text)
    kind = _kind(kind)
    given = date.fromisoformat(item["given"])
    due_day = _resolve_due(
        conn, item["audience"], item["subject_code"], given, due, due_next_lesson
    )
    mins = _minutes(minutes)
    publish = parse_publish_at(publish_at) if publish_at else item["publish_at"]
    if len(item["attachments"]) + len(attachments) > MAX_ATTACHMENTS:
        raise _too_many()
    with transaction(conn):
        conn.execute(
            "UPDATE homework SET text_html = ?, kind = ?, due_date = ?, due_next_lesson = ?, "
            "minutes = ?, publish_at = ?, author_id = coalesce(?, author_id), updated_at = ? "
            "WHERE id = ?",
            (
                html,
                kind,
                due_day.isoformat(),
                int(bool(due_next_lesson)),
                mins,
                publish,
                actor.id,
                now_iso(),
                homework_id,
            ),
        )
        _attach(conn, homework_id, attachments, actor.id)
    return get(conn, homework_id)


def _too_many() -> CartableError:
    return CartableError(
        N_("Au plus %(max)s pièces jointes par travail."), field="attachments", max=MAX_ATTACHMENTS
    )


def _attach(
    conn: sqlite3.Connection,
    homework_id: int,
    attachments: Iterable[Attachment],
    owner_id: int | None,
) -> None:
    stamp = now_iso()
    for a in attachments:
        blobs.record(conn, a.blob)
        cur = conn.execute(
            "INSERT INTO homework_attachment (homework_id, sha256, name, created_at) "
            "VALUES (?, ?, ?, ?)",
            (homework_id, a.blob.sha256, blobs.safe_name(a.name), stamp),
        )
        # In the teacher's quota (#14); freed when the attachment or homework goes (trigger).
        if owner_id is not None:
            quota.charge_person(conn, owner_id, a.blob.size, kind="homework_attachment",
                                ref=cur.lastrowid, field="attachments")  # fmt: skip


def delete(conn: sqlite3.Connection, actor: Actor, homework_id: int) -> None:
    """Delete a homework item, its attachments' rows and its ticks (audited
    `diary.homework_delete`; the contents go at the next weekly clean-up). NotFound."""
    item = get(conn, homework_id)
    with audited(conn, actor, "diary.homework_delete", target=f"homework:{homework_id}") as e:
        e.details = {
            "audience": f"{item['audience']['kind']}:{item['audience']['code']}",
            "subject_code": item["subject_code"],
            "due": item["due"],
            "attachments": len(item["attachments"]),
        }
        conn.execute("DELETE FROM homework WHERE id = ?", (homework_id,))


def remove_attachment(conn: sqlite3.Connection, actor: Actor, attachment_id: int) -> None:
    """Take an attachment off its homework (audited `diary.attachment_delete`). NotFound."""
    found = get_attachment(conn, attachment_id)
    with audited(
        conn, actor, "diary.attachment_delete", target=f"homework:{found['homework_id']}"
    ) as entry:
        entry.details = {"attachment": attachment_id, "bytes": found["size"]}
        conn.execute("DELETE FROM homework_attachment WHERE id = ?", (attachment_id,))
