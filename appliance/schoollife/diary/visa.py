"""The direction's visa on a teacher's cahier de textes for a class or a group: a dated
endorsement with a comment (circulaire 2010-136), shown in the cahier.

A visa is `{"id", "audience": {"kind", "id", "code"}, "teacher": {"id", "login",
"first_name", "last_name"} | None, "date", "comment", "director": {...} | None,
"created_at"}`; an account purged since leaves its side None (the visa stays).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from appliance.db import now_iso, rows
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife.diary import audiences
from appliance.schoollife.diary.days import local_today, parse_day
from appliance.security import relations
from appliance.security.audit import Actor, audited

MAX_COMMENT = 2000

_SELECT = (
    "SELECT v.id, v.audience_kind, v.class_id, v.group_id, coalesce(c.code, g.code) AS code, "
    "v.visa_date, v.comment, v.created_at, v.teacher_id, t.login AS t_login, "
    "t.first_name AS t_first, t.last_name AS t_last, v.director_id, d.login AS d_login, "
    "d.first_name AS d_first, d.last_name AS d_last FROM diary_visa v "
    "LEFT JOIN school_class c ON c.id = v.class_id LEFT JOIN teaching_group g "
    "ON g.id = v.group_id LEFT JOIN person t ON t.id = v.teacher_id "
    "LEFT JOIN person d ON d.id = v.director_id"
)


def _who(r: dict[str, Any], side: str) -> dict[str, Any] | None:
    if not r[f"{side}_login"]:
        return None
    return {
        "id": r["teacher_id" if side == "t" else "director_id"],
        "login": r[f"{side}_login"],
        "first_name": r[f"{side}_first"],
        "last_name": r[f"{side}_last"],
    }


def _shaped(r: dict[str, Any]) -> dict[str, Any]:
    kind = r["audience_kind"]
    return {
        "id": r["id"],
        "audience": {
            "kind": kind,
            "id": r["class_id"] if kind == "class" else r["group_id"],
            "code": r["code"],
        },
        "teacher": _who(r, "t"),
        "date": r["visa_date"],
        "comment": r["comment"],
        "director": _who(r, "d"),
        "created_at": r["created_at"],
    }


def put(
    conn: sqlite3.Connection,
    actor: Actor,
    *,
    audience: dict[str, Any],
    teacher: dict[str, Any],
    comment: str | None = "",
    day: date | str | None = None,
) -> dict[str, Any]:
    """Put the visa of `actor` (the direction: the caller asked the policy, `diary.visa`)
    on `teacher`'s cahier de textes for `audience`, dated `day` (default today, never in
    the future), with `comment` (plain text). Audited `diary.visa` in the same
    transaction. Raises CartableError when the teacher does not teach there."""
    if not relations.teaches(conn, teacher, audiences.target(audience)):
        raise CartableError(
            N_("%(name)s n'enseigne pas en %(audience)s : pas de cahier de textes à viser."),
            field="teacher",
            name=f"{teacher.get('first_name', '')} {teacher.get('last_name', '')}".strip()
            or teacher.get("login", ""),
            audience=audience["code"],
        )
    when = local_today() if day is None or day == "" else parse_day(day, "date")
    if when > local_today():
        raise CartableError(N_("Un visa ne se date pas dans le futur."), field="date")
    text = (comment or "").strip().replace("\r\n", "\n")
    if len(text) > MAX_COMMENT:
        raise CartableError(
            N_("Le commentaire dépasse %(max)s caractères."), field="comment", max=MAX_COMMENT
        )
    with audited(conn, actor, "diary.visa") as entry:
        cur = conn.execute(
            "INSERT INTO diary_visa (audience_kind, class_id, group_id, teacher_id, visa_date, "
            "comment, director_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                audience["kind"],
                audience["id"] if audience["kind"] == "class" else None,
                audience["id"] if audience["kind"] == "group" else None,
                teacher["id"],
                when.isoformat(),
                text,
                actor.id,
                now_iso(),
            ),
        )
        visa_id = int(cur.lastrowid or 0)
        entry.target = f"diary_visa:{visa_id}"
        entry.details = {
            "audience": f"{audience['kind']}:{audience['code']}",
            "teacher": teacher.get("login"),
            "date": when.isoformat(),
        }
    return get(conn, visa_id)


def get(conn: sqlite3.Connection, visa_id: int) -> dict[str, Any]:
    found = rows(conn, _SELECT + " WHERE v.id = ?", (visa_id,))
    if not found:
        raise NotFound(N_("Aucun visa n'a le numéro %(id)s."), id=visa_id)
    return _shaped(found[0])


def of_audience(
    conn: sqlite3.Connection, audience: dict[str, Any], teacher_id: int | None = None
) -> list[dict[str, Any]]:
    """The visas on a class's or group's cahier (of one teacher's, with `teacher_id`),
    newest first."""
    column = audiences.column(audience["kind"])
    sql = _SELECT + f" WHERE v.{column} = ?"
    params: list[Any] = [audience["id"]]
    if teacher_id is not None:
        sql += " AND v.teacher_id = ?"
        params.append(teacher_id)
    return [_shaped(r) for r in rows(conn, sql + " ORDER BY v.visa_date DESC, v.id DESC", params)]
