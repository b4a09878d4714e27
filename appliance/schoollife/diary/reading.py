"""Reading homework: one item, a student's, a class's or group's, a teacher's, the
items given in some lessons.

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
from collections.abc import Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from appliance import blobs, richtext, timefmt
from appliance.db import now_iso, rows
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.schoollife.diary import audiences, days, progress

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


def _published_clause(drafts: bool, now: str | None) -> tuple[str, list[Any]]:
    if drafts:
        return "", []
    return " AND h.publish_at <= ?", [now or now_iso()]


@lru_cache(maxsize=4096)
def _plain(text_html: str) -> str:
    """`richtext.plain` of a stored text, kept: the students of a class read the same
    items (their home pages at 8:00, issue 11's benchmark), the text changes rarely."""
    return richtext.plain(text_html)


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
                "text": _plain(r["text_html"]),
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
    a, b = days.span(first, last)
    now = now or now_iso()
    found = rows(
        conn,
        f"SELECT {_COLUMNS}{_FROM} WHERE h.due_date BETWEEN ? AND ? AND h.publish_at <= ? AND ("
        "h.class_id IN (SELECT class_id FROM class_membership WHERE person_id = ?) OR "
        "h.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ?))" + _ORDER,
        (a, b, now, student_id, student_id),
    )
    items = _shaped(conn, found, now)
    return progress.with_done(conn, items, student_id)


def student_index(
    conn: sqlite3.Connection, student_id: int, first: date | str, last: date | str
) -> list[dict[str, Any]]:
    """What `for_student` would give, reduced to what sorting and counting need: `id`,
    `due`, `subject` and `done`, without the texts and files (the home page shapes only
    the few it shows, with `for_student_ids`)."""
    a, b = days.span(first, last)
    now = now_iso()
    # One branch per kind of audience (an item has either a class or a group), so that
    # each reads its index on (audience, due day) over the span only, not every item of
    # the student's classes and groups of the year.
    branch = (
        "SELECT h.id, h.due_date AS due, coalesce(h.subject_label, h.subject_code) AS subject, "
        "d.student_id IS NOT NULL AS done FROM homework h LEFT JOIN homework_done d ON "
        "d.homework_id = h.id AND d.student_id = ? WHERE h.{column} IN (SELECT {column} FROM "
        "{members} WHERE person_id = ?) AND h.due_date BETWEEN ? AND ? AND h.publish_at <= ?"
    )
    return [
        {**r, "done": bool(r["done"])}
        for r in rows(
            conn,
            branch.format(column="class_id", members="class_membership")
            + " UNION ALL "
            + branch.format(column="group_id", members="group_membership"),
            (student_id, student_id, a, b, now) * 2,
        )
    ]


def student_soonest(
    conn: sqlite3.Connection, student_id: int, first: date | str, last: date | str, limit: int
) -> dict[str, Any]:
    """The first `limit` items of `student_index`'s in the home page's order (due day, not
    done first, subject, id), sorted, cut and counted by SQLite: {"chosen": their index
    rows (id, due, subject, done), "shown": their `shown_columns`, "count": how many in
    the span}. One query; only the chosen few are read whole."""
    a, b = days.span(first, last)
    now = now_iso()
    branch = (
        "SELECT h.id, h.due_date AS due, coalesce(h.subject_label, h.subject_code) AS subject, "
        "d.student_id IS NOT NULL AS done FROM homework h LEFT JOIN homework_done d ON "
        "d.homework_id = h.id AND d.student_id = ? WHERE h.{column} IN (SELECT {column} FROM "
        "{members} WHERE person_id = ?) AND h.due_date BETWEEN ? AND ? AND h.publish_at <= ?"
    )
    order = "ORDER BY {t}due, {t}done, coalesce({t}subject, ''), {t}id"
    sql = (
        "WITH s AS ("
        + branch.format(column="class_id", members="class_membership")
        + " UNION ALL "
        + branch.format(column="group_id", members="group_membership")
        + "), top AS (SELECT s.*, count(*) OVER () AS total FROM s "
        + order.format(t="")
        + " LIMIT ?) SELECT top.id, top.due, top.subject, top.done, top.total, "
        "h.subject_label, h.subject_code, h.kind, h.due_date, h.text_html "
        "FROM top JOIN homework h ON h.id = top.id " + order.format(t="top.")
    )
    found = conn.execute(sql, ((student_id, student_id, a, b, now) * 2) + (max(limit, 1),))
    chosen, shown, count = [], [], 0
    for r in found.fetchall():
        count = r[4]
        chosen.append({"id": r[0], "due": r[1], "subject": r[2], "done": bool(r[3])})
        shown.append((r[0], r[5], r[6], r[7], r[8], r[9]))
    if limit <= 0:
        chosen, shown = [], []
    return {"chosen": chosen, "shown": shown, "count": count}


def shown_columns(conn: sqlite3.Connection, ids: list[int]) -> list[tuple]:
    """The stored columns a list of items shows (id, subject label and code, kind, due
    day, text), in the order of `ids`: what the home page's kept block depends on."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found = {
        r[0]: tuple(r)
        for r in conn.execute(
            "SELECT id, subject_label, subject_code, kind, due_date, text_html FROM homework "
            f"WHERE id IN ({marks})",
            ids,
        )
    }
    return [found[i] for i in ids if i in found]


def for_student_ids(
    conn: sqlite3.Connection, student_id: int, ids: list[int]
) -> list[dict[str, Any]]:
    """The homework `ids` (from `student_index`) as `for_student` shapes them, in the
    order given."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    found = rows(conn, f"SELECT {_COLUMNS}{_FROM} WHERE h.id IN ({marks})", ids)
    by_id = {
        i["id"]: i for i in progress.with_done(conn, _shaped(conn, found, now_iso()), student_id)
    }
    return [by_id[i] for i in ids if i in by_id]


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
    a, b = days.span(first, last)
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
    a, b = days.span(first, last)
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
