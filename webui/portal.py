"""The home page of each profile, the child picker of parents, the accessibility statement."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup

from appliance.community import news
from appliance.directory import people
from appliance.portal.tiles import tiles_for
from appliance.security.relations import audience_keys
from webui.access import ask, box, conn, current_person, requires, selected_child
from webui.app import select_locale
from webui.diary.home import soon_html as homework_soon_html

bp = Blueprint("portal", __name__)


_TILES_CACHE: dict[tuple, Markup] = {}
_TILES_BY_WHO: dict[tuple, tuple] = {}


def _tiles_html(person: dict) -> Markup:
    """The tiles of a profile that lead to a page the person may open (a staff member's
    directory depends on their function), rendered once per set of tiles, language and
    URL root: at 8:00 every student loads them. Which tiles those are depends only on
    the profile, the function and the app's views (the policy's answers without a
    target), so it is worked out once for each."""
    views = current_app.view_functions
    who = (person["profile"], person.get("function"), id(views))
    found = _TILES_BY_WHO.get(who)
    if found is None:
        tiles = tuple(
            t
            for t in tiles_for(person["profile"], set(views))
            if t.endpoint is None or ask(getattr(views[t.endpoint], "required_action", "-"))
        )
        if len(_TILES_BY_WHO) >= 4096:
            _TILES_BY_WHO.clear()
        # An app built without a feature shows its tile as coming: the endpoints are in
        # the key.
        found = _TILES_BY_WHO[who] = (tiles, tuple((t.key, t.endpoint) for t in tiles))
    tiles, shown = found
    key = (shown, select_locale(), request.script_root)
    html = _TILES_CACHE.get(key)
    if html is None:
        html = Markup(render_template("portal/_tiles.html", tiles=list(tiles)))  # noqa: S704
        _TILES_CACHE[key] = html
    return html


_NEWS_CACHE: dict[tuple, tuple[float, int, Markup]] = {}
_KEYS_CACHE: dict[tuple[str, int], tuple[float, tuple[str, ...]]] = {}
NEWS_CACHE_SECONDS = 10.0


def _audience_keys(person: dict, now: float) -> tuple[str, ...]:
    """The person's audience keys, looked up at most every few seconds (an import that
    moves a student to another class shows on their home page within seconds)."""
    key = (str(box().config.db_path), person["id"])
    found = _KEYS_CACHE.get(key)
    if found and now - found[0] < NEWS_CACHE_SECONDS:
        return found[1]
    keys = tuple(audience_keys(conn(), person))
    if len(_KEYS_CACHE) >= 16384:
        _KEYS_CACHE.clear()
    _KEYS_CACHE[key] = (now, keys)
    return keys


def _news_html(person: dict) -> Markup:
    """The home page's news section. Everyone with the same audience keys (the students of
    a class and its groups, the parents of its students…) sees the same news, so the
    section is rendered once for them all and kept a few seconds, or until a news item
    changes in this process (`news.GENERATION`)."""
    now = time.monotonic()
    keys = _audience_keys(person, now)
    key = (keys, select_locale(), request.script_root, str(box().config.db_path), id(current_app))
    found = _NEWS_CACHE.get(key)
    if found and now - found[0] < NEWS_CACHE_SECONDS and found[1] == news.GENERATION[0]:
        return found[2]
    generation = news.GENERATION[0]
    items = news.visible_to(conn(), keys, limit=box().config["news.home_count"])
    html = Markup(render_template("portal/_news.html", home_news=items))  # noqa: S704
    if len(_NEWS_CACHE) >= 4096:
        _NEWS_CACHE.clear()
    _NEWS_CACHE[key] = (now, generation, html)
    return html


@bp.route("/")
@requires("portal.home")
def home():
    person = current_person()
    children, child = [], None
    follows_children = ask("child.select")
    if follows_children:
        children = people.children_of(conn(), person["id"])
        child = selected_child(children)
        if len(children) > 1 and child is None:
            return redirect(url_for("portal.select_child"))
    shows_news = "news.show" in current_app.view_functions and ask("news.view")
    return render_template(
        "portal/home.html",
        tiles_html=_tiles_html(person),
        news_html=_news_html(person) if shows_news else None,
        follows_children=follows_children,
        children=children,
        child=child,
        classes=person.get("classes", []),
        # The cahier de textes's section: the student's (or the chosen child's) work due soon.
        homework_soon_html=homework_soon_html(child if follows_children else person),
        coming_html=_coming_days(child if follows_children else person),
    )


def _coming_days(whose: dict | None) -> Markup | None:
    """Today's and the next day's lessons of the student the home page is about (a
    parent's: the chosen child), changes first; None when the page shows none."""
    if (
        whose is None
        or "schoollife.week" not in current_app.view_functions
        or not ask("timetable.today")
        or not ask("timetable.view", whose)
    ):
        return None
    from webui.schoollife.home_block import coming_block

    return coming_block(whose)


# Pages that send a parent to the picker and get them back once a child is chosen.
_PICKER_RETURNS = {
    "portal.home", "directory.index", "diary.todo", "schoollife.week", "agenda.week",
}  # fmt: skip


def _back_to(endpoint: str | None) -> str:
    return endpoint if endpoint in _PICKER_RETURNS else "portal.home"


@bp.route("/enfant", methods=["GET", "POST"])
@requires("child.select")
def select_child():
    person = current_person()
    children = people.children_of(conn(), person["id"])
    if request.method == "POST":
        try:
            wanted = int(request.form.get("child_id", ""))
        except ValueError:
            abort(400)
        if wanted not in {c["id"] for c in children}:
            abort(403)
        session["child_id"] = wanted
        return redirect(url_for(_back_to(request.form.get("next"))))
    return render_template(
        "portal/select_child.html",
        children=children,
        selected=session.get("child_id"),
        next=_back_to(request.args.get("next")),
    )


@bp.route("/accessibilite")
def accessibility():
    return render_template("portal/accessibility.html")
