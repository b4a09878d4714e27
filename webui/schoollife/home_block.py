"""The home page's timetable block (today's and the next day's lessons, changes first),
rendered once and shared by the students of the same class and groups.

At 8:00 every student of a class loads the same lessons: the block is kept in this
process's memory under `lessons.sharing_key` (the classes, the groups, the timetable's
version: a change, an import or the year set elsewhere shows at the next view), the day,
the language and the URL root, for at most KEEP_SECONDS (a student moved to another class
by an import shows their new class's lessons within that time).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import render_template, request
from markupsafe import Markup

from appliance.schoollife import lessons, year
from webui.access import conn

KEEP_SECONDS = 60.0
_MAX_KEPT = 4096
_KEPT: dict[tuple, tuple[float, Markup]] = {}
_LOCK = threading.Lock()


def coming_block(whose: dict[str, Any]) -> Markup:
    """The block of the student `whose` (the caller has asked the policy)."""
    from webui.app import select_locale  # the app imports the blueprints

    db = conn()
    today = year.local_today()
    key = (lessons.sharing_key(db, whose["id"]), today, select_locale(), request.script_root)
    now = time.monotonic()
    kept = _KEPT.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    coming = lessons.coming_days(db, whose["id"], today, year.load_year(db))
    html = Markup(render_template("schoollife/_coming_days.html", coming=coming))  # noqa: S704
    with _LOCK:
        if len(_KEPT) >= _MAX_KEPT:
            _KEPT.clear()
        _KEPT[key] = (now + KEEP_SECONDS, html)
    return html
