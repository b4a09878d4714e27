"""The technician's administration area: people, audit log, settings."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.directory import logins, people
from appliance.errors import CartableError, NotFound
from appliance.school import get_school, set_school
from appliance.security import audit
from appliance.security.passwords import generate_initial_password, hash_password
from webui import paging, shown_once
from webui.access import actor, box, conn, current_person, requires
from webui.app import forget_school
from webui.messages import error_text

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def _page() -> int:
    return paging.page_arg()


@bp.route("/")
@requires("admin.area")
def index():
    counts = people.count_by_profile(conn())
    recent, _total = audit.search(conn(), limit=10)
    return render_template("admin/index.html", counts=counts, recent=recent)


@bp.route("/personnes", endpoint="people")
@requires("admin.people.view")
def people_list():
    filters = {
        "query": request.args.get("q", "").strip()[:100],
        "profile": request.args.get("profile") or None,
        "state": request.args.get("state") or None,
        "class_code": request.args.get("classe") or None,
    }
    if filters["profile"] not in (None, *people.PROFILES):
        filters["profile"] = None
    if filters["state"] not in (None, *people.STATES):
        filters["state"] = None
    total = people.count_people(conn(), **filters)
    page, pages = paging.clamp(_page(), total, PAGE_SIZE)
    found = people.list_people(conn(), **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "admin/people.html",
        people_found=found,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        profiles=people.PROFILES,
        states=people.STATES,
    )


def _person_or_404(person_id: int) -> dict:
    try:
        return people.get_person(conn(), person_id)
    except NotFound:
        abort(404)


@bp.route("/personnes/<int:person_id>")
@requires("admin.people.view")
def person(person_id: int):
    target = _person_or_404(person_id)
    children = people.children_of(conn(), person_id)
    history, _total = audit.search(conn(), target=f"person:{person_id}", limit=20)
    return render_template("admin/person.html", target=target, children=children, history=history)


@bp.route("/personnes/nouvelle", methods=["GET", "POST"])
@requires("admin.people.create")
def person_new():
    form = {
        k: request.form.get(k, "").strip()
        for k in ("login", "profile", "first_name", "last_name", "email", "function", "expires_on")
    }
    page = {"form": form, "profiles": people.PROFILES, "login_pattern": logins.LOGIN_PATTERN}
    if request.method == "GET":
        return render_template("admin/person_new.html", **page)
    try:
        pid, initial = _create(form)
    except CartableError as exc:
        names = form["first_name"], form["last_name"]
        if exc.field == "login" and all(names):
            page["suggestion"] = logins.allocate_in_db(conn(), *names)
        return render_template(
            "admin/person_new.html", **page, error=error_text(exc), error_field=exc.field
        ), 400
    # POST, redirect, GET: reloading the result page never creates the account again.
    shown_once.keep(pid, initial, created=True)
    return redirect(url_for("admin.password_shown", person_id=pid))


def _create(form: dict) -> tuple[int, str]:
    """Create the account of the form (a blank login takes the free `prenom.nom`); the
    service writes its audit row. Returns (id, initial password). Raises CartableError
    naming the field."""
    if form["expires_on"]:
        try:
            form["expires_on"] = date.fromisoformat(form["expires_on"]).isoformat()
        except ValueError:
            raise CartableError(
                _("La date d'expiration doit être une date valide."), field="expires_on"
            ) from None
    if not form["login"] and form["first_name"] and form["last_name"]:
        form["login"] = logins.allocate_in_db(conn(), form["first_name"], form["last_name"])
    initial = generate_initial_password()
    initial_hash = hash_password(initial)  # before the write lock: it takes a core
    pid = people.create_person(
        conn(),
        login=form["login"],
        profile=form["profile"],
        first_name=form["first_name"],
        last_name=form["last_name"],
        email=form["email"] or None,
        function=form["function"] or None,
        expires_on=form["expires_on"] or None,
        password_hash=initial_hash,
        must_change_password=True,
        actor=actor(),
    )
    return pid, initial


@bp.route("/personnes/<int:person_id>/mot-de-passe-initial")
@requires("admin.people.view")
def password_shown(person_id: int):
    """The initial password of an account just created or reset, shown once."""
    target = _person_or_404(person_id)
    shown = shown_once.take(person_id)
    return render_template(
        "admin/password_shown.html",
        target=target,
        initial=shown["password"] if shown else None,
        created=bool(shown and shown.get("created")),
    )


@bp.route("/personnes/<int:person_id>/etat", methods=["POST"])
@requires("admin.people.state")
def person_state(person_id: int):
    target = _person_or_404(person_id)
    state = request.form.get("state")
    if state not in ("active", "disabled"):
        abort(400)
    if target["id"] == current_person()["id"] and state == "disabled":
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
        return redirect(url_for("admin.person", person_id=person_id))
    people.set_state(conn(), person_id, state, actor=actor())
    flash(_("Compte désactivé.") if state == "disabled" else _("Compte réactivé."), "success")
    return redirect(url_for("admin.person", person_id=person_id))


@bp.route("/personnes/<int:person_id>/mot-de-passe", methods=["POST"])
@requires("admin.people.reset_password")
def person_reset_password(person_id: int):
    target = _person_or_404(person_id)
    initial = people.reset_password(conn(), target["id"], actor=actor())
    shown_once.keep(person_id, initial)
    return redirect(url_for("admin.password_shown", person_id=person_id))


@bp.route("/personnes/<int:person_id>/double-authentification", methods=["POST"])
@requires("admin.people.totp_reset")
def person_totp_reset(person_id: int):
    _person_or_404(person_id)
    people.reset_totp(conn(), person_id, actor=actor())
    flash(
        _("Double authentification retirée : la personne devra la configurer à nouveau."), "success"
    )
    return redirect(url_for("admin.person", person_id=person_id))


@bp.route("/journal", endpoint="audit")
@requires("admin.audit.view")
def audit_log():
    filters = {
        k: request.args.get(k, "").strip()[:100]
        for k in ("actor", "action", "target", "since", "until", "outcome")
    }
    asked = _page()
    offset = (asked - 1) * PAGE_SIZE
    entries, total = audit.search(conn(), **filters, limit=PAGE_SIZE, offset=offset)
    page, pages = paging.clamp(asked, total, PAGE_SIZE)
    if page != asked:  # past the end: show the last page
        entries, total = audit.search(
            conn(), **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    return render_template(
        "admin/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        actions=audit.actions(conn()),
    )


@bp.route("/reglages", methods=["GET", "POST"])
@requires("admin.settings.view")
def settings():
    school = get_school(conn())
    error = None
    if request.method == "POST":
        from webui.access import ask

        if not ask("admin.settings.edit"):
            abort(403)
        try:
            set_school(
                conn(),
                uai=request.form.get("uai", ""),
                name=request.form.get("name", ""),
                portal_url=request.form.get("portal_url", "").strip(),
                actor=actor(),
            )
        except CartableError as exc:
            error = error_text(exc)
        else:
            forget_school()
            flash(_("Réglages enregistrés."), "success")
            return redirect(url_for("admin.settings"))
    cfg = box().config
    return render_template(
        "admin/settings.html",
        school=school,
        error=error,
        config_items=cfg.public_items(),
        config_file=cfg.file,
        data_dir=cfg.data_dir,
    ), (400 if error else 200)
