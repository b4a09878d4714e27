"""A teacher's students and their passwords; a person's data for download (RGPD)."""

from __future__ import annotations

from flask import g, redirect, render_template, request, url_for

from appliance.directory import browse, export, people
from webui import shown_once
from webui.access import actor, conn, current_person, requires
from webui.directory import bp
from webui.directory.common import attachment


def _person(**kwargs) -> dict:
    return people.get_person(conn(), kwargs["person_id"])


@bp.route("/annuaire/mes-eleves")
@requires("directory.my_students")
def my_students():
    taught = browse.students_taught(conn(), current_person()["id"])
    return render_template("directory/my_students.html", taught=taught)


@bp.route("/annuaire/eleves/<int:person_id>/mot-de-passe", methods=["GET", "POST"])
@requires("person.reset_password", target=_person)
def student_password(person_id: int):
    """POST gives a new initial password and redirects here; GET shows it, once."""
    target = g.target
    if request.method == "POST":
        initial = people.reset_password(
            conn(), target["id"], actor=actor(), by=current_person()["profile"]
        )
        shown_once.keep(target["id"], initial)
        return redirect(url_for("directory.student_password", person_id=target["id"]))
    shown = shown_once.take(target["id"])
    return render_template(
        "directory/password_shown.html", target=target, initial=shown and shown["password"]
    )


def _zip(person_id: int):
    data, filename = export.export_zip(conn(), person_id, actor=actor())
    return attachment(data, filename, "application/zip")


@bp.route("/compte/mes-donnees", methods=["POST"])
@requires("account.export")
def export_mine():
    return _zip(current_person()["id"])


@bp.route("/annuaire/personnes/<int:person_id>/donnees", methods=["POST"])
@requires("admin.people.export", target=_person)
def export_person(person_id: int):
    return _zip(person_id)
