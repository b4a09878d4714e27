"""What the cahier de textes's views share: the things named in their URLs (as the
policy's targets), the week asked for, and the attachments' limit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import request

from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.schoollife.diary import audiences, homework, lessons, reading
from appliance.schoollife.year import local_today, monday_of
from webui.access import ask, box, conn

# The `next` a form may send back to (a tick from the home page or the list).
RETURNS = {"diary.todo", "portal.home"}


def class_target(class_id: int) -> dict[str, Any]:
    """A class as a target (the view finds it in `g.target["audience"]`)."""
    found = audiences.get(conn(), "class", class_id)
    return {**audiences.target(found), "audience": found}


def group_target(group_id: int) -> dict[str, Any]:
    found = audiences.get(conn(), "group", group_id)
    return {**audiences.target(found), "audience": found}


def lesson_target(lesson_id: int) -> dict[str, Any]:
    """A lesson as the target of `diary.write`: its class or group in its subject (the
    view finds the lesson in `g.target["lesson"]`)."""
    lesson = lessons.get(conn(), lesson_id)
    return {**lesson["target"], "lesson": lesson}


def homework_target(homework_id: int, *, with_subject: bool = False) -> dict[str, Any]:
    """A homework item as a target: its class or group (in its subject when written). An
    item not published yet is absent for whoever does not follow the cahier (NotFound)."""
    item = reading.get(conn(), homework_id)
    base = reading.target(item)
    if not item["published"] and not ask("diary.follow", base):
        raise NotFound(N_("Aucun travail n'a le numéro %(id)s."), id=homework_id)
    return {**reading.target(item, with_subject=with_subject), "item": item}


def writable_homework(homework_id: int) -> dict[str, Any]:
    return homework_target(homework_id, with_subject=True)


def attachment_target(attachment_id: int, *, with_subject: bool = False) -> dict[str, Any]:
    found = reading.get_attachment(conn(), attachment_id)
    target = homework_target(found["homework_id"], with_subject=with_subject)
    return {**target, "attachment": found}


def writable_attachment(attachment_id: int) -> dict[str, Any]:
    return attachment_target(attachment_id, with_subject=True)


def week_arg(name: str = "semaine") -> date:
    """The Monday of the week asked for (`?semaine=YYYY-MM-DD`, any day of it), this week's
    when absent or malformed."""
    raw = (request.args.get(name) or "").strip()
    try:
        day = date.fromisoformat(raw) if raw else local_today()
    except ValueError:
        day = local_today()
    return monday_of(day)


def day_arg(name: str, default: date) -> date:
    raw = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def weeks_around(monday: date) -> dict[str, str]:
    return {
        "previous": (monday - timedelta(days=7)).isoformat(),
        "next": (monday + timedelta(days=7)).isoformat(),
        "this": monday_of(local_today()).isoformat(),
    }


def max_mb() -> int:
    return int(box().config["diary.max_attachment_mb"])


def uploads() -> list[tuple[Any, str]]:
    """The files of the form's `attachments` field that were given (stream, name)."""
    return [(f.stream, f.filename or "") for f in request.files.getlist("attachments") if f]


def store_uploads() -> list[homework.Attachment]:
    return homework.store_files(box().config.files_dir, uploads(), max_mb=max_mb())
