"""A work to hand in (devoir à rendre): given by a teacher to a class or a group.

A work has a title, a subject, instructions (the safe rich text of `appliance.richtext`),
the teacher's files (stored contents counted in the teacher's quota, kind
"assignment_attachment"), a due time (stored UTC, typed and shown in the school's zone)
and whether a late hand-in is accepted. Its audience is a class or a group in the shape of
`appliance.schoollife.diary.audiences` (`{"kind", "id", "code", "name"}`), the same the
cahier de textes and its API use (`class:5A`, `{"kind": "class", "code": "5A"}`).

`get` returns a work as:

    {"id", "audience", "subject_code", "subject", "title", "instructions_html",
     "instructions" (plain), "due_at" (UTC ISO), "late_allowed", "author_id",
     "author": {"id", "login", "name"} | None, "attachments": [{"id", "name", "size",
     "mime", "sha256"}], "created_at"}

The services ask no policy: the caller has (`assignments.give` and `assignments.write` on
the audience in the subject to create; `assignments.follow` to delete).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from appliance import blobs, richtext, timefmt
from appliance.community import notifications
from appliance.db import now_iso, one, rows, transaction
from appliance.errors import CartableError, NotFound
from appliance.files import quota
from appliance.i18n import N_
from appliance.schoollife.diary import audiences
from appliance.security.audit import Actor, audited

MAX_TITLE = 200
MAX_INSTRUCTIONS = 20_000
MAX_FILES = 10
ATTACHMENT_KIND = "assignment_attachment"


@dataclass(frozen=True)
class Upload:
    """A content written to the store (`blobs.write`) and the name it was given."""

    blob: blobs.Blob
    name: str


# --- reading what people type ------------------------------------------------------------


def parse_due(value: datetime | str | None, field: str = "due") -> str:
    """A due time as stored (UTC ISO): an aware datetime, or "YYYY-MM-DDTHH:MM" (seconds
    optional, a space allowed for the T) in the school's zone, or an ISO time with its
    offset. Raises CartableError naming `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CartableError(
            N_("Donnez la date et l'heure limites de remise (AAAA-MM-JJTHH:MM)."), field=field
        )
    try:
        moment = (
            value
            if isinstance(value, datetime)
            else datetime.fromisoformat(value.strip().replace(" ", "T", 1))
        )
    except ValueError:
        raise CartableError(
            N_("Date limite « %(value)s » invalide : écrivez AAAA-MM-JJTHH:MM."),
            field=field,
            value=value,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timefmt.zone())
    try:
        return moment.astimezone(UTC).replace(microsecond=0).isoformat()
    except (OverflowError, ValueError):
        raise CartableError(
            N_("Date limite « %(value)s » invalide : écrivez AAAA-MM-JJTHH:MM."),
            field=field,
            value=value,
        ) from None


def _title(value: str | None) -> str:
    title = " ".join((value or "").split())
    if not title:
        raise CartableError(N_("Donnez un titre au devoir."), field="title")
    if len(title) > MAX_TITLE:
        raise CartableError(
            N_("Le titre a au plus %(max)s caractères."), field="title", max=MAX_TITLE
        )
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or 0x200B <= ord(c) <= 0x200F for c in title):
        raise CartableError(N_("Le titre contient des caractères invisibles."), field="title")
    return title


def _subject(conn: sqlite3.Connection, code: str | None) -> tuple[str, str]:
    code = (code or "").strip()
    if not code:
        raise CartableError(N_("Donnez la matière (son code)."), field="subject_code")
    return code, audiences.subject_label(conn, code)


# --- files --------------------------------------------------------------------------------


def store_files(
    files_dir: Path,
    uploads: Iterable[tuple[BinaryIO, str]],
    *,
    max_bytes: int,
    room: int | None = None,
) -> list[Upload]:
    """Stream each (stream, name) into the store, each at most `max_bytes` (blobs.TooLarge
    naming the file otherwise) and all together at most `room` (the owner's free space:
    QuotaExceeded as soon as it is passed, the file being written deleted). A content
    written but never recorded (a refused form) goes at the weekly clean-up."""
    out: list[Upload] = []
    left = room
    for stream, name in uploads:
        label = blobs.safe_name(name)
        limit = max_bytes if left is None else min(max_bytes, left)
        try:
            blob = blobs.write(files_dir, stream, max_bytes=limit, field="file")
        except blobs.TooLarge:
            if left is not None and left < max_bytes:
                raise quota.QuotaExceeded(
                    N_(
                        "Espace de stockage plein : le fichier %(name)s ne tient pas dans la "
                        "place libre (%(free)s)."
                    ),
                    field="file",
                    name=label,
                    free=quota.human_size(max(0, left)),
                ) from None
            raise blobs.TooLarge(
                N_("Le fichier %(name)s dépasse la taille permise (%(max)s Mo)."),
                field="file",
                name=label,
                max=max(1, max_bytes // quota.MB),
            ) from None
        out.append(Upload(blob, label))
        if left is not None:
            left -= blob.size
        if len(out) > MAX_FILES:
            raise too_many()
    return out


def too_many() -> CartableError:
    return CartableError(N_("Au plus %(max)s fichiers à la fois."), field="file", max=MAX_FILES)


def max_upload_bytes(config_values: Mapping[str, Any]) -> int:
    return int(config_values["files.max_upload_mb"]) * quota.MB


# --- reading ------------------------------------------------------------------------------

_SELECT = (
    "SELECT a.id, a.audience_kind, coalesce(a.class_id, a.group_id) AS audience_id, "
    "coalesce(c.code, g.code) AS audience_code, coalesce(c.name, g.name) AS audience_name, "
    "a.subject_code, a.subject_label, a.title, a.instructions_html, a.due_at, a.late_allowed, "
    "a.author_id, p.login AS author_login, p.first_name AS author_first, "
    "p.last_name AS author_last, a.created_at FROM assignment a "
    "LEFT JOIN school_class c ON c.id = a.class_id "
    "LEFT JOIN teaching_group g ON g.id = a.group_id "
    "LEFT JOIN person p ON p.id = a.author_id"
)


def _shape(r: dict[str, Any], files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "audience": {
            "kind": r["audience_kind"],
            "id": r["audience_id"],
            "code": r["audience_code"],
            "name": r["audience_name"],
        },
        "subject_code": r["subject_code"],
        "subject": r["subject_label"],
        "title": r["title"],
        "instructions_html": r["instructions_html"],
        "instructions": richtext.plain(r["instructions_html"]),
        "due_at": r["due_at"],
        "late_allowed": bool(r["late_allowed"]),
        "author_id": r["author_id"],
        "author": {
            "id": r["author_id"],
            "login": r["author_login"],
            "name": f"{r['author_first']} {r['author_last']}",
        }
        if r["author_login"]
        else None,
        "attachments": files,
        "created_at": r["created_at"],
    }


def _attachments(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for r in rows(
        conn,
        "SELECT f.id, f.assignment_id, f.name, f.size, f.sha256, coalesce(b.mime, "
        "'application/octet-stream') AS mime FROM assignment_attachment f "
        f"LEFT JOIN blob b ON b.sha256 = f.sha256 WHERE f.assignment_id IN ({marks}) "
        "ORDER BY f.id",
        tuple(ids),
    ):
        out[r.pop("assignment_id")].append(r)
    return out


def _many(conn: sqlite3.Connection, where: str, params: tuple, tail: str = "") -> list[dict]:
    found = rows(conn, f"{_SELECT} WHERE {where} {tail}", params)
    files = _attachments(conn, [r["id"] for r in found])
    return [_shape(r, files[r["id"]]) for r in found]


def get(conn: sqlite3.Connection, assignment_id: int) -> dict[str, Any]:
    """The work `assignment_id` (the module doc's shape); raises NotFound."""
    found = _many(conn, "a.id = ?", (int(assignment_id),))
    if not found:
        raise NotFound(N_("Aucun devoir à rendre n'a le numéro %(id)s."), id=assignment_id)
    return found[0]


def target(item: Mapping[str, Any]) -> dict[str, Any]:
    """The policy's target for a work: its class or group in its subject, with its author
    (`teaches`, `member_of`, `parent_of_member`, `author_of` hold on it); the work itself
    in "item"."""
    return {
        "kind": item["audience"]["kind"],
        "id": item["audience"]["id"],
        "subject_code": item["subject_code"],
        "author_id": item["author_id"],
        "item": item,
    }


def get_attachment(conn: sqlite3.Connection, attachment_id: int) -> dict[str, Any]:
    found = one(
        conn,
        "SELECT f.id, f.assignment_id, f.name, f.size, f.sha256, coalesce(b.mime, "
        "'application/octet-stream') AS mime FROM assignment_attachment f "
        "LEFT JOIN blob b ON b.sha256 = f.sha256 WHERE f.id = ?",
        (int(attachment_id),),
    )
    if found is None:
        raise NotFound(N_("Aucun fichier n'a le numéro %(id)s."), id=attachment_id)
    return found


def for_audiences(
    conn: sqlite3.Connection, student_id: int, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """The works given to the classes and groups of a student, soonest due first (those
    still to hand in first, then the past ones, latest first)."""
    tail = "ORDER BY (a.due_at < ?), CASE WHEN a.due_at >= ? THEN a.due_at END, a.due_at DESC, a.id"
    stamp = now_iso()
    params: tuple = (student_id, student_id, stamp, stamp)
    if limit is not None:
        tail += " LIMIT ? OFFSET ?"
        params += (int(limit), int(offset))
    return _many(conn, _FOR_STUDENT, params, tail)


_FOR_STUDENT = (
    "(a.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) "
    "OR a.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?))"
)


def count_for_student(conn: sqlite3.Connection, student_id: int) -> int:
    return int(
        conn.execute(
            f"SELECT count(*) FROM assignment a WHERE {_FOR_STUDENT}", (student_id, student_id)
        ).fetchone()[0]
    )


def by_author(
    conn: sqlite3.Connection, author_id: int, *, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """The works a teacher gave, latest due first."""
    tail = "ORDER BY a.due_at DESC, a.id DESC"
    params: tuple = (author_id,)
    if limit is not None:
        tail += " LIMIT ? OFFSET ?"
        params += (int(limit), int(offset))
    return _many(conn, "a.author_id = ?", params, tail)


def count_by_author(conn: sqlite3.Connection, author_id: int) -> int:
    found = conn.execute("SELECT count(*) FROM assignment WHERE author_id = ?", (author_id,))
    return int(found.fetchone()[0])


def student_ids(conn: sqlite3.Connection, audience: Mapping[str, Any]) -> list[int]:
    """The active students of a class or group."""
    membership = "class_membership" if audience["kind"] == "class" else "group_membership"
    column = audiences.column(audience["kind"])
    return [
        r[0]
        for r in conn.execute(
            f"SELECT p.id FROM {membership} m JOIN person p ON p.id = m.person_id "
            f"WHERE m.{column} = ? AND p.profile = 'student' AND p.state = 'active'",
            (audience["id"],),
        )
    ]


# --- writing ------------------------------------------------------------------------------


def create(
    conn: sqlite3.Connection,
    config_values: Mapping[str, Any],
    actor: Actor,
    author: Mapping[str, Any],
    *,
    audience: Mapping[str, Any],
    subject_code: str | None,
    title: str | None,
    instructions: str | None,
    due: datetime | str | None,
    late_allowed: bool = False,
    files: Sequence[Upload] = (),
) -> dict[str, Any]:
    """Give a work to `audience` (a class or group) in `subject_code`; `files` (written by
    `store_files`) count in the author's quota. The students of the audience find it in
    their notification timeline. Returns the work; raises CartableError naming the field
    at fault, QuotaExceeded (nothing written)."""
    code, label = _subject(conn, subject_code)
    title = _title(title)
    html = richtext.clean_input(
        instructions or "", field="instructions", max_chars=MAX_INSTRUCTIONS
    )
    due_at = parse_due(due)
    if due_at <= now_iso():
        raise CartableError(
            N_("La date limite (%(due)s) est déjà passée."),
            field="due",
            due=timefmt.fmt_datetime(due_at),
        )
    if len(files) > MAX_FILES:
        raise too_many()
    stamp = now_iso()
    with audited(conn, actor, "assignments.create") as entry:
        cur = conn.execute(
            "INSERT INTO assignment (audience_kind, class_id, group_id, subject_code, "
            "subject_label, title, instructions_html, due_at, late_allowed, author_id, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                audience["kind"],
                audience["id"] if audience["kind"] == "class" else None,
                audience["id"] if audience["kind"] == "group" else None,
                code,
                label,
                title,
                html,
                due_at,
                int(bool(late_allowed)),
                author["id"],
                stamp,
                stamp,
            ),
        )
        assignment_id = int(cur.lastrowid or 0)
        for f in files:
            blobs.record(conn, f.blob)
            att = conn.execute(
                "INSERT INTO assignment_attachment (assignment_id, sha256, name, size, "
                "created_at) VALUES (?, ?, ?, ?, ?)",
                (assignment_id, f.blob.sha256, f.name, f.blob.size, stamp),
            ).lastrowid
            quota.charge(conn, config_values, author, f.blob.size, kind=ATTACHMENT_KIND, ref=att)
        entry.target = f"assignment:{assignment_id}"
        entry.details = {
            "audience": f"{audience['kind']}:{audience['code']}",
            "subject_code": code,
            "due": due_at,
            "files": len(files),
        }
        _notify(conn, assignment_id, audience, title, due_at, author["id"])
    return get(conn, assignment_id)


def _notify(
    conn: sqlite3.Connection,
    assignment_id: int,
    audience: Mapping[str, Any],
    title: str,
    due_at: str,
    author_id: int,
) -> None:
    notifications.emit(
        conn,
        student_ids(conn, audience),
        "assignment",
        f"Devoir à rendre ({audience['code']}) : {title}, pour le {timefmt.fmt_datetime(due_at)}",
        f"/devoirs-a-rendre/{assignment_id}",
        actor_id=author_id,
        ref=f"assignment:{assignment_id}",
    )


def delete(conn: sqlite3.Connection, actor: Actor, assignment_id: int) -> None:
    """Delete a work with its files, hand-ins and extensions (audited; the space they took
    is freed in the same transaction, the contents go at the weekly clean-up)."""
    item = get(conn, assignment_id)
    with audited(conn, actor, "assignments.delete", target=f"assignment:{assignment_id}") as e:
        handed = conn.execute(
            "SELECT count(*) FROM submission WHERE assignment_id = ?", (assignment_id,)
        ).fetchone()[0]
        e.details = {"title": item["title"], "submissions": handed}
        with transaction(conn):
            for f in item["attachments"]:
                quota.release(conn, kind=ATTACHMENT_KIND, ref=f["id"])
            conn.execute("DELETE FROM assignment WHERE id = ?", (assignment_id,))
