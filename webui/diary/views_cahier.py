"""A class's or group's cahier de textes, lesson by lesson, week by week, with the
direction's visas (and its visa form)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.directory import browse, people
from appliance.errors import CartableError, NotFound
from appliance.schoollife.diary import audiences, entries, homework, progress, visa
from appliance.schoollife.year import local_today
from webui.access import actor, ask, conn, requires
from webui.diary import bp
from webui.diary.common import class_target, group_target, week_arg, weeks_around
from webui.messages import error_text


@bp.route("/cahier-de-textes/classe/<int:class_id>", endpoint="class_cahier")
@requires("diary.read", target=class_target)
def class_cahier(class_id: int):
    return _cahier_page()


@bp.route("/cahier-de-textes/groupe/<int:group_id>", endpoint="group_cahier")
@requires("diary.read", target=group_target)
def group_cahier(group_id: int):
    return _cahier_page()


def _cahier_page():
    audience = g.target["audience"]
    target = audiences.target(audience)
    monday = week_arg()
    sunday = monday + timedelta(days=6)
    follows = ask("diary.follow", target)
    teachers = browse.teachers(conn(), audience["kind"], audience["id"])
    wanted = (request.args.get("prof") or "").strip().lower()
    teacher = next((t for t in teachers if t["login"] == wanted), None)
    lessons = entries.cahier(
        conn(),
        audience,
        monday,
        sunday,
        drafts=follows,
        teacher_login=teacher["login"] if teacher else None,
        filled_only=not follows,
    )
    if follows:
        progress.with_done_counts(conn(), [h for e in lessons for h in e["homework"]])
    writable = {
        e["lesson"]["id"]
        for e in lessons
        if ask("diary.write", {**target, "subject_code": e["lesson"]["subject_code"] or None})
    }
    return render_template(
        "diary/cahier.html",
        audience=audience,
        lessons=lessons,
        writable=writable,
        follows=follows,
        monday=monday,
        sunday=sunday,
        weeks=weeks_around(monday),
        teachers=teachers,
        teacher=teacher,
        visas=visa.of_audience(conn(), audience, teacher["id"] if teacher else None),
        may_visa=ask("diary.visa", target),
        today=local_today(),
        endpoint="diary.class_cahier" if audience["kind"] == "class" else "diary.group_cahier",
        id_arg={"class_id" if audience["kind"] == "class" else "group_id": audience["id"]},
        kind_labels=homework.KIND_LABELS,
    )


@bp.route("/cahier-de-textes/classe/<int:class_id>/visa", methods=["POST"], endpoint="class_visa")
@requires("diary.visa", target=class_target)
def class_visa(class_id: int):
    return _put_visa("diary.class_cahier", {"class_id": class_id})


@bp.route("/cahier-de-textes/groupe/<int:group_id>/visa", methods=["POST"], endpoint="group_visa")
@requires("diary.visa", target=group_target)
def group_visa(group_id: int):
    return _put_visa("diary.group_cahier", {"group_id": group_id})


def _put_visa(back: str, args: dict):
    audience = g.target["audience"]
    login = (request.form.get("teacher") or "").strip()
    try:
        teacher = people.get_by_login(conn(), login) if login else None
    except NotFound:
        teacher = None
    if teacher is None:
        flash(_("Choisissez le professeur dont vous visez le cahier de textes."), "error")
        return redirect(url_for(back, **args))
    try:
        visa.put(
            conn(),
            actor(),
            audience=audience,
            teacher=teacher,
            comment=request.form.get("comment"),
            day=request.form.get("date") or None,
        )
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for(back, prof=teacher["login"], **args))
    flash(
        _(
            "Visa posé sur le cahier de textes de %(name)s en %(audience)s.",
            name=f"{teacher['first_name']} {teacher['last_name']}",
            audience=audience["code"],
        ),
        "success",
    )
    return redirect(url_for(back, prof=teacher["login"], **args))
