"""The cahier de textes's JSON API (conventions: docs/architecture.md, "The JSON API"): the
same services and the same policy as the pages.

    PUT  /api/v1/lessons/{id}/diary           the content of a lesson (its teacher)
    GET  /api/v1/diary?audience=class:C&from&to   a class's or group's cahier, by lesson
    POST /api/v1/homework                     give homework (201)
    GET  /api/v1/homework?from&to[&login=L | &audience=class:C]
    PUT  /api/v1/homework/{id}/done           a student's own tick
    GET  /api/v1/homework/workload?audience=class:C&from&to
    POST /api/v1/diary/visa                   the direction's visa (201)

A class or group named in a query that the caller may not read answers 404, as an unknown
one: the answer never says whether it exists.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import g, url_for

from appliance import timefmt
from appliance.directory import people
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.schoollife.diary import audiences, entries, homework, progress, reading, visa
from appliance.schoollife.year import local_today, monday_of
from appliance.security import policy
from webui.access import actor, conn, current_person
from webui.api import schemas
from webui.api.core import ApiBlueprint, ApiError
from webui.diary.common import homework_target, lesson_target

bp = ApiBlueprint("diary_api", __name__, tag="diary")

MAX_DAYS = 62

_SPAN_QUERY = {
    "from": {**schemas.DAY, "description": "Premier jour (par défaut : aujourd'hui)."},
    "to": {**schemas.DAY, "description": "Dernier jour, compris (au plus 62 jours en tout)."},
}

HOMEWORK = {
    "type": "object",
    "required": [
        "id", "lesson_id", "due", "due_next_lesson", "given", "subject_code", "subject",
        "audience", "kind", "text", "text_html", "minutes", "publish_at", "published",
        "author", "attachments",
    ],
    "properties": {
        "id": {"type": "integer"},
        "lesson_id": {"type": ["integer", "null"], "description": "Le cours où il fut donné."},
        "due": schemas.DAY,
        "due_next_lesson": {"type": "boolean"},
        "given": schemas.DAY,
        "subject_code": {"type": "string"},
        "subject": {"type": "string"},
        "audience": schemas.AUDIENCE,
        "kind": {"enum": list(homework.KINDS)},
        "text": {"type": "string"},
        "text_html": {"type": "string", "description": "Le même texte en HTML sûr."},
        "minutes": {"type": ["integer", "null"]},
        "publish_at": schemas.MINUTE,
        "published": {"type": "boolean"},
        "author": {"type": ["string", "null"], "description": "Identifiant du professeur."},
        "attachments": {"type": "array", "items": schemas.FILE},
        "done": {"type": "boolean", "description": "Fait (l'élève, ou l'enfant demandé)."},
        "done_count": {"type": "integer", "description": "Combien d'élèves l'ont fait."},
        "students": {"type": "integer", "description": "Combien d'élèves il concerne."},
    },
}  # fmt: skip
HOMEWORK_LIST = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": HOMEWORK}},
}
ENTRY = {
    "type": "object",
    "required": [
        "lesson_id", "date", "start", "end", "subject_code", "subject", "audience",
        "teachers", "status", "content", "content_html", "updated_at",
    ],
    "properties": {
        "lesson_id": {"type": "integer"},
        "date": schemas.DAY,
        "start": schemas.MINUTE,
        "end": schemas.MINUTE,
        "subject_code": {"type": "string"},
        "subject": {"type": "string"},
        "audience": schemas.AUDIENCE,
        "teachers": {"type": "array", "items": {"type": "string"}},
        "status": {"enum": ["planned", "cancelled", "moved", "replaced", "added"]},
        "content": {"type": "string", "description": "Ce qui a été fait (texte)."},
        "content_html": {"type": "string", "description": "Le même texte en HTML sûr."},
        "updated_at": {"anyOf": [schemas.MINUTE, {"type": "null"}]},
    },
}  # fmt: skip
DIARY_ITEM = {
    **ENTRY,
    "required": [*ENTRY["required"], "homework"],
    "properties": {**ENTRY["properties"], "homework": {"type": "array", "items": HOMEWORK}},
}
DIARY = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {"type": "array", "items": DIARY_ITEM}},
}
CONTENT = {
    "type": "object",
    "required": ["content"],
    "additionalProperties": False,
    "properties": {
        "content": {
            "type": "string",
            "maxLength": 50_000,
            "description": "Texte simple ou HTML simple ; vide : efface le contenu.",
        }
    },
}
NEW_HOMEWORK = {
    "type": "object",
    "required": ["audience", "subject_code", "kind", "text"],
    "additionalProperties": False,
    "properties": {
        "audience": schemas.AUDIENCE,
        "subject_code": {"type": "string", "minLength": 1, "maxLength": 20},
        "due": {**schemas.DAY, "description": "Le jour où il est à faire."},
        "due_next_lesson": {
            "type": "boolean",
            "description": "true : pour le prochain cours de la classe dans la matière.",
        },
        "kind": {"enum": list(homework.KINDS)},
        "text": {"type": "string", "minLength": 1, "maxLength": homework.MAX_TEXT},
        "minutes": {"type": ["integer", "null"], "minimum": 0, "maximum": homework.MAX_MINUTES},
        "lesson_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**63 - 1},
        "publish_at": {
            **schemas.MINUTE,
            "description": "Vu des familles à partir de (défaut : maintenant).",
        },
    },
}
DONE = {
    "type": "object",
    "required": ["done"],
    "additionalProperties": False,
    "properties": {"done": {"type": "boolean"}},
}
TICK = {
    "type": "object",
    "required": ["id", "done"],
    "properties": {"id": {"type": "integer"}, "done": {"type": "boolean"}},
}
WORKLOAD = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["date", "count", "minutes"],
                "properties": {
                    "date": schemas.DAY,
                    "count": {"type": "integer"},
                    "minutes": {"type": "integer"},
                },
            },
        }
    },
}
NEW_VISA = {
    "type": "object",
    "required": ["teacher", "audience"],
    "additionalProperties": False,
    "properties": {
        "teacher": {"type": "string", "minLength": 1, "maxLength": 64},
        "audience": schemas.AUDIENCE,
        "comment": {"type": "string", "maxLength": visa.MAX_COMMENT},
        "date": {**schemas.DAY, "description": "Le jour du visa (défaut : aujourd'hui)."},
    },
}
VISA = {
    "type": "object",
    "required": ["id", "audience", "teacher", "date", "comment", "director"],
    "properties": {
        "id": {"type": "integer"},
        "audience": schemas.AUDIENCE,
        "teacher": {"type": ["string", "null"]},
        "date": schemas.DAY,
        "comment": {"type": "string"},
        "director": {"type": ["string", "null"]},
    },
}


# --- shapes -----------------------------------------------------------------------------------


def homework_json(item: dict[str, Any]) -> dict[str, Any]:
    out = {
        "id": item["id"],
        "lesson_id": item["lesson_id"],
        "due": item["due"],
        "due_next_lesson": item["due_next_lesson"],
        "given": item["given"],
        "subject_code": item["subject_code"],
        "subject": item["subject"],
        "audience": audiences.short(item["audience"]),
        "kind": item["kind"],
        "text": item["text"],
        "text_html": item["text_html"],
        "minutes": item["minutes"],
        "publish_at": timefmt.api_minute(item["publish_at"]),
        "published": item["published"],
        "author": item["author"]["login"] if item["author"] else None,
        "attachments": [
            {
                "id": a["id"],
                "name": a["name"],
                "size": a["size"],
                "mime": a["mime"],
                "url": url_for("diary.attachment", attachment_id=a["id"]),
            }
            for a in item["attachments"]
        ],
    }
    for extra in ("done", "done_count", "students"):
        if extra in item:
            out[extra] = item[extra]
    return out


def _entry_json(lesson: dict[str, Any], entry: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "lesson_id": lesson["id"],
        "date": lesson["date"],
        "start": f"{lesson['date']}T{lesson['start']}",
        "end": f"{lesson['date']}T{lesson['end']}",
        "subject_code": lesson["subject_code"],
        "subject": lesson["subject"],
        "audience": lesson["audience"],
        "teachers": lesson["teachers"],
        "status": lesson["status"],
        "content": entry["content"] if entry else "",
        "content_html": entry["content_html"] if entry else "",
        "updated_at": timefmt.api_minute(entry["updated_at"]) if entry else None,
    }


# --- what the query names -----------------------------------------------------------------------


def _span(query: dict[str, Any], default_first: date, default_days: int) -> tuple[date, date]:
    first = date.fromisoformat(query["from"]) if query.get("from") else default_first
    last = (
        date.fromisoformat(query["to"])
        if query.get("to")
        else first + timedelta(days=default_days - 1)
    )
    if last < first:
        raise ApiError(422, message=N_("Le jour « to » vient avant « from »."), field="to")
    if (last - first).days >= MAX_DAYS:
        raise ApiError(
            422,
            message=N_("Au plus %(days)s jours à la fois : demandez moins de jours."),
            field="to",
            days=MAX_DAYS,
        )
    return first, last


def _readable_audience(text: str, action: str = "diary.read") -> dict[str, Any]:
    """The class or group `class:5A` if the caller may `action` it; 404 otherwise (unknown
    and not yours answer the same)."""
    try:
        found = audiences.parse(conn(), text)
    except NotFound:
        raise ApiError(404) from None
    if not policy.may(current_person(), action, audiences.target(found), conn()):
        raise ApiError(404)
    return found


def _body_audience(value: dict[str, Any]) -> dict[str, Any]:
    try:
        return audiences.by_code(conn(), value["kind"], value["code"])
    except NotFound as exc:
        raise ApiError(422, message=exc.template, field="audience", **exc.params) from None


def _follows(audience: dict[str, Any]) -> bool:
    return policy.may(current_person(), "diary.follow", audiences.target(audience), conn())


# --- the endpoints --------------------------------------------------------------------------------


@bp.api_route(
    "/lessons/<int:lesson_id>/diary",
    "PUT",
    action="diary.write",
    target=lesson_target,
    request=CONTENT,
    response=ENTRY,
)
def lesson_content(lesson_id: int, body: dict[str, Any]):
    """Écrit le contenu d'un cours (ce qui a été fait) : son professeur, dans sa matière.
    Un contenu vide efface ce qui était écrit."""
    written = entries.write(conn(), actor(), lesson_id, body["content"])
    return _entry_json(g.target["lesson"], written)


@bp.api_route(
    "/diary",
    "GET",
    action="diary.open",
    response=DIARY,
    query={"audience": schemas.AUDIENCE_SHORT, **_SPAN_QUERY},
    required_query=("audience",),
    errors=(404,),
)
def diary(query: dict[str, Any]):
    """Le cahier de textes d'une classe ou d'un groupe, cours par cours, du jour `from` au
    jour `to` (par défaut : la semaine en cours). Les familles n'y voient que les cours où
    quelque chose est écrit, et le travail déjà publié ; ses professeurs et la direction y
    voient aussi combien d'élèves ont fait chaque travail."""
    audience = _readable_audience(query["audience"])
    first, last = _span(query, monday_of(local_today()), 7)
    follows = _follows(audience)
    found = entries.cahier(conn(), audience, first, last, drafts=follows, filled_only=not follows)
    if follows:
        progress.with_done_counts(conn(), [h for e in found for h in e["homework"]])
    return {
        "items": [
            {
                **_entry_json(e["lesson"], e["entry"]),
                "homework": [homework_json(h) for h in e["homework"]],
            }
            for e in found
        ]
    }


@bp.api_route(
    "/homework", "POST", action="diary.give", request=NEW_HOMEWORK, response=HOMEWORK, status=201
)
def homework_create(body: dict[str, Any]):
    """Donne un travail à une classe ou un groupe, dans une matière : pour un jour (`due`)
    ou pour le prochain cours (`due_next_lesson`), dans un cours (`lesson_id`) ou non."""
    audience = _body_audience(body["audience"])
    target = audiences.target(audience, body["subject_code"])
    if not policy.may(current_person(), "diary.write", target, conn()):
        raise ApiError(
            403,
            message=N_("Vous n'enseignez pas cette matière dans cette classe ou ce groupe."),
            field="audience",
        )
    next_lesson = bool(body.get("due_next_lesson"))
    if next_lesson and body.get("due"):
        raise ApiError(
            422, message=N_("Donnez « due » ou « due_next_lesson », pas les deux."), field="due"
        )
    try:
        item = homework.create(
            conn(),
            actor(),
            audience=audience,
            subject_code=body["subject_code"],
            text=body["text"],
            kind=body["kind"],
            due=body.get("due"),
            due_next_lesson=next_lesson,
            minutes=body.get("minutes"),
            lesson_id=body.get("lesson_id"),
            publish_at=body.get("publish_at"),
        )
    except NotFound as exc:  # the lesson named in the body
        raise ApiError(422, message=exc.template, field="lesson_id", **exc.params) from None
    return homework_json(item)


@bp.api_route(
    "/homework",
    "GET",
    action="diary.open",
    response=HOMEWORK_LIST,
    query={
        **_SPAN_QUERY,
        "to": {**schemas.DAY, "description": "Dernier jour, compris (par défaut : 14 jours)."},
        "login": {"type": "string", "maxLength": 64, "description": "Un élève (un enfant)."},
        "audience": schemas.AUDIENCE_SHORT,
    },
    errors=(404,),
)
def homework_list(query: dict[str, Any]):
    """Le travail à faire du jour `from` au jour `to`, par jour : le mien (un élève, avec
    `done`), celui d'un enfant (`login`, avec `done`), celui d'une classe ou d'un groupe
    (`audience` ; ses professeurs y voient `done_count`), ou, sans rien de cela, celui que
    j'ai donné (un professeur, avec `done_count`)."""
    if query.get("login") and query.get("audience"):
        raise ApiError(
            422, message=N_("Un élève ou une classe, pas les deux à la fois."), field="audience"
        )
    first, last = _span(query, local_today(), 14)
    me = current_person()
    if query.get("audience"):
        audience = _readable_audience(query["audience"])
        follows = _follows(audience)
        found = reading.for_audience(conn(), audience, first, last, drafts=follows)
        if follows:
            progress.with_done_counts(conn(), found)
        return {"items": [homework_json(h) for h in found]}
    student = me
    if query.get("login"):
        try:
            student = people.get_by_login(conn(), query["login"])
        except NotFound:
            raise ApiError(404) from None
    target = {"kind": "person", "id": student["id"], "profile": student["profile"]}
    if policy.may(me, "diary.todo", target, conn()):
        found = reading.for_student(conn(), student["id"], first, last)
    elif query.get("login"):
        raise ApiError(404)
    else:
        found = progress.with_done_counts(conn(), reading.by_author(conn(), me["id"], first, last))
    return {"items": [homework_json(h) for h in found]}


@bp.api_route(
    "/homework/<int:homework_id>/done",
    "PUT",
    action="diary.tick",
    target=homework_target,
    request=DONE,
    response=TICK,
)
def homework_done(homework_id: int, body: dict[str, Any]):
    """Coche (ou décoche) un travail comme fait : l'élève lui-même, pour lui seul."""
    done = progress.set_done(conn(), current_person()["id"], homework_id, body["done"])
    return {"id": homework_id, "done": done}


@bp.api_route(
    "/homework/workload",
    "GET",
    action="diary.workload",
    response=WORKLOAD,
    query={"audience": schemas.AUDIENCE_SHORT, **_SPAN_QUERY},
    required_query=("audience",),
    errors=(404,),
)
def workload(query: dict[str, Any]):
    """La charge de travail d'une classe ou d'un groupe, jour par jour, du jour `from` au
    jour `to` (par défaut : 14 jours) : le nombre de travaux à faire et leurs minutes, pour
    l'élève le plus chargé (sa classe et ses groupes)."""
    audience = _readable_audience(query["audience"], "diary.follow")
    first, last = _span(query, local_today(), 14)
    return {"items": progress.workload(conn(), audience, first, last)}


@bp.api_route(
    "/diary/visa", "POST", action="diary.visa", request=NEW_VISA, response=VISA, status=201
)
def visa_create(body: dict[str, Any]):
    """Vise le cahier de textes d'un professeur pour une classe ou un groupe (la
    direction), avec un commentaire."""
    audience = _body_audience(body["audience"])
    try:
        teacher = people.get_by_login(conn(), body["teacher"])
    except NotFound as exc:
        raise ApiError(422, message=exc.template, field="teacher", **exc.params) from None
    done = visa.put(
        conn(),
        actor(),
        audience=audience,
        teacher=teacher,
        comment=body.get("comment", ""),
        day=body.get("date"),
    )
    return {
        "id": done["id"],
        "audience": audiences.short(done["audience"]),
        "teacher": done["teacher"]["login"] if done["teacher"] else None,
        "date": done["date"],
        "comment": done["comment"],
        "director": done["director"]["login"] if done["director"] else None,
    }
