"""Devoirs à rendre in the JSON API (conventions: docs/architecture.md, "The JSON API"): the
same services and the same policy as the pages.

    POST /api/v1/assignments                       give a work (a teacher; 201)
    GET  /api/v1/assignments[?login=L]             mine: to hand in, a child's, or given
    POST /api/v1/assignments/{id}/submissions      hand in (multipart, `file` parts; 201)
    GET  /api/v1/assignments/{id}/submissions      who handed in, late, missing (its teacher)
    GET  /api/v1/assignments/{id}/submissions.zip  every hand-in, one folder per student
    PUT  /api/v1/assignments/{id}/extensions/{login}   one student's later due time

The audience is named as the cahier de textes's API names it: `{"kind": "class", "code":
"5A"}`, or the short form `"class:5A"` / `"group:LAT5"`. Times are the school's, to the
minute (`2026-12-12T18:00`).
"""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for

from appliance import timefmt
from appliance.directory import people
from appliance.errors import NotFound
from appliance.files.assignments import handins, works
from appliance.i18n import N_
from appliance.schoollife.diary import audiences
from webui.access import actor, ask, box, conn, current_person
from webui.api import schemas
from webui.api.core import ApiBlueprint, ApiError
from webui.assignments import person_thing, work_target, zip_response

bp = ApiBlueprint("assignments_api", __name__, tag="assignments")

_NULLABLE_MINUTE = {"anyOf": [schemas.MINUTE, {"type": "null"}]}
STATUS = {
    "type": "object",
    "required": ["state", "due", "extended", "submitted_at", "late", "files", "comment",
                 "returned"],
    "properties": {
        "state": {"enum": list(handins.STATE_LABELS)},
        "due": {**schemas.MINUTE, "description": "La date limite de l'élève (prolongée ou non)."},
        "extended": {"type": "boolean"},
        "submitted_at": _NULLABLE_MINUTE,
        "late": {"type": "boolean"},
        "files": {"type": "array", "items": schemas.FILE},
        "comment": {"type": "string", "description": "Le commentaire du professeur."},
        "returned": {"anyOf": [schemas.FILE, {"type": "null"}],
                     "description": "Le fichier corrigé."},
    },
}  # fmt: skip
ASSIGNMENT = {
    "type": "object",
    "required": ["id", "audience", "subject_code", "subject", "title", "instructions",
                 "instructions_html", "due", "late_allowed", "author", "attachments"],
    "properties": {
        "id": {"type": "integer"},
        "audience": schemas.AUDIENCE,
        "subject_code": {"type": "string"},
        "subject": {"type": "string"},
        "title": {"type": "string"},
        "instructions": {"type": "string"},
        "instructions_html": {"type": "string", "description": "Le même texte en HTML sûr."},
        "due": schemas.MINUTE,
        "late_allowed": {"type": "boolean"},
        "author": {"type": ["string", "null"], "description": "Identifiant du professeur."},
        "attachments": {"type": "array", "items": schemas.FILE},
        "student": {"type": "string", "description": "L'élève (un enfant) dont c'est l'état."},
        "status": STATUS,
        "students": {"type": "integer", "description": "Combien d'élèves il concerne."},
        "handed_in": {"type": "integer", "description": "Combien l'ont rendu."},
        "late": {"type": "integer", "description": "Combien l'ont rendu en retard."},
    },
}  # fmt: skip
NEW_ASSIGNMENT = {
    "type": "object",
    "required": ["audience", "subject_code", "title", "due"],
    "additionalProperties": False,
    "properties": {
        "audience": {"anyOf": [schemas.AUDIENCE, schemas.AUDIENCE_SHORT]},
        "subject_code": {"type": "string", "minLength": 1, "maxLength": 20},
        "title": {"type": "string", "minLength": 1, "maxLength": works.MAX_TITLE},
        "instructions": {"type": "string", "maxLength": works.MAX_INSTRUCTIONS},
        "due": {
            **schemas.MINUTE,
            "description": "Date et heure limites (heure de l'établissement).",
        },
        "late_allowed": {"type": "boolean", "description": "Rendu en retard accepté."},
    },
}
SUBMISSION = {
    "type": "object",
    "required": ["login", "name", "submitted_at", "late", "files"],
    "properties": {
        "login": {"type": "string"},
        "name": {"type": "string", "description": "NOM Prénom."},
        "submitted_at": schemas.MINUTE,
        "late": {"type": "boolean"},
        "due": schemas.MINUTE,
        "extended": {"type": "boolean"},
        "files": {"type": "array", "items": schemas.FILE},
        "comment": {"type": "string"},
    },
}
SUBMISSIONS = {
    "type": "object",
    "required": ["items", "missing"],
    "properties": {
        "items": {"type": "array", "items": SUBMISSION},
        "missing": {"type": "array", "items": {"type": "string"},
                    "description": "Les identifiants des élèves qui n'ont rien rendu."},
    },
}  # fmt: skip
UPLOAD = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "minItems": 1,
            "maxItems": works.MAX_FILES,
            "description": "Un ou plusieurs fichiers (parties `file`).",
        }
    },
}
EXTENSION = {
    "type": "object",
    "required": ["due"],
    "additionalProperties": False,
    "properties": {"due": {**schemas.MINUTE, "description": "Le nouveau délai de l'élève."}},
}
EXTENDED = {
    "type": "object",
    "required": ["login", "due", "extended", "state"],
    "properties": {
        "login": {"type": "string"},
        "due": schemas.MINUTE,
        "extended": {"type": "boolean"},
        "state": {"enum": list(handins.STATE_LABELS)},
    },
}


# --- shapes ------------------------------------------------------------------------------------


def _file_json(f: dict[str, Any], url: str) -> dict[str, Any]:
    return {"id": f["id"], "name": f["name"], "size": f["size"], "mime": f["mime"], "url": url}


def _handed_files(item: dict[str, Any], sub: dict[str, Any] | None) -> list[dict[str, Any]]:
    if sub is None:
        return []
    return [
        _file_json(f, url_for("assignments.handed_file", assignment_id=item["id"], file_id=f["id"]))
        for f in sub["files"]
    ]


def assignment_json(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "audience": audiences.short(item["audience"]),
        "subject_code": item["subject_code"],
        "subject": item["subject"],
        "title": item["title"],
        "instructions": item["instructions"],
        "instructions_html": item["instructions_html"],
        "due": timefmt.api_minute(item["due_at"]),
        "late_allowed": item["late_allowed"],
        "author": item["author"]["login"] if item["author"] else None,
        "attachments": [
            _file_json(
                f,
                url_for("assignments.attachment", assignment_id=item["id"], attachment_id=f["id"]),
            )
            for f in item["attachments"]
        ],
    }


def status_json(item: dict[str, Any], student_id: int, st: dict[str, Any]) -> dict[str, Any]:
    sub = st["submission"]
    returned = None
    if sub is not None and sub["returned"] is not None:
        r = sub["returned"]
        returned = {
            "id": sub["id"],
            "name": r["name"],
            "size": r["size"],
            "mime": r["mime"],
            "url": url_for(
                "assignments.returned_file", assignment_id=item["id"], student_id=student_id
            ),
        }
    return {
        "state": st["state"],
        "due": timefmt.api_minute(st["due_at"]),
        "extended": st["extended"],
        "submitted_at": timefmt.api_minute(sub["submitted_at"]) if sub else None,
        "late": bool(sub and sub["late"]),
        "files": _handed_files(item, sub),
        "comment": sub["comment"] if sub else "",
        "returned": returned,
    }


# --- the endpoints --------------------------------------------------------------------------


def _body_audience(value: Any) -> dict[str, Any]:
    try:
        if isinstance(value, str):
            return audiences.parse(conn(), value)
        return audiences.by_code(conn(), value["kind"], value["code"])
    except NotFound as exc:
        raise ApiError(422, message=exc.template, field="audience", **exc.params) from None


@bp.api_route(
    "/assignments",
    "POST",
    action="assignments.give",
    request=NEW_ASSIGNMENT,
    response=ASSIGNMENT,
    status=201,
)
def create(body: dict[str, Any]):
    """Donne un devoir à rendre à une classe ou un groupe, dans une matière que l'on y
    enseigne, pour une date et une heure (celles de l'établissement) ; `late_allowed` :
    les rendus en retard sont acceptés (et marqués en retard)."""
    audience = _body_audience(body["audience"])
    if not ask("assignments.write", audiences.target(audience, body["subject_code"])):
        raise ApiError(
            403,
            message=N_("Vous n'enseignez pas cette matière dans cette classe ou ce groupe."),
            field="audience",
        )
    item = works.create(
        conn(),
        box().config,
        actor(),
        current_person(),
        audience=audience,
        subject_code=body["subject_code"],
        title=body["title"],
        instructions=body.get("instructions", ""),
        due=body["due"],
        late_allowed=bool(body.get("late_allowed", False)),
    )
    return assignment_json(item)


@bp.api_route(
    "/assignments",
    "GET",
    action="assignments.open",
    response=ASSIGNMENT,
    paginated=True,
    query={"login": {"type": "string", "maxLength": 64, "description": "Un enfant (un parent)."}},
    errors=(404,),
)
def list(query: dict[str, Any], page):  # noqa: A001 - the endpoint's name
    """Mes devoirs à rendre : un élève, les siens avec leur état (`status`) ; un parent,
    ceux de ses enfants (ou de l'enfant `login`), en lecture seule ; un professeur, ceux
    qu'il a donnés, avec combien d'élèves les ont rendus."""
    me = current_person()
    if ask("assignments.give") and not query.get("login"):
        items = []
        for w in works.by_author(conn(), me["id"]):
            items.append({**assignment_json(w), **handins.counts(conn(), w)})
        return page.slice(items, key=lambda i: [_minute_key(i["due"]), i["id"]], descending=True)
    if ask("assignments.mine") and not query.get("login"):
        students = [me]
    elif ask("child.select"):
        students = people.children_of(conn(), me["id"])
        if query.get("login"):
            students = [c for c in students if c["login"] == query["login"]]
            if not students:
                raise ApiError(404)
        students = [c for c in students if ask("assignments.status", person_thing(c))]
    else:
        raise ApiError(404)
    items = []
    for s in students:
        for w in works.for_audiences(conn(), s["id"]):
            st = handins.status(conn(), w, s["id"])
            items.append(
                {**assignment_json(w), "student": s["login"], "status": status_json(w, s["id"], st)}
            )
    items.sort(key=lambda i: (i["due"], i["id"], i["student"]))
    return page.slice(items, key=lambda i: [_minute_key(i["due"]), i["id"], i["student"]])


def _minute_key(minute: str) -> int:
    """« 2026-12-12T18:00 » as the number 202612121800: a list's sort key in a cursor (a
    number first, as every list's cursor of the API begins)."""
    return int("".join(c for c in minute if c.isdigit()))


@bp.api_route(
    "/assignments/<int:assignment_id>/submissions",
    "POST",
    action="assignments.hand_in",
    target=work_target,
    response=STATUS,
    status=201,
    form=UPLOAD,
    errors=(409, 413),
)
def submit(assignment_id: int):
    """Rend le devoir : une ou plusieurs parties `file` (multipart/form-data), qui
    remplacent un rendu précédent tant que la date limite n'est pas passée. Après elle : 409
    `deadline_passed`, ou un rendu marqué en retard si le devoir l'accepte. Au-delà de
    l'espace de l'élève : 413 `quota_exceeded`, rien n'est gardé."""
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ApiError(
            400, message=N_("Envoyez les fichiers en multipart/form-data (parties « file »).")
        )
    me = current_person()
    item = g.target["item"]
    cfg = box().config
    uploads = [(f.stream, f.filename or "") for f in request.files.getlist("file") if f]
    files = handins.store_uploads(conn(), cfg, cfg.files_dir, me, item, uploads)
    handins.hand_in(conn(), cfg, actor(), me, item, files)
    return status_json(item, me["id"], handins.status(conn(), item, me["id"]))


@bp.api_route(
    "/assignments/<int:assignment_id>/submissions",
    "GET",
    action="assignments.follow",
    target=work_target,
    response=SUBMISSIONS,
)
def submissions(assignment_id: int):
    """Les rendus du devoir (son professeur) : qui l'a rendu, quand, en retard ou non,
    avec ses fichiers ; `missing` : les élèves qui n'ont rien rendu."""
    item = g.target["item"]
    table = handins.follow_up(conn(), item)
    items = [
        {
            "login": r["login"],
            "name": r["name"],
            "submitted_at": timefmt.api_minute(r["submission"]["submitted_at"]),
            "late": r["submission"]["late"],
            "due": timefmt.api_minute(r["due_at"]),
            "extended": r["extended"],
            "files": _handed_files(item, r["submission"]),
            "comment": r["submission"]["comment"],
        }
        for r in table
        if r["submission"] is not None
    ]
    missing = [r["login"] for r in table if r["submission"] is None]
    return {"items": items, "missing": missing}


@bp.api_route(
    "/assignments/<int:assignment_id>/submissions.zip",
    "GET",
    action="assignments.follow",
    target=work_target,
    produces="application/zip",
)
def submissions_zip(assignment_id: int):
    """Tous les rendus du devoir en un fichier ZIP, un dossier par élève (« NOM Prénom/… »)."""
    return zip_response(g.target["item"])


@bp.api_route(
    "/assignments/<int:assignment_id>/extensions/<login>",
    "PUT",
    action="assignments.follow",
    target=work_target,
    request=EXTENSION,
    response=EXTENDED,
)
def extend(assignment_id: int, login: str, body: dict[str, Any]):
    """Prolonge le délai d'un élève du devoir (son identifiant) : un rendu déjà fait est en
    retard ou non d'après ce nouveau délai."""
    item = g.target["item"]
    try:
        student = people.get_by_login(conn(), login)
    except NotFound:
        raise ApiError(404) from None
    try:
        st = handins.extend(conn(), actor(), item, student["id"], body["due"])
    except NotFound:
        raise ApiError(404) from None
    return {
        "login": student["login"],
        "due": timefmt.api_minute(st["due_at"]),
        "extended": st["extended"],
        "state": st["state"],
    }
