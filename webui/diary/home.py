"""The home page's "travail à faire" for students and parents: the portal's home calls
`soon_html(person)` with whoever's work it shows (the student, or the parent's chosen
child) and shows the block (`diary/_home_soon.html`) when it returns something.

The block is rendered again only when what it shows changes: its HTML is kept in this
process's memory under everything the template reads (each shown item's id, subject, due
day, kind, text and tick, how many more, whether the reader may tick, the language, the
URL root and the session's CSRF token). The items are read from the database on every
view (the week's light index, then the stored columns of the shown few), so a new item,
an edit or a tick shows at once; only the shaping and the rendering are saved (at 8:00
every student of a class loads their home page; issue 11's benchmark).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, render_template, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from appliance.schoollife.diary import reading, todo
from appliance.schoollife.year import local_today
from webui.access import ask, conn, current_person

_MAX_KEPT = 4096
_KEPT: dict[tuple, Markup] = {}
_LOCK = threading.Lock()


def soon_for(subject: dict[str, Any] | None) -> dict[str, Any] | None:
    """The homework due soon of `subject` (a student) as the home page shows it, with
    `may_tick` (the student's own page); None when the person may not see it (a teacher,
    staff) or the app has no cahier de textes."""
    if not _may_see(subject):
        return None
    found = todo.soon(conn(), subject["id"], local_today())
    me = current_person()
    found["may_tick"] = me is not None and me["id"] == subject["id"]
    return found


def _may_see(subject: dict[str, Any] | None) -> bool:
    if subject is None or "diary.todo" not in current_app.view_functions:
        return False
    target = {"kind": "person", "id": subject["id"], "profile": subject.get("profile")}
    return ask("diary.todo", target)


def soon_html(subject: dict[str, Any] | None) -> Markup | None:
    """The home page's block of `soon_for(subject)`, or None (see the module doc)."""
    if not _may_see(subject):
        return None
    from webui.app import select_locale  # the app imports the blueprints

    db = conn()
    found = todo.soon_index(db, subject["id"], local_today())
    ids = [i["id"] for i in found["chosen"]]
    me = current_person()
    may_tick = me is not None and me["id"] == subject["id"]
    # The stored columns the items show and their ticks: the template reads nothing else
    # of them (their subject, due day, kind, text; done).
    key = (
        tuple(found["shown"]),
        tuple(i["done"] for i in found["chosen"]),
        found["count"],
        may_tick,
        select_locale(),
        request.script_root,
        generate_csrf() if may_tick else None,
    )
    html = _KEPT.get(key)
    if html is None:
        shown = reading.for_student_ids(db, subject["id"], ids)
        block = {"items": shown, "more": found["count"] - len(shown), "may_tick": may_tick,
                 "next_day": found["next_day"]}  # fmt: skip
        html = Markup(render_template("diary/_home_soon.html", homework_soon=block))  # noqa: S704
        with _LOCK:
            if len(_KEPT) >= _MAX_KEPT:
                _KEPT.clear()
            _KEPT[key] = html
    return html
