"""The JSON API of grades and report cards (#13, `api.md`), under /api/v1:

- `GET /periods`;
- `POST /assessments` → 201; `GET /assessments/{id}` (every student's mark: its
  teachers, the head teacher, the direction); `PUT /assessments/{id}/marks` → 200
  `{"stats"}`, 422 for a mark outside the scale or a login without a line (nothing saved);
- `GET /grades?period=ID[&login=L]`: a student's marks and averages, as the caller may
  see them;
- `PUT /report-cards/{period}/{login}/appraisals` → 200; `GET /report-cards/{period}/{login}.pdf`.

A locked period answers 409 `period_locked`; an ended entry 409 `entry_closed`; a family
asking for a report card before the lock 409 `period_not_locked`.
"""

from __future__ import annotations

import re

from flask import g

from appliance import timefmt
from appliance.directory import people
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.schoollife.grades import assessments, numbers, periods, printing, reading
from appliance.schoollife.grades import report_cards as cards
from appliance.security import policy
from webui.access import actor, conn, current_person
from webui.api import ApiBlueprint, ApiError, schemas
from webui.api.core import encoded
from webui.directory.common import attachment
from webui.grades.common import settings

bp = ApiBlueprint("grades_api", __name__, tag="grades")

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_MARK = {"anyOf": [{"type": "number"}, {"enum": list(numbers.CODES)}]}

PERIOD = {
    "type": "object",
    "required": ["id", "name", "from", "to", "locked", "entry_end", "council_date"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "from": schemas.DAY,
        "to": schemas.DAY,
        "locked": {"type": "boolean"},
        "entry_end": {**schemas.DAY, "description": "Dernier jour de saisie des notes."},
        "council_date": {
            "anyOf": [schemas.DAY, {"type": "null"}],
            "description": "Conseil de classe.",
        },
    },
}
STATS = {
    "type": "object",
    "required": ["average", "min", "max", "count"],
    "properties": {
        "average": _NUMBER_OR_NULL,
        "min": _NUMBER_OR_NULL,
        "max": _NUMBER_OR_NULL,
        "count": {"type": "integer"},
    },
    "description": "Sur le barème de l'évaluation, sur les notes qui comptent.",
}
AUDIENCE = schemas.AUDIENCE
ASSESSMENT = {
    "type": "object",
    "required": [
        "id",
        "period_id",
        "audience",
        "subject_code",
        "subject",
        "title",
        "date",
        "out_of",
        "coefficient",
        "publish_at",
        "published",
        "stats",
        "marks",
    ],
    "properties": {
        "id": {"type": "integer"},
        "period_id": {"type": "integer"},
        "audience": AUDIENCE,
        "subject_code": {"type": "string"},
        "subject": {"type": "string"},
        "title": {"type": "string"},
        "date": schemas.DAY,
        "out_of": {"type": "integer"},
        "coefficient": {"type": "number"},
        "publish_at": schemas.MINUTE,
        "published": {"type": "boolean"},
        "stats": STATS,
        "marks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["login", "name", "mark"],
                "properties": {
                    "login": {"type": "string"},
                    "name": {"type": "string"},
                    "mark": {"anyOf": [_MARK, {"type": "null"}]},
                },
            },
            "description": "Une ligne par élève de l'évaluation (null : pas de note).",
        },
    },
}
NEW_ASSESSMENT = {
    "type": "object",
    "required": ["audience", "subject_code", "title", "date", "out_of", "coefficient"],
    "additionalProperties": False,
    "properties": {
        "audience": AUDIENCE,
        "subject_code": {"type": "string", "minLength": 1, "maxLength": 20},
        "title": {"type": "string", "minLength": 1, "maxLength": 120},
        "date": schemas.DAY,
        "out_of": {"type": "integer", "minimum": 1, "maximum": 100},
        "coefficient": {"type": "number", "minimum": 0, "maximum": 99},
        "publish_at": {
            **schemas.MINUTE,
            "description": "Heure de l'établissement ; défaut : maintenant.",
        },
    },
}
MARKS = {
    "type": "object",
    "required": ["marks"],
    "additionalProperties": False,
    "properties": {
        "marks": {
            "type": "object",
            "maxProperties": 2000,
            "additionalProperties": {"anyOf": [_MARK, {"type": "null"}]},
            "description": "Identifiant → note (nombre), code, ou null pour l'effacer.",
        }
    },
}
MARKS_ANSWER = {"type": "object", "required": ["stats"], "properties": {"stats": STATS}}
MARK_LINE = {
    "type": "object",
    "required": [
        "assessment_id",
        "title",
        "date",
        "mark",
        "out_of",
        "coefficient",
        "class_average",
    ],
    "properties": {
        "assessment_id": {"type": "integer"},
        "title": {"type": "string"},
        "date": schemas.DAY,
        "mark": _MARK,
        "out_of": {"type": "integer"},
        "coefficient": {"type": "number"},
        "class_average": _NUMBER_OR_NULL,
    },
}
GRADES = {
    "type": "object",
    "required": ["subjects", "overall_average"],
    "properties": {
        "subjects": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "subject_code",
                    "subject",
                    "average",
                    "class_average",
                    "min",
                    "max",
                    "marks",
                ],
                "properties": {
                    "subject_code": {"type": "string"},
                    "subject": {"type": "string"},
                    "average": _NUMBER_OR_NULL,
                    "class_average": _NUMBER_OR_NULL,
                    "min": _NUMBER_OR_NULL,
                    "max": _NUMBER_OR_NULL,
                    "marks": {"type": "array", "items": MARK_LINE},
                },
            },
        },
        "overall_average": _NUMBER_OR_NULL,
    },
}
APPRAISAL = {
    "type": "object",
    "required": ["text"],
    "additionalProperties": False,
    "properties": {
        "subject_code": {"type": "string", "minLength": 1, "maxLength": 20},
        "text": {"type": "string", "maxLength": 4000},
    },
}
APPRAISAL_ANSWER = {
    "type": "object",
    "required": ["period_id", "login", "subject_code", "text"],
    "properties": {
        "period_id": {"type": "integer"},
        "login": {"type": "string"},
        "subject_code": {"type": ["string", "null"]},
        "text": {"type": "string"},
    },
}


_NOT_TAUGHT = N_("Vous n'enseignez pas %(subject)s à %(audience)s.")


def period_json(p: dict) -> dict:
    return {**periods.as_json(p), "entry_end": p["entry_end"], "council_date": p["council_date"]}


def assessment_json(a: dict) -> dict:
    figures = assessments.stats(conn(), a, settings().nr_counts_zero)
    return {
        "id": a["id"],
        "period_id": a["period_id"],
        "audience": {"kind": a["audience_kind"], "code": a["audience_code"]},
        "subject_code": a["subject_code"],
        "subject": a["subject"],
        "title": a["title"],
        "date": a["date"],
        "out_of": a["out_of"],
        "coefficient": numbers.mark_json(a["coefficient_hundredths"]),
        "publish_at": timefmt.api_minute(a["publish_at"]),
        "published": assessments.is_published(a),
        "stats": assessments.stats_json(figures),
        "marks": [
            {
                "login": line["login"],
                "name": f"{line['first_name']} {line['last_name']}",
                "mark": None if line["mark"] is None else numbers.mark_json(line["mark"]),
            }
            for line in assessments.roster(conn(), a)
        ],
    }


@bp.api_route(
    "/periods",
    "GET",
    action="grades.periods.view",
    response={"type": "array", "items": PERIOD},
    endpoint="periods",
)
def periods_list():
    """Les périodes de l'année (trimestres ou semestres), dans l'ordre."""
    return [period_json(p) for p in periods.list_periods(conn())]


@bp.api_route(
    "/assessments",
    "POST",
    action="grades.enter",
    request=NEW_ASSESSMENT,
    response=ASSESSMENT,
    errors=(409,),
    endpoint="assessment_create",
)
def assessment_create(body):
    """Crée une évaluation d'une classe ou d'un groupe, dans une matière qu'on y enseigne.

    La période se déduit de la date ; `publish_at` (heure de l'établissement, défaut :
    maintenant) est le moment où les familles voient les notes. 403 pour une classe ou une
    matière qu'on n'enseigne pas ; 409 `period_locked` ou `entry_closed`.
    """
    audience = assessments.audience(conn(), body["audience"]["kind"], body["audience"]["code"])
    subject = assessments.subject(conn(), body["subject_code"])
    target = assessments.policy_target(audience["kind"], audience["id"], subject["code"])
    if not policy.may(current_person(), "grades.assessment.write", target, conn()):
        raise ApiError(
            403,
            message=_NOT_TAUGHT,
            field="audience",
            audience=audience["code"],
            subject=subject["name"],
        )
    a = assessments.create(
        conn(),
        actor(),
        teacher_id=current_person()["id"],
        audience=audience,
        subject_code=subject["code"],
        title=body["title"],
        day=body["date"],
        out_of=body["out_of"],
        coefficient=body["coefficient"],
        publish_at=body.get("publish_at"),
    )
    return assessment_json(a)


def _assessment(assessment_id: int) -> dict:
    return assessments.target_of(assessments.get(conn(), assessment_id))


@bp.api_route(
    "/assessments/<int:assessment_id>",
    "GET",
    action="grades.assessment.view",
    target=_assessment,
    response=ASSESSMENT,
    endpoint="assessment",
)
def assessment(assessment_id: int):
    """Une évaluation et la note de chacun de ses élèves (ses professeurs, le professeur
    principal de la classe, la direction)."""
    return assessment_json(g.target["assessment"])


@bp.api_route(
    "/assessments/<int:assessment_id>/marks",
    "PUT",
    action="grades.assessment.write",
    target=_assessment,
    request=MARKS,
    response=MARKS_ANSWER,
    status=200,
    errors=(409,),
    endpoint="assessment_marks",
)
def assessment_marks(assessment_id: int, body):
    """Enregistre des notes : `{"marks": {"identifiant": 14.5 | "abs" | "disp" | "nn" |
    "nr" | null}}` (null efface la note ; les autres élèves ne changent pas).

    Tout ou rien : une note hors barème ou un identifiant sans ligne dans l'évaluation
    répond 422 (le champ `marks.IDENTIFIANT` est nommé) et rien n'est enregistré.
    """
    a = g.target["assessment"]
    assessments.set_marks_by_login(conn(), actor(), a, body["marks"])
    figures = assessments.stats(conn(), a, settings().nr_counts_zero)
    return {"stats": assessments.stats_json(figures)}


@bp.api_route(
    "/grades",
    "GET",
    action="grades.use",
    response=GRADES,
    query={
        "period": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10**18 - 1,  # what a query string's integer may be (webui.api.core)
            "description": "Numéro de la période.",
        },
        "login": {
            **schemas.LOGIN,
            "description": "L'élève (défaut : soi-même, ou son seul enfant).",
        },
    },
    required_query=("period",),
    errors=(404,),
    endpoint="grades",
)
def grades(query):
    """Les notes et les moyennes d'un élève sur une période, telles qu'on peut les voir.

    Un élève voit les siennes, un parent celles de ses enfants, une fois publiées ; un
    professeur les matières qu'il enseigne à l'élève ; le professeur principal, la
    direction toutes. `overall_average` est null quand une matière n'est pas visible.
    """
    me = current_person()
    student = _student_for(me, query.get("login"))
    try:
        # The period is read with the student's subjects, in one statement.
        return reading.student_grades_json(
            conn(), me, student, query["period"], settings(), keep=encoded
        )
    except NotFound:
        raise ApiError(404) from None


def _student_for(me: dict, login: str | None) -> dict:
    """The student asked about (404 for one the caller may not see, as for none)."""
    if login is None:
        if policy.may(me, "grades.mine") and policy.may(
            me, "grades.view", reading.subject_target(me), conn()
        ):
            return {**me, "kind": "person"}
        children = []
        if policy.may(me, "child.select"):
            children = people.children_of(conn(), me["id"])
        if len(children) != 1:
            # No one student is "me" here: nothing to show without the login (a schema-valid
            # question, so not 422; the message says what to add).
            raise ApiError(
                404,
                "login_required",
                N_(
                    "Précisez l'élève avec le paramètre login (un parent de plusieurs enfants, "
                    "un professeur, la direction)."
                ),
                field="login",
            )
        login = children[0]["login"]
    try:
        student = people.get_by_login(conn(), login)
    except NotFound:
        raise ApiError(404) from None
    thing = {**student, "kind": "person"}
    if student["profile"] != "student" or not policy.may(me, "grades.view", thing, conn()):
        raise ApiError(404)
    return thing


def _card_target(period_id: int, login: str) -> dict:
    student = people.get_by_login(conn(), login)
    if student["profile"] != "student":
        raise NotFound("")
    return {**student, "kind": "person", "period": periods.get_period(conn(), period_id)}


@bp.api_route(
    "/report-cards/<int:period_id>/<login>/appraisals",
    "PUT",
    action="grades.appraisal.write",
    target=_card_target,
    request=APPRAISAL,
    response=APPRAISAL_ANSWER,
    status=200,
    errors=(409,),
    endpoint="appraisal",
)
def appraisal(period_id: int, login: str, body):
    """Écrit l'appréciation d'une matière (`subject_code`, 300 caractères au plus, par un
    professeur qui l'enseigne à l'élève) ou, sans `subject_code`, l'appréciation générale
    (600 au plus, par le professeur principal). Un texte vide l'efface ; 409
    `period_locked` une fois la période verrouillée."""
    student = g.target
    code = body.get("subject_code")
    action = "grades.appraisal.subject" if code else "grades.appraisal.general"
    if not policy.may(current_person(), action, reading.subject_target(student, code), conn()):
        raise ApiError(403)
    text = cards.set_appraisal(
        conn(),
        actor(),
        student["period"],
        student,
        code,
        body["text"],
        author_id=current_person()["id"],
    )
    return {"period_id": period_id, "login": student["login"], "subject_code": code, "text": text}


@bp.api_route(
    "/report-cards/<int:period_id>/<login>.pdf",
    "GET",
    action="grades.report.view",
    target=_card_target,
    errors=(409,),
    produces="application/pdf",
    endpoint="report_card_pdf",
)
def report_card_pdf(period_id: int, login: str):
    """Le bulletin de l'élève pour la période, en PDF.

    Les familles le téléchargent une fois la période verrouillée (avant : 409
    `period_not_locked`) ; le professeur principal et la direction à tout moment.
    """
    student = g.target
    cards.may_read(conn(), current_person(), student, student["period"])
    pdf = printing.student_pdf(conn(), actor(), student, student["period"], settings())
    name = re.sub(r"[^a-z0-9.-]+", "-", f"bulletin-{student['login']}-{period_id}")
    return attachment(pdf, f"{name}.pdf", "application/pdf")
