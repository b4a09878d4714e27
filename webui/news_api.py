"""The news' JSON API (`api.md`; issue 12):

    GET  /api/v1/news                 those showing to me, pinned first then newest
    GET  /api/v1/news/{id}            one (mine to read: my audience, my own, a publisher)
    POST /api/v1/news                 {"title", "body", "audience": [...], "publish_from"?,
                                      "expires"?, "pinned"?} → 201, a draft
    POST /api/v1/news/{id}/publish    a publisher (the direction, or granted) → 200

The same service functions as the pages (`appliance.community.news`).
"""

from __future__ import annotations

from flask import g, url_for

from appliance import timefmt
from appliance.community import news
from webui.access import actor, conn, current_person
from webui.api import ApiBlueprint, PageRequest, schemas

bp = ApiBlueprint("news_api", __name__, tag="news")

_WHEN = {
    "type": "string",
    "maxLength": 25,
    "description": "AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, heure de l'établissement.",
}
AUTHOR = {
    "type": ["object", "null"],
    "required": ["login", "name"],
    "properties": {"login": {"type": "string"}, "name": {"type": "string"}},
    "description": "null : un ancien utilisateur.",
}
ITEM = {
    "type": "object",
    "required": [
        "id",
        "title",
        "text",
        "text_html",
        "audience",
        "state",
        "pinned",
        "publish_from",
        "expires",
        "published",
        "author",
        "image",
    ],  # fmt: skip
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "text": {"type": "string"},
        "text_html": {"type": "string", "description": "Le texte mis en forme (sûr)."},
        "audience": {"type": "array", "items": {"type": "string"}},
        "state": {"enum": ["draft", "published"]},
        "pinned": {"type": "boolean"},
        "publish_from": schemas.MINUTE_OR_NULL,
        "expires": schemas.MINUTE_OR_NULL,
        "published": schemas.MINUTE_OR_NULL,
        "author": AUTHOR,
        "image": {"type": ["string", "null"], "description": "L'adresse de l'image."},
    },
}
AUDIENCE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 60,
    "description": "all, profile:relative, students:class:5A, parents:class:5A, "
    "students:group:CODE, parents:group:CODE",
}
NEW = {
    "type": "object",
    "required": ["title", "body", "audience"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "maxLength": news.TITLE_MAX},
        "body": {"type": "string", "maxLength": 50_000},
        "audience": {"type": "array", "items": AUDIENCE, "minItems": 1, "maxItems": 200},
        "publish_from": _WHEN,
        "expires": _WHEN,
        "pinned": {"type": "boolean"},
    },
}


def item_json(item: dict) -> dict:
    author = (
        {"login": item["author_login"], "name": item["author"]} if item["author_login"] else None
    )
    return {
        "id": item["id"],
        "title": item["title"],
        "text": item["text"],
        "text_html": item["body"],
        "audience": item["audience"],
        "state": item["state"],
        "pinned": item["pinned"],
        "publish_from": timefmt.api_minute(item["publish_from"]),
        "expires": timefmt.api_minute(item["expires_at"]),
        "published": timefmt.api_minute(item["published_at"]),
        "author": author,
        "image": url_for("news.image", news_id=item["id"]) if item["image_sha256"] else None,
    }


def _item(news_id: int) -> dict:
    return news.thing(news.get(conn(), news_id))


@bp.api_route("/news", "GET", action="news.view", response=ITEM, paginated=True)
def news_list(page: PageRequest):
    """Les actualités qui me sont montrées maintenant, épinglées d'abord, puis récentes."""
    found = [item_json(i) for i in news.visible(conn(), current_person(), limit=news.LIST_MAX)]

    def key(item: dict) -> list:
        return [int(item["pinned"]), item["publish_from"] or item["published"] or "", item["id"]]

    return page.slice(found, key=key, descending=True)


@bp.api_route("/news/<int:news_id>", "GET", action="news.read", target=_item, response=ITEM)
def news_one(news_id: int):
    """Une actualité (la mienne, une de mon public, ou à publier pour un éditeur)."""
    return item_json(news.get(conn(), g.target["id"]))


@bp.api_route("/news", "POST", action="news.write", request=NEW, response=ITEM)
def news_new(body: dict):
    """Écrit une actualité : un brouillon, que la direction publie. Un enseignant écrit pour
    ses classes et groupes ; le personnel pour tous."""
    values = {**body, "pinned": body.get("pinned", False)}
    news_id = news.create(conn(), current_person(), values, actor())
    return item_json(news.get(conn(), news_id))


@bp.api_route(
    "/news/<int:news_id>/publish",
    "POST",
    action="news.publish",
    target=_item,
    response=ITEM,
    status=200,
)
def news_publish(news_id: int):
    """Publie une actualité (la direction, ou une personne désignée par le technicien) ;
    son public est prévenu quand elle paraît."""
    return item_json(news.publish(conn(), current_person(), news_id, actor()))
