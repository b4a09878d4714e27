"""The service's home page, the roll call of a lesson, and the lessons whose roll call was
not taken (appels non faits)."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.directory import people
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.schoollife.attendance import alerts, common, events, roll
from appliance.schoollife.attendance.common import person_thing
from webui import paging
from webui.access import actor, ask, box, conn, current_person, requires
from webui.attendance import PAGE_SIZE, bp, day_arg
from webui.messages import error_text


def _split() -> str:
    return str(box().config["attendance.half_day_split"])


@bp.route("", endpoint="index")
@requires("attendance.home")
def index():
    person = current_person()
    day = day_arg()
    mine = roll.teacher_day(conn(), person, day) if ask("attendance.roll.mine") else None
    office = None
    if ask("attendance.office"):
        today = common.today()
        _missing, missing_total = roll.missing(conn(), today, limit=1)
        _todo, todo_total = events.office_list(conn(), today, today, unsettled=True, limit=1)
        week = today - timedelta(days=common.EXCUSE_DAYS)
        _waiting, waiting_total = events.office_list(
            conn(), week, today, excuse_pending=True, limit=1
        )
        office = {
            "missing": missing_total,
            "unsettled": todo_total,
            "excuses": waiting_total,
            "since": week.isoformat(),
            "alerts": len(alerts.visible(conn(), person, None, split=_split())),
        }
    children = []
    if ask("child.select"):
        children = [
            c
            for c in people.children_of(conn(), person["id"])
            if ask("attendance.events.view", person_thing(c))
        ]
    own = ask("attendance.events.view", person_thing(person))
    if own and mine is None and office is None and not children:
        return redirect(url_for("attendance.student", person_id=person["id"]))
    if len(children) == 1 and mine is None and office is None and not own:
        return redirect(url_for("attendance.student", person_id=children[0]["id"]))
    return render_template(
        "attendance/index.html",
        day=day,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        mine=mine,
        office=office,
        children=children,
        alerts_link=ask("attendance.alerts.view"),
    )


def _lesson(lesson_id: int) -> dict:
    return roll.lesson_target(conn(), lesson_id)


def _roll_page(lesson, error: str | None = None, status: int = 200, form=None):
    found = roll.get_roll(conn(), lesson)
    closed = roll.closed_reason(conn(), current_person(), lesson)
    may_take = closed is None and ask("attendance.roll.take", lesson)
    return render_template(
        "attendance/roll.html",
        lesson=lesson,
        roll=found,
        closed=error_text(closed) if closed is not None else None,
        may_take=may_take,
        error=error,
        form=form or {},
        max_late=roll.MAX_LATE_MINUTES,
        office=ask("attendance.office"),
    ), status


@bp.route("/appel/<int:lesson_id>", endpoint="roll")
@requires("attendance.roll.view", target=_lesson)
def roll_page(lesson_id: int):
    return _roll_page(g.target)


def _read_form(found: dict) -> tuple[list[int], dict[int, int]]:
    """The absent and the late (with their minutes) of the posted form; "Tous présents"
    keeps only the planned absences. CartableError naming the student's field."""
    if "all_present" in request.form:
        return [s["id"] for s in found["students"] if s["planned"]], {}
    absent: list[int] = []
    late: dict[int, int] = {}
    for s in found["students"]:
        status = request.form.get(f"status-{s['id']}", "present")
        if status == "absent":
            absent.append(s["id"])
        elif status == "late":
            raw = (request.form.get(f"minutes-{s['id']}") or "").strip()
            if not (raw.isascii() and raw.isdigit()) or not (
                1 <= int(raw[:4]) <= roll.MAX_LATE_MINUTES
            ):
                raise CartableError(
                    N_("Donnez les minutes de retard de %(name)s (de 1 à %(max)s)."),
                    field=f"minutes-{s['id']}",
                    name=f"{s['first_name']} {s['last_name']}",
                    max=roll.MAX_LATE_MINUTES,
                )
            late[s["id"]] = int(raw[:4])
    return absent, late


@bp.route("/appel/<int:lesson_id>", methods=["POST"], endpoint="roll_save")
@requires("attendance.roll.take", target=_lesson)
def roll_save(lesson_id: int):
    lesson = g.target
    found = roll.get_roll(conn(), lesson)
    try:
        absent, late = _read_form(found)
        saved = roll.save(conn(), current_person(), lesson, absent=absent, late=late, actor=actor())
    except CartableError as exc:
        return _roll_page(lesson, error_text(exc), 409 if exc.field == "lesson" else 400,
                          form=request.form)  # fmt: skip
    n_absent = sum(s["status"] == "absent" for s in saved["students"])
    n_late = sum(s["status"] == "late" for s in saved["students"])
    flash(
        _("Appel enregistré : %(absent)s absent(s), %(late)s retard(s).", absent=n_absent,
          late=n_late),
        "success",
    )  # fmt: skip
    return redirect(url_for("attendance.roll", lesson_id=lesson["id"]))


@bp.route("/appels-non-faits", endpoint="missing")
@requires("attendance.office")
def missing():
    day = day_arg()
    asked = paging.page_arg()
    found, total = roll.missing(conn(), day, limit=PAGE_SIZE, offset=(asked - 1) * PAGE_SIZE)
    page, pages = paging.clamp(asked, total, PAGE_SIZE)
    if page != asked:
        found, total = roll.missing(conn(), day, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "attendance/missing.html",
        day=day,
        previous=day - timedelta(days=1),
        following=day + timedelta(days=1),
        today=common.today(),
        lessons=found,
        total=total,
        page=page,
        pages=pages,
    )
