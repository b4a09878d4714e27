"""The class forums' JSON API (`api.md`; issue 12):

    GET  /api/v1/forums                           the forums of my classes and groups
    POST /api/v1/forums                           {"audience": {"kind", "code"}, "title"}
                                                  (a teacher of that class) → 201
    GET  /api/v1/forums/{id}                      a forum and its latest subjects
    POST /api/v1/forums/{id}/subjects             {"title", "body"} → 201
    GET  /api/v1/forums/subjects/{id}/messages    a subject's messages, oldest first
    POST /api/v1/forums/subjects/{id}/messages    {"body"} → 201 (409 once locked)
    POST /api/v1/forums/subjects/{id}/lock        {"locked": bool} (its teachers)
    POST /api/v1/forums/messages/{id}/hide        {"reason"} (its teachers)

The same service functions as the pages (`appliance.community.forums`).
"""

from __future__ import annotations

from flask import g

from appliance import timefmt
from appliance.community import forums
from appliance.i18n import N_
from webui.access import actor, ask, conn, current_person
from webui.api import ApiBlueprint, ApiError, PageRequest, schemas

bp = ApiBlueprint("forums_api", __name__, tag="forums")

SUBJECTS_SHOWN = 100
AUTHOR = {
    "type": ["object", "null"],
    "required": ["login", "name"],
    "properties": {"login": {"type": "string"}, "name": {"type": "string"}},
    "description": "null : un ancien utilisateur.",
}
WHERE = {
    "type": "object",
    "required": ["kind", "code"],
    "additionalProperties": False,
    "properties": {
        "kind": {"enum": ["class", "group"]},
        "code": {"type": "string", "minLength": 1, "maxLength": 40},
    },
}
FORUM = {
    "type": "object",
    "required": ["id", "title", "audience", "subject_count", "last_post", "moderator"],
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "audience": WHERE,
        "subject_count": {"type": "integer"},
        "last_post": schemas.MINUTE_OR_NULL,
        "moderator": {"type": "boolean", "description": "Vous le modérez (un enseignant)."},
    },
}
SUBJECT = {
    "type": "object",
    "required": ["id", "forum_id", "title", "author", "date", "last_post", "messages", "locked"],
    "properties": {
        "id": {"type": "integer"},
        "forum_id": {"type": "integer"},
        "title": {"type": "string"},
        "author": AUTHOR,
        "date": schemas.MINUTE,
        "last_post": schemas.MINUTE,
        "messages": {"type": "integer"},
        "locked": {"type": "boolean"},
    },
}
FORUM_DETAIL = {
    **FORUM,
    "required": [*FORUM["required"], "subjects"],
    "properties": {
        **FORUM["properties"],
        "subjects": {
            "type": "array",
            "items": SUBJECT,
            "description": f"Les {SUBJECTS_SHOWN} sujets les plus récemment actifs.",
        },
    },
}
MESSAGE = {
    "type": "object",
    "required": [
        "id",
        "subject_id",
        "author",
        "date",
        "text",
        "text_html",
        "hidden",
        "hidden_reason",
    ],  # fmt: skip
    "properties": {
        "id": {"type": "integer"},
        "subject_id": {"type": "integer"},
        "author": AUTHOR,
        "date": schemas.MINUTE,
        "text": {"type": ["string", "null"], "description": "null : masqué par un enseignant."},
        "text_html": {"type": ["string", "null"]},
        "hidden": {"type": "boolean"},
        "hidden_reason": {"type": ["string", "null"]},
    },
}
NEW_FORUM = {
    "type": "object",
    "required": ["audience", "title"],
    "additionalProperties": False,
    "properties": {"audience": WHERE, "title": {"type": "string", "maxLength": 200}},
}
NEW_SUBJECT = {
    "type": "object",
    "required": ["title", "body"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "body": {"type": "string", "maxLength": forums.BODY_MAX},
    },
}
NEW_MESSAGE = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {"body": {"type": "string", "maxLength": forums.BODY_MAX}},
}
HIDE = {
    "type": "object",
    "required": ["reason"],
    "additionalProperties": False,
    "properties": {"reason": {"type": "string", "maxLength": forums.REASON_MAX}},
}
LOCK = {
    "type": "object",
    "required": ["locked"],
    "additionalProperties": False,
    "properties": {"locked": {"type": "boolean"}},
}


def _author(row: dict) -> dict | None:
    return {"login": row["author_login"], "name": row["author"]} if row["author_login"] else None


def forum_json(forum: dict, person: dict) -> dict:
    thing = forums.thing(forum)
    stats = forum if "topics" in forum else {"topics": forums.count_topics(conn(), forum["id"])}
    last = forum.get("last_post_at")
    return {
        "id": forum["id"],
        "title": forum["title"],
        "audience": {"kind": forum["kind"], "code": forum["code"]},
        "subject_count": stats["topics"],
        "last_post": timefmt.api_minute(last) if last else None,
        "moderator": ask("forums.moderate", thing),
    }


def subject_json(topic: dict, forum_id: int) -> dict:
    return {
        "id": topic["id"],
        "forum_id": forum_id,
        "title": topic["title"],
        "author": _author(topic),
        "date": timefmt.api_minute(topic["created_at"]),
        "last_post": timefmt.api_minute(topic["last_post_at"]),
        "messages": topic["posts"],
        "locked": topic["locked_at"] is not None,
    }


def message_json(post: dict) -> dict:
    return {
        "id": post["id"],
        "subject_id": post["topic_id"],
        "author": _author(post),
        "date": timefmt.api_minute(post["created_at"]),
        "text": post["text"],
        "text_html": post["body"],
        "hidden": post["hidden"],
        "hidden_reason": post["hidden_reason"],
    }


def _forum(forum_id: int) -> dict:
    return forums.thing(forums.get_forum(conn(), forum_id))


def _topic(topic_id: int) -> dict:
    return forums.thing(forums.get_topic(conn(), topic_id)["forum"])


def _post(post_id: int) -> dict:
    topic_id, _page = forums.post_page(conn(), post_id, 1)
    return _topic(topic_id)


def _moderator() -> bool:
    return ask("forums.moderate", g.target)


@bp.api_route("/forums", "GET", action="forums.view", response=FORUM, paginated=True)
def forum_list(page: PageRequest):
    """Les forums de mes classes et groupes (élèves et enseignants ; pas les parents)."""
    person = current_person()
    found = [forum_json(f, person) for f in forums.forums_of(conn(), person)]
    return page.slice(found, key=lambda f: [f["id"]])


@bp.api_route("/forums", "POST", action="forums.create", request=NEW_FORUM, response=FORUM)
def forum_new(body: dict):
    """Ouvre un forum pour une classe ou un groupe où j'enseigne."""
    person = current_person()
    where = body["audience"]
    forum_id = forums.open_forum(
        conn(), person, where["kind"], where["code"], body["title"], actor()
    )
    return forum_json(forums.get_forum(conn(), forum_id), person)


@bp.api_route(
    "/forums/<int:forum_id>", "GET", action="forums.take_part", target=_forum,
    response=FORUM_DETAIL,
)  # fmt: skip
def forum_one(forum_id: int):
    """Un forum et ses sujets les plus récemment actifs."""
    forum = forums.get_forum(conn(), forum_id)
    out = forum_json(forum, current_person())
    latest = forums.topics(conn(), forum_id, limit=SUBJECTS_SHOWN)
    out["subjects"] = [subject_json(t, forum_id) for t in latest]
    if latest:
        out["last_post"] = out["subjects"][0]["last_post"]
    return out


@bp.api_route(
    "/forums/<int:forum_id>/subjects", "POST", action="forums.take_part", target=_forum,
    request=NEW_SUBJECT, response=SUBJECT,
)  # fmt: skip
def subject_new(forum_id: int, body: dict):
    """Ouvre un sujet, avec son premier message ; les enseignants du forum sont prévenus."""
    topic_id = forums.new_topic(conn(), current_person(), forum_id, body["title"], body["body"])
    return subject_json(forums.get_topic(conn(), topic_id), forum_id)


def _after(page: PageRequest) -> int:
    if page.after is None:
        return 0
    if len(page.after) != 1 or not isinstance(page.after[0], int):
        raise ApiError(
            400,
            "bad_cursor",
            N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )
    return page.after[0]


@bp.api_route(
    "/forums/subjects/<int:topic_id>/messages", "GET", action="forums.take_part",
    target=_topic, response=MESSAGE, paginated=True,
)  # fmt: skip
def message_list(topic_id: int, page: PageRequest):
    """Les messages d'un sujet, du plus ancien au plus récent."""
    found = forums.posts(
        conn(), topic_id, moderator=_moderator(), limit=page.fetch, after=_after(page)
    )
    return page.answer([message_json(p) for p in found], key=lambda m: [m["id"]])


@bp.api_route(
    "/forums/subjects/<int:topic_id>/messages", "POST", action="forums.take_part",
    target=_topic, request=NEW_MESSAGE, response=MESSAGE, errors=(409,),
    endpoint="message_new",
)  # fmt: skip
def message_new(topic_id: int, body: dict):
    """Répond à un sujet (409 quand un enseignant l'a verrouillé) ; son auteur et ceux qui
    ont répondu avant sont prévenus."""
    post_id = forums.reply(conn(), current_person(), topic_id, body["body"])
    return message_json(forums.get_post(conn(), post_id, moderator=_moderator()))


@bp.api_route(
    "/forums/subjects/<int:topic_id>/lock", "POST", action="forums.moderate",
    target=_topic, request=LOCK, response=SUBJECT, status=200,
)  # fmt: skip
def subject_lock(topic_id: int, body: dict):
    """Verrouille un sujet (plus de réponse) ou le rouvre : ses enseignants."""
    forums.lock(conn(), current_person(), topic_id, body["locked"], actor())
    topic = forums.get_topic(conn(), topic_id)
    return subject_json(topic, topic["forum_id"])


@bp.api_route(
    "/forums/messages/<int:post_id>/hide", "POST", action="forums.moderate", target=_post,
    request=HIDE, response=MESSAGE, status=200,
)  # fmt: skip
def message_hide(post_id: int, body: dict):
    """Masque un message, avec un motif que les autres lisent à sa place : ses enseignants."""
    forums.hide(conn(), current_person(), post_id, body["reason"], actor())
    return message_json(forums.get_post(conn(), post_id, moderator=True))
