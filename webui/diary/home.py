"""The home page's "travail à faire" for students and parents: the portal's home calls
`soon_for(person)` with whoever's work it shows (the student, or the parent's chosen
child) and includes `diary/_home_soon.html` when it returns something."""

from __future__ import annotations

from typing import Any

from flask import current_app

from appliance.schoollife.diary import todo
from appliance.schoollife.year import local_today
from webui.access import ask, conn, current_person


def soon_for(subject: dict[str, Any] | None) -> dict[str, Any] | None:
    """The homework due soon of `subject` (a student) as the home page shows it, with
    `may_tick` (the student's own page); None when the person may not see it (a teacher,
    staff) or the app has no cahier de textes."""
    if subject is None or "diary.todo" not in current_app.view_functions:
        return None
    target = {"kind": "person", "id": subject["id"], "profile": subject.get("profile")}
    if not ask("diary.todo", target):
        return None
    found = todo.soon(conn(), subject["id"], local_today())
    me = current_person()
    found["may_tick"] = me is not None and me["id"] == subject["id"]
    return found
