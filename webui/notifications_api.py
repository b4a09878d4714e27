"""The notifications' JSON API (`api.md`; issue 12):

    GET  /api/v1/notifications                 my timeline, newest first, and my unread count
    POST /api/v1/notifications/read            {"ids": [...]} or {"all": true}
    GET  /api/v1/me/notification-settings      {"email", "pending", "types": {type: frequency}}
    PUT  /api/v1/me/notification-settings      any part: {"types": {"message": "never"}}, or
                                               {"email": ADDRESS} (mailed a confirmation link;
                                               used once it is opened), {"email": null} (none)

The same service functions as the pages (`appliance.community.notifications`).
"""

from __future__ import annotations

from appliance import timefmt
from appliance.community import notifications
from appliance.i18n import N_
from webui.access import actor, conn, current_person
from webui.api import ApiBlueprint, ApiError, PageRequest, schemas

bp = ApiBlueprint("notifications_api", __name__, tag="notifications")

_FREQUENCY = {"enum": list(notifications.FREQUENCIES)}

ENTRY = {
    "type": "object",
    "required": ["id", "type", "date", "text", "link", "read"],
    "properties": {
        "id": {"type": "integer"},
        "type": {"enum": list(notifications.TYPES)},
        "date": schemas.MINUTE,
        "text": {"type": "string"},
        "link": {"type": "string", "description": "Une page du portail (chemin)."},
        "read": {"type": "boolean"},
        "from": {"type": ["string", "null"], "description": "Qui l'a fait (nom), s'il y a lieu."},
    },
}
READ = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 1000},
        "all": {"type": "boolean"},
    },
    "anyOf": [{"required": ["ids"]}, {"required": ["all"]}],
}
READ_DONE = {
    "type": "object",
    "required": ["read", "unread"],
    "properties": {
        "read": {"type": "integer", "description": "Combien viennent d'être marquées lues."},
        "unread": {"type": "integer"},
    },
}
_TYPES = {
    "type": "object",
    "properties": {t: _FREQUENCY for t in notifications.TYPES},
    "additionalProperties": False,
}
SETTINGS = {
    "type": "object",
    "required": ["email", "pending", "types"],
    "properties": {
        "email": {
            "type": ["string", "null"],
            "description": "L'adresse où partent les courriels (null : aucune).",
        },
        "pending": {
            "type": ["string", "null"],
            "description": "Une adresse en attente de son lien de confirmation.",
        },
        "types": {**_TYPES, "required": list(notifications.TYPES)},
    },
}
SETTINGS_CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "email": {"type": ["string", "null"], "maxLength": 254},
        "types": _TYPES,
    },
}


def entry_json(entry: dict) -> dict:
    return {
        "id": entry["id"],
        "type": entry["type"],
        "date": timefmt.api_minute(entry["created_at"]),
        "text": entry["text"],
        "link": entry["link"],
        "read": entry["read"],
        "from": entry["actor"],
    }


def _before(page: PageRequest) -> int | None:
    if page.after is None:
        return None
    if len(page.after) != 1 or not isinstance(page.after[0], int):
        raise ApiError(
            400,
            "bad_cursor",
            N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )
    return page.after[0]


@bp.api_route("/notifications", "GET", action="notifications.view", response=ENTRY, paginated=True)
def timeline(page: PageRequest):
    """Mes notifications, les plus récentes d'abord, et `unread` : combien ne sont pas lues."""
    pid = current_person()["id"]
    found = notifications.timeline(conn(), pid, limit=page.fetch, before=_before(page))
    answer = page.answer([entry_json(e) for e in found], key=lambda e: [e["id"]])
    answer["unread"] = notifications.unread_count(conn(), pid)
    return answer


@bp.api_route(
    "/notifications/read",
    "POST",
    action="notifications.view",
    request=READ,
    response=READ_DONE,
    status=200,
)
def mark_read(body: dict):
    """Marque lues mes notifications `ids` (celles des autres sont ignorées), ou toutes."""
    pid = current_person()["id"]
    if body.get("all"):
        n = notifications.mark_read(conn(), pid)
    else:
        n = notifications.mark_read(conn(), pid, body.get("ids") or [])
    return {"read": n, "unread": notifications.unread_count(conn(), pid)}


def settings_json(person: dict) -> dict:
    address = notifications.address_of(conn(), person["id"])
    return {
        "email": address["email"],
        "pending": address["pending"],
        "types": notifications.frequencies(conn(), person),
    }


@bp.api_route(
    "/me/notification-settings", "GET", action="notifications.settings", response=SETTINGS
)
def settings_get():
    """Mes réglages : l'adresse des courriels et, par type, immediate, daily, weekly ou never."""
    return settings_json(current_person())


@bp.api_route(
    "/me/notification-settings",
    "PUT",
    action="notifications.settings",
    request=SETTINGS_CHANGE,
    response=SETTINGS,
    endpoint="settings_put",
)
def settings_put(body: dict):
    """Change une partie de mes réglages : les types donnés seulement ; une nouvelle adresse
    reçoit un lien de confirmation et ne sert qu'une fois ce lien ouvert ; null : aucune."""
    person = current_person()
    if "types" in body:
        notifications.set_frequencies(conn(), person, body["types"], actor())
    if "email" in body:
        if body["email"]:
            notifications.request_address(conn(), person["id"], body["email"], actor())
        else:
            notifications.set_address(conn(), person["id"], None, actor())
    return settings_json(person)
