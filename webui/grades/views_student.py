"""The pages families read: the grades home, a student's marks and averages, a student's
report card (page and PDF)."""

from __future__ import annotations

import re

from flask import g, redirect, render_template, request, url_for

from appliance.directory import people
from appliance.schoollife.grades import periods, printing, reading, report_cards
from webui.access import actor, ask, conn, current_person, requires, selected_child
from webui.directory.common import attachment
from webui.grades import bp
from webui.grades.common import (
    KIND_WORDS,
    chosen_period,
    class_thing,
    period_links,
    settings,
    student_thing,
)
from webui.messages import error_text


@bp.route("/notes", endpoint="index")
@requires("grades.use")
def index():
    """A student goes to their own page, a parent to the child they follow; teachers find
    their classes, head teachers and the direction the classes' tables."""
    me = current_person()
    args = {"periode": request.args["periode"]} if request.args.get("periode") else {}
    if ask("grades.mine") and ask("grades.view", reading.subject_target(me)):
        return redirect(url_for("grades.student", person_id=me["id"], **args))
    children = []
    if ask("child.select"):
        children = [
            c
            for c in people.children_of(conn(), me["id"])
            if ask("grades.view", reading.subject_target({**c, "profile": "student"}))
        ]
        child = selected_child(children)
        if child is not None:
            return redirect(url_for("grades.student", person_id=child["id"], **args))
    teachings = reading.teachings_of(conn(), me["id"])
    for t in teachings:
        t["word"] = KIND_WORDS[t["kind"]]
    classes = [
        c for c in reading.all_classes(conn()) if ask("grades.class.view", class_thing(c["id"]))
    ]
    return render_template(
        "grades/index.html",
        children=children,
        teachings=teachings,
        classes=classes,
        may_edit_periods=ask("grades.periods.edit"),
    )


@bp.route("/notes/eleves/<int:person_id>", endpoint="student")
@requires("grades.view", target=student_thing)
def student(person_id: int):
    student = g.target
    period = chosen_period()
    data = None
    if period is not None:
        data = reading.student_grades(conn(), current_person(), student, period, settings())
    return render_template(
        "grades/student.html",
        student=student,
        period=period,
        period_links=period_links(period),
        data=data,
        itself=student["id"] == current_person()["id"],
        may_report=period is not None
        and ask("grades.report.view", reading.subject_target(student)),
    )


def _report_target(period_id: int, person_id: int) -> dict:
    thing = student_thing(person_id)
    thing["period"] = periods.get_period(conn(), period_id)
    return thing


@bp.route("/notes/bulletins/<int:period_id>/eleves/<int:person_id>", endpoint="report_card")
@requires("grades.report.view", target=_report_target)
def report_card(period_id: int, person_id: int):
    student, period = g.target, g.target["period"]
    waiting = None
    card = None
    try:
        report_cards.may_read(conn(), current_person(), student, period)
    except report_cards.NotLockedYet as exc:
        waiting = error_text(exc)
    else:
        card = report_cards.report_card(conn(), student, period, settings())
    return render_template(
        "grades/report_card.html", student=student, period=period, card=card, waiting=waiting
    )


@bp.route("/notes/bulletins/<int:period_id>/eleves/<int:person_id>.pdf", endpoint="report_card_pdf")
@requires("grades.report.view", target=_report_target)
def report_card_pdf(period_id: int, person_id: int):
    student, period = g.target, g.target["period"]
    try:
        report_cards.may_read(conn(), current_person(), student, period)
    except report_cards.NotLockedYet:
        return redirect(url_for("grades.report_card", period_id=period_id, person_id=person_id))
    pdf = printing.student_pdf(conn(), actor(), student, period, settings())
    name = re.sub(r"[^a-z0-9.-]+", "-", f"bulletin-{student['login']}-{period['name']}".lower())
    return attachment(pdf, f"{name}.pdf", "application/pdf")
