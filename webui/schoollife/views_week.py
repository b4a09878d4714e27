"""The week pages of the timetable: one's own (a parent's: the chosen child's), a
person's, a class's or group's, a room's; and the form that picks one of them.

Who may open which is the policy's (`timetable.view` on a person, `timetable.audience.view`
on a class or group, `timetable.room.view`); a page on a thing one may not see answers
404, the same as a thing that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from appliance.directory import people
from appliance.errors import CartableError, NotFound
from appliance.schoollife import choices, week
from appliance.schoollife.year import WEEKDAYS, local_today
from webui.access import ask, conn, current_person, requires, selected_child
from webui.messages import error_text
from webui.schoollife import bp


@bp.app_template_filter("weekday_fr")
def weekday_fr(day: date | str) -> str:
    """« lundi 30/11 » in the page's language (the request's catalogue, found once)."""
    from webui.app import _request_translations  # the app imports the blueprints

    if isinstance(day, str):
        day = date.fromisoformat(day)
    name = _request_translations().ugettext(WEEKDAYS[day.weekday()].template)
    return f"{name} {day.day:02d}/{day.month:02d}"


def _week_day() -> date:
    try:
        return week.week_start(request.args.get("semaine"), local_today())
    except CartableError:
        abort(400)


def _render(subject: dict[str, Any], endpoint: str, args: dict[str, Any], **selection: Any):
    today = local_today()
    view = week.week_view(conn(), _week_day(), today, **selection)
    return render_template(
        "schoollife/week.html",
        subject=subject,
        view=view,
        endpoint=endpoint,
        args=args,
        may_change=ask("timetable.change"),
        picker=_picker() if ask("timetable.audience.view") else None,
    )


def _picker() -> dict[str, Any]:
    return {
        "audiences": choices.audiences(conn()),
        "rooms": choices.rooms(conn()),
        "people": ask("timetable.view"),
    }


def _person_subject(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "person",
        "name": f"{person['first_name']} {person['last_name']}",
        "classes": person.get("classes") or [],
        "self": person["id"] == current_person()["id"],
        "id": person["id"],
    }


@bp.route("/emploi-du-temps", endpoint="week")
@requires("timetable.home")
def my_week():
    """One's own week; a parent's, the chosen child's (the picker when several)."""
    person = current_person()
    if ask("child.select"):
        children = [c for c in people.children_of(conn(), person["id"])
                    if ask("timetable.view", c)]  # fmt: skip
        child = selected_child(children)
        if child is None:
            if len(children) > 1:
                return redirect(url_for("portal.select_child", next="schoollife.week"))
            return render_template("schoollife/no_child.html")
        subject = {**_person_subject(child), "children": len(children)}
        return _render(subject, "schoollife.week", {}, person_id=child["id"])
    if not ask("timetable.view", person):
        abort(403)
    return _render(_person_subject(person), "schoollife.week", {}, person_id=person["id"])


def _person(person_id: int) -> dict[str, Any]:
    return people.get_person(conn(), person_id)


@bp.route("/emploi-du-temps/personne/<int:person_id>", endpoint="person_week")
@requires("timetable.view", target=_person)
def person_week(person_id: int):
    return _render(
        _person_subject(g.target),
        "schoollife.person_week",
        {"person_id": person_id},
        person_id=person_id,
    )


def _class(class_id: int) -> dict[str, Any]:
    return choices.audience(conn(), "class", class_id)


def _group(group_id: int) -> dict[str, Any]:
    return choices.audience(conn(), "group", group_id)


@bp.route("/emploi-du-temps/classe/<int:class_id>", endpoint="class_week")
@requires("timetable.audience.view", target=_class)
def class_week(class_id: int):
    subject = {"kind": "class", "name": g.target["code"], "id": class_id}
    return _render(subject, "schoollife.class_week", {"class_id": class_id}, class_id=class_id)


@bp.route("/emploi-du-temps/groupe/<int:group_id>", endpoint="group_week")
@requires("timetable.audience.view", target=_group)
def group_week(group_id: int):
    subject = {"kind": "group", "name": g.target["code"], "id": group_id}
    return _render(subject, "schoollife.group_week", {"group_id": group_id}, group_id=group_id)


def _room(room: str) -> dict[str, Any]:
    room = room.strip()
    if not room or len(room) > 40:
        raise NotFound("")
    return {"kind": "room", "code": room}


@bp.route("/emploi-du-temps/salle/<room>", endpoint="room_week")
@requires("timetable.room.view", target=_room)
def room_week(room: str):
    subject = {"kind": "room", "name": g.target["code"]}
    return _render(subject, "schoollife.room_week", {"room": room}, room=g.target["code"])


@bp.route("/emploi-du-temps/voir", endpoint="find")
@requires("timetable.audience.view")
def find():
    """The picker's answer: the week page of the class, group, room or person chosen."""
    week_arg = {"semaine": request.args["semaine"]} if request.args.get("semaine") else {}
    audience = (request.args.get("audience") or "").strip()
    room = (request.args.get("salle") or "").strip()
    login = (request.args.get("identifiant") or "").strip()
    try:
        if audience:
            kind, _sep, raw_id = audience.partition(":")
            found = choices.audience(conn(), kind, int(raw_id) if raw_id.isdigit() else 0)
            endpoint = "schoollife.class_week" if kind == "class" else "schoollife.group_week"
            return redirect(url_for(endpoint, **{f"{kind}_id": found["id"]}, **week_arg))
        if room:
            return redirect(url_for("schoollife.room_week", room=room, **week_arg))
        if login and ask("timetable.view"):
            found = people.get_by_login(conn(), login)
            return redirect(url_for("schoollife.person_week", person_id=found["id"], **week_arg))
    except NotFound as exc:
        flash(error_text(exc), "error")
    return redirect(url_for("schoollife.week", **week_arg))
