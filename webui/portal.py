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
from webui.access import conn, current_person, requires
from webui.app import select_locale

bp = Blueprint("portal", __name__)


def _selected_child(children: list[dict]) -> dict | None:
    wanted = session.get("child_id")
    for child in children:
        if child["id"] == wanted:
            return child
    return children[0] if len(children) == 1 else None


_TILES_CACHE: dict[tuple, Markup] = {}


def _tiles_html(profile: str) -> Markup:
    """The tiles of a profile, rendered once per profile, language and URL root: they are
    the same for everyone of the profile, and at 8:00 every student loads them."""
    key = (profile, select_locale(), request.script_root)
    html = _TILES_CACHE.get(key)
    if html is None:
        tiles = tiles_for(profile, set(current_app.view_functions))
        html = Markup(render_template("portal/_tiles.html", tiles=tiles))  # noqa: S704
        _TILES_CACHE[key] = html
    return html


@bp.route("/")
@requires("portal.home")
def home():
    person = current_person()
    children, child = [], None
    if person["profile"] == "relative":
        children = people.children_of(conn(), person["id"])
        child = _selected_child(children)
        if len(children) > 1 and child is None:
            return redirect(url_for("portal.select_child"))
    return render_template(
        "portal/home.html",
        tiles_html=_tiles_html(person["profile"]),
        children=children,
        child=child,
        classes=person.get("classes", []),
    )


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
        return redirect(url_for("portal.home"))
    return render_template(
        "portal/select_child.html", children=children, selected=session.get("child_id")
    )


@bp.route("/accessibilite")
def accessibility():
    return render_template("portal/accessibility.html")
