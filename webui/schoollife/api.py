"""The timetable's JSON API (conventions: docs/architecture.md, "The JSON API"): the school
year, a week (or up to 62 days) of lessons, changes, the iCal feed's address. The same
services as the pages.

    GET    /api/v1/year                       the school year (`cartable year show --json`)
    GET    /api/v1/timetable?from&to[&login=L | &audience=class:C | &room=R]
    POST   /api/v1/lessons/{id}/change        cancel, move, replace, or restore ("planned")
    POST   /api/v1/lessons                    an extra lesson (201)
    POST   /api/v1/me/ical                    a new secret feed address (the old one stops)
    DELETE /api/v1/me/ical                    stop the feed (204)
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import current_app, g

from appliance.directory import people
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.schoollife import changes, choices, ical, lessons, year
from appliance.security import policy
from webui.access import actor, conn, current_person
from webui.api import schemas
from webui.api.core import ApiBlueprint, ApiError
from webui.schoollife.views_ical import feed_url

bp = ApiBlueprint("timetable_api", __name__, tag="timetable")

MAX_DAYS = 62

_AUDIENCE = {
    "type": "object",
    "required": ["kind", "code"],
    "additionalProperties": False,
    "properties": {"kind": {"enum": ["class", "group"]}, "code": {"type": "string"}},
}
_STATUSES = ["planned", "cancelled", "moved", "replaced", "added"]

YEAR = {
    "type": "object",
    "required": ["start", "end", "holidays", "weeks"],
    "properties": {
        "start": schemas.DAY,
        "end": schemas.DAY,
        "holidays": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["from", "to"],
                "properties": {"from": schemas.DAY, "to": schemas.DAY},
            },
        },
        "weeks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["monday", "letter"],
                "properties": {"monday": schemas.DAY, "letter": {"enum": ["A", "B"]}},
            },
        },
    },
}

LESSON = {
    "type": "object",
    "required": [
        "id", "start", "end", "subject_code", "subject", "audience", "teachers", "room",
        "status", "note", "moved_from",
    ],
    "properties": {
        "id": {"type": "integer"},
        "start": schemas.MINUTE,
        "end": schemas.MINUTE,
        "subject_code": {"type": "string"},
        "subject": {"type": "string"},
        "audience": _AUDIENCE,
        "teachers": {"type": "array", "items": {"type": "string"}},
        "room": {"type": ["string", "null"]},
        "status": {"enum": _STATUSES},
        "note": {"type": ["string", "null"], "description": "Montrée aux familles."},
        "moved_from": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["start", "end", "room"],
                    "properties": {
                        "start": schemas.MINUTE,
                        "end": schemas.MINUTE,
                        "room": {"type": ["string", "null"]},
                    },
                },
            ],
            "description": "L'horaire d'origine d'un cours déplacé.",
        },
    },
}  # fmt: skip

LESSONS = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": LESSON}},
}

_NOTE = {"type": "string", "maxLength": changes.NOTE_MAX}
_ROOM = {"type": ["string", "null"], "maxLength": changes.ROOM_MAX}
_TEACHERS = {"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 10}

CHANGE = {
    "type": "object",
    "required": ["status"],
    "additionalProperties": False,
    "properties": {
        "status": {
            "enum": ["cancelled", "moved", "replaced", "planned"],
            "description": "« planned » : rétablit le cours comme prévu.",
        },
        "note": _NOTE,
        "start": {**schemas.MINUTE, "description": "Le nouvel horaire (un déplacement)."},
        "end": schemas.MINUTE,
        "room": {**_ROOM, "description": "La nouvelle salle ; absente : la même."},
        "teachers": {**_TEACHERS, "description": "Les remplaçants (identifiants)."},
    },
}

ADDED = {
    "type": "object",
    "required": ["start", "end", "subject_code", "audience", "teachers"],
    "additionalProperties": False,
    "properties": {
        "status": {"const": "added"},
        "start": schemas.MINUTE,
        "end": schemas.MINUTE,
        "subject_code": {"type": "string", "maxLength": 20},
        "audience": _AUDIENCE,
        "teachers": _TEACHERS,
        "room": _ROOM,
        "note": _NOTE,
    },
}

FEED = {
    "type": "object",
    "required": ["url"],
    "properties": {"url": {"type": "string", "description": "À donner à l'agenda (iCal)."}},
}


@bp.api_route("/year", "GET", action="schoollife.year.view", response=YEAR, errors=(404,))
def year_show():
    """L'année scolaire : premier et dernier jour, vacances, semaines A et B (404 tant
    qu'elle n'est pas réglée)."""
    return year.year_info(conn())


def _selection(query: dict[str, Any]) -> dict[str, Any]:
    """The lessons' selector the query asks for, if the caller may see it; 404 (never
    saying whether it exists) otherwise."""
    given = [k for k in ("login", "audience", "room") if query.get(k) not in (None, "")]
    if len(given) > 1:
        raise ApiError(
            422,
            message=N_("Une seule personne, classe, groupe ou salle à la fois."),
            field=given[1],
        )
    me = current_person()
    try:
        if not given:
            target, action, selector = me, "timetable.view", {"person_id": me["id"]}
        elif given[0] == "login":
            target = people.get_by_login(conn(), query["login"])
            action, selector = "timetable.view", {"person_id": target["id"]}
        elif given[0] == "audience":
            target = choices.audience_by_code(conn(), query["audience"])
            action = "timetable.audience.view"
            selector = {f"{target['kind']}_id": target["id"]}
        else:
            target = {"kind": "room", "code": query["room"]}
            action, selector = "timetable.room.view", {"room": query["room"]}
    except NotFound:
        raise ApiError(404) from None
    if not policy.may(me, action, target, conn()):
        raise ApiError(404 if given else 403)
    return selector


@bp.api_route(
    "/timetable",
    "GET",
    action="timetable.home",
    response=LESSONS,
    query={
        "from": {**schemas.DAY, "description": "Premier jour."},
        "to": {**schemas.DAY, "description": "Dernier jour, compris (au plus 62 jours en tout)."},
        "login": {"type": "string", "maxLength": 64, "description": "Une personne."},
        "audience": {
            "type": "string",
            "pattern": "^(class|group):.+$",
            "maxLength": 64,
            "description": "Une classe ou un groupe : class:5A, group:LATIN.",
        },
        "room": {"type": "string", "maxLength": 40, "description": "Une salle."},
    },
    required_query=("from", "to"),
    errors=(404,),
)
def timetable(query: dict[str, Any]):
    """Les cours, dans l'ordre, de moi-même (par défaut), d'une personne, d'une classe ou
    d'un groupe, ou d'une salle, du jour `from` au jour `to` compris. Une personne, une
    classe ou une salle qu'on ne peut pas voir répond 404, comme si elle n'existait pas."""
    first, last = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
    if last < first:
        raise ApiError(422, message=N_("Le jour « to » vient avant « from »."), field="to")
    if last - first >= timedelta(days=MAX_DAYS):
        raise ApiError(
            422,
            message=N_("Au plus %(days)s jours à la fois : demandez moins de jours."),
            field="to",
            days=MAX_DAYS,
        )
    selector = _selection(query)
    # SQLite writes the items' JSON (the shape of `lessons.api_shape`): a student's week
    # is the API's busiest call.
    items = lessons.api_json_between(conn(), first, last, **selector)
    return current_app.response_class(
        '{"items":' + items + "}", status=200, mimetype="application/json"
    )


def _lesson(lesson_id: int) -> dict[str, Any]:
    return lessons.get_lesson(conn(), lesson_id)


@bp.api_route(
    "/lessons/<int:lesson_id>/change",
    "POST",
    action="timetable.change",
    target=_lesson,
    request=CHANGE,
    response=LESSON,
    status=200,
)
def lesson_change(lesson_id: int, body: dict[str, Any]):
    """Change un cours : annulé, déplacé (nouvel horaire, salle), remplacé (autres
    professeurs), ou rétabli comme prévu ; la note est montrée aux familles."""
    return lessons.api_shape(changes.change(conn(), g.target["id"], body, actor=actor()))


@bp.api_route(
    "/lessons", "POST", action="timetable.change", request=ADDED, response=LESSON, status=201
)
def lesson_add(body: dict[str, Any]):
    """Ajoute un cours (statut « added ») à une classe ou un groupe."""
    added = changes.add(conn(), **changes.added_values(body), actor=actor())
    return lessons.api_shape(added)


@bp.api_route("/me/ical", "POST", action="timetable.ical", response=FEED, status=201)
def my_ical_create():
    """Une nouvelle adresse secrète d'agenda (iCal) de mon emploi du temps ; l'ancienne
    s'arrête. L'adresse n'est donnée qu'une fois."""
    return {"url": feed_url(ical.create(conn(), current_person()["id"], actor=actor()))}


@bp.api_route("/me/ical", "DELETE", action="timetable.ical")
def my_ical_revoke():
    """Arrête mon adresse d'agenda : elle répond 404 dès maintenant."""
    ical.revoke(conn(), current_person()["id"], actor=actor())
