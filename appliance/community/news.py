"""News (actualités): written by staff and teachers, published by the direction, shown on
the home page of their audience.

A news item has a title, a text (the safe rich-text subset, `richtext.clean_input`), an
optional image (a stored content, `appliance/blobs.py`: PNG, JPEG, GIF or WebP), an
audience, publication and expiry dates and a pin ("à la une"). It is written as a
**draft**; a publisher publishes it: the direction (`staff:DIR`) or a person the
technician granted the right (`news_publisher`). Published, it shows from `publish_from`
(at once when none) until `expires_at` to the people of its audience, pinned first then
newest; the audience is notified (type `news`) when it begins to show.

Audience targets (one or several): `all`, `profile:<profile>`, `students:class:<code>`,
`parents:class:<code>` (the legal guardians of its students), and the same with `group:`.
Staff write for everyone; a teacher for the classes and groups they teach (rules
`news.address.school`, `news.address.class`). A news item for a class's students or
parents shows to its teachers too (`relations.audience_keys`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

from appliance import blobs, richtext, timefmt
from appliance.community import notifications
from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.directory import textsafe
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.i18n import N_
from appliance.security import audit, policy
from appliance.security.audit import Actor
from appliance.security.relations import audience_keys
from appliance.security.rules import PROFILES

TITLE_MAX = 200
LIST_MAX = 1000  # news showing at once to one person: far fewer in any school
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
FORMER_USER = N_("ancien utilisateur")
_TARGET = re.compile(r"^(students|parents):(class|group):(.{1,40})$")
_NEWS_COLUMNS = (
    "n.id, n.author_id, n.title, n.body, n.image_sha256, n.image_name, n.state, n.pinned, "
    "n.publish_from, n.expires_at, n.created_at, n.updated_at, n.published_at, "
    "n.published_by, n.notified_at, a.first_name || ' ' || a.last_name AS author, "
    "a.login AS author_login"
)


def thing(item: Mapping[str, Any]) -> dict[str, Any]:
    """The policy's view of a news item (rules `author_of`, `audience_of`…)."""
    return {"kind": "news", "id": item["id"], "author_id": item.get("author_id")}


# --- reading --------------------------------------------------------------------------------


def get(conn: sqlite3.Connection, news_id: int) -> dict[str, Any]:
    """One news item with its `audience` (list of targets); raises NotFound."""
    item = one(
        conn,
        f"SELECT {_NEWS_COLUMNS} FROM news n LEFT JOIN person a ON a.id = n.author_id "
        "WHERE n.id = ?",
        (news_id,),
    )
    if item is None:
        raise NotFound(N_("Aucune actualité n'a le numéro %(id)s."), id=news_id)
    return _shown(conn, [item])[0]


def _shown(conn: sqlite3.Connection, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not items:
        return items
    audience: dict[int, list[str]] = {}
    for news_id, target in conn.execute(
        "SELECT news_id, target FROM news_audience WHERE news_id IN "
        "(SELECT value FROM json_each(?)) ORDER BY target",
        (json.dumps([i["id"] for i in items]),),
    ).fetchall():
        audience.setdefault(news_id, []).append(target)
    for item in items:
        item["audience"] = audience.get(item["id"], [])
        item["pinned"] = bool(item["pinned"])
        item["text"] = richtext.plain(item["body"])
        if item["author"] is None:
            item["author"] = FORMER_USER if item["author_id"] is None else ""
    return items


_VISIBLE = (
    "FROM news n LEFT JOIN person a ON a.id = n.author_id WHERE n.state = 'published' "
    "AND coalesce(n.publish_from, '') <= ? AND (n.expires_at IS NULL OR n.expires_at > ?) "
    "AND EXISTS (SELECT 1 FROM news_audience t WHERE t.news_id = n.id "
    "AND t.target IN (SELECT value FROM json_each(?)))"
)


def visible(
    conn: sqlite3.Connection, person: Mapping[str, Any], *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """The news showing now to `person` (their audience), pinned first, then newest."""
    return visible_to(conn, audience_keys(conn, person), limit=limit, offset=offset)


def visible_to(
    conn: sqlite3.Connection, keys: Sequence[str], *, limit: int = 20, offset: int = 0
) -> list[dict[str, Any]]:
    """The news showing now to whoever has these audience keys (`relations.audience_keys`:
    two students of the same class and groups see the same), as `visible`."""
    now = now_iso()
    found = rows(
        conn,
        f"SELECT {_NEWS_COLUMNS} {_VISIBLE} ORDER BY n.pinned DESC, "
        "coalesce(n.publish_from, n.published_at) DESC, n.id DESC LIMIT ? OFFSET ?",
        (now, now, json.dumps(list(keys)), limit, offset),
    )
    return _shown(conn, found)


# Bumped by every change of a news item in this process: a page that keeps what it showed
# (the home page's news, a few seconds) knows it is stale.
GENERATION = [0]


def _changed() -> None:
    GENERATION[0] += 1


def count_visible(conn: sqlite3.Connection, person: Mapping[str, Any]) -> int:
    now = now_iso()
    return int(
        scalar(
            conn,
            f"SELECT count(*) {_VISIBLE}",
            (now, now, json.dumps(audience_keys(conn, person))),
        )
        or 0
    )


def for_home(conn: sqlite3.Connection, person: Mapping[str, Any], limit: int = 5):
    """The first news of the person's home page (as `visible`)."""
    return visible(conn, person, limit=limit)


def written_by(
    conn: sqlite3.Connection, person_id: int, *, limit: int = 50
) -> list[dict[str, Any]]:
    """What the person wrote (drafts and published), newest first."""
    found = rows(
        conn,
        f"SELECT {_NEWS_COLUMNS} FROM news n LEFT JOIN person a ON a.id = n.author_id "
        "WHERE n.author_id = ? ORDER BY n.id DESC LIMIT ?",
        (person_id, limit),
    )
    return _shown(conn, found)


def drafts(conn: sqlite3.Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """The drafts waiting for a publisher, oldest first."""
    found = rows(
        conn,
        f"SELECT {_NEWS_COLUMNS} FROM news n LEFT JOIN person a ON a.id = n.author_id "
        "WHERE n.state = 'draft' ORDER BY n.id LIMIT ?",
        (limit,),
    )
    return _shown(conn, found)


def may_publish(conn: sqlite3.Connection, person: Mapping[str, Any]) -> bool:
    """Whether the person publishes news (the direction, or a granted publisher)."""
    return policy.may(person, "news.publish", {"kind": "news", "id": 0}, conn)


# --- writing --------------------------------------------------------------------------------


def _moment(text: str | None, field: str, *, end_of_day: bool = False) -> str | None:
    """A date ("2026-12-01") or a local time ("2026-12-01T08:00") typed in the school's
    zone, as stored (UTC ISO); a date alone is the start of that day (the end for an
    expiry). None for nothing. Raises CartableError naming the field."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if timefmt.is_day(text):
            day = datetime.fromisoformat(text).date() + timedelta(days=1 if end_of_day else 0)
            local = datetime.combine(day, time(0, 0), tzinfo=timefmt.zone())
        else:
            local = datetime.fromisoformat(text)
            local = local if local.tzinfo else local.replace(tzinfo=timefmt.zone())
    except ValueError:
        raise CartableError(
            N_("Date « %(value)s » invalide : écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM."),
            field=field,
            value=text,
        ) from None
    return local.astimezone(UTC).replace(microsecond=0).isoformat()


def _target_thing(conn: sqlite3.Connection, kind: str, code: str) -> dict[str, Any] | None:
    table = "school_class" if kind == "class" else "teaching_group"
    found = one(conn, f"SELECT id FROM {table} WHERE code = ? AND retired_at IS NULL", (code,))
    return None if found is None else {"kind": kind, "id": found["id"]}


def addressable(conn: sqlite3.Connection, person: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The classes and groups the person may write news for ({"kind", "id", "code"}):
    every one for staff, those they teach for a teacher."""
    found = rows(
        conn,
        "SELECT 'class' AS kind, id, code FROM school_class WHERE retired_at IS NULL UNION ALL "
        "SELECT 'group', id, code FROM teaching_group WHERE retired_at IS NULL ORDER BY 1, 3",
    )
    return [f for f in found if policy.may(person, "news.address.class", f, conn)]


def check_audience(
    conn: sqlite3.Connection, person: Mapping[str, Any], targets: Iterable[str]
) -> list[str]:
    """The audience targets cleaned and checked against what the person may address.

    Raises CartableError (field "audience") for an empty or unknown target, PolicyDenied
    for a class or group the person may not write to (a teacher: one they don't teach).
    """
    cleaned = sorted({(t or "").strip() for t in targets} - {""})
    if not cleaned:
        raise CartableError(
            N_("Choisissez à qui s'adresse l'actualité (tout le monde, un profil, une classe)."),
            field="audience",
        )
    for target in cleaned:
        if target == "all" or target.startswith("profile:"):
            if target != "all" and target.partition(":")[2] not in PROFILES:
                raise CartableError(
                    N_("Public « %(target)s » inconnu."), field="audience", target=target
                )
            if not policy.may(person, "news.address.school", None, conn):
                raise PolicyDenied(
                    N_("Vous ne pouvez écrire que pour les classes et groupes où vous enseignez."),
                    field="audience",
                )
            continue
        m = _TARGET.match(target)
        where = _target_thing(conn, m.group(2), m.group(3)) if m else None
        if where is None:
            raise CartableError(
                N_("Public « %(target)s » inconnu : la classe ou le groupe n'existe pas."),
                field="audience",
                target=target,
            )
        if not policy.may(person, "news.address.class", where, conn):
            raise PolicyDenied(
                N_("Vous n'enseignez pas en %(code)s : vous ne pouvez pas écrire pour elle."),
                field="audience",
                code=m.group(3) if m else target,
            )
    return cleaned


def _fields(
    conn: sqlite3.Connection, person: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    title = textsafe.clean_text(values.get("title"), "title", TITLE_MAX)
    if not title:
        raise CartableError(N_("Donnez un titre à l'actualité."), field="title")
    body = richtext.clean_input(values.get("body"), field="body")
    if not richtext.plain(body):
        raise CartableError(N_("Écrivez le texte de l'actualité."), field="body")
    publish_from = _moment(values.get("publish_from"), "publish_from")
    expires_at = _moment(values.get("expires"), "expires", end_of_day=True)
    if publish_from and expires_at and expires_at <= publish_from:
        raise CartableError(
            N_("La date de fin doit venir après la date de publication."), field="expires"
        )
    return {
        "title": title,
        "body": body,
        "publish_from": publish_from,
        "expires_at": expires_at,
        "pinned": int(bool(values.get("pinned"))),
        "audience": check_audience(conn, person, values.get("audience") or ()),
    }


def _check_image(image: blobs.Blob | None) -> None:
    if image is not None and image.mime not in IMAGE_TYPES:
        raise CartableError(
            N_("L'image doit être un fichier PNG, JPEG, GIF ou WebP (reçu : %(mime)s)."),
            field="image",
            mime=image.mime,
        )


def create(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    values: Mapping[str, Any],
    actor: Actor,
    *,
    image: blobs.Blob | None = None,
    image_name: str | None = None,
) -> int:
    """Write a draft: `values` has title, body, audience (targets), and optionally
    publish_from, expires (dates or local times), pinned. Returns its id.

    Raises PolicyDenied when the person may not write news (or for that audience),
    CartableError naming the field for a wrong value.
    """
    if not policy.may(person, "news.write", None, conn):
        raise PolicyDenied(N_("Vous ne pouvez pas écrire d'actualité."))
    fields = _fields(conn, person, values)
    _check_image(image)
    stamp = now_iso()
    with transaction(conn):
        if image is not None:
            blobs.record(conn, image)
        name = blobs.safe_name(image_name, "image") if image else None
        news_id = conn.execute(
            "INSERT INTO news (author_id, title, body, image_sha256, image_name, pinned, "
            "publish_from, expires_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (person["id"], fields["title"], fields["body"], image.sha256 if image else None,
             name, fields["pinned"], fields["publish_from"], fields["expires_at"], stamp, stamp),
        ).lastrowid  # fmt: skip
        assert news_id is not None
        conn.executemany(
            "INSERT INTO news_audience (news_id, target) VALUES (?, ?)",
            [(news_id, t) for t in fields["audience"]],
        )
        _changed()
        audit.record(
            conn,
            actor,
            "news.create",
            target=f"news:{news_id}",
            details={"title": fields["title"], "audience": fields["audience"]},
        )
    return int(news_id)


def _editable(conn: sqlite3.Connection, person: Mapping[str, Any], news_id: int) -> dict:
    item = get(conn, news_id)
    if not policy.may(person, "news.edit", thing(item), conn):
        raise NotFound(N_("Aucune actualité n'a le numéro %(id)s."), id=news_id)
    return item


def update(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    news_id: int,
    values: Mapping[str, Any],
    actor: Actor,
    *,
    image: blobs.Blob | None = None,
    image_name: str | None = None,
    drop_image: bool = False,
) -> None:
    """Change a news item (its author, or a publisher); same values as `create`. A
    published item stays published. Raises NotFound when the person may not edit it."""
    item = _editable(conn, person, news_id)
    fields = _fields(conn, person, values)
    _check_image(image)
    sha, name = item["image_sha256"], item["image_name"]
    if drop_image:
        sha, name = None, None
    if image is not None:
        sha, name = image.sha256, blobs.safe_name(image_name, "image")
    with transaction(conn):
        if image is not None:
            blobs.record(conn, image)
        conn.execute(
            "UPDATE news SET title = ?, body = ?, image_sha256 = ?, image_name = ?, pinned = ?, "
            "publish_from = ?, expires_at = ?, updated_at = ? WHERE id = ?",
            (
                fields["title"],
                fields["body"],
                sha,
                name,
                fields["pinned"],
                fields["publish_from"],
                fields["expires_at"],
                now_iso(),
                news_id,
            ),
        )
        conn.execute("DELETE FROM news_audience WHERE news_id = ?", (news_id,))
        conn.executemany(
            "INSERT INTO news_audience (news_id, target) VALUES (?, ?)",
            [(news_id, t) for t in fields["audience"]],
        )
        _changed()
        audit.record(
            conn,
            actor,
            "news.update",
            target=f"news:{news_id}",
            details={"title": fields["title"], "audience": fields["audience"]},
        )


def delete(conn: sqlite3.Connection, person: Mapping[str, Any], news_id: int, actor: Actor):
    """Delete a news item (its author, or a publisher). Raises NotFound otherwise."""
    item = _editable(conn, person, news_id)
    with transaction(conn):
        conn.execute("DELETE FROM notification WHERE ref = ?", (f"news:{news_id}",))
        conn.execute("DELETE FROM news WHERE id = ?", (news_id,))
        _changed()
        audit.record(
            conn, actor, "news.delete", target=f"news:{news_id}", details={"title": item["title"]}
        )


def publish(
    conn: sqlite3.Connection, person: Mapping[str, Any], news_id: int, actor: Actor
) -> dict[str, Any]:
    """Publish a draft (a publisher only); its audience is notified now, or when its
    publication date comes. Returns the item. Raises NotFound when the person may not
    see it, PolicyDenied when they may not publish it."""
    item = get(conn, news_id)
    if not policy.may(person, "news.read", thing(item), conn):
        raise NotFound(N_("Aucune actualité n'a le numéro %(id)s."), id=news_id)
    if not policy.may(person, "news.publish", thing(item), conn):
        raise PolicyDenied(
            N_(
                "Seule la direction (ou une personne désignée par le technicien) publie les "
                "actualités."
            )
        )
    with transaction(conn):
        conn.execute(
            "UPDATE news SET state = 'published', published_at = coalesce(published_at, ?), "
            "published_by = ? WHERE id = ?",
            (now_iso(), person["id"], news_id),
        )
        _changed()
        audit.record(
            conn, actor, "news.publish", target=f"news:{news_id}", details={"title": item["title"]}
        )
        notify_due(conn)
    return get(conn, news_id)


def unpublish(
    conn: sqlite3.Connection, person: Mapping[str, Any], news_id: int, actor: Actor
) -> None:
    """Take a published item back to draft (a publisher)."""
    item = get(conn, news_id)
    if not policy.may(person, "news.publish", thing(item), conn):
        raise NotFound(N_("Aucune actualité n'a le numéro %(id)s."), id=news_id)
    with transaction(conn):
        conn.execute("UPDATE news SET state = 'draft' WHERE id = ?", (news_id,))
        _changed()
        audit.record(
            conn,
            actor,
            "news.unpublish",
            target=f"news:{news_id}",
            details={"title": item["title"]},
        )


# --- who is notified ------------------------------------------------------------------------


def audience_people(conn: sqlite3.Connection, targets: Iterable[str]) -> list[int]:
    """The ids of the people a news item's targets name (students and legal guardians of
    a class or group; every account of a profile; everyone), disabled ones left out."""
    ids: set[int] = set()
    params: tuple[Any, ...]
    for target in targets:
        if target == "all":
            sql, params = "SELECT id FROM person WHERE state != 'disabled'", ()
        elif target.startswith("profile:"):
            sql = "SELECT id FROM person WHERE state != 'disabled' AND profile = ?"
            params = (target.partition(":")[2],)
        else:
            m = _TARGET.match(target)
            if m is None:
                continue
            who, kind, code = m.groups()
            members = (
                "SELECT m.person_id FROM class_membership m JOIN school_class c "
                "ON c.id = m.class_id WHERE c.code = ?"
                if kind == "class"
                else "SELECT m.person_id FROM group_membership m JOIN teaching_group g "
                "ON g.id = m.group_id WHERE g.code = ?"
            )
            if who == "students":
                sql = (
                    f"SELECT p.id FROM person p WHERE p.profile = 'student' AND p.id IN ({members})"
                )
            else:
                sql = (
                    "SELECT l.guardian_id FROM guardian_link l WHERE l.level = 1 "
                    f"AND l.student_id IN ({members})"
                )
            params = (code,)
        ids.update(r[0] for r in conn.execute(sql, params).fetchall())
    return sorted(ids)


def notify_due(conn: sqlite3.Connection) -> int:
    """Notify the audience of each published item whose publication date has come and
    that was not notified yet (`news` type); return how many items. Called on publish
    and by the worker every few minutes (an item published ahead)."""
    now = now_iso()
    due = rows(
        conn,
        "SELECT id, author_id, title FROM news WHERE state = 'published' "
        "AND notified_at IS NULL AND coalesce(publish_from, '') <= ? "
        "AND (expires_at IS NULL OR expires_at > ?)",
        (now, now),
    )
    for item in due:
        targets = [
            r[0]
            for r in conn.execute(
                "SELECT target FROM news_audience WHERE news_id = ?", (item["id"],)
            ).fetchall()
        ]
        with transaction(conn):
            notifications.emit(
                conn,
                audience_people(conn, targets),
                "news",
                f"Actualité : {item['title']}",
                f"/actualites/{item['id']}",
                actor_id=item["author_id"],
                ref=f"news:{item['id']}",
            )
            conn.execute("UPDATE news SET notified_at = ? WHERE id = ?", (now, item["id"]))
    return len(due)


# --- publishers -----------------------------------------------------------------------------


def publishers(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The people granted the publisher right, by name."""
    return rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name, p.profile, n.granted_at, n.granted_by "
        "FROM news_publisher n JOIN person p ON p.id = n.person_id "
        "ORDER BY p.last_name, p.first_name",
    )


def grant_publisher(conn: sqlite3.Connection, person: Mapping[str, Any], actor: Actor) -> bool:
    """Grant `person` (a staff member or a teacher) the right to publish news; False when
    they had it. Raises CartableError for another profile."""
    if person["profile"] not in ("staff", "teacher"):
        raise CartableError(
            N_(
                "Seuls les personnels et les enseignants peuvent publier des actualités "
                "(%(login)s n'en est pas un)."
            ),
            login=person["login"],
        )
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO news_publisher (person_id, granted_at, granted_by) "
            "VALUES (?, ?, ?)",
            (person["id"], now_iso(), actor.login),
        )
        if cur.rowcount:
            audit.record(
                conn,
                actor,
                "news.publisher_grant",
                target=f"person:{person['id']}",
                details={"login": person["login"]},
            )
    return bool(cur.rowcount)


def revoke_publisher(conn: sqlite3.Connection, person: Mapping[str, Any], actor: Actor) -> bool:
    """Take the publisher right back; False when they did not have it."""
    with transaction(conn):
        cur = conn.execute("DELETE FROM news_publisher WHERE person_id = ?", (person["id"],))
        if cur.rowcount:
            audit.record(
                conn,
                actor,
                "news.publisher_revoke",
                target=f"person:{person['id']}",
                details={"login": person["login"]},
            )
    return bool(cur.rowcount)


# --- RGPD -----------------------------------------------------------------------------------

EXPORTED_TABLES = ("news", "news_publisher")


def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """The news the person wrote and their publisher right, for their RGPD export."""
    written = [
        {k: item[k] for k in ("id", "title", "text", "state", "audience", "publish_from",
                              "expires_at", "created_at", "published_at", "image_name")}
        for item in written_by(conn, person_id, limit=100_000)
    ]  # fmt: skip
    granted = one(
        conn, "SELECT granted_at, granted_by FROM news_publisher WHERE person_id = ?", (person_id,)
    )
    return {"news.json": {"written": written, "publisher": granted}}
