"""The content of each lesson (what was done), and the cahier de textes of a class or a
group read lesson by lesson.

An entry is `{"lesson_id", "content_html", "content", "author": {...} | None,
"updated_at"}`. The cahier of a class or group over some days is its lessons in time
order, each `{"lesson": <timetable lesson>, "entry": <entry> | None, "homework": [...]}`
(the homework given in that lesson). The services ask no policy; the caller does
(`diary.write` on the lesson's class in its subject, `diary.read` on the class).
"""

from __future__ import annotations

import html as htmllib
import sqlite3
from datetime import date
from typing import Any

from appliance import richtext
from appliance.db import now_iso, one, rows, transaction
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.schoollife.diary import lessons as diary_lessons
from appliance.schoollife.diary import reading
from appliance.security.audit import Actor, audited

_CHUNK = 500
_ENTRY = (
    "SELECT e.lesson_id, e.content_html, e.author_id, e.updated_at, p.login, p.first_name, "
    "p.last_name FROM diary_entry e LEFT JOIN person p ON p.id = e.author_id"
)


def _shaped(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "lesson_id": r["lesson_id"],
        "content_html": r["content_html"],
        "content": richtext.plain(r["content_html"]),
        "author": {
            "id": r["author_id"],
            "login": r["login"],
            "first_name": r["first_name"],
            "last_name": r["last_name"],
        }
        if r["login"]
        else None,
        "updated_at": r["updated_at"],
    }


def get(conn: sqlite3.Connection, lesson_id: int) -> dict[str, Any] | None:
    """The content of a lesson, or None when nothing was written."""
    found = one(conn, _ENTRY + " WHERE e.lesson_id = ?", (lesson_id,))
    return _shaped(found) if found else None


def of_lessons(conn: sqlite3.Connection, lesson_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Lesson id → its entry, for the lessons that have one."""
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(lesson_ids), _CHUNK):
        chunk = lesson_ids[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for r in rows(conn, _ENTRY + f" WHERE e.lesson_id IN ({marks})", chunk):
            out[r["lesson_id"]] = _shaped(r)
    return out


def write(
    conn: sqlite3.Connection, actor: Actor, lesson_id: int, content: str | None
) -> dict[str, Any] | None:
    """Set the content of a lesson (rich text, cleaned on the way in). An empty content
    removes what was written (audited `diary.content_delete`). Returns the entry (None once
    removed); raises NotFound for an unknown lesson, CartableError for a text too long."""
    lesson = diary_lessons.get(conn, lesson_id)
    if lesson["audience_id"] is None:
        raise CartableError(
            N_("Le groupe %(code)s de ce cours n'est pas dans l'annuaire : rien ne s'y écrit."),
            field="content",
            code=lesson["audience"]["code"],
        )
    html = richtext.clean_input(content, field="content")
    if not richtext.plain(html):
        remove(conn, actor, lesson_id)
        return None
    stamp = now_iso()
    with transaction(conn):
        conn.execute(
            "INSERT INTO diary_entry (lesson_id, content_html, author_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (lesson_id) DO UPDATE SET "
            "content_html = excluded.content_html, author_id = excluded.author_id, "
            "updated_at = excluded.updated_at",
            (lesson_id, html, actor.id, stamp, stamp),
        )
    return get(conn, lesson_id)


def remove(conn: sqlite3.Connection, actor: Actor, lesson_id: int) -> bool:
    """Remove the content of a lesson (audited `diary.content_delete`); False when there
    was none (nothing written, no audit row)."""
    with audited(conn, actor, "diary.content_delete", target=f"lesson:{lesson_id}") as entry:
        gone = conn.execute("DELETE FROM diary_entry WHERE lesson_id = ?", (lesson_id,)).rowcount
        if not gone:
            entry.skip()
    return bool(gone)


def cahier(
    conn: sqlite3.Connection,
    audience: dict[str, Any],
    first: date,
    last: date,
    *,
    drafts: bool = False,
    teacher_login: str | None = None,
    filled_only: bool = False,
) -> list[dict[str, Any]]:
    """The cahier de textes of a class or group from `first` to `last`: its lessons in
    time order with their content and the homework given in them (unpublished homework
    only with `drafts`). `teacher_login`: the lessons of one teacher only (a visa is on a
    teacher's cahier); `filled_only`: only the lessons with something written (families
    read what there is, not the empty slots)."""
    found = diary_lessons.of_audience(conn, audience, first, last)
    if teacher_login:
        found = [lesson for lesson in found if teacher_login in lesson["teachers"]]
    ids = [lesson["id"] for lesson in found]
    contents = of_lessons(conn, ids)
    given = reading.given_in(conn, ids, drafts=drafts)
    out = []
    for lesson in found:
        entry, items = contents.get(lesson["id"]), given.get(lesson["id"], [])
        if filled_only and entry is None and not items:
            continue
        out.append({"lesson": lesson, "entry": entry, "homework": items})
    return out


def editable(html: str | None) -> str:
    """What a form's text box shows of a stored text: the plain text it was typed as, when
    it was typed as plain text (paragraphs and line breaks only: it reads back the same),
    else its cleaned HTML."""
    html = html or ""
    if html.startswith("<p>") and html.endswith("</p>"):
        inner = html[3:-4].replace("</p><p>", "\n\n").replace("<br>", "\n")
        typed = htmllib.unescape(inner)
        if richtext.from_plain(typed) == html:
            return typed
    return html
