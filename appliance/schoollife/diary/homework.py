"""Homework (travail à faire): writing it, reading it, the students' ticks, the workload.

A homework item is given to a class or a group in a subject, most often in a lesson; it
has a text (the safe rich text of `appliance.richtext`), a kind (`KINDS`), a due day (a
date, or "for the next lesson" of that class and subject resolved from the timetable when
it is written), an estimated time, attachments (stored contents, `appliance.blobs`) and a
publication time: families see it from then on, its teachers at once.

Each item, as the services give it:

    {"id", "lesson_id", "audience": {"kind", "id", "code", "name"}, "subject_code",
     "subject", "kind", "text_html", "text", "due": "YYYY-MM-DD", "due_next_lesson",
     "minutes", "publish_at" (UTC ISO), "published", "given" (the day it was given),
     "author": {"id", "login", "first_name", "last_name"} | None,
     "attachments": [{"id", "name", "size", "mime", "inline"}], "created_at", "updated_at"}

plus `done` (one student's tick) or `done_count` and `students` (how many ticked, of how
many) when asked for. The services ask no policy: the caller decides who may see or write
what (`diary.*` rules), and says whether unpublished items are shown (`drafts`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from appliance import blobs, richtext, timefmt
from appliance.db import now_iso, rows, transaction
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife import year as school_year
from appliance.schoollife.diary import audiences
from appliance.schoollife.diary import lessons as diary_lessons
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
# A list asked for a span longer than this is refused (a term is about 90 days).
MAX_SPAN_DAYS = 400
_CHUNK = 500

_COLUMNS = (
    "h.id, h.lesson_id, h.audience_kind, h.class_id, h.group_id, h.subject_code, "
    "h.subject_label, h.kind, h.text_html, h.due_date, h.due_next_lesson, h.minutes, "
    "h.publish_at, h.author_id, h.created_at, h.updated_at, "
    "coalesce(c.code, g.code) AS audience_code, coalesce(c.name, g.name) AS audience_name, "
    "l.date AS lesson_date, a.login AS author_login, a.first_name AS author_first_name, "
    "a.last_name AS author_last_name"
)
_FROM = (
    " FROM homework h LEFT JOIN school_class c ON c.id = h.class_id "
    "LEFT JOIN teaching_group g ON g.id = h.group_id LEFT JOIN lesson l ON l.id = h.lesson_id "
    "LEFT JOIN person a ON a.id = h.author_id"
)
_ORDER = " ORDER BY h.due_date, h.subject_label, h.id"


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


def parse_day(value: date | str | None, field: str) -> date:
    """A day (a `date` or "YYYY-MM-DD"); raises CartableError naming `field`."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise CartableError(
            N_("Date « %(value)s » invalide : écrivez AAAA-MM-JJ."), field=field, value=value
        ) from None


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


def local_today() -> date:
    return school_year.local_today()


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
    day = parse_day(due, "due")
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
    given = local_today()
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
        _attach(conn, homework_id, attachments)
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
        _attach(conn, homework_id, attachments)
    return get(conn, homework_id)


def _too_many() -> CartableError:
    return CartableError(
        N_("Au plus %(max)s pièces jointes par travail."), field="attachments", max=MAX_ATTACHMENTS
    )


def _attach(conn: sqlite3.Connection, homework_id: int, attachments: Iterable[Attachment]) -> None:
    stamp = now_iso()
    for a in attachments:
        blobs.record(conn, a.blob)
        conn.execute(
            "INSERT INTO homework_attachment (homework_id, sha256, name, created_at) "
            "VALUES (?, ?, ?, ?)",
            (homework_id, a.blob.sha256, blobs.safe_name(a.name), stamp),
        )


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


def get_attachment(conn: sqlite3.Connection, attachment_id: int) -> dict[str, Any]:
    """One attachment {"id", "homework_id", "sha256", "name", "size", "mime", "inline"};
    raises NotFound."""
    found = rows(
        conn,
        "SELECT a.id, a.homework_id, a.sha256, a.name, b.size, b.mime FROM homework_attachment a "
        "JOIN blob b ON b.sha256 = a.sha256 WHERE a.id = ?",
        (attachment_id,),
    )
    if not found:
        raise NotFound(N_("Aucune pièce jointe n'a le numéro %(id)s."), id=attachment_id)
    found[0]["inline"] = blobs.inline_type(found[0]["mime"])
    return found[0]


def remove_attachment(conn: sqlite3.Connection, actor: Actor, attachment_id: int) -> None:
    """Take an attachment off its homework (audited `diary.attachment_delete`). NotFound."""
    found = get_attachment(conn, attachment_id)
    with audited(
        conn, actor, "diary.attachment_delete", target=f"homework:{found['homework_id']}"
    ) as entry:
        entry.details = {"attachment": attachment_id, "bytes": found["size"]}
        conn.execute("DELETE FROM homework_attachment WHERE id = ?", (attachment_id,))


# --- reading ------------------------------------------------------------------------------


def _published_clause(drafts: bool, now: str | None) -> tuple[str, list[Any]]:
    if drafts:
        return "", []
    return " AND h.publish_at <= ?", [now or now_iso()]


def _shaped(conn: sqlite3.Connection, found: list[dict[str, Any]], now: str) -> list[dict]:
    files = _attachments(conn, [r["id"] for r in found])
    out = []
    for r in found:
        given = r["lesson_date"] or _local_day(r["created_at"])
        out.append(
            {
                "id": r["id"],
                "lesson_id": r["lesson_id"],
                "audience": {
                    "kind": r["audience_kind"],
                    "id": r["class_id"] if r["audience_kind"] == "class" else r["group_id"],
                    "code": r["audience_code"],
                    "name": r["audience_name"],
                },
                "subject_code": r["subject_code"],
                "subject": r["subject_label"] or r["subject_code"],
                "kind": r["kind"],
                "text_html": r["text_html"],
                "text": richtext.plain(r["text_html"]),
                "due": r["due_date"],
                "due_next_lesson": bool(r["due_next_lesson"]),
                "minutes": r["minutes"],
                "publish_at": r["publish_at"],
                "published": r["publish_at"] <= now,
                "given": given,
                "author": {
                    "id": r["author_id"],
                    "login": r["author_login"],
                    "first_name": r["author_first_name"],
                    "last_name": r["author_last_name"],
                }
                if r["author_login"]
                else None,
                "attachments": files.get(r["id"], []),
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            }
        )
    return out


def _local_day(stamp: str) -> str:
    moment = timefmt.to_local(stamp)
    if isinstance(moment, datetime):
        return moment.date().isoformat()
    return str(stamp)[:10]


def _attachments(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in rows(
            conn,
            "SELECT a.id, a.homework_id, a.name, b.size, b.mime FROM homework_attachment a "
            f"JOIN blob b ON b.sha256 = a.sha256 WHERE a.homework_id IN ({marks}) ORDER BY a.id",
            chunk,
        ):
            homework_id = r.pop("homework_id")
            r["inline"] = blobs.inline_type(r["mime"])
            out.setdefault(homework_id, []).append(r)
    return out


def get(conn: sqlite3.Connection, homework_id: int) -> dict[str, Any]:
    """One homework item (published or not); raises NotFound."""
    found = rows(conn, f"SELECT {_COLUMNS}{_FROM} WHERE h.id = ?", (homework_id,))
    if not found:
        raise NotFound(N_("Aucun travail n'a le numéro %(id)s."), id=homework_id)
    return _shaped(conn, found, now_iso())[0]


def target(item: dict[str, Any], *, with_subject: bool = False) -> dict[str, Any]:
    """The policy's target of a homework item: its class or group (in its subject for
    writing)."""
    return audiences.target(item["audience"], item["subject_code"] if with_subject else None)


def _span(first: date | str, last: date | str) -> tuple[str, str]:
    a, b = parse_day(first, "from"), parse_day(last, "to")
    if b < a:
        raise CartableError(N_("La fin de la période est avant son début."), field="to")
    if (b - a).days > MAX_SPAN_DAYS:
        raise CartableError(N_("Au plus %(max)s jours à la fois."), field="to", max=MAX_SPAN_DAYS)
    return a.isoformat(), b.isoformat()


def for_student(
    conn: sqlite3.Connection,
    student_id: int,
    first: date | str,
    last: date | str,
    *,
    now: str | None = None,
) -> list[dict[str, Any]]:
    """The published homework of a student's classes and groups due from `first` to
    `last` (both included), by due day, each with `done` (their tick)."""
    a, b = _span(first, last)
    now = now or now_iso()
    found = rows(
        conn,
        f"SELECT {_COLUMNS}{_FROM} WHERE h.due_date BETWEEN ? AND ? AND h.publish_at <= ? AND ("
        "h.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) OR "
        "h.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?))" + _ORDER,
        (a, b, now, student_id, student_id),
    )
    items = _shaped(conn, found, now)
    return with_done(conn, items, student_id)


def for_audience(
    conn: sqlite3.Connection,
    audience: dict[str, Any],
    first: date | str,
    last: date | str,
    *,
    drafts: bool = False,
    now: str | None = None,
) -> list[dict[str, Any]]:
    """The homework of one class or group due from `first` to `last`, by due day;
    unpublished items only with `drafts` (its teachers, the direction)."""
    a, b = _span(first, last)
    now = now or now_iso()
    published, extra = _published_clause(drafts, now)
    column = audiences.column(audience["kind"])
    found = rows(
        conn,
        f"SELECT {_COLUMNS}{_FROM} WHERE h.{column} = ? AND h.due_date BETWEEN ? AND ?"
        + published
        + _ORDER,
        (audience["id"], a, b, *extra),
    )
    return _shaped(conn, found, now)


def by_author(
    conn: sqlite3.Connection, teacher_id: int, first: date | str, last: date | str
) -> list[dict[str, Any]]:
    """The homework a teacher gave, due from `first` to `last`, published or not."""
    a, b = _span(first, last)
    found = rows(
        conn,
        f"SELECT {_COLUMNS}{_FROM} WHERE h.author_id = ? AND h.due_date BETWEEN ? AND ?" + _ORDER,
        (teacher_id, a, b),
    )
    return _shaped(conn, found, now_iso())


def given_in(
    conn: sqlite3.Connection, lesson_ids: Sequence[int], *, drafts: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """The homework given in each of `lesson_ids` (lesson id → items, by due day)."""
    now = now_iso()
    published, extra = _published_clause(drafts, now)
    out: dict[int, list[dict[str, Any]]] = {}
    ids = list(lesson_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        found = rows(
            conn,
            f"SELECT {_COLUMNS}{_FROM} WHERE h.lesson_id IN ({marks})" + published + _ORDER,
            (*chunk, *extra),
        )
        for item in _shaped(conn, found, now):
            out.setdefault(item["lesson_id"], []).append(item)
    return out


def visible(
    conn: sqlite3.Connection, homework_id: int, *, drafts: bool, now: str | None = None
) -> dict[str, Any]:
    """One homework item as a reader sees it: NotFound when it is not published yet and
    `drafts` is False (families: an item to come is as absent as an unknown one)."""
    item = get(conn, homework_id)
    if not drafts and item["publish_at"] > (now or now_iso()):
        raise NotFound(N_("Aucun travail n'a le numéro %(id)s."), id=homework_id)
    return item


# --- ticks --------------------------------------------------------------------------------


def set_done(conn: sqlite3.Connection, student_id: int, homework_id: int, done: bool) -> bool:
    """Tick (or untick) a homework as done by the student `student_id` (their own tick:
    the caller has checked the policy). Returns the new state."""
    with transaction(conn):
        if done:
            conn.execute(
                "INSERT OR IGNORE INTO homework_done (homework_id, student_id, done_at) "
                "VALUES (?, ?, ?)",
                (homework_id, student_id, now_iso()),
            )
        else:
            conn.execute(
                "DELETE FROM homework_done WHERE homework_id = ? AND student_id = ?",
                (homework_id, student_id),
            )
    return done


def with_done(
    conn: sqlite3.Connection, items: list[dict[str, Any]], student_id: int
) -> list[dict[str, Any]]:
    """`items` with `done`: whether the student ticked each."""
    ids = [i["id"] for i in items]
    ticked: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        ticked |= {
            r["homework_id"]
            for r in rows(
                conn,
                f"SELECT homework_id FROM homework_done WHERE student_id = ? "
                f"AND homework_id IN ({marks})",
                (student_id, *chunk),
            )
        }
    for item in items:
        item["done"] = item["id"] in ticked
    return items


def with_done_counts(conn: sqlite3.Connection, items: list[dict[str, Any]]) -> list[dict]:
    """`items` with `done_count` (how many of the audience's active students ticked it)
    and `students` (how many it has)."""
    ids = [i["id"] for i in items]
    counts: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in rows(
            conn,
            "SELECT d.homework_id, count(*) AS n FROM homework_done d JOIN person p "
            "ON p.id = d.student_id WHERE p.state = 'active' AND d.homework_id IN "
            f"({marks}) GROUP BY d.homework_id",
            chunk,
        ):
            counts[r["homework_id"]] = r["n"]
    sizes: dict[tuple[str, int], int] = {}
    for item in items:
        key = (item["audience"]["kind"], item["audience"]["id"])
        if key not in sizes:
            sizes[key] = audiences.members(conn, item["audience"])
        item["done_count"] = counts.get(item["id"], 0)
        item["students"] = sizes[key]
    return items


def ticks_of(conn: sqlite3.Connection, student_id: int) -> list[dict[str, Any]]:
    """Every tick of a student with what it is about (their data export)."""
    return rows(
        conn,
        "SELECT d.done_at, h.id AS homework_id, h.due_date AS due, h.subject_code, "
        "h.subject_label AS subject, h.kind, coalesce(c.code, g.code) AS audience "
        "FROM homework_done d JOIN homework h ON h.id = d.homework_id "
        "LEFT JOIN school_class c ON c.id = h.class_id "
        "LEFT JOIN teaching_group g ON g.id = h.group_id WHERE d.student_id = ? "
        "ORDER BY h.due_date, h.id",
        (student_id,),
    )


# --- workload -----------------------------------------------------------------------------


def workload(
    conn: sqlite3.Connection, audience: dict[str, Any], first: date | str, last: date | str
) -> list[dict[str, Any]]:
    """The class's (or group's) work due each day from `first` to `last`: for every day,
    `count` and `minutes` of the heaviest load among its students (each student's own
    classes' and groups' homework, published or not: it is due all the same), or the
    audience's own homework when it has no student yet. Returns [{"date", "count",
    "minutes"}] for every day of the span, in order."""
    a, b = _span(first, last)
    column = audiences.column(audience["kind"])
    membership = "class_membership" if audience["kind"] == "class" else "group_membership"
    per_student = rows(
        conn,
        f"WITH s AS (SELECT m.person_id FROM {membership} m JOIN person p ON p.id = m.person_id "
        f"WHERE m.{column} = ? AND p.profile = 'student' AND p.state = 'active') "
        "SELECT s.person_id, h.due_date, count(*) AS n, sum(coalesce(h.minutes, 0)) AS m "
        "FROM s JOIN homework h ON h.due_date BETWEEN ? AND ? AND ("
        "h.class_id IN (SELECT class_id FROM class_membership WHERE person_id = s.person_id) OR "
        "h.group_id IN (SELECT group_id FROM group_membership WHERE person_id = s.person_id)) "
        "GROUP BY s.person_id, h.due_date",
        (audience["id"], a, b),
    )
    own = rows(
        conn,
        "SELECT due_date, count(*) AS n, sum(coalesce(minutes, 0)) AS m FROM homework "
        f"WHERE {column} = ? AND due_date BETWEEN ? AND ? GROUP BY due_date",
        (audience["id"], a, b),
    )
    heaviest: dict[str, tuple[int, int]] = {}
    for r in [*per_student, *own]:
        n, m = heaviest.get(r["due_date"], (0, 0))
        heaviest[r["due_date"]] = (max(n, r["n"]), max(m, r["m"]))
    out = []
    day, end = date.fromisoformat(a), date.fromisoformat(b)
    while day <= end:
        n, m = heaviest.get(day.isoformat(), (0, 0))
        out.append({"date": day.isoformat(), "count": n, "minutes": m})
        day += timedelta(days=1)
    return out
