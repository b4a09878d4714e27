"""Changing the timetable (direction, vie scolaire, the technician): a lesson's page with
its change forms (cancel, move, replace, restore), and the form adding an extra lesson.
The services of `appliance.schoollife.changes` validate, write and audit."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.schoollife import changes, choices, lessons
from appliance.schoollife.week import with_names
from appliance.schoollife.year import local_today
from webui.access import actor, conn, requires
from webui.auth import _safe_next
from webui.messages import error_text
from webui.schoollife import bp

_DONE = {
    "cancelled": N_("Cours annulé : les familles voient « Annulé » et la note."),
    "moved": N_("Cours déplacé : son ancien horaire reste indiqué."),
    "replaced": N_("Professeur remplacé : les familles voient « Remplacé »."),
    "planned": N_("Cours rétabli comme prévu."),
}


def _lesson(lesson_id: int) -> dict[str, Any]:
    return lessons.get_lesson(conn(), lesson_id)


def _back(default: str) -> str:
    wanted = request.values.get("next")
    return _safe_next(wanted) if wanted else default


def _week_of(lesson: dict[str, Any]) -> str:
    """The week page of the lesson's class or group (or room) at its day."""
    found = [a for a in choices.audiences(conn())
             if a["kind"] == lesson["audience"]["kind"]
             and a["code"] == lesson["audience"]["code"]]  # fmt: skip
    if found:
        kind = found[0]["kind"]
        endpoint = "schoollife.class_week" if kind == "class" else "schoollife.group_week"
        return url_for(endpoint, semaine=lesson["date"], **{f"{kind}_id": found[0]["id"]})
    if lesson["room"]:
        return url_for("schoollife.room_week", room=lesson["room"], semaine=lesson["date"])
    return url_for("schoollife.week", semaine=lesson["date"])


def _lesson_page(lesson: dict[str, Any], *, error=None, field=None, form=None, status=200):
    return render_template(
        "schoollife/lesson.html",
        lesson=with_names(conn(), [lesson])[0],
        teachers=choices.teachers(conn()),
        error=error,
        error_field=field,
        form=form or {},
        back=_back(_week_of(lesson)),
    ), status


@bp.route("/emploi-du-temps/cours/<int:lesson_id>", endpoint="lesson")
@requires("timetable.change", target=_lesson)
def lesson_page(lesson_id: int):
    return _lesson_page(g.target)


@bp.route("/emploi-du-temps/cours/<int:lesson_id>", methods=["POST"], endpoint="lesson_change")
@requires("timetable.change", target=_lesson)
def lesson_change(lesson_id: int):
    form = request.form
    values: dict[str, Any] = {
        "status": form.get("status", ""),
        "note": form.get("note", ""),
        "date": form.get("date"),
        "start": form.get("start"),
        "end": form.get("end"),
        "teachers": form.getlist("teachers"),
    }
    if form.get("room") is not None:
        values["room"] = form.get("room")
    try:
        done = changes.change(conn(), lesson_id, values, actor=actor())
    except CartableError as exc:
        return _lesson_page(g.target, error=error_text(exc), field=exc.field, form=form, status=400)
    flash(_(_DONE[values["status"]]), "success")
    return redirect(_back(_week_of(done)))


@bp.route("/emploi-du-temps/ajouter", methods=["GET", "POST"], endpoint="lesson_add")
@requires("timetable.change")
def lesson_add():
    form: Any = request.form if request.method == "POST" else {"date": local_today().isoformat()}
    error = field = None
    if request.method == "POST":
        values = {
            "date": form.get("date"),
            "start": form.get("start"),
            "end": form.get("end"),
            "subject_code": form.get("subject_code"),
            "audience": form.get("audience"),
            "teachers": form.getlist("teachers"),
            "room": form.get("room"),
            "note": form.get("note"),
        }
        try:
            added = changes.add(conn(), **changes.added_values(values), actor=actor())
        except CartableError as exc:
            error, field = error_text(exc), exc.field
        else:
            flash(_("Cours ajouté : les familles le voient marqué « Ajouté »."), "success")
            return redirect(_back(_week_of(added)))
    return render_template(
        "schoollife/lesson_add.html",
        form=form,
        error=error,
        error_field=field,
        audiences=choices.audiences(conn()),
        subjects=choices.subjects(conn()),
        teachers=choices.teachers(conn()),
        chosen_teachers=request.form.getlist("teachers"),
        back=_back(url_for("schoollife.week")),
    ), (400 if error else 200)
