"""Browsing the directory: each person's entry page, classes and groups.

What a page lists depends on who asks, and the policy decides first: the technician
sees every class with states, last logins and guardians; a teacher the classes and groups
they teach; a student their class and teachers; a parent their children's teachers.
"""

from __future__ import annotations

from flask import g, redirect, render_template, url_for

from appliance.directory import browse, people
from webui.access import ask, conn, current_person, requires, selected_child
from webui.directory import bp


def _structure(kind: str):
    def load(**kwargs) -> dict:
        return browse.get_structure(conn(), kind, kwargs[f"{kind}_id"])

    return load


@bp.route("/annuaire/")
@requires("directory.home")
def index():
    person = current_person()
    if ask("directory.browse"):
        return redirect(url_for("directory.classes"))
    page: dict = {"taught": [], "my_classes": [], "teachers": [], "children": []}
    page["sections"] = {
        "taught": ask("directory.my_students"),
        "my_class": ask("directory.my_class"),
        "children": ask("child.select"),
    }
    if ask("directory.my_students"):
        page["taught"] = browse.taught_by(conn(), person["id"])
    if ask("directory.my_class"):
        page["my_classes"] = browse.classes_of_student(conn(), person["id"])
        page["teachers"] = browse.teachers_of_student(conn(), person["id"])
    if ask("child.select"):
        children = people.children_of(conn(), person["id"])
        child = selected_child(children)
        if child is None and children:
            return redirect(url_for("portal.select_child", next="directory.index"))
        # The child the parent chose to follow, the others behind "Changer d'enfant".
        if child is not None and ask("child.view", child):
            child["teachers"] = browse.teachers_of_student(conn(), child["id"])
            page["children"].append(child)
        page["several_children"] = len(children) > 1
    return render_template("directory/index.html", **page)


@bp.route("/annuaire/classes")
@requires("directory.browse")
def classes():
    return render_template(
        "directory/classes.html",
        classes=browse.list_classes(conn()),
        groups=browse.list_groups(conn()),
    )


def _members_page(kind: str, target: dict):
    """A class or group page, with what the asking person may see of it: the technician
    every account with states, last logins and guardians; vie scolaire, direction and
    secretariat the students with their logins and guardians; a teacher the logins."""
    accounts = ask("directory.accounts.view")
    with_guardians = ask("directory.guardians.view")
    if accounts:
        audience = "admin"
    elif with_guardians:
        audience = "staff"
    elif ask("directory.logins.view"):
        audience = "teacher"
    else:
        audience = "student"
    students = browse.students(conn(), kind, target["id"], everyone=accounts)
    guardians = browse.guardians_of(conn(), [s["id"] for s in students]) if with_guardians else {}
    return render_template(
        "directory/members.html",
        target=target,
        students=students,
        guardians=guardians,
        teachers=browse.teachers(conn(), kind, target["id"]),
        audience=audience,
        can_reset=ask("directory.my_students"),
    )


@bp.route("/annuaire/classes/<int:class_id>")
@requires("directory.class.view", target=_structure("class"))
def class_detail(class_id: int):
    return _members_page("class", g.target)


@bp.route("/annuaire/groupes/<int:group_id>")
@requires("directory.group.view", target=_structure("group"))
def group_detail(group_id: int):
    return _members_page("group", g.target)
