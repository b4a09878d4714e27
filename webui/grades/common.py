"""What the grades views share: the settings, the period asked for, the things the
policy is asked about."""

from __future__ import annotations

from typing import Any

from flask import abort, request, url_for

from appliance import config as config_mod
from appliance.directory import people
from appliance.errors import CartableError, NotFound
from appliance.schoollife.grades import assessments, periods
from appliance.schoollife.grades.config_keys import GradeSettings, settings_of
from webui.access import box, conn

# The audience's word in the URLs, and back.
KIND_WORDS = {"class": "classe", "group": "groupe"}
WORD_KINDS = {v: k for k, v in KIND_WORDS.items()}


def settings() -> GradeSettings:
    return config_mod.derived(box().config, settings_of)


def chosen_period() -> dict[str, Any] | None:
    """The period of `?periode=ID`, else the current one; None without periods (404 for
    an unknown id)."""
    raw = request.args.get("periode") or request.form.get("periode")
    if raw:
        try:
            return periods.get_period(conn(), int(raw))
        except (ValueError, NotFound):
            abort(404)
    return periods.current_period(conn())


def period_links(period: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every period with the link to this page for it (`current` for the one shown)."""
    args = dict(request.view_args or {})
    return [
        {
            **p,
            "url": url_for(request.endpoint or "grades.index", **args, periode=p["id"]),
            "current": period is not None and p["id"] == period["id"],
        }
        for p in periods.list_periods(conn())
    ]


def student_thing(person_id: int) -> dict[str, Any]:
    """A student as the policy's thing (their page, their card); NotFound otherwise."""
    person = people.get_person(conn(), person_id)
    if person["profile"] != "student":
        raise NotFound("")
    return {**person, "kind": "person"}


def audience_thing(kind: str, audience_id: int, subject_code: str) -> dict[str, Any]:
    """A class or group in a subject as the policy's thing, with `audience` and
    `subject`; NotFound for an unknown one."""
    if kind not in WORD_KINDS:
        raise NotFound("")
    audience = assessments.audience_by_id(conn(), WORD_KINDS[kind], audience_id)
    try:
        subject = assessments.subject(conn(), subject_code)
    except CartableError as exc:  # an unknown subject names nothing here
        raise NotFound("") from exc
    return assessments.policy_target(
        audience["kind"], audience["id"], subject["code"], audience=audience, subject=subject
    )


def assessment_thing(assessment_id: int) -> dict[str, Any]:
    """An assessment as the policy's thing (its audience in its subject)."""
    return assessments.target_of(assessments.get(conn(), assessment_id))


def class_thing(class_id: int) -> dict[str, Any]:
    found = assessments.audience_by_id(conn(), "class", class_id)
    return {**found, "kind": "class"}


def audience_url(endpoint: str, a_kind: str, audience_id: int, subject_code: str, **kw) -> str:
    return url_for(
        endpoint, kind=KIND_WORDS[a_kind], audience_id=audience_id, subject_code=subject_code, **kw
    )
