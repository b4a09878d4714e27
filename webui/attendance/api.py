"""The JSON API of the roll call and absences (`api.md`; issue #13's contract).

    GET  /api/v1/lessons/{id}/roll          the roll call of a lesson
    PUT  /api/v1/lessons/{id}/roll          {"absent": [logins], "late": {login: minutes}}
    GET  /api/v1/absences?login=L&from&to   a student's absences and lateness
    POST /api/v1/absences/{id}/excuse       {"text", "reason_code"?}   (a guardian) → 201
    POST /api/v1/absences/{id}/justify      {"reason_code", "comment"?} (vie scolaire) → 200
    GET  /api/v1/attendance/reasons         [{"code", "label", "admissible"}]
    GET  /api/v1/absences/summary?login=L&month=AAAA-MM
    GET  /api/v1/attendance/alerts?month=AAAA-MM

A student named by login that does not exist and one the caller may not follow answer
the same 404, with nothing of the student.
"""

from __future__ import annotations

from typing import Any

from flask import g

from appliance.directory import people
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.schoollife.attendance import alerts, events, excuses, halfdays, reasons, roll
from appliance.schoollife.attendance.common import day, person_thing
from appliance.security import policy
from webui.access import actor, box, conn, current_person
from webui.api import ApiBlueprint, ApiError, PageRequest, schemas

bp = ApiBlueprint("attendance_api", __name__, tag="attendance")

_MONTH = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$"}
_REASON = {"type": "string", "minLength": 1, "maxLength": 40}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}

ROLL = {
    "type": "object",
    "required": ["students", "taken"],
    "properties": {
        "students": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["login", "name", "status", "minutes"],
                "properties": {
                    "login": {"type": "string"},
                    "name": {"type": "string"},
                    "status": {
                        "enum": ["present", "absent", "late", None],
                        "description": "null : appel non fait (« absent » quand une "
                        "absence prévue couvre le cours).",
                    },
                    "minutes": {"type": ["integer", "null"]},
                },
            },
        },
        "taken": {"type": "boolean"},
    },
}
ROLL_CHANGE = {
    "type": "object",
    "required": ["absent"],
    "additionalProperties": False,
    "properties": {
        "absent": {"type": "array", "items": schemas.LOGIN, "maxItems": 1000, "uniqueItems": True},
        "late": {
            "type": "object",
            "maxProperties": 1000,
            "propertyNames": schemas.LOGIN,
            "additionalProperties": {
                "type": "integer",
                "minimum": 1,
                "maximum": roll.MAX_LATE_MINUTES,
            },
        },
    },
}
ABSENCE = {
    "type": "object",
    "required": ["id", "start", "end", "kind", "minutes", "reason_code", "justified", "excuse"],
    "properties": {
        "id": {"type": "integer"},
        "start": schemas.MINUTE,
        "end": schemas.MINUTE,
        "kind": {"enum": ["absence", "late"]},
        "minutes": {"type": ["integer", "null"], "description": "Minutes de retard."},
        "reason_code": {"type": ["string", "null"]},
        "justified": {"type": "boolean"},
        "excuse": {
            "anyOf": [
                {
                    "type": "object",
                    "required": ["status", "text"],
                    "properties": {
                        "status": {"enum": ["pending", "accepted", "refused"]},
                        "text": {"type": "string"},
                    },
                },
                {"type": "null"},
            ],
            "description": "Le dernier justificatif envoyé, ou null.",
        },
    },
}
EXCUSE = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {"text": _TEXT, "reason_code": _REASON},
}
EXCUSE_SENT = {
    "type": "object",
    "required": ["id", "absence_id", "status", "text", "reason_code"],
    "properties": {
        "id": {"type": "integer"},
        "absence_id": {"type": "integer"},
        "status": {"enum": ["pending", "accepted", "refused"]},
        "text": {"type": "string"},
        "reason_code": {"type": ["string", "null"]},
    },
}
JUSTIFY = {
    "type": "object",
    "required": ["reason_code"],
    "additionalProperties": False,
    "properties": {"reason_code": _REASON, "comment": {"type": "string", "maxLength": 1000}},
}
REASONS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "label", "admissible"],
        "properties": {
            "code": {"type": "string"},
            "label": {"type": "string"},
            "admissible": {"type": "boolean"},
        },
    },
}
SUMMARY = {
    "type": "object",
    "required": [
        "half_days",
        "complete_half_days",
        "complete_unjustified",
        "late_count",
        "late_minutes",
    ],
    "properties": {
        name: {"type": "integer", "minimum": 0}
        for name in (
            "half_days",
            "complete_half_days",
            "complete_unjustified",
            "late_count",
            "late_minutes",
        )
    },
}
ALERT = {
    "type": "object",
    "required": ["login", "class", "complete_unjustified"],
    "properties": {
        "login": {"type": "string"},
        "class": {"type": ["string", "null"]},
        "complete_unjustified": {"type": "integer", "minimum": 4},
    },
}


def _me() -> dict:
    person = current_person()
    assert person is not None  # an endpoint with an action is only reached authenticated
    return person


def _split() -> str:
    return str(box().config["attendance.half_day_split"])


def _student(login: str) -> dict[str, Any]:
    """The student named by `login` whose absences the caller may follow; 404 otherwise
    (absent and not yours answer the same)."""
    try:
        student = person_thing(people.get_by_login(conn(), login))
    except NotFound:
        raise ApiError(404) from None
    if not policy.may(_me(), "attendance.events.view", student, conn()):
        raise ApiError(404)
    return student


def _roll_json(found: dict) -> dict:
    return {
        "students": [
            {
                "login": s["login"],
                "name": f"{s['last_name']} {s['first_name']}",
                "status": s["status"],
                "minutes": s["minutes"],
            }
            for s in found["students"]
        ],
        "taken": found["taken"],
    }


def _lesson(lesson_id: int) -> dict:
    return roll.lesson_target(conn(), lesson_id)


@bp.api_route(
    "/lessons/<int:lesson_id>/roll",
    "GET",
    action="attendance.roll.view",
    target=_lesson,
    response=ROLL,
    endpoint="roll_get",
)
def roll_get(lesson_id: int):
    """L'appel d'un cours : la liste de la classe (ou du groupe) à cette date et l'état de
    chaque élève (null tant que l'appel n'est pas fait)."""
    return _roll_json(roll.get_roll(conn(), g.target))


@bp.api_route(
    "/lessons/<int:lesson_id>/roll",
    "PUT",
    action="attendance.roll.take",
    target=_lesson,
    request=ROLL_CHANGE,
    response=ROLL,
    errors=(409,),
    endpoint="roll_put",
)
def roll_put(lesson_id: int, body: dict):
    """Fait (ou corrige) l'appel : les absents, les retards en minutes, tous les autres
    présents. Jusqu'à la fin de la journée du cours pour son professeur, à tout moment
    pour la vie scolaire (409 sinon, ou pour un cours annulé)."""
    current = roll.get_roll(conn(), g.target)
    absent = roll.ids_of(current, body["absent"], "absent")
    late_logins = body.get("late") or {}
    late_ids = roll.ids_of(current, list(late_logins), "late")
    late = {sid: late_logins[login] for sid, login in zip(late_ids, late_logins, strict=True)}
    saved = roll.save(conn(), _me(), g.target, absent=absent, late=late, actor=actor())
    return _roll_json(saved)


@bp.api_route(
    "/absences",
    "GET",
    action="attendance.home",
    query={
        "login": {**schemas.LOGIN, "description": "L'élève (identifiant)."},
        "from": {**schemas.DAY, "description": "Premier jour (compris)."},
        "to": {**schemas.DAY, "description": "Dernier jour (compris)."},
    },
    required_query=("login",),
    response=ABSENCE,
    paginated=True,
    errors=(404,),
)
def absences(query: dict, page: PageRequest):
    """Les absences et retards d'un élève, dans l'ordre du temps : les siens (un élève),
    ceux de ses enfants (un parent), de sa classe (son professeur principal), de tous (la
    vie scolaire). Un appel non fait n'y est jamais une absence."""
    student = _student(query["login"])
    first = day(query["from"], "from") if query.get("from") else None
    last = day(query["to"], "to") if query.get("to") else None
    after = page.after
    if after is not None and not (
        len(after) == 2 and isinstance(after[0], str) and isinstance(after[1], int)
    ):
        raise ApiError(
            400, "bad_cursor", N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )  # fmt: skip
    found = events.for_student(conn(), student["id"], first, last, after=after, limit=page.fetch)
    items = [events.as_json(e) for e in found]
    return page.answer(items, key=lambda e: [e["start"], e["id"]])


def _event(event_id: int) -> dict:
    return events.target(conn(), event_id)


@bp.api_route(
    "/absences/<int:event_id>/excuse",
    "POST",
    action="attendance.excuse.send",
    target=_event,
    request=EXCUSE,
    response=EXCUSE_SENT,
    errors=(409,),
)
def excuse(event_id: int, body: dict):
    """Un responsable légal justifie une absence ou un retard de son enfant : le motif
    donné (texte, et code d'un motif de la liste), que la vie scolaire accepte ou refuse.
    409 quand l'absence est déjà justifiée ou qu'un justificatif attend déjà."""
    sent = excuses.send(
        conn(),
        event_id,
        text=body["text"],
        reason_code=body.get("reason_code"),
        actor=actor(),
    )
    return {
        "id": sent["id"],
        "absence_id": sent["event_id"],
        "status": sent["status"],
        "text": sent["text"],
        "reason_code": sent["reason_code"],
    }


@bp.api_route(
    "/absences/<int:event_id>/justify",
    "POST",
    action="attendance.justify",
    target=_event,
    request=JUSTIFY,
    response=ABSENCE,
    status=200,
)
def justify(event_id: int, body: dict):
    """La vie scolaire justifie une absence ou un retard avec un motif de la liste (les
    justificatifs en attente sont alors acceptés)."""
    settled = events.settle(
        conn(),
        event_id,
        reason_code=body["reason_code"],
        justified=True,
        comment=body.get("comment"),
        actor=actor(),
    )
    return events.as_json(settled)


@bp.api_route(
    "/attendance/reasons",
    "GET",
    action="attendance.reasons.view",
    response=REASONS,
    endpoint="reasons",
)
def reasons_list():
    """Les motifs d'absence en usage, chacun recevable ou non (les cinq de l'article
    L131-8 du Code de l'éducation, puis ceux de l'établissement)."""
    return [
        {"code": r["code"], "label": r["label"], "admissible": r["admissible"]}
        for r in reasons.list_reasons(conn(), active_only=True)
    ]


@bp.api_route(
    "/absences/summary",
    "GET",
    action="attendance.home",
    query={
        "login": schemas.LOGIN,
        "month": {**_MONTH, "description": "AAAA-MM (ce mois par défaut)."},
    },
    required_query=("login",),
    response=SUMMARY,
    errors=(404,),
)
def summary(query: dict):
    """Le mois d'un élève en demi-journées : celles avec une absence, les complètes (tous
    ses cours manqués), dont sans motif recevable, et ses retards (nombre, minutes)."""
    student = _student(query["login"])
    return halfdays.month_summary(conn(), student["id"], query.get("month"), split=_split())


@bp.api_route(
    "/attendance/alerts",
    "GET",
    action="attendance.alerts.view",
    query={"month": {**_MONTH, "description": "AAAA-MM (ce mois par défaut)."}},
    response=ALERT,
    paginated=True,
    endpoint="alerts",
)
def alerts_list(query: dict, page: PageRequest):
    """Les signalements du mois : les élèves qui ont quatre demi-journées complètes ou plus
    sans motif recevable (tous pour la vie scolaire et la direction, ceux de ses classes
    pour un professeur principal), par classe puis par nom."""
    found = [
        {
            "login": a["login"],
            "class": a["class"],
            "complete_unjustified": a["complete_unjustified"],
        }
        for a in alerts.visible(conn(), _me(), query.get("month"), split=_split())
    ]
    found.sort(key=lambda a: [a["class"] or "", a["login"]])
    return page.slice(found, key=lambda a: [a["class"] or "", a["login"]])
