"""The notification timeline and its settings: the list (paged), opening an entry, "all
read", the e-mail frequencies and address of Mon compte, the address's confirmation link.

The views call `appliance.community.notifications`; the e-mails themselves go from the
worker (`notifications_mail`), never from a page.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.community import notifications
from appliance.errors import CartableError
from webui import paging
from webui.access import actor, box, conn, current_person, requires
from webui.messages import error_text

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 30


@bp.route("/notifications")
@requires("notifications.view")
def index():
    person = current_person()
    total = notifications.count(conn(), person["id"])
    page, pages = paging.clamp(paging.page_arg(), total, PAGE_SIZE)
    entries = notifications.timeline(
        conn(), person["id"], limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "notifications/index.html",
        entries=entries,
        types=notifications.TYPES,
        total=total,
        page=page,
        pages=pages,
        unread_here=notifications.unread_count(conn(), person["id"]),
    )


@bp.route("/notifications/ouvrir", endpoint="open")
@requires("notifications.view")
def open_one():
    """Mark one of my entries read and go where it leads (else back to the list)."""
    raw = request.args.get("id", "")
    link = None
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        link = notifications.open_entry(conn(), current_person()["id"], int(raw))
    # A link is a path of the portal (checked by `emit`), under the portal's own root.
    return redirect(request.script_root + link if link else url_for("notifications.index"))


@bp.route("/notifications/tout-lu", methods=["POST"])
@requires("notifications.view")
def read_all():
    n = notifications.mark_read(conn(), current_person()["id"])
    flash(_("%(n)s notification(s) marquée(s) comme lue(s).", n=n), "success")
    return redirect(url_for("notifications.index"))


def _settings_page(person: dict, error: str | None = None, email_typed: str = ""):
    return render_template(
        "notifications/settings.html",
        types=notifications.TYPES,
        frequencies=notifications.FREQUENCIES,
        frequency_labels=notifications.FREQUENCY_LABELS,
        chosen=notifications.frequencies(conn(), person),
        address=notifications.address_of(conn(), person["id"]),
        relay_set=bool(box().config["mail.host"]),
        error=error,
        email_typed=email_typed,
    ), (400 if error else 200)


@bp.route("/compte/notifications", methods=["GET", "POST"])
@requires("notifications.settings")
def settings():
    person = current_person()
    if request.method == "GET":
        return _settings_page(person)
    action = request.form.get("action", "frequencies")
    try:
        if action == "email":
            typed = request.form.get("email", "").strip()
            address = notifications.request_address(conn(), person["id"], typed, actor())
            flash(
                _(
                    "Un lien de confirmation va être envoyé à %(email)s : ouvrez-le pour "
                    "recevoir les courriels à cette adresse.",
                    email=address,
                ),
                "info",
            )
        elif action == "no_email":
            notifications.set_address(conn(), person["id"], None, actor())
            flash(_("Vous ne recevrez plus de courriel de l'ENT."), "info")
        else:
            wanted = {
                t: request.form[f"type_{t}"]
                for t in notifications.TYPES
                if request.form.get(f"type_{t}")
            }
            notifications.set_frequencies(conn(), person, wanted, actor())
            flash(_("Vos réglages de notifications sont enregistrés."), "success")
    except CartableError as exc:
        return _settings_page(person, error_text(exc), request.form.get("email", ""))
    return redirect(url_for("notifications.settings"))


@bp.route("/compte/courriel/confirmer/<token>")
@requires("notifications.settings")
def confirm_email(token: str):
    """The link of the confirmation mail: signed, dated, for the logged-in person only."""
    person = current_person()
    seconds = box().config["notifications.confirm_hours"] * 3600
    try:
        person_id, address = notifications.read_token(box().secret_key(), token, seconds)
        if person_id != person["id"]:
            abort(404)  # someone else's link tells nothing
        notifications.confirm_address(conn(), person_id, address, actor())
    except CartableError as exc:
        return render_template("notifications/confirm.html", error=error_text(exc)), 400
    return render_template("notifications/confirm.html", address=address)
