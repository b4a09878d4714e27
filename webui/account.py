"""A person's own account: password change, TOTP enrolment."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from appliance.directory import people
from appliance.errors import CartableError
from appliance.security import auth, passwords, policy, totp
from appliance.security.audit import Actor, record
from webui.access import box, client_ip, conn, current_person, requires
from webui.messages import error_text

bp = Blueprint("account", __name__, url_prefix="/compte")


def _actor() -> Actor:
    p = current_person()
    return Actor(p["id"], p["login"], client_ip())


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@requires("account.password")
def password():
    person = current_person()
    minimum = passwords.MIN_LENGTH.get(person["profile"], 12)
    if request.method == "GET":
        return render_template("account/password.html", minimum=minimum)
    current = request.form.get("current", "")
    new = request.form.get("new", "")
    confirm = request.form.get("confirm", "")
    row = (
        conn().execute("SELECT password_hash FROM person WHERE id = ?", (person["id"],)).fetchone()
    )
    ok, _rehash = passwords.verify_password(row[0] if row else None, current)
    error = None
    if not ok:
        error = _("Le mot de passe actuel est incorrect.")
    elif new != confirm:
        error = _("Les deux saisies du nouveau mot de passe sont différentes.")
    elif new == current:
        error = _("Le nouveau mot de passe doit être différent de l'actuel.")
    else:
        try:
            people.set_password(conn(), person["id"], new)
        except CartableError as exc:
            error = error_text(exc)
    if error:
        record(conn(), _actor(), "account.password_change", outcome="failed")
        return render_template("account/password.html", minimum=minimum, error=error), 400
    record(conn(), _actor(), "account.password_change")
    # set_password ended every session, this one included: open a fresh one.
    token = auth.complete_login(conn(), person["id"], client_ip(), request.user_agent.string)
    lang = session.get("lang")
    session.clear()
    session["sid"] = token
    if lang:
        session["lang"] = lang
    flash(_("Votre mot de passe a été changé. Vos autres sessions ont été fermées."), "success")
    return redirect(url_for("portal.home"))


@bp.route("/double-authentification", methods=["GET", "POST"], endpoint="totp")
@requires("account.totp")
def totp_page():
    person = current_person()
    required = policy.totp_required(
        {**person, "totp_enabled": False}, box().config["security.admin_totp_required"]
    )
    if person["totp_enabled"]:
        return render_template("account/totp.html", enabled=True, required=required)
    secret = session.get("totp_secret")
    if not secret:
        secret = session["totp_secret"] = totp.new_secret()
    error = None
    if request.method == "POST":
        if totp.enable(conn(), person["id"], secret, request.form.get("code", "")):
            session.pop("totp_secret", None)
            record(conn(), _actor(), "account.totp_enable")
            flash(_("La double authentification est activée."), "success")
            return redirect(url_for("portal.home"))
        error = _(
            "Ce code ne correspond pas. Vérifiez l'heure du téléphone et saisissez le "
            "code affiché maintenant."
        )
    return render_template(
        "account/totp.html",
        enabled=False,
        required=required,
        secret=secret,
        secret_grouped=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        error=error,
    ), (400 if error else 200)


@bp.route("/double-authentification/qr.svg")
@requires("account.totp")
def totp_qr():
    person = current_person()
    secret = session.get("totp_secret")
    if person["totp_enabled"] or not secret:
        return Response(status=404)
    uri = totp.provisioning_uri(secret, person["login"], box().config["security.totp_issuer"])
    return Response(totp.qr_svg(uri), mimetype="image/svg+xml")


@bp.route("/double-authentification/desactiver", methods=["POST"])
@requires("account.totp")
def totp_disable():
    person = current_person()
    if policy.totp_required(
        {**person, "totp_enabled": False}, box().config["security.admin_totp_required"]
    ):
        flash(_("La double authentification est obligatoire pour votre profil."), "error")
        return redirect(url_for("account.totp"))
    totp.disable(conn(), person["id"])
    record(conn(), _actor(), "account.totp_disable")
    flash(_("La double authentification est désactivée."), "info")
    return redirect(url_for("account.totp"))
