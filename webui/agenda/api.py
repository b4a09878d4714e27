"""The agenda's JSON API (conventions: docs/architecture.md, "The JSON API"), the same
services as the pages.

    GET    /api/v1/agenda?from&to             my events, the school's I read, my lessons
    POST   /api/v1/agenda/events              a new event (with an audience: a school event,
                                              for the direction and the vie scolaire) → 201
    PATCH  /api/v1/agenda/events/{id}         change one of mine (or, for them, a school one)
    DELETE /api/v1/agenda/events/{id}         delete it (every occurrence) → 204

Times are `YYYY-MM-DDTHH:MM` in the school's zone; an all-day event's `start` and `end`
are days `YYYY-MM-DD` (its first and last, included). A weekly event is given once a week
in a range (each occurrence with the event's `id`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import g

from appliance.agenda import checks, events, occurrences
from appliance.directory import people
from appliance.i18n import N_
from appliance.schoollife import lessons
from appliance.security import policy
from webui.access import actor, conn, current_person
from webui.agenda import followed
from webui.api.core import ApiBlueprint, ApiError

bp = ApiBlueprint("agenda_api", __name__, tag="agenda")

MAX_DAYS = 62

_DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_DAY = {"type": "string", "format": "date", "pattern": _DAY_PATTERN}
_MOMENT = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$",
    "description": "YYYY-MM-DDTHH:MM (heure de l'établissement), ou YYYY-MM-DD toute la journée.",
}
_TARGET = {
    "type": "string",
    "minLength": 1,
    "maxLength": 60,
    "pattern": r"^(all|profile:[a-z]+|(students|parents|teachers):(class|group):.+)$",
}

ITEM = {
    "type": "object",
    "required": ["id", "kind", "title", "start", "end", "all_day", "place"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": ["personal", "school", "lesson"]},
        "title": {"type": "string"},
        "start": _MOMENT,
        "end": _MOMENT,
        "all_day": {"type": "boolean"},
        "place": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "repeat_until": {"type": ["string", "null"]},
        "audience": {"type": "array", "items": {"type": "string"}},
        "editable": {"type": "boolean"},
        "status": {"type": "string", "description": "Un cours : planned, cancelled…"},
        "student": {"type": "string", "description": "Un cours d'un enfant : son identifiant."},
    },
}
ITEMS = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": ITEM}},
}

EVENT = {
    "type": "object",
    "required": ["id", "kind", "title", "start", "end", "all_day", "place", "description",
                 "repeat_until", "audience"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": ["personal", "school"]},
        "title": {"type": "string"},
        "start": _MOMENT,
        "end": _MOMENT,
        "all_day": {"type": "boolean"},
        "place": {"type": "string"},
        "description": {"type": "string"},
        "repeat_until": {"anyOf": [{"type": "null"}, _DAY]},
        "audience": {"type": "array", "items": {"type": "string"}},
    },
}  # fmt: skip

_FIELDS = {
    "title": {"type": "string", "minLength": 1, "maxLength": checks.TITLE_MAX},
    "start": _MOMENT,
    "end": _MOMENT,
    "all_day": {"type": "boolean"},
    "place": {"type": "string", "maxLength": checks.PLACE_MAX},
    "description": {"type": "string", "maxLength": checks.DESCRIPTION_MAX},
    "repeat_until": {"anyOf": [{"type": "null"}, _DAY],
                     "description": "Chaque semaine jusqu'à ce jour (compris) ; null : une fois."},
    "audience": {"type": "array", "items": _TARGET, "maxItems": checks.TARGETS_MAX,
                 "description": "Un événement de l'établissement, pour ces publics."},
}  # fmt: skip
NEW_EVENT = {
    "type": "object",
    "required": ["title", "start", "end"],
    "additionalProperties": False,
    "properties": _FIELDS,
}
CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {k: v for k, v in _FIELDS.items()},
}


def _split(moment: str, field: str) -> tuple[str, str | None]:
    day, _sep, clock = moment.partition("T")
    try:
        date.fromisoformat(day)
    except ValueError:
        raise ApiError(422, message=N_("Date « %(value)s » invalide."), field=field,
                       value=moment) from None  # fmt: skip
    return day, clock or None


def _values(body: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The service's values from a body (a PATCH's over the event's own)."""
    values = dict(base or {})
    for key in ("title", "place", "description", "audience", "repeat_until"):
        if key in body:
            values[key] = body[key]
    if "all_day" in body:
        values["all_day"] = body["all_day"]
    for key in ("start", "end"):
        if key in body:
            day, clock = _split(body[key], key)
            values[f"{key}_day"], values[f"{key}_time"] = day, clock
    if not values.get("all_day"):
        for key in ("start", "end"):
            if not values.get(f"{key}_time"):
                raise ApiError(
                    422,
                    message=N_("Donnez l'heure (YYYY-MM-DDTHH:MM) ou « all_day »: true."),
                    field=key,
                )
    return values


def event_json(event: dict[str, Any]) -> dict[str, Any]:
    if event["all_day"]:
        start, end = event["start_day"], event["end_day"]
    else:
        start = f"{event['start_day']}T{event['start_time']}"
        end = f"{event['end_day']}T{event['end_time']}"
    return {
        "id": event["id"],
        "kind": event["kind"],
        "title": event["title"],
        "start": start,
        "end": end,
        "all_day": event["all_day"],
        "place": event["place"],
        "description": event["description"],
        "repeat_until": event["repeat_until"],
        "audience": list(event["audience"]),
    }


def _lesson_items(first: date, last: date) -> list[dict[str, Any]]:
    """My lessons (a parent's: each child's whose timetable they may read)."""
    me = current_person()
    who = followed()
    out = []
    if who["child"] is None and who["lessons_of"] is not None:
        wanted = [(me["id"], None)]
    else:
        wanted = [(c["id"], c) for c in people.children_of(conn(), me["id"])
                  if policy.may(me, "timetable.view", c, conn())]  # fmt: skip
    for person_id, child in wanted:
        found = lessons.lessons_between(conn(), first, last, person_id=person_id, teachers=False)
        for lesson in found:
            title = lesson["subject"] or lesson["subject_code"]
            item = {
                "id": lesson["id"],
                "kind": "lesson",
                "title": f"{child['first_name']} · {title}" if child else title,
                "start": f"{lesson['date']}T{lesson['start']}",
                "end": f"{lesson['date']}T{lesson['end']}",
                "all_day": False,
                "place": lesson["room"],
                "status": lesson["status"],
            }
            if child:
                item["student"] = child["login"]
            out.append(item)
    return out


@bp.api_route(
    "/agenda",
    "GET",
    action="agenda.use",
    response=ITEMS,
    query={
        "from": {**_DAY, "description": "Premier jour."},
        "to": {**_DAY, "description": "Dernier jour, compris (au plus 62 jours en tout)."},
    },
    required_query=("from", "to"),
)
def agenda(query: dict[str, Any]):
    """Mon agenda du jour `from` au jour `to` compris, dans l'ordre : mes événements
    (« personal »), ceux de l'établissement qui me sont adressés (« school »), mes cours
    (« lesson » ; un parent : ceux de ses enfants). Un événement hebdomadaire y est une
    fois par semaine."""
    first, last = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
    if last < first:
        raise ApiError(422, message=N_("Le jour « to » vient avant « from »."), field="to")
    if last - first >= timedelta(days=MAX_DAYS):
        raise ApiError(422, message=N_("Au plus %(days)s jours à la fois : demandez moins de "
                                       "jours."), field="to", days=MAX_DAYS)  # fmt: skip
    me = current_person()
    items = []
    for o in occurrences.between(conn(), me, first, last):
        items.append({**{k: o[k] for k in ("id", "kind", "title", "start", "end", "all_day",
                                            "place", "description", "repeat_until",
                                            "audience")},
                      "editable": events.may_edit(conn(), me, o)})  # fmt: skip
    items.extend(_lesson_items(first, last))
    items.sort(
        key=lambda i: (i["start"][:10], len(i["start"]) > 10, i["start"], i["kind"], i["id"])
    )
    return {"items": items}


@bp.api_route(
    "/agenda/events", "POST", action="agenda.use", request=NEW_EVENT, response=EVENT, status=201
)
def event_create(body: dict[str, Any]):
    """Ajoute un événement à mon agenda ; avec `audience`, au calendrier de
    l'établissement (la direction et la vie scolaire seulement : 403 sinon)."""
    values = _values(body)
    return event_json(events.create(conn(), current_person(), values, actor()))


def _editable(event_id: int) -> dict[str, Any]:
    return events.editable(conn(), current_person(), event_id)


@bp.api_route(
    "/agenda/events/<int:event_id>",
    "PATCH",
    action="agenda.use",
    target=_editable,
    request=CHANGE,
    response=EVENT,
    status=200,
)
def event_update(event_id: int, body: dict[str, Any]):
    """Change un de mes événements (toutes ses répétitions), ou, pour la direction et la
    vie scolaire, un événement de l'établissement ; les champs absents restent."""
    values = _values(body, events.values_of(g.target))
    return event_json(events.update(conn(), current_person(), event_id, values, actor()))


@bp.api_route("/agenda/events/<int:event_id>", "DELETE", action="agenda.use", target=_editable)
def event_delete(event_id: int):
    """Supprime un de mes événements (et toutes ses répétitions)."""
    events.delete(conn(), current_person(), event_id, actor())
