"""Class and group forums: subjects and messages, moderated by the teachers.

A forum belongs to one class or one group and is opened by one of its teachers
(`forums.open`, relation `teaches`). Its students (`member_of`) and its teachers
(`teaches`) take part: they read it, open subjects and answer (`forums.take_part`);
parents, staff and the technician don't see class forums. Its teachers moderate
(`forums.moderate`): they hide a message with a reason (the others then read "message
hidden by a teacher: <reason>"; the teachers still see it and may show it again) and lock
a subject (no more answers).

An answer notifies (type `forum_reply`) the subject's author and those who answered
before; a new subject notifies the forum's teachers. Messages stay when their author is
purged, shown as from a former user (`author_id` set to NULL).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from appliance import richtext
from appliance.community import notifications
from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.directory import textsafe
from appliance.errors import CartableError, Conflict, NotFound, PolicyDenied
from appliance.i18n import N_
from appliance.security import audit, policy
from appliance.security.audit import Actor

TITLE_MAX = 200
REASON_MAX = 300
BODY_MAX = 20_000
FORMER_USER = N_("ancien utilisateur")
_FORUM = (
    "SELECT f.id, f.class_id, f.group_id, f.title, f.created_by, f.created_at, "
    "coalesce(c.code, g.code) AS code, coalesce(c.name, g.name) AS audience_name, "
    "CASE WHEN f.class_id IS NOT NULL THEN 'class' ELSE 'group' END AS kind "
    "FROM forum f LEFT JOIN school_class c ON c.id = f.class_id "
    "LEFT JOIN teaching_group g ON g.id = f.group_id"
)


def thing(forum: Mapping[str, Any]) -> dict[str, Any]:
    """The policy's view of a forum: its class or group (rules `teaches`, `member_of`)."""
    if forum["kind"] == "class":
        return {"kind": "class", "id": forum["class_id"], "forum_id": forum["id"]}
    return {"kind": "group", "id": forum["group_id"], "forum_id": forum["id"]}


def _not_found(what: int) -> NotFound:
    return NotFound(N_("Aucun forum ni sujet n'a le numéro %(id)s."), id=what)


# --- forums ---------------------------------------------------------------------------------


def get_forum(conn: sqlite3.Connection, forum_id: int) -> dict[str, Any]:
    found = one(conn, f"{_FORUM} WHERE f.id = ?", (forum_id,))
    if found is None:
        raise _not_found(forum_id)
    return found


def forum_for(conn: sqlite3.Connection, person: Mapping[str, Any], forum_id: int) -> dict:
    """The forum, when the person takes part in it; raises NotFound otherwise."""
    forum = get_forum(conn, forum_id)
    if not policy.may(person, "forums.take_part", thing(forum), conn):
        raise _not_found(forum_id)
    return forum


def forums_of(conn: sqlite3.Connection, person: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The forums of the classes and groups the person belongs to or teaches, with their
    number of subjects and last activity, by class or group then title."""
    pid = person["id"]
    found = rows(
        conn,
        f"{_FORUM} WHERE f.class_id IN (SELECT class_id FROM class_membership "
        "WHERE person_id = ? UNION SELECT class_id FROM teaching WHERE teacher_id = ?) "
        "OR f.group_id IN (SELECT group_id FROM group_membership WHERE person_id = ? "
        "UNION SELECT group_id FROM teaching WHERE teacher_id = ?) ORDER BY code, f.title",
        (pid, pid, pid, pid),
    )
    found = [f for f in found if policy.may(person, "forums.take_part", thing(f), conn)]
    for forum in found:
        stats = one(
            conn,
            "SELECT count(*) AS topics, max(last_post_at) AS last_post_at FROM forum_topic "
            "WHERE forum_id = ?",
            (forum["id"],),
        ) or {"topics": 0, "last_post_at": None}
        forum.update(stats)
        forum["moderated"] = policy.may(person, "forums.moderate", thing(forum), conn)
    return found


def where_to_open(conn: sqlite3.Connection, person: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The classes and groups where the person may open a forum ({"kind", "code", "name"})."""
    found = rows(
        conn,
        "SELECT DISTINCT 'class' AS kind, c.id, c.code, c.name FROM teaching t "
        "JOIN school_class c ON c.id = t.class_id WHERE t.teacher_id = ? AND c.retired_at IS NULL "
        "UNION SELECT DISTINCT 'group', g.id, g.code, g.name FROM teaching t "
        "JOIN teaching_group g ON g.id = t.group_id WHERE t.teacher_id = ? "
        "AND g.retired_at IS NULL ORDER BY 1, 3",
        (person["id"], person["id"]),
    )
    return [f for f in found if policy.may(person, "forums.open", f, conn)]


def open_forum(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    kind: str,
    code: str,
    title: str,
    actor: Actor,
) -> int:
    """Open a forum for a class or group (`kind` "class" | "group", its `code`) that the
    person teaches; returns its id. Raises CartableError (field "audience" or "title"),
    PolicyDenied for a class or group they don't teach."""
    table = {"class": "school_class", "group": "teaching_group"}.get(kind)
    target = one(conn, f"SELECT id FROM {table} WHERE code = ?", (code,)) if table else None
    if target is None:
        raise CartableError(
            N_("Aucune classe ni aucun groupe n'a le code « %(code)s »."),
            field="audience",
            code=code,
        )
    where = {"kind": kind, "id": target["id"]}
    if not policy.may(person, "forums.open", where, conn):
        raise PolicyDenied(
            N_("Seuls les enseignants de %(code)s peuvent y ouvrir un forum."),
            field="audience",
            code=code,
        )
    title = textsafe.clean_text(title, "title", TITLE_MAX)
    if not title:
        raise CartableError(N_("Donnez un titre au forum."), field="title")
    column = "class_id" if kind == "class" else "group_id"
    with transaction(conn):
        forum_id = conn.execute(
            f"INSERT INTO forum ({column}, title, created_by, created_at) VALUES (?, ?, ?, ?)",
            (target["id"], title, person["id"], now_iso()),
        ).lastrowid
        assert forum_id is not None
        audit.record(
            conn,
            actor,
            "forums.open",
            target=f"forum:{forum_id}",
            details={"kind": kind, "code": code, "title": title},
        )
    return int(forum_id)


# --- subjects -------------------------------------------------------------------------------


def topics(
    conn: sqlite3.Connection, forum_id: int, *, limit: int = 30, offset: int = 0
) -> list[dict[str, Any]]:
    """A forum's subjects, the latest active first."""
    found = rows(
        conn,
        "SELECT t.id, t.title, t.author_id, t.created_at, t.last_post_at, t.posts, t.locked_at, "
        "a.first_name || ' ' || a.last_name AS author, a.login AS author_login FROM forum_topic t "
        "LEFT JOIN person a ON a.id = t.author_id WHERE t.forum_id = ? "
        "ORDER BY t.last_post_at DESC, t.id DESC LIMIT ? OFFSET ?",
        (forum_id, limit, offset),
    )
    for topic in found:
        topic["author"] = topic["author"] or FORMER_USER
    return found


def count_topics(conn: sqlite3.Connection, forum_id: int) -> int:
    return int(scalar(conn, "SELECT count(*) FROM forum_topic WHERE forum_id = ?", (forum_id,)))


def get_topic(conn: sqlite3.Connection, topic_id: int) -> dict[str, Any]:
    """A subject with its forum (`forum`); raises NotFound."""
    topic = one(
        conn,
        "SELECT t.id, t.forum_id, t.title, t.author_id, t.created_at, t.last_post_at, t.posts, "
        "t.locked_at, a.first_name || ' ' || a.last_name AS author, a.login AS author_login "
        "FROM forum_topic t LEFT JOIN person a ON a.id = t.author_id WHERE t.id = ?",
        (topic_id,),
    )
    if topic is None:
        raise _not_found(topic_id)
    topic["author"] = topic["author"] or FORMER_USER
    topic["forum"] = get_forum(conn, topic["forum_id"])
    return topic


def topic_for(conn: sqlite3.Connection, person: Mapping[str, Any], topic_id: int) -> dict:
    """The subject, when the person takes part in its forum; raises NotFound otherwise."""
    topic = get_topic(conn, topic_id)
    if not policy.may(person, "forums.take_part", thing(topic["forum"]), conn):
        raise _not_found(topic_id)
    return topic


def _body(text: str | None) -> str:
    body = richtext.clean_input(text, field="body", max_chars=BODY_MAX)
    if not richtext.plain(body):
        raise CartableError(N_("Écrivez votre message."), field="body")
    return body


def new_topic(
    conn: sqlite3.Connection, person: Mapping[str, Any], forum_id: int, title: str, body: str
) -> int:
    """Open a subject in a forum the person takes part in, with its first message;
    returns its id. The forum's teachers are notified. Raises NotFound, CartableError."""
    forum = forum_for(conn, person, forum_id)
    title = textsafe.clean_text(title, "title", TITLE_MAX)
    if not title:
        raise CartableError(N_("Donnez un titre au sujet."), field="title")
    cleaned = _body(body)
    stamp = now_iso()
    with transaction(conn):
        topic_id = conn.execute(
            "INSERT INTO forum_topic (forum_id, title, author_id, created_at, last_post_at, "
            "posts) VALUES (?, ?, ?, ?, ?, 1)",
            (forum_id, title, person["id"], stamp, stamp),
        ).lastrowid
        assert topic_id is not None
        conn.execute(
            "INSERT INTO forum_post (topic_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
            (topic_id, person["id"], cleaned, stamp),
        )
        notifications.emit(
            conn,
            _teachers(conn, forum),
            "forum_reply",
            f"Nouveau sujet dans le forum {forum['title']} ({forum['code']}) : {title}",
            f"/forums/sujets/{topic_id}",
            actor_id=person["id"],
            ref=f"forum_topic:{topic_id}",
        )
    return int(topic_id)


def _teachers(conn: sqlite3.Connection, forum: Mapping[str, Any]) -> list[int]:
    if forum["kind"] == "class":
        column, value = "class_id", forum["class_id"]
    else:
        column, value = "group_id", forum["group_id"]
    return [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT teacher_id FROM teaching WHERE {column} = ?", (value,)
        ).fetchall()
    ]


def lock(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    topic_id: int,
    locked: bool,
    actor: Actor,
) -> None:
    """Lock (or unlock) a subject: a moderator of its forum only (else NotFound for one
    who can't see it, PolicyDenied for a member)."""
    topic = topic_for(conn, person, topic_id)
    if not policy.may(person, "forums.moderate", thing(topic["forum"]), conn):
        raise PolicyDenied(N_("Seuls les enseignants de la classe modèrent son forum."))
    with transaction(conn):
        conn.execute(
            "UPDATE forum_topic SET locked_at = ?, locked_by = ? WHERE id = ?",
            (now_iso() if locked else None, person["id"] if locked else None, topic_id),
        )
        audit.record(
            conn,
            actor,
            "forums.lock" if locked else "forums.unlock",
            target=f"forum_topic:{topic_id}",
            details={"title": topic["title"]},
        )


# --- messages -------------------------------------------------------------------------------


def posts(
    conn: sqlite3.Connection,
    topic_id: int,
    *,
    moderator: bool = False,
    limit: int = 30,
    offset: int = 0,
    after: int = 0,
) -> list[dict[str, Any]]:
    """A subject's messages, oldest first (those after message `after` when given). A
    hidden message keeps its body only for a moderator (`body` None for the others,
    `hidden_reason` for everyone)."""
    found = rows(
        conn,
        "SELECT p.id, p.topic_id, p.author_id, p.body, p.created_at, p.hidden_at, "
        "p.hidden_reason, a.first_name || ' ' || a.last_name AS author, "
        "a.login AS author_login FROM forum_post p "
        "LEFT JOIN person a ON a.id = p.author_id WHERE p.topic_id = ? AND p.id > ? "
        "ORDER BY p.id LIMIT ? OFFSET ?",
        (topic_id, after, limit, offset),
    )
    for post in found:
        post["author"] = post["author"] or FORMER_USER
        post["hidden"] = post["hidden_at"] is not None
        if post["hidden"] and not moderator:
            post["body"] = None
        post["text"] = richtext.plain(post["body"]) if post["body"] else None
    return found


def count_posts(conn: sqlite3.Connection, topic_id: int) -> int:
    return int(scalar(conn, "SELECT count(*) FROM forum_post WHERE topic_id = ?", (topic_id,)))


def reply(conn: sqlite3.Connection, person: Mapping[str, Any], topic_id: int, body: str) -> int:
    """Answer a subject (not locked); returns the message's id. The subject's author and
    those who answered before are notified. Raises NotFound, CartableError."""
    topic = topic_for(conn, person, topic_id)
    if topic["locked_at"]:
        raise Conflict(
            N_("Ce sujet est verrouillé par un enseignant : on ne peut plus y répondre.")
        )
    cleaned = _body(body)
    stamp = now_iso()
    with transaction(conn):
        post_id = conn.execute(
            "INSERT INTO forum_post (topic_id, author_id, body, created_at) VALUES (?, ?, ?, ?)",
            (topic_id, person["id"], cleaned, stamp),
        ).lastrowid
        assert post_id is not None
        conn.execute(
            "UPDATE forum_topic SET last_post_at = ?, posts = posts + 1 WHERE id = ?",
            (stamp, topic_id),
        )
        before = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT author_id FROM forum_post WHERE topic_id = ? "
                "AND author_id IS NOT NULL",
                (topic_id,),
            ).fetchall()
        ]
        name = f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
        notifications.emit(
            conn,
            before,
            "forum_reply",
            f"{name} a répondu au sujet « {topic['title']} » ({topic['forum']['code']})",
            f"/forums/sujets/{topic_id}",
            actor_id=person["id"],
            ref=f"forum_topic:{topic_id}",
        )
    return int(post_id)


def get_post(conn: sqlite3.Connection, post_id: int, *, moderator: bool = False) -> dict:
    """One message (as `posts` gives them); raises NotFound."""
    topic_id = scalar(conn, "SELECT topic_id FROM forum_post WHERE id = ?", (post_id,))
    if topic_id is None:
        raise _not_found(post_id)
    found = posts(conn, int(topic_id), moderator=moderator, limit=1, after=post_id - 1)
    return found[0]


def _post_and_topic(conn: sqlite3.Connection, person: Mapping[str, Any], post_id: int):
    topic_id = scalar(conn, "SELECT topic_id FROM forum_post WHERE id = ?", (post_id,))
    if topic_id is None:
        raise _not_found(post_id)
    topic = topic_for(conn, person, int(topic_id))
    if not policy.may(person, "forums.moderate", thing(topic["forum"]), conn):
        raise PolicyDenied(N_("Seuls les enseignants de la classe modèrent son forum."))
    return topic


def hide(
    conn: sqlite3.Connection, person: Mapping[str, Any], post_id: int, reason: str, actor: Actor
) -> None:
    """Hide a message with a reason (a moderator). Raises CartableError (field "reason")
    without a reason, NotFound / PolicyDenied for anyone else."""
    topic = _post_and_topic(conn, person, post_id)
    reason = textsafe.clean_text(reason, "reason", REASON_MAX)
    if not reason:
        raise CartableError(N_("Indiquez pourquoi le message est masqué."), field="reason")
    with transaction(conn):
        conn.execute(
            "UPDATE forum_post SET hidden_at = ?, hidden_by = ?, hidden_reason = ? WHERE id = ?",
            (now_iso(), person["id"], reason, post_id),
        )
        audit.record(
            conn,
            actor,
            "forums.hide",
            target=f"forum_post:{post_id}",
            details={"topic": topic["id"], "reason": reason},
        )


def unhide(conn: sqlite3.Connection, person: Mapping[str, Any], post_id: int, actor: Actor) -> None:
    """Show a hidden message again (a moderator)."""
    topic = _post_and_topic(conn, person, post_id)
    with transaction(conn):
        conn.execute(
            "UPDATE forum_post SET hidden_at = NULL, hidden_by = NULL, hidden_reason = NULL "
            "WHERE id = ?",
            (post_id,),
        )
        audit.record(
            conn,
            actor,
            "forums.unhide",
            target=f"forum_post:{post_id}",
            details={"topic": topic["id"]},
        )


def post_page(conn: sqlite3.Connection, post_id: int, page_size: int) -> tuple[int, int]:
    """(subject id, page) where a message is shown."""
    found = one(conn, "SELECT topic_id FROM forum_post WHERE id = ?", (post_id,))
    if found is None:
        raise _not_found(post_id)
    before = scalar(
        conn,
        "SELECT count(*) FROM forum_post WHERE topic_id = ? AND id < ?",
        (found["topic_id"], post_id),
    )
    return int(found["topic_id"]), int(before) // page_size + 1


# --- RGPD -----------------------------------------------------------------------------------

EXPORTED_TABLES = ("forum", "forum_topic", "forum_post")


def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """The forums the person opened, the subjects and messages they wrote (RGPD)."""
    return {
        "forums.json": {
            "opened": rows(
                conn,
                "SELECT f.title, coalesce(c.code, g.code) AS code, f.created_at FROM forum f "
                "LEFT JOIN school_class c ON c.id = f.class_id "
                "LEFT JOIN teaching_group g ON g.id = f.group_id WHERE f.created_by = ? "
                "ORDER BY f.id",
                (person_id,),
            ),
            "subjects": rows(
                conn,
                "SELECT t.title, f.title AS forum, t.created_at FROM forum_topic t "
                "JOIN forum f ON f.id = t.forum_id WHERE t.author_id = ? ORDER BY t.id",
                (person_id,),
            ),
            "messages": [
                {**m, "body": richtext.plain(m["body"])}
                for m in rows(
                    conn,
                    "SELECT t.title AS subject, p.body, p.created_at, p.hidden_at, "
                    "p.hidden_reason FROM forum_post p JOIN forum_topic t ON t.id = p.topic_id "
                    "WHERE p.author_id = ? ORDER BY p.id",
                    (person_id,),
                )
            ],
        }
    }
