"""The cahier de textes's home, a family's "travail à faire" and its ticks, and the
attachments' downloads."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from appliance import blobs
from appliance.directory import people
from appliance.schoollife.diary import (
    audiences,
    entries,
    lessons,
    progress,
    reading,
    todo,
)
from appliance.schoollife.year import local_today
from webui.access import ask, box, conn, current_person, requires, selected_child
from webui.diary import bp
from webui.diary.common import (
    RETURNS,
    attachment_target,
    day_arg,
    homework_target,
    week_arg,
    weeks_around,
)


@bp.route("/cahier-de-textes", endpoint="index")
@requires("diary.open")
def index():
    """A family goes to its work to do; a teacher sees their lessons of the week and
    their classes; the direction and the technician every class."""
    if ask("diary.todo_page"):
        return redirect(url_for("diary.todo"))
    person = current_person()
    monday = week_arg()
    sunday = monday + timedelta(days=6)
    mine = lessons.of_teacher(conn(), person["id"], monday, sunday)
    filled = _filled(mine)
    shown = (
        audiences.every(conn()) if ask("diary.read") else audiences.taught_by(conn(), person["id"])
    )
    return render_template(
        "diary/index.html",
        monday=monday,
        sunday=sunday,
        lessons=mine,
        filled=filled,
        audiences=shown,
        weeks=weeks_around(monday),
        gives_lessons=ask("diary.give"),
    )


def _filled(found: list[dict]) -> dict[int, dict]:
    """Lesson id → {"content": bool, "homework": n} for the teacher's week list."""
    ids = [lesson["id"] for lesson in found]
    contents = entries.of_lessons(conn(), ids)
    given = reading.given_in(conn(), ids, drafts=True)
    targets = {lesson["id"]: lessons.get(conn(), lesson["id"])["target"] for lesson in found}
    return {
        i: {
            "content": i in contents,
            "homework": len(given.get(i, [])),
            # A lesson they give in place of a colleague (a replacement), in a class or a
            # subject they don't teach, is not theirs to fill in.
            "writable": ask("diary.write", targets[i]),
        }
        for i in ids
    }


# --- a family's work to do ---------------------------------------------------------------


@bp.route("/cahier-de-textes/travail-a-faire", endpoint="todo")
@requires("diary.todo_page")
def todo_page():
    person = current_person()
    child = None
    subject = person
    if ask("child.select"):
        children = people.children_of(conn(), person["id"])
        child = selected_child(children)
        if child is None:
            if children:
                return redirect(url_for("portal.select_child", next="diary.todo"))
            return render_template("diary/todo.html", child=None, no_child=True)
        subject = child
    target = {"kind": "person", "id": subject["id"], "profile": subject.get("profile")}
    if not ask("diary.todo", target):
        abort(404)
    today = local_today()
    first = day_arg("du", today)
    found = todo.grouped(conn(), subject["id"], first, today)
    return render_template(
        "diary/todo.html",
        child=child,
        no_child=False,
        subject=subject,
        todo=found,
        today=today,
        previous=(first - timedelta(days=todo.SPAN_DAYS)).isoformat(),
        following=(found["last"] + timedelta(days=1)).isoformat(),
        cahiers=audiences.of_person(conn(), subject["id"]),
        # Only the student ticks, and only their own list (a parent sees the ticks).
        may_tick=subject["id"] == person["id"],
    )


@bp.route("/cahier-de-textes/travail/<int:homework_id>/fait", methods=["POST"], endpoint="tick")
@requires("diary.tick", target=homework_target)
def tick(homework_id: int):
    """A student ticks (or unticks) a homework of their class as done: their own tick."""
    done = request.form.get("done", "1") == "1"
    progress.set_done(conn(), current_person()["id"], homework_id, done)
    item = g.target["item"]
    flash(
        _("« %(subject)s » noté comme fait.", subject=item["subject"])
        if done
        else _("« %(subject)s » noté comme pas encore fait.", subject=item["subject"]),
        "success",
    )
    back = request.form.get("next")
    args = {}
    if back not in RETURNS:
        back = "diary.todo"
    if back == "diary.todo" and request.form.get("du"):
        args["du"] = request.form["du"]
    anchor = "bientot" if back == "portal.home" else "travail"
    return redirect(url_for(back, **args) + f"#{anchor}-{homework_id}")


# --- attachments ----------------------------------------------------------------------------


@bp.route("/cahier-de-textes/pieces-jointes/<int:attachment_id>", endpoint="attachment")
@requires("diary.read", target=attachment_target)
def attachment(attachment_id: int):
    """The file, shown in the browser only for the types that cannot run (PDF, images,
    plain text: `blobs.inline_type`), downloaded as an attachment otherwise."""
    found = g.target["attachment"]
    path = blobs.path_of(box().config.files_dir, found["sha256"])
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=found["mime"],
        as_attachment=not found["inline"],
        download_name=found["name"],
        conditional=True,
        etag=found["sha256"],
        max_age=0,
    )
