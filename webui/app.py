"""The Flask application factory: it only wires things (config, CSRF, translations, the
current person, security headers, error pages, blueprints)."""

from __future__ import annotations

import copy
import json
import logging
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from babel.support import Translations
from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.globals import _cv_app, _cv_request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import Babel
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from itsdangerous import URLSafeTimedSerializer
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from appliance import features
from appliance.community import notifications
from appliance.db import unavailable
from appliance.directory import people
from appliance.errors import Unavailable
from appliance.school import get_school
from appliance.security import policy, sessions
from webui import formats
from webui.api import core as api_core
from webui.layout import layout
from webui.stats import counting as stats_counting
from webui.uploads import StreamingRequest

log = logging.getLogger("cartable.web")

TRANSLATIONS_DIR = str(Path(__file__).parent / "translations")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)

# Pages a person who must change their password or enrol TOTP may still reach.
_ALWAYS_OPEN = {"static", "auth.logout", "auth.set_locale", "auth.login", "portal.accessibility"}


def _copy_plain(value):
    """A copy of session data (dicts, lists and immutable values), faster than deepcopy."""
    if isinstance(value, dict):
        return {k: _copy_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bytes):
        return value
    return copy.deepcopy(value)


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, made Secure when the request came over HTTPS (mode auto).

    The signing serializer is built once per app instead of once per request.
    """

    def open_session(self, app: Flask, request):
        """Verify a cookie's signature once: the same cookie string is found again in a small
        per-app cache (what is cached was verified; each request gets its own copy).

        A call of the API with a bearer token has no session: the token says who calls
        (it wins over a cookie sent beside it, `webui.api.core`), so the cookie is neither
        read nor looked up, nor sent back."""
        if "HTTP_AUTHORIZATION" in request.environ and api_core.is_api_path(request.path):
            return self.make_null_session(app)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return super().open_session(app, request)
        cache = app.extensions.setdefault("cartable.verified_cookies", {})
        data = cache.get(value)
        if data is None:
            session = super().open_session(app, request)
            if session is None or not session:
                return session
            if len(cache) >= 4096:
                cache.clear()
            cache[value] = _copy_plain(dict(session))
            return session
        return self.session_class(_copy_plain(data))

    def get_signing_serializer(self, app: Flask):
        serializer = app.extensions.get("cartable.session_serializer")
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            app.extensions["cartable.session_serializer"] = serializer
        return serializer

    def get_cookie_secure(self, app: Flask) -> bool:
        mode = app.config["CARTABLE_SECURE_COOKIES"]
        if mode == "always":
            return True
        if mode == "never":
            return False
        return request.is_secure


def create_app(box, feature_list: Sequence[features.Feature] | None = None) -> Flask:
    """Build the portal for an opened `appliance.core.Box`, with the blueprints of
    `feature_list` (default: every feature of `appliance.features.FEATURES`)."""
    cfg = box.config
    app = Flask(__name__)
    # Uploads of documents are streamed straight into the store (webui/uploads.py).
    app.request_class = StreamingRequest
    app.config.update(
        SECRET_KEY=box.secret_key(),
        SESSION_COOKIE_NAME="cartable",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        CARTABLE_SECURE_COOKIES=cfg["web.secure_cookies"],
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=cfg["web.default_locale"],
        BABEL_DEFAULT_TIMEZONE=cfg["school.timezone"],
    )
    app.session_interface = _SessionInterface()
    app.extensions["cartable.box"] = box
    app.extensions["cartable.session_limits"] = sessions.SessionLimits(
        idle=cfg["security.session_idle_minutes"] * 60.0,
        absolute=cfg["security.session_absolute_hours"] * 3600.0,
    )
    CSRFProtect(app)
    Babel(app, locale_selector=select_locale)
    # Flask-Babel looks the catalogue up again for every string and Jinja's i18n extension
    # adds a context call on top; a page has dozens of strings, so templates get a plain
    # function using the catalogue found once per request (measured: the home page went
    # from 2.2 to about 1 ms; see docs/benchmarks.md).
    app.jinja_env.globals["_"] = app.jinja_env.globals["gettext"] = _template_gettext

    formats.register(app, cfg["school.timezone"])
    feature_list = features.FEATURES if feature_list is None else feature_list
    _register_blueprints(app, feature_list)
    api_core.register(app)
    # Usage statistics (#14): a cheap in-memory count after each request.
    stats_counting.register(app, box, feature_list)
    app.before_request(_load_person)
    app.after_request(_sign_csrf_once)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, app.static_url_path + "/")
    app.context_processor(_template_globals)
    _register_errors(app)
    app.ensure_sync = _KeptSync(app.ensure_sync)
    return app


class _KeptSync:
    """Flask asks `ensure_sync(f)` for the view and every before/after-request function
    of every request (ten per page, each an `inspect` of the function): the answer for
    a function never changes, so it is kept (one entry per function of the app)."""

    def __init__(self, ensure_sync):
        self._ensure_sync = ensure_sync
        self._kept: dict = {}

    def __call__(self, func):
        try:
            found = self._kept.get(func)
        except TypeError:  # an unhashable callable: asked each time
            return self._ensure_sync(func)
        if found is None:
            found = self._kept[func] = self._ensure_sync(func)
        return found


def _register_blueprints(app: Flask, feature_list: Sequence[features.Feature]) -> None:
    """Register every feature's blueprints, in manifest order; an import error propagates."""
    for feature in feature_list:
        for ref in feature.blueprints:
            app.register_blueprint(features.resolve(ref))


_CATALOGUES: dict[str, Translations] = {}


def _request_translations(locale: str | None = None) -> Translations:
    """The catalogue of the request's language, loaded once per process and language."""
    locale = locale or select_locale()
    catalogue = _CATALOGUES.get(locale)
    if catalogue is None:
        catalogue = Translations.load(TRANSLATIONS_DIR, [locale], "messages")
        _CATALOGUES[locale] = catalogue
    return catalogue


def _template_gettext(text: str, **variables) -> Markup:
    """`_()` in templates: translate, mark safe (our own strings), fill escaped variables."""
    translated = Markup(_request_translations().ugettext(text))  # noqa: S704 (our catalogue)
    return translated % variables if variables else translated


def _bound_gettext(translations):
    """A template `_()` bound to one catalogue, given to each render by the context processor."""
    lookup = translations.ugettext

    def gettext(text: str, **variables) -> Markup:
        translated = Markup(lookup(text))  # noqa: S704 (our own catalogue)
        return translated % variables if variables else translated

    return gettext


def select_locale() -> str:
    # Asked several times per page: the contexts straight from their variables, not the
    # `session`, `g` and `current_app` proxies (the same objects).
    req_ctx = _cv_request.get(None)
    lang = (session if req_ctx is None else req_ctx.session).get("lang")
    if lang in ("fr", "en"):
        return lang
    app_ctx = _cv_app.get(None)
    person = (g if app_ctx is None else app_ctx.g).get("person")
    if person and person.get("locale") in ("fr", "en"):
        return person["locale"]
    # French first: a school PC's browser language does not switch the portal to English.
    return (current_app if app_ctx is None else app_ctx.app).config["BABEL_DEFAULT_LOCALE"]


def _load_person():
    """Find the person behind the session cookie and send them where they must go first."""
    sess = session._get_current_object()  # read a dozen times per page: skip the proxy
    app = current_app._get_current_object()
    ctx_g = g._get_current_object()
    ctx_g.person = None
    if request.endpoint == "static":
        return None  # a style sheet or an icon needs nobody: no session lookup
    cached = sess.get("csrf_signed")
    if cached and cached[0] == sess.get("csrf_token"):
        # Flask-WTF signs the session's CSRF token anew on every page; the signed form never
        # expires here (WTF_CSRF_TIME_LIMIT None), so it is signed once per session instead.
        ctx_g.csrf_token = cached[1]
    token = sess.get("sid")
    box = app.extensions["cartable.box"]
    if token:
        # The header's unread count is read with the person (no statement of its own).
        wanted = "notifications.index" in app.view_functions
        more = notifications.UNREAD_COLUMN if wanted else ""
        person = people.person_of_session(
            box.conn(), token, app.extensions["cartable.session_limits"], more_columns=more
        )
        if person is None:
            sess.clear()
            ctx_g.session_expired = True
        elif more:
            ctx_g.unread_notifications = int(person.pop("unread_notifications"))
        ctx_g.person = person
    person = ctx_g.person
    endpoint = request.endpoint
    if person is None or endpoint in _ALWAYS_OPEN or endpoint is None:
        return None
    if api_core.is_api_request():
        return None  # the API answers 403 in JSON itself, it never redirects to a page
    if person["must_change_password"] and endpoint != "account.password":
        return redirect(url_for("account.password"))
    admin_totp = box.config["security.admin_totp_required"]
    if policy.totp_required(person, admin_totp) and endpoint not in (
        "account.totp",
        "account.totp_qr",
    ):
        return redirect(url_for("account.totp"))
    return None


def _sign_csrf_once(response):
    raw = session.get("csrf_token")
    if raw and (session.get("csrf_signed") or [None])[0] != raw:
        signer = URLSafeTimedSerializer(current_app.secret_key, salt="wtf-csrf-token")
        session["csrf_signed"] = [raw, signer.dumps(raw)]
    return response


SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
]
_NO_STORE = ("Cache-Control", "no-store")
_CACHE_STATIC = ("Cache-Control", "public, max-age=3600")
_HSTS = ("Strict-Transport-Security", "max-age=31536000")
_OURS = {name.lower() for name, _value in [*SECURITY_HEADERS, _NO_STORE, _HSTS]}


class SecurityHeaders:
    """WSGI middleware: the security headers on every response, errors included.

    Pages are never stored by a browser or proxy (a shared school PC); the static files
    are cached for an hour. Added to the header list as it goes out, which costs less
    than setting each header on the response object.
    """

    def __init__(self, wsgi_app, static_prefix: str = "/static/"):
        self.wsgi_app = wsgi_app
        self.static_prefix = static_prefix

    def __call__(self, environ, start_response):
        static = environ.get("PATH_INFO", "").startswith(self.static_prefix)
        secure = environ.get("wsgi.url_scheme") == "https"

        def start(status, headers, exc_info=None):
            headers[:] = [h for h in headers if h[0].lower() not in _OURS]
            headers.extend(SECURITY_HEADERS)
            headers.append(_CACHE_STATIC if static else _NO_STORE)
            if secure:
                headers.append(_HSTS)
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, start)


SCHOOL_CACHE_SECONDS = 5.0


def current_school(conn) -> dict | None:
    """The school row, read at most every few seconds per app (every page shows its name);
    `forget_school()` after a change made through the web."""
    cache = current_app.extensions.setdefault("cartable.school", [0.0, None])
    now = time.monotonic()
    if now - cache[0] > SCHOOL_CACHE_SECONDS:
        cache[:] = [now, get_school(conn)]
    return cache[1]


def forget_school() -> None:
    current_app.extensions["cartable.school"] = [0.0, None]


# The template `_()` of each language, made once per catalogue (not once per page).
_BOUND: dict[str, tuple] = {}


def _template_globals() -> dict:
    from webui.access import ask, box

    conn = box().conn()
    locale = select_locale()
    translations = _request_translations(locale)
    bound = _BOUND.get(locale)
    if bound is None or bound[0] is not translations:
        bound = _BOUND[locale] = (translations, _bound_gettext(translations))
    bound = bound[1]
    person = g.get("person")
    return {
        "_": bound,
        "gettext": bound,
        "person": person,
        "school": current_school(conn),
        "ask": ask,
        "profile_labels": people.PROFILE_LABELS,
        "state_labels": people.STATE_LABELS,
        "current_lang": locale,
        # the layout reads values, not calls (see webui/layout.py)
        "layout": layout(locale, request.script_root, translations),
        "csrf": generate_csrf(),
        "here": request.full_path.rstrip("?"),
        "admin_link": person is not None and ask("admin.area"),
        "unread": _unread(conn, person),
    }


def _unread(conn, person) -> int | None:
    """The person's unread notifications shown in the header (one indexed count, once per
    request); None without a person or without the notifications in this app."""
    if person is None or "notifications.index" not in current_app.view_functions:
        return None
    found = g.get("unread_notifications")
    if found is None:
        found = g.unread_notifications = notifications.unread_count(conn, person["id"])
    return found


def _register_errors(app: Flask) -> None:
    messages = {
        400: lambda: _("La demande n'a pas pu être comprise."),
        403: lambda: _("Vous n'avez pas accès à cette page."),
        404: lambda: _("Cette page n'existe pas (ou plus)."),
        405: lambda: _("Cette action n'est pas possible ici."),
        413: lambda: _("Le fichier envoyé est trop gros."),
        429: lambda: _("Trop d'essais : patientez avant de réessayer."),
        500: lambda: _(
            "Une erreur inattendue s'est produite. Elle a été enregistrée dans le "
            "journal du serveur ; réessayez, puis prévenez le technicien."
        ),
    }
    for code, message in messages.items():

        def handler(error, code=code, message=message):
            if code == 500:
                log.exception("erreur interne sur %s", request.path)
            if api_core.is_api_request():
                return api_core.http_error(code, error)
            return render_template("errors/error.html", code=code, message=message()), code

        app.register_error_handler(code, handler)

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        if api_core.is_api_request() and error.code:
            return api_core.http_error(error.code, error)
        return error

    @app.errorhandler(Unavailable)
    @app.errorhandler(sqlite3.OperationalError)
    @app.errorhandler(OSError)
    def unavailable_error(error):
        plain = unavailable(error)
        if plain is None:
            raise error  # a bug: Flask's 500 path logs it
        return unavailable_response(plain)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if api_core.is_api_request():
            return api_core.csrf_error(error)
        msg = _(
            "Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page et recommencez."
        )
        return render_template("errors/error.html", code=400, message=msg), 400


def wants_json() -> bool:
    """True when the caller asked for JSON (an API call, a script) rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return request.path.startswith("/api/") or request.is_json or best == "application/json"


def unavailable_response(error: Unavailable):
    """A busy database (503) or a full disk (507), with Retry-After: a French page for a
    browser, a JSON body for an API call. Logged once, without a traceback: it is a state
    of the box, not a bug."""
    log.warning("%s sur %s : %s", type(error).__name__, request.path, error.__cause__ or error)
    message = _(error.message)
    if wants_json():
        # The API's error shape (`webui.api.core`), with the wait also in the body.
        code = "disk_full" if error.http_status == 507 else "busy"
        body = {
            "error": {"code": code, "message": message, "field": None},
            "retry_after": error.retry_after,
        }
        response = current_app.response_class(
            json.dumps(body, ensure_ascii=False),
            status=error.http_status,
            mimetype="application/json",
        )
    else:
        try:
            page = render_template("errors/error.html", code=error.http_status, message=message)
        except Exception:  # noqa: BLE001 - the page needs the database too; say it plainly
            page = f"<!doctype html><title>{error.http_status}</title><p>{escape(message)}</p>"
        response = current_app.response_class(page, status=error.http_status)
    response.headers["Retry-After"] = str(error.retry_after)
    return response
