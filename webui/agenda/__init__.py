"""The agenda's pages (#14): the week (one's events and the school calendar beside the
lessons of the timetable), the month as a list, and the form that writes one's events
and, for the direction and the vie scolaire, the school calendar's. Without JavaScript,
on a phone: plain forms, date and time fields.

Views parse the form, ask the policy (`requires`, `ask`) and call `appliance.agenda`;
they hold no SQL. The JSON API is `webui.agenda.api` (its own blueprint, `agenda_api`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.agenda import events, occurrences
from appliance.agenda.week import agenda_week
from appliance.directory import people
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife import choices
from appliance.schoollife.week import week_start
from appliance.schoollife.year import local_today, read_day
from webui.access import actor, ask, conn, current_person, requires, selected_child
from webui.messages import error_text
from webui.paging import clamp, page_arg

bp = Blueprint("agenda", __name__, url_prefix="/agenda")

PAGE_SIZE = 50
_MONTHS = (
    N_("janvier"),
    N_("février"),
    N_("mars"),
    N_("avril"),
    N_("mai"),
    N_("juin"),
    N_("juillet"),
    N_("août"),
    N_("septembre"),
    N_("octobre"),
    N_("novembre"),
    N_("décembre"),
)
_WHO = (("students", N_("Élèves")), ("parents", N_("Parents")), ("teachers", N_("Professeurs")))


def followed() -> dict[str, Any]:
    """Whose lessons show beside one's agenda: one's own, a parent's chosen child's (the
    policy's `timetable.view`); `{"lessons_of": id | None, "child": person | None,
    "children": n}`."""
    person = current_person()
    if ask("child.select"):
        children = [c for c in people.children_of(conn(), person["id"])
                    if ask("timetable.view", c)]  # fmt: skip
        child = selected_child(children)
        return {"lessons_of": child["id"] if child else None, "child": child,
                "children": len(children)}  # fmt: skip
    mine = person["id"] if ask("timetable.view", person) else None
    return {"lessons_of": mine, "child": None, "children": 0}


@bp.route("", endpoint="week")
@requires("agenda.use")
def week_page():
    try:
        monday = week_start(request.args.get("semaine"), local_today())
    except CartableError:
        abort(400)
    who = followed()
    view = agenda_week(conn(), current_person(), monday, local_today(),
                       lessons_of=who["lessons_of"])  # fmt: skip
    for day in view["days"]:
        for item in [*day["all_day"], *(e["event"] for e in day["entries"] if "event" in e)]:
            item["editable"] = events.may_edit(conn(), current_person(), item)
    return render_template(
        "agenda/week.html",
        view=view,
        who=who,
        may_write_school=ask("agenda.school.write"),
        back=request.full_path.rstrip("?"),
    )


def _month(raw: str | None) -> date:
    today = local_today()
    if raw and len(raw) == 7 and raw[4] == "-" and raw[:4].isdigit() and raw[5:].isdigit():
        year, month = int(raw[:4]), int(raw[5:])
        if 1900 <= year <= 9999 and 1 <= month <= 12:
            return date(year, month, 1)
    return today.replace(day=1)


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@bp.route("/mois", endpoint="month")
@requires("agenda.use")
def month_page():
    first = _month(request.args.get("mois"))
    following = _next_month(first)
    found = occurrences.between(conn(), current_person(), first, following - timedelta(days=1))
    page, pages = clamp(page_arg(), len(found), PAGE_SIZE)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    for item in shown:
        item["editable"] = events.may_edit(conn(), current_person(), item)
    return render_template(
        "agenda/month.html",
        month=first,
        month_name=f"{_(_MONTHS[first.month - 1])} {first.year}",
        previous=(first - timedelta(days=1)).strftime("%Y-%m"),
        next=following.strftime("%Y-%m"),
        this_month=local_today().strftime("%Y-%m"),
        found=shown,
        total=len(found),
        page=page,
        pages=pages,
        may_write_school=ask("agenda.school.write"),
        back=request.full_path.rstrip("?"),
    )


# --- the form ---------------------------------------------------------------------------


def _audience_choices() -> dict[str, Any]:
    return {
        "school": [("all", _("Tout l'établissement")), ("profile:student", _("Les élèves")),
                   ("profile:relative", _("Les parents")),
                   ("profile:teacher", _("Les professeurs")),
                   ("profile:staff", _("Les personnels"))],
        "audiences": choices.audiences(conn()),
        "who": [(key, _(label)) for key, label in _WHO],
    }  # fmt: skip


def _values_from_form(school: bool) -> dict[str, Any]:
    form = request.form
    all_day = bool(form.get("all_day"))
    values = {
        "title": form.get("title", ""),
        "place": form.get("place", ""),
        "description": form.get("description", ""),
        "all_day": all_day,
        "start_day": form.get("start_day", ""),
        "end_day": form.get("end_day", "") or form.get("start_day", ""),
        "start_time": None if all_day else form.get("start_time", ""),
        "end_time": None if all_day else form.get("end_time", ""),
        "repeat_until": (form.get("repeat_until") or "") if form.get("repeat") else None,
        "audience": form.getlist("audience") if school else [],
    }
    return values


def _form_values_for(event: dict[str, Any]) -> dict[str, Any]:
    values = events.values_of(event)
    values["repeat"] = bool(event["repeat_until"])
    return values


def _render_form(values: dict[str, Any], *, event=None, school=False, error=None, field=None):
    return render_template(
        "agenda/event_form.html",
        values=values,
        event=event,
        school=school,
        choices=_audience_choices() if school else None,
        error=error,
        field=field,
        back=_back(),
    ), (400 if error else 200)


def _back() -> str:
    """Where the form returns: the agenda page it came from (never another site)."""
    wanted = request.values.get("next") or ""
    if wanted.startswith("/agenda") and not wanted.startswith("//"):
        return wanted
    return url_for("agenda.week")


def _week_of(event: dict[str, Any]) -> str:
    return url_for("agenda.week", semaine=event["start_day"])


@bp.route("/evenement/nouveau", endpoint="event_new")
@requires("agenda.use")
def event_new():
    school = request.args.get("ecole") == "1" and ask("agenda.school.write")
    day = read_day(request.args.get("jour") or "") or local_today()
    values = {"start_day": day.isoformat(), "end_day": "", "start_time": "", "end_time": "",
              "all_day": False, "repeat": False, "audience": []}  # fmt: skip
    return _render_form(values, school=school)


@bp.route("/evenement/nouveau", methods=["POST"], endpoint="event_create")
@requires("agenda.use")
def event_create():
    school = request.form.get("ecole") == "1" and ask("agenda.school.write")
    values = _values_from_form(school)
    if school and not values["audience"]:
        return _render_form({**values, "repeat": bool(request.form.get("repeat"))},
                            school=True, field="audience",
                            error=_("Choisissez à qui s'adresse l'événement."))  # fmt: skip
    try:
        made = events.create(conn(), current_person(), values, actor())
    except CartableError as exc:
        return _render_form({**values, "repeat": bool(request.form.get("repeat"))},
                            school=school, error=error_text(exc), field=exc.field)  # fmt: skip
    flash(_("Événement « %(title)s » ajouté.", title=made["title"]), "success")
    return redirect(_week_of(made))


def _editable(agenda_event_id: int) -> dict[str, Any]:
    return events.editable(conn(), current_person(), agenda_event_id)


@bp.route("/evenement/<int:agenda_event_id>", endpoint="event_edit")
@requires("agenda.use", target=_editable)
def event_edit(agenda_event_id: int):
    event = g.target
    return _render_form(_form_values_for(event), event=event, school=event["kind"] == "school")


@bp.route("/evenement/<int:agenda_event_id>", methods=["POST"], endpoint="event_update")
@requires("agenda.use", target=_editable)
def event_update(agenda_event_id: int):
    event = g.target
    school = event["kind"] == "school"
    values = _values_from_form(school)
    try:
        changed = events.update(conn(), current_person(), agenda_event_id, values, actor())
    except NotFound:
        abort(404)
    except CartableError as exc:
        return _render_form({**values, "repeat": bool(request.form.get("repeat"))},
                            event=event, school=school, error=error_text(exc),
                            field=exc.field)  # fmt: skip
    flash(_("Événement « %(title)s » enregistré.", title=changed["title"]), "success")
    return redirect(_week_of(changed))


@bp.route("/evenement/<int:agenda_event_id>/supprimer", methods=["POST"], endpoint="event_delete")
@requires("agenda.use", target=_editable)
def event_delete(agenda_event_id: int):
    try:
        events.delete(conn(), current_person(), agenda_event_id, actor())
    except NotFound:
        abort(404)
    flash(_("Événement « %(title)s » supprimé.", title=g.target["title"]), "success")
    return redirect(_back())
