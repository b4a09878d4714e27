"""The teacher's side: the form of a lesson (its content and its homework, with the class's
workload beside), changing or deleting a homework item and its attachments.

Every form works without JavaScript; a deletion asks for a confirmation on a page of its
own (a second POST with `confirm=oui`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import timefmt
from appliance.errors import CartableError
from appliance.schoollife.diary import entries, homework, lessons, progress, reading
from webui.access import actor, conn, requires
from webui.diary import bp
from webui.diary.common import (
    lesson_target,
    max_mb,
    store_uploads,
    writable_attachment,
    writable_homework,
)
from webui.messages import error_text

# The days of workload shown beside the form: the two weeks after the lesson.
WORKLOAD_DAYS = 14


def _next_lesson(audience: dict, subject_code: str, after: date) -> dict | None:
    try:
        return lessons.next_lesson(conn(), audience, subject_code, after)
    except CartableError:
        return None


def _homework_form(source: dict | None = None, *, lesson_day: date, upcoming) -> dict[str, Any]:
    """The add/change form's values: what was posted, else a new item's defaults."""
    if source is not None:
        return {
            "text": source.get("text", ""),
            "kind": source.get("kind", "homework"),
            "due_mode": source.get("due_mode", "date"),
            "due": source.get("due", ""),
            "minutes": source.get("minutes", ""),
            "publish_at": source.get("publish_at", ""),
        }
    return {
        "text": "",
        "kind": "homework",
        "due_mode": "next" if upcoming else "date",
        "due": upcoming["date"] if upcoming else (lesson_day + timedelta(days=1)).isoformat(),
        "minutes": "",
        "publish_at": "",
    }


def _posted_form() -> dict[str, str]:
    return {
        k: (request.form.get(k) or "").strip()
        for k in ("text", "kind", "due_mode", "due", "minutes", "publish_at")
    }


def _lesson_page(
    *,
    content: str | None = None,
    form: dict | None = None,
    error: str | None = None,
    error_field: str | None = None,
    error_in: str | None = None,
    status: int = 200,
):
    lesson = g.target["lesson"]
    audience = lessons.audience_of(conn(), lesson)
    day = date.fromisoformat(lesson["date"])
    entry = entries.get(conn(), lesson["id"])
    given = reading.given_in(conn(), [lesson["id"]], drafts=True).get(lesson["id"], [])
    progress.with_done_counts(conn(), given)
    upcoming = _next_lesson(audience, lesson["subject_code"], day)
    load = progress.workload(
        conn(), audience, day + timedelta(days=1), day + timedelta(days=WORKLOAD_DAYS)
    )
    return render_template(
        "diary/lesson.html",
        lesson=lesson,
        audience=audience,
        entry=entry,
        content=entries.editable(entry["content_html"]) if content is None and entry else content,
        given=given,
        upcoming=upcoming,
        # Sundays never, Saturdays when something is due (a school with Saturday lessons).
        workload=[d for d in load if _shown_day(d)],
        form=_homework_form(form, lesson_day=day, upcoming=upcoming),
        kinds=homework.KINDS,
        kind_labels=homework.KIND_LABELS,
        error=error,
        error_field=error_field,
        error_in=error_in,
        cahier_url=_cahier_url(audience),
        max_mb=max_mb(),
    ), status


def _shown_day(load: dict) -> bool:
    weekday = date.fromisoformat(load["date"]).weekday()
    return weekday < 5 or (weekday == 5 and load["count"] > 0)


def _cahier_url(audience: dict, day: str | None = None) -> str:
    args = {"semaine": day} if day else {}
    if audience["kind"] == "class":
        return url_for("diary.class_cahier", class_id=audience["id"], **args)
    return url_for("diary.group_cahier", group_id=audience["id"], **args)


@bp.route("/cahier-de-textes/cours/<int:lesson_id>", methods=["GET", "POST"], endpoint="lesson")
@requires("diary.write", target=lesson_target)
def lesson_page(lesson_id: int):
    if request.method == "POST":
        content = request.form.get("content", "")
        try:
            written = entries.write(conn(), actor(), lesson_id, content)
        except CartableError as exc:
            return _lesson_page(
                content=content,
                error=error_text(exc),
                error_field=exc.field,
                error_in="content",
                status=400,
            )
        flash(_("Contenu du cours enregistré.") if written else _("Contenu du cours effacé."),
              "success")  # fmt: skip
        return redirect(url_for("diary.lesson", lesson_id=lesson_id))
    return _lesson_page()


@bp.route(
    "/cahier-de-textes/cours/<int:lesson_id>/effacer", methods=["POST"], endpoint="content_delete"
)
@requires("diary.write", target=lesson_target)
def content_delete(lesson_id: int):
    lesson = g.target["lesson"]
    if request.form.get("confirm") != "oui":
        return render_template(
            "confirm.html",
            question=_(
                "Effacer le contenu du cours de %(subject)s du %(day)s ?",
                subject=lesson["subject"],
                day=timefmt.fmt_date(lesson["date"]),
            ),  # fmt: skip
            action=url_for("diary.content_delete", lesson_id=lesson_id),
            back=url_for("diary.lesson", lesson_id=lesson_id),
            button=_("Effacer le contenu"),
        )
    if entries.remove(conn(), actor(), lesson_id):
        flash(_("Contenu du cours effacé."), "success")
    return redirect(url_for("diary.lesson", lesson_id=lesson_id))


@bp.route(
    "/cahier-de-textes/cours/<int:lesson_id>/travail", methods=["POST"], endpoint="homework_add"
)
@requires("diary.write", target=lesson_target)
def homework_add(lesson_id: int):
    lesson = g.target["lesson"]
    form = _posted_form()
    try:
        audience = lessons.audience_of(conn(), lesson)
        item = homework.create(
            conn(),
            actor(),
            audience=audience,
            subject_code=lesson["subject_code"],
            text=request.form.get("text"),
            kind=form["kind"],
            due=form["due"] if form["due_mode"] != "next" else None,
            due_next_lesson=form["due_mode"] == "next",
            minutes=form["minutes"],
            lesson_id=lesson_id,
            publish_at=form["publish_at"] or None,
            attachments=store_uploads(),
        )
    except CartableError as exc:
        return _lesson_page(
            form=form, error=error_text(exc), error_field=exc.field, error_in="homework", status=400
        )
    flash(_("Travail ajouté, pour le %(day)s.", day=timefmt.fmt_date(item["due"])), "success")
    return redirect(url_for("diary.lesson", lesson_id=lesson_id) + "#travail-donne")


def _item_form(item: dict) -> dict[str, str]:
    publish = timefmt.to_local(item["publish_at"])
    return {
        "text": entries.editable(item["text_html"]),
        "kind": item["kind"],
        "due_mode": "next" if item["due_next_lesson"] else "date",
        "due": item["due"],
        "minutes": "" if item["minutes"] is None else str(item["minutes"]),
        "publish_at": publish.strftime("%Y-%m-%dT%H:%M") if publish else "",
    }


def _back_to(item: dict) -> str:
    if item["lesson_id"]:
        return url_for("diary.lesson", lesson_id=item["lesson_id"])
    return _cahier_url(item["audience"], item["given"])


@bp.route(
    "/cahier-de-textes/travail/<int:homework_id>", methods=["GET", "POST"], endpoint="homework_edit"
)
@requires("diary.write", target=writable_homework)
def homework_edit(homework_id: int):
    item = g.target["item"]
    form, error, error_field, status = _item_form(item), None, None, 200
    if request.method == "POST":
        form = _posted_form()
        try:
            homework.update(
                conn(),
                actor(),
                homework_id,
                text=request.form.get("text"),
                kind=form["kind"],
                due=form["due"] if form["due_mode"] != "next" else None,
                due_next_lesson=form["due_mode"] == "next",
                minutes=form["minutes"],
                publish_at=form["publish_at"] or None,
                attachments=store_uploads(),
            )
        except CartableError as exc:
            error, error_field, status = error_text(exc), exc.field, 400
        else:
            flash(_("Travail enregistré."), "success")
            return redirect(_back_to(item))
    progress.with_done_counts(conn(), [item])
    return render_template(
        "diary/homework_edit.html",
        item=item,
        form=form,
        upcoming=_next_lesson(
            item["audience"], item["subject_code"], date.fromisoformat(item["given"])
        ),
        max_mb=max_mb(),
        kinds=homework.KINDS,
        kind_labels=homework.KIND_LABELS,
        error=error,
        error_field=error_field,
        back=_back_to(item),
    ), status


@bp.route(
    "/cahier-de-textes/travail/<int:homework_id>/supprimer",
    methods=["POST"],
    endpoint="homework_delete",
)
@requires("diary.write", target=writable_homework)
def homework_delete(homework_id: int):
    item = g.target["item"]
    if request.form.get("confirm") != "oui":
        return render_template(
            "confirm.html",
            question=_(
                "Supprimer ce travail de %(subject)s pour le %(day)s ? Les élèves ne le "
                "verront plus.",
                subject=item["subject"],
                day=timefmt.fmt_date(item["due"]),
            ),  # fmt: skip
            quote=item["text"],
            action=url_for("diary.homework_delete", homework_id=homework_id),
            back=url_for("diary.homework_edit", homework_id=homework_id),
            button=_("Supprimer le travail"),
        )
    homework.delete(conn(), actor(), homework_id)
    flash(_("Travail supprimé."), "success")
    return redirect(_back_to(item))


@bp.route(
    "/cahier-de-textes/pieces-jointes/<int:attachment_id>/supprimer",
    methods=["POST"],
    endpoint="attachment_delete",
)
@requires("diary.write", target=writable_attachment)
def attachment_delete(attachment_id: int):
    found, item = g.target["attachment"], g.target["item"]
    if request.form.get("confirm") != "oui":
        return render_template(
            "confirm.html",
            question=_("Retirer la pièce jointe « %(name)s » de ce travail ?", name=found["name"]),
            action=url_for("diary.attachment_delete", attachment_id=attachment_id),
            back=url_for("diary.homework_edit", homework_id=item["id"]),
            button=_("Retirer la pièce jointe"),
        )
    homework.remove_attachment(conn(), actor(), attachment_id)
    flash(_("Pièce jointe retirée."), "success")
    return redirect(url_for("diary.homework_edit", homework_id=item["id"]))
