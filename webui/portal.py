"""The home page of each profile, the child picker of parents, the accessibility statement."""

from __future__ import annotations

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

from appliance.directory import people
from appliance.portal.tiles import tiles_for
from webui.access import ask, conn, current_person, requires, selected_child
from webui.app import select_locale

bp = Blueprint("portal", __name__)


_TILES_CACHE: dict[tuple, Markup] = {}


def _tiles_html(profile: str) -> Markup:
    """The tiles of a profile that lead to a page the person may open (a staff member's
    directory depends on their function), rendered once per set of tiles, language and
    URL root: at 8:00 every student loads them."""
    views = current_app.view_functions
    tiles = [
        t
        for t in tiles_for(profile, set(views))
        if t.endpoint is None or ask(getattr(views[t.endpoint], "required_action", "-"))
    ]
    # An app built without a feature shows its tile as coming: the endpoints are in the key.
    key = (tuple((t.key, t.endpoint) for t in tiles), select_locale(), request.script_root)
    html = _TILES_CACHE.get(key)
    if html is None:
        html = Markup(render_template("portal/_tiles.html", tiles=tiles))  # noqa: S704
        _TILES_CACHE[key] = html
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
    return render_template(
        "portal/home.html",
        tiles_html=_tiles_html(person["profile"]),
        follows_children=follows_children,
        children=children,
        child=child,
        classes=person.get("classes", []),
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
_PICKER_RETURNS = {"portal.home", "directory.index", "schoollife.week"}


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
