"""Logging in and out: password, then the TOTP code when the person has one."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from appliance import config as config_mod
from appliance.security import auth, throttle
from webui.access import actor, box, client_ip, conn, current_person, requires

bp = Blueprint("auth", __name__)

PENDING_TOTP_SECONDS = 300


def throttle_settings() -> throttle.ThrottleSettings:
    return config_mod.derived(box().config, throttle.settings_from)


def wait_message(wait: int) -> str:
    """'Wait N seconds / about N minutes' in words, for a 429 page."""
    if wait < 120:
        return _(
            "Trop d'essais manqués sur ce compte : attendez %(n)s secondes avant de réessayer.",
            n=wait,
        )
    return _(
        "Trop d'essais manqués sur ce compte : attendez environ %(n)s minutes avant de réessayer.",
        n=max(1, round(wait / 60)),
    )


def too_many(page: str, wait: int, **context):
    """A 429 answer rendering `page` with the wait in words and a Retry-After header."""
    response = current_app.make_response(
        (render_template(page, error=wait_message(wait), throttled=True, **context), 429)
    )
    response.headers["Retry-After"] = str(max(1, wait))
    return response


def _safe_next(target: str | None) -> str:
    """Only a local path may be a redirect target after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and "//" not in target:
            return target
    return url_for("portal.home")


def _throttled_page(login: str, wait: int, reason: str = "", next_url: str = ""):
    # "account": many addresses tried this account; its owner may still get in with a TOTP
    # code (or from a usual address), so the form offers the code field.
    return too_many(
        "auth/login.html", wait, login=login, next=next_url, ask_code=reason == "account"
    )


def _finish(person_id: int, next_url: str):
    token = auth.complete_login(conn(), person_id, client_ip(), request.user_agent.string)
    session.clear()
    session["sid"] = token
    return redirect(_safe_next(next_url))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_person() is not None:
        return redirect(url_for("portal.home"))
    next_url = request.values.get("next", "")
    if request.method == "GET":
        expired = g.get("session_expired")
        notice = _("Votre session a expiré : reconnectez-vous.") if expired else None
        return render_template("auth/login.html", login="", next=next_url, notice=notice)
    login_name = request.form.get("login", "").strip()
    password = request.form.get("password", "")
    if not login_name or not password:
        return render_template(
            "auth/login.html",
            login=login_name,
            next=next_url,
            error=_("Saisissez votre identifiant et votre mot de passe."),
        ), 400
    result = auth.authenticate(
        conn(),
        login_name,
        password,
        client_ip(),
        throttle_settings(),
        code=request.form.get("code", ""),
    )
    if result.status == "throttled":
        return _throttled_page(login_name, result.retry_after, result.reason, next_url)
    if result.status == "bad":
        if result.retry_after:
            return _throttled_page(login_name, result.retry_after, next_url=next_url)
        return render_template(
            "auth/login.html",
            login=login_name,
            next=next_url,
            error=_("Identifiant ou mot de passe incorrect."),
        ), 401
    if result.status == "disabled":
        return render_template(
            "auth/login.html",
            login=login_name,
            next=next_url,
            error=_("Ce compte est désactivé. Adressez-vous à l'établissement."),
        ), 403
    if result.totp:
        session.clear()
        session["pending"] = {"id": result.person_id, "at": time.time(), "next": next_url}
        return redirect(url_for("auth.totp_challenge"))
    return _finish(result.person_id, next_url)


@bp.route("/login/code", methods=["GET", "POST"])
def totp_challenge():
    pending = session.get("pending")
    if not pending or time.time() - pending.get("at", 0) > PENDING_TOTP_SECONDS:
        session.pop("pending", None)
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/totp.html")
    person_id = pending["id"]
    login_name = conn().execute("SELECT login FROM person WHERE id = ?", (person_id,)).fetchone()
    login_name = login_name[0] if login_name else "?"
    result = auth.check_second_factor(
        conn(),
        person_id,
        login_name,
        client_ip(),
        throttle_settings(),
        code=request.form.get("code", ""),
        recovery=request.form.get("recovery", ""),
    )
    if result.status == "ok":
        return _finish(person_id, pending.get("next", ""))
    if result.retry_after:
        return _throttled_page(login_name, result.retry_after)
    return render_template("auth/totp.html", error=_("Code incorrect ou déjà utilisé.")), 401


@bp.route("/logout", methods=["GET", "POST"])
@requires("portal.home")
def logout():
    if request.method == "GET":
        return render_template("auth/logout.html")
    auth.logout(conn(), session.get("sid"), actor())
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang", methods=["POST"])
def set_locale():
    lang = request.form.get("lang")
    if lang in ("fr", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))
