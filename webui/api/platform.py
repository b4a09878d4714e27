"""The platform's API endpoints: who am I, my tokens, and the API's own description."""

from __future__ import annotations

from flask import current_app, g, request

from appliance import timefmt
from appliance.directory import people
from appliance.security import tokens
from webui.access import actor, conn, current_person
from webui.api import openapi
from webui.api.core import ApiBlueprint, json_response
from webui.api.paging import PageRequest

bp = ApiBlueprint("api", __name__, tag="platform")


def _me() -> dict:
    """The calling person (an endpoint with an action is only reached authenticated)."""
    person = current_person()
    assert person is not None
    return person


_CODES = {"type": "array", "items": {"type": "string"}}
_MINUTE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"}

ME = {
    "type": "object",
    "required": ["login", "profile", "first_name", "last_name", "classes", "groups", "children"],
    "properties": {
        "login": {"type": "string"},
        "profile": {"enum": list(people.PROFILES)},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "classes": {**_CODES, "description": "Codes des classes (les siennes, ou enseignées)."},
        "groups": {**_CODES, "description": "Codes des groupes (les siens, ou enseignés)."},
        "children": {**_CODES, "description": "Identifiants des enfants (un parent)."},
    },
}

TOKEN = {
    "type": "object",
    "required": ["id", "label", "created", "last_used", "expires", "expired"],
    "properties": {
        "id": {"type": "integer"},
        "label": {"type": "string"},
        "created": _MINUTE,
        "last_used": {"anyOf": [_MINUTE, {"type": "null"}]},
        "expires": {"anyOf": [_MINUTE, {"type": "null"}], "description": "null : sans fin."},
        "expired": {"type": "boolean"},
    },
}


@bp.api_route("/openapi.json", "GET", action=None, response={"type": "object"})
def openapi_document():
    """La description OpenAPI 3.1 de cette API, générée à partir de ses routes."""
    cache = current_app.extensions.setdefault("cartable.openapi", {})
    doc = cache.get(request.script_root)
    if doc is None:
        doc = cache[request.script_root] = openapi.document(current_app, request.script_root)
    return json_response(doc)


@bp.api_route("/me", "GET", action="account.view", response=ME)
def me():
    """Qui suis-je : identifiant, profil, nom, classes, groupes et enfants."""
    person = _me()
    children = people.children_of(conn(), person["id"]) if person["profile"] == "relative" else []
    return {
        "login": person["login"],
        "profile": person["profile"],
        "first_name": person["first_name"],
        "last_name": person["last_name"],
        "classes": list(person["classes"]),
        "groups": people.groups_of(conn(), person["id"]),
        "children": [c["login"] for c in children],
    }


def token_json(token: dict) -> dict:
    """A token as the API shows it (never the token itself)."""
    return {
        "id": token["id"],
        "label": token["label"],
        "created": timefmt.api_minute(token["created_at"]),
        "last_used": timefmt.api_minute(token["last_used_at"]),
        "expires": timefmt.api_minute(token["expires_at"]),
        "expired": bool(token["expired"]),
    }


@bp.api_route("/me/tokens", "GET", action="account.tokens", response=TOKEN, paginated=True)
def my_tokens(page: PageRequest):
    """Mes jetons d'accès, les plus récents d'abord.

    Les jetons eux-mêmes ne sont jamais montrés : un jeton se crée sur la page Mon compte
    (ou par `cartable token create`) et ne s'affiche qu'une fois.
    """
    found = [token_json(t) for t in tokens.list_for(conn(), _me()["id"])]
    return page.slice(found, key=lambda t: [t["id"]], descending=True)


def _own_token(token_id: int) -> dict:
    return tokens.get(conn(), token_id, owner_id=_me()["id"])


@bp.api_route("/me/tokens/<int:token_id>", "DELETE", action="account.tokens", target=_own_token)
def my_token_revoke(token_id: int):
    """Révoque un de mes jetons (celui de la demande aussi) : il ne marche plus, dès maintenant."""
    tokens.revoke(conn(), g.target["id"], actor=actor(), owner_id=_me()["id"])
