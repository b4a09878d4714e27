"""A person's own account: password change, TOTP enrolment, recovery codes, API tokens.

Every answer a person gives here (current password, a code) goes through the login
throttle: a stolen session can't be used to guess the password behind it.
"""

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

from appliance.errors import CartableError
from appliance.security import account, auth, passwords, policy, recovery_codes, tokens, totp
from webui import shown_once
from webui.access import actor, box, client_ip, conn, current_person, requires
from webui.auth import throttle_settings, too_many
from webui.messages import error_text

bp = Blueprint("account", __name__, url_prefix="/compte")


@bp.route("/mot-de-passe", methods=["GET", "POST"])
@requires("account.password")
def password():
    person = current_person()
    minimum = passwords.MIN_LENGTH.get(person["profile"], 12)
    if request.method == "GET":
        return render_template("account/password.html", minimum=minimum)
    change = account.change_password(
        conn(),
        actor(),
        request.form.get("current", ""),
        request.form.get("new", ""),
        request.form.get("confirm", ""),
        throttle_settings(),
    )
    if change.status == "throttled":
        return too_many("account/password.html", change.retry_after, minimum=minimum)
    if change.status != "ok":
        errors = {
            "wrong": _("Le mot de passe actuel est incorrect."),
            "mismatch": _("Les deux saisies du nouveau mot de passe sont différentes."),
            "unchanged": _("Le nouveau mot de passe doit être différent de l'actuel."),
        }
        error = error_text(change.error) if change.error else errors[change.status]
        return render_template("account/password.html", minimum=minimum, error=error), 400
    # The change ended every session, this one included: open a fresh one.
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
        return render_template(
            "account/totp.html",
            enabled=True,
            required=required,
            remaining=recovery_codes.remaining(conn(), person["id"]),
        )
    # The secret stays on the server until the app proves it has it (the cookie is signed,
    # not encrypted).
    secret = totp.pending_secret(conn(), person["id"])
    error = None
    if request.method == "POST":
        if account.enable_totp(conn(), actor(), request.form.get("code", "")):
            flash(_("La double authentification est activée."), "success")
            return redirect(url_for("account.recovery_codes"))
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
    if person["totp_enabled"]:
        return Response(status=404)
    secret = totp.pending_secret(conn(), person["id"])
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
    refused = _check_proof(person)
    if refused is not None:
        return refused
    account.disable_totp(conn(), actor())
    flash(_("La double authentification est désactivée."), "info")
    return redirect(url_for("account.totp"))


def _check_proof(person: dict):
    """None when the form's `proof` (password or current code) is right, else the answer."""
    result = auth.check_proof(
        conn(), person["id"], person["login"], request.form.get("proof", ""), client_ip(),
        throttle_settings(),
    )  # fmt: skip
    if result.status == "ok":
        return None
    context = {
        "enabled": True,
        "required": policy.totp_required(
            {**person, "totp_enabled": False}, box().config["security.admin_totp_required"]
        ),
        "remaining": recovery_codes.remaining(conn(), person["id"]),
    }
    if result.retry_after:
        return too_many("account/totp.html", result.retry_after, **context)
    message = _("Saisissez votre mot de passe ou le code affiché par votre application.")
    return render_template("account/totp.html", error=message, **context), 400


@bp.route(
    "/double-authentification/codes-de-secours",
    methods=["GET", "POST"],
    endpoint="recovery_codes",
)
@requires("account.totp")
def recovery_codes_page():
    """GET shows the codes just generated, once; POST (with a proof) makes new ones."""
    person = current_person()
    if not person["totp_enabled"]:
        return redirect(url_for("account.totp"))
    if request.method == "POST":
        refused = _check_proof(person)
        if refused is not None:
            return refused
        account.renew_recovery_codes(conn(), actor())
        return redirect(url_for("account.recovery_codes"))
    codes = recovery_codes.reveal(conn(), person["id"])
    return render_template(
        "account/recovery_codes.html",
        codes=codes,
        remaining=recovery_codes.remaining(conn(), person["id"]),
    )


# --- personal API tokens ----------------------------------------------------------------

# What the creation form offers (days; 0: until revoked).
TOKEN_DAYS = (30, 90, 365, 0)


def _own_token(token_id: int) -> dict:
    return tokens.get(conn(), token_id, owner_id=current_person()["id"])


def _tokens_page(status: int = 200, **context):
    person = current_person()
    return render_template(
        "account/tokens.html",
        tokens=tokens.list_for(conn(), person["id"]),
        days_choices=TOKEN_DAYS,
        api_url=request.host_url.rstrip("/") + "/api/v1/me",
        **context,
    ), status


@bp.route("/jetons", methods=["GET", "POST"], endpoint="tokens")
@requires("account.tokens")
def tokens_page():
    """The person's API tokens: list, create (with their password), and the new one once."""
    person = current_person()
    if request.method == "GET":
        shown = shown_once.take(person["id"], kind="token")
        return _tokens_page(new_token=shown and shown["password"])
    label = request.form.get("label", "")
    days = request.form.get("days", "90")
    proof = auth.check_proof(
        conn(), person["id"], person["login"], request.form.get("proof", ""), client_ip(),
        throttle_settings(),
    )  # fmt: skip
    if proof.retry_after:
        return too_many(
            "account/tokens.html",
            proof.retry_after,
            tokens=tokens.list_for(conn(), person["id"]),
            days_choices=TOKEN_DAYS,
            label=label,
        )
    if proof.status != "ok":
        message = _("Saisissez votre mot de passe (ou le code de votre application).")
        return _tokens_page(400, error=message, label=label)
    try:
        chosen = int(days) if days.isdigit() else -1
        _token_id, token = tokens.create(
            conn(), person["id"], label, actor=actor(), days=chosen or None
        )
    except CartableError as exc:
        return _tokens_page(400, error=error_text(exc), label=label)
    shown_once.keep(person["id"], token, kind="token")
    return redirect(url_for("account.tokens"))


@bp.route("/jetons/<int:token_id>/revoquer", methods=["POST"])
@requires("account.tokens", target=_own_token)
def token_revoke(token_id: int):
    token = tokens.revoke(conn(), token_id, actor=actor(), owner_id=current_person()["id"])
    flash(
        _("Le jeton « %(label)s » est révoqué : il ne marche plus.", label=token["label"]), "info"
    )
    return redirect(url_for("account.tokens"))
