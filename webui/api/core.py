"""The JSON API's machinery: `ApiBlueprint.api_route`, authentication, errors, validation.

An endpoint is one function with one decorator that says everything about it:

    bp = ApiBlueprint("api_timetable")          # its url_prefix is always /api/v1

    @bp.api_route("/lessons/<int:lesson_id>", "GET", action="timetable.view",
                  target=lambda lesson_id: lessons.get(conn(), lesson_id),
                  response=LESSON)
    def lesson(lesson_id):
        '''One lesson.'''                        # the summary in openapi.json
        return lessons.as_json(g.target)

The decorator authenticates the caller (a bearer token, or the session cookie: on GET
only, or with the CSRF header), asks the policy (`action`, `target`, as
`webui.access.requires`), parses and validates the query string (`query`) and the JSON
body (`request`) against their JSON Schemas, calls the view, and turns what it returns
into JSON with `status`. `/api/v1/openapi.json` is generated from these declarations
(`webui.api.openapi`). Every refusal is `{"error": {"code", "message", "field"}}`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from flask import Blueprint, Response, current_app, g, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError

from appliance.directory import people
from appliance.errors import CartableError, Conflict, NotFound, PolicyDenied, TooLarge
from appliance.i18n import N_
from appliance.security import policy
from webui.access import client_ip, conn
from webui.api import paging

API_PREFIX = "/api/v1"
# A JSON body larger than this is refused (413) before it is read; a route may say more.
MAX_BODY = 1024 * 1024
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# SQLite's integers: a larger id in a URL names nothing (and would not fit in a query).
_MAX_ID = 2**63 - 1

CODES = {
    400: "malformed",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "malformed",
    422: "invalid",
    429: "throttled",
    500: "internal_error",
    503: "busy",
    507: "disk_full",
}
MESSAGES = {
    400: N_("La demande n'a pas pu être comprise."),
    401: N_(
        "Authentification nécessaire : envoyez « Authorization: Bearer JETON » (un jeton "
        "personnel créé sur la page Mon compte)."
    ),
    403: N_("Vous n'avez pas le droit de faire cela."),
    404: N_("Rien ici (ou rien que vous puissiez voir)."),
    405: N_("Cette méthode n'est pas possible à cette adresse."),
    409: N_("Conflit : la ressource a changé ou est verrouillée."),
    413: N_("La demande est trop grosse."),
    415: N_("La demande n'a pas pu être comprise."),
    422: N_("Valeurs refusées."),
    429: N_("Trop d'essais : patientez avant de réessayer."),
    500: N_(
        "Une erreur inattendue s'est produite. Elle a été enregistrée dans le journal du "
        "serveur ; réessayez, puis prévenez le technicien."
    ),
}


class ApiError(Exception):
    """An API refusal: HTTP `status`, a snake_case `code`, a French `message` template
    (marked N_, translated when sent, with `params`), the `field` at fault and extra
    `headers` (Retry-After, WWW-Authenticate)."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
        values: Mapping[str, object] | None = None,
        **params: object,
    ):
        # `values`: a service error's own values, whatever their names (a message's
        # "%(code)s" is a class code, not this answer's code).
        params = {**(values or {}), **params}
        super().__init__(message or MESSAGES.get(status, ""))
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.template = message or MESSAGES.get(status, MESSAGES[400])
        self.field = field
        self.headers = dict(headers or {})
        self.params = params
        # The services' explained error gives the translation (French if it is broken).
        self.explained = CartableError(self.template, field=field, **params)

    def response(self) -> Response:
        return error_response(
            self.status,
            self.code,
            self.explained.translated(gettext),
            field=self.field,
            headers=self.headers,
        )


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None):
    """`data` as a UTF-8 JSON answer (characters kept as they are, not \\u-escaped)."""
    body = "" if status == 204 else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The one shape of every API error: {"error": {"code", "message", "field"}}."""
    body = {"error": {"code": code, "message": message, "field": field}}
    return json_response(body, status, headers)


def is_api_request() -> bool:
    """True for a request under /api/ (answered in JSON, even a 404 or a 500)."""
    return is_api_path(request.path)


def is_api_path(path: str) -> bool:
    return path == "/api" or path.startswith("/api/")


def http_error(status: int, error: Exception | None = None) -> Response:
    """The JSON answer for an HTTP error met outside a view's own refusals (an unknown
    path, a wrong method, a body too large, a crash)."""
    headers = {}
    allow = getattr(error, "valid_methods", None)
    if status == 405 and allow:
        headers["Allow"] = ", ".join(sorted(allow))
    return ApiError(status, headers=headers).response()


def csrf_error(_error: CSRFError) -> Response:
    return ApiError(
        400,
        "csrf_failed",
        N_(
            "Jeton CSRF absent ou faux : une demande qui change quelque chose avec le cookie "
            "de session doit porter l'en-tête X-CSRFToken (ou utilisez un jeton Bearer)."
        ),
    ).response()


def _from_service_error(exc: CartableError) -> ApiError:
    """A service's explained error as an API refusal, keeping its message and field."""
    status = 422
    if isinstance(exc, NotFound):
        status = 404
    elif isinstance(exc, PolicyDenied):
        status = 403
    elif isinstance(exc, Conflict):
        status = 409
    elif isinstance(exc, TooLarge):
        status = 413
    # A service's error may name its own code (`api_code`: "period_locked").
    code = getattr(exc, "api_code", None)
    return ApiError(status, code, message=exc.template, field=exc.field, values=exc.params)


# --- who is calling ---------------------------------------------------------------------


def _bearer_person(header: str) -> dict:
    from webui.auth import throttle_settings

    scheme, _, value = header.strip().partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="cartable"'}
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(
            401,
            "unauthenticated",
            N_("En-tête Authorization mal formé : écrivez « Authorization: Bearer JETON »."),
            headers=challenge,
        )
    result = people.person_of_token(conn(), value.strip(), client_ip(), throttle_settings())
    if result.status == "throttled":
        raise ApiError(
            429,
            message=N_("Trop de jetons faux depuis cette adresse : attendez %(n)s secondes."),
            headers={"Retry-After": str(max(1, result.retry_after))},
            n=max(1, result.retry_after),
        )
    if result.status != "ok" or result.row is None:
        raise ApiError(
            401,
            "bad_token",
            N_("Jeton inconnu, expiré ou révoqué, ou compte désactivé."),
            headers={"WWW-Authenticate": 'Bearer realm="cartable", error="invalid_token"'},
        )
    return result.row


def _authenticate() -> dict:
    """The calling person (also put in `g.person`), or raise ApiError (401, 400, 403, 429).

    A bearer token wins over a cookie (a token request needs no CSRF token: it carries
    no ambient credential a page of another site could borrow).
    """
    header = request.headers.get("Authorization")
    if header is not None:
        person = g.person = _bearer_person(header)
        g.api_auth = "token"
        return person
    person = g.get("person")
    if person is None:
        raise ApiError(401, headers={"WWW-Authenticate": 'Bearer realm="cartable"'})
    g.api_auth = "cookie"
    if request.method not in SAFE_METHODS:
        current_app.extensions["csrf"].protect()  # raises CSRFError, answered by csrf_error
    if person["must_change_password"] or policy.totp_required(
        person, current_app.extensions["cartable.box"].config["security.admin_totp_required"]
    ):
        raise ApiError(
            403,
            "account_setup_required",
            N_("Terminez d'abord la configuration de votre compte dans le portail."),
        )
    return person


# --- the request's query string and body ----------------------------------------------------

_INTEGER = re.compile(r"^-?[0-9]{1,19}$")  # SQLite's integers: 19 digits at most
_NUMBER = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$")


def _convert(name: str, raw: str, schema: Mapping[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        if not _INTEGER.match(raw):
            raise ApiError(
                400, message=N_("Nombre entier attendu pour %(name)s."), field=name, name=name
            )
        value = int(raw)
        if not -(2**63) <= value <= _MAX_ID:
            raise ApiError(
                400, message=N_("Nombre entier attendu pour %(name)s."), field=name, name=name
            )
        return value
    if kind == "number":
        if not _NUMBER.match(raw):
            raise ApiError(400, message=N_("Nombre attendu pour %(name)s."), field=name, name=name)
        return float(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ApiError(
                400, message=N_("true ou false attendu pour %(name)s."), field=name, name=name
            )
        return raw == "true"
    return raw


def _read_query(spec: ApiSpec) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, schema in spec.query_params().items():
        raw = request.args.getlist(name)
        if not raw:
            if "default" in schema:
                values[name] = schema["default"]
            continue
        if len(raw) > 1:
            raise ApiError(
                400,
                message=N_("Le paramètre %(name)s est donné plusieurs fois."),
                field=name,
                name=name,
            )
        values[name] = _convert(name, raw[0], schema)
    try:
        key = (id(spec), tuple(sorted((k, type(v).__name__, v) for k, v in values.items())))
        hash(key)
    except TypeError:  # a value that is not a plain scalar: checked every time
        key = None
    held = _VALID_QUERIES.get(key) if key is not None else None
    if held is not spec:
        _validate(_query_schema(spec), values)
        if key is not None:
            if len(_VALID_QUERIES) >= _MAX_VALID_QUERIES:
                _VALID_QUERIES.clear()
            _VALID_QUERIES[key] = spec
    return values


# Query strings already found valid, by endpoint and converted values: the same week, the
# same period or the same folder is asked again and again, and the schema's answer for the
# same values is the same (jsonschema's walk costs about a tenth of a small request).
_MAX_VALID_QUERIES = 4096
_VALID_QUERIES: dict[tuple, ApiSpec] = {}


# The query string's schema of each endpoint, built once (kept with its spec).
_QUERY_SCHEMAS: dict[int, tuple[ApiSpec, dict[str, Any]]] = {}


def _query_schema(spec: ApiSpec) -> dict[str, Any]:
    found = _QUERY_SCHEMAS.get(id(spec))
    if found is None or found[0] is not spec:
        required = [n for n in spec.required_query if n in spec.query_params()]
        schema = {"type": "object", "properties": dict(spec.query_params()), "required": required}
        found = _QUERY_SCHEMAS[id(spec)] = (spec, schema)
    return found[1]


def _read_body(spec: ApiSpec) -> Any:
    limit = spec.max_body or MAX_BODY
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise ApiError(413)
    mimetype = request.mimetype or ""
    if raw and mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(400, message=N_("Envoyez un corps JSON (Content-Type: application/json)."))
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(
            400, message=N_("Le corps de la demande n'est pas du JSON valide.")
        ) from None
    if data is None and not raw:
        raise ApiError(400, message=N_("Le corps de la demande est vide : du JSON est attendu."))
    _validate(spec.request, data)
    return data


@functools.lru_cache(maxsize=256)
def _validator(schema_text: str) -> jsonschema.protocols.Validator:
    schema = json.loads(schema_text)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


# Validators by the schema object they check (kept with it, so that its id stays its own):
# a schema is written out as JSON once, not on every request.
_VALIDATORS: dict[int, tuple[Mapping[str, Any], jsonschema.protocols.Validator]] = {}


def _validate(schema: Mapping[str, Any] | None, data: Any) -> None:
    """Raise ApiError 422 naming the first field whose value the schema refuses."""
    if schema is None:
        return
    held = _VALIDATORS.get(id(schema))
    if held is None or held[0] is not schema:
        held = _VALIDATORS[id(schema)] = (schema, _validator(json.dumps(schema, sort_keys=True)))
    validator = held[1]
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    path = [str(p) for p in error.absolute_path]
    rule = str(error.validator)
    if rule == "required" and isinstance(error.validator_value, list):
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in error.validator_value if name not in present]
        needed = ".".join([*path, missing[0]]) if missing else ".".join(path)
        raise ApiError(
            422, message=N_("Le champ %(name)s est obligatoire."), field=needed, name=needed
        )
    name: str | None = ".".join(path) or None
    if rule == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set((error.schema or {}).get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        name = ".".join([*path, extra[0]]) if extra else name
        raise ApiError(422, message=N_("Champ inconnu : %(name)s."), field=name, name=name)
    if rule == "type":
        raise ApiError(
            422,
            message=N_("Le champ %(name)s n'a pas le bon type (%(type)s attendu)."),
            field=name,
            name=name or "(corps)",
            type=json.dumps(error.validator_value),
        )
    raise ApiError(
        422,
        message=N_("Valeur refusée pour %(name)s (règle %(rule)s)."),
        field=name,
        name=name or "(corps)",
        rule=rule,
    )


# --- the declaration ------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiSpec:
    """What an endpoint declares; `webui.api.openapi` writes the description from it."""

    rule: str
    method: str
    action: str | None
    status: int = 200
    request: Mapping[str, Any] | None = None
    # A multipart/form-data body (files), described only: the view reads request.files.
    form: Mapping[str, Any] | None = None
    response: Mapping[str, Any] | None = None
    query: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    required_query: tuple[str, ...] = ()
    paginated: bool = False
    targeted: bool = False
    errors: tuple[int, ...] = ()
    max_body: int | None = None
    tag: str = ""
    # The success answer's media type: JSON, or a file the view returns as a Response.
    produces: str = "application/json"

    def query_params(self) -> dict[str, Mapping[str, Any]]:
        """The query parameters, the pagination's (`limit`, `cursor`) included."""
        return {**self.query, **(paging.QUERY if self.paginated else {})}

    def response_schema(self) -> Mapping[str, Any] | None:
        if self.paginated and self.response is not None:
            return paging.list_schema(self.response)
        return self.response


class ApiBlueprint(Blueprint):
    """A blueprint of JSON API endpoints under /api/v1 (declare each with `api_route`).

    The web app exempts it from the page's CSRF check: `api_route` makes its own (a cookie
    request that changes something must carry the X-CSRFToken header).
    """

    def __init__(self, name: str, import_name: str | None = None, *, tag: str = "") -> None:
        super().__init__(name, import_name or __name__, url_prefix=API_PREFIX)
        self.tag = tag or name

    def api_route(
        self,
        rule: str,
        method: str = "GET",
        *,
        action: str | None,
        target: Callable[..., Mapping[str, Any]] | None = None,
        request: Mapping[str, Any] | None = None,
        form: Mapping[str, Any] | None = None,
        response: Mapping[str, Any] | None = None,
        query: Mapping[str, Mapping[str, Any]] | None = None,
        required_query: tuple[str, ...] = (),
        status: int | None = None,
        paginated: bool = False,
        errors: tuple[int, ...] = (),
        max_body: int | None = None,
        endpoint: str | None = None,
        produces: str = "application/json",
    ) -> Callable:
        """Declare a JSON endpoint (see the module doc).

        `action`: the policy's action (None: public, no authentication); `target`, given
        the URL's arguments, returns the thing the action is about (the view finds it in
        `g.target`) or raises NotFound: refused or absent both answer 404. `request`: the
        JSON Schema of the body, validated before the view (given as `body=`); `query`:
        name → JSON Schema of each query parameter (given as `query=`, a dict, defaults
        filled in), `required_query` the ones that must be there; `form`: the schema of a
        multipart/form-data body (files), for the description only: the view reads
        `request.files` itself, streamed; `paginated`: the view
        is given `page=` (a `paging.PageRequest`) and returns `page.answer(...)`, and
        `response` is then the schema of one item. `status`: the success status (201 for
        a creation, 204 for a deletion: the view returns None). `errors`: statuses the view
        may answer besides the usual ones (409, 413). The view returns a dict or list
        (sent as JSON with `status`) or a Response; `produces` names the media type of a
        file it returns instead ("application/pdf"), for the description.
        """
        method = method.upper()
        if status is None:
            status = {"POST": 201, "DELETE": 204}.get(method, 200)
        spec = ApiSpec(
            rule=rule,
            method=method,
            action=action,
            status=status,
            request=request,
            form=form,
            response=response,
            query=dict(query or {}),
            required_query=tuple(required_query),
            paginated=paginated,
            targeted=target is not None,
            errors=tuple(errors),
            max_body=max_body,
            tag=self.tag,
            produces=produces,
        )

        def decorate(view: Callable) -> Callable:
            @functools.wraps(view)
            def wrapper(**kwargs):
                try:
                    return _call(view, spec, target, kwargs)
                except ApiError as exc:
                    return exc.response()
                except CartableError as exc:
                    return _from_service_error(exc).response()

            wrapper.api_spec = spec  # type: ignore[attr-defined]
            wrapper.required_action = action  # type: ignore[attr-defined]
            self.add_url_rule(rule, endpoint or view.__name__, wrapper, methods=[method])
            return wrapper

        return decorate


def _call(view: Callable, spec: ApiSpec, target, kwargs: dict) -> Any:
    if any(isinstance(v, int) and not 0 <= v <= _MAX_ID for v in kwargs.values()):
        raise ApiError(404)
    if spec.action is not None:
        person = _authenticate()
        thing = None
        if target is not None:
            try:
                thing = target(**kwargs)
            except NotFound:
                raise ApiError(404) from None
        if not policy.may(person, spec.action, thing, conn=conn()):
            raise ApiError(404 if target is not None else 403)
        g.target = thing
    extra: dict[str, Any] = {}
    if spec.query_params():
        values = _read_query(spec)
        if spec.paginated:
            extra["page"] = paging.PageRequest.from_query(values)
            values = {k: v for k, v in values.items() if k not in paging.QUERY}
        if spec.query:
            extra["query"] = values
    if spec.request is not None:
        extra["body"] = _read_body(spec)
    result = view(**kwargs, **extra)
    if isinstance(result, Response):
        return result
    if spec.status == 204:
        return json_response(None, 204)
    if current_app.testing and spec.response_schema() is not None:
        # Tests check what every endpoint sends against what it declares.
        jsonschema.validate(result.data if isinstance(result, Encoded) else result,
                            spec.response_schema())  # fmt: skip
    if isinstance(result, Encoded):
        return current_app.response_class(str(result), status=spec.status,
                                          mimetype="application/json")  # fmt: skip
    return json_response(result, spec.status)


class Encoded(str):
    """An answer already written as JSON (`encoded(data)`), e.g. kept by a service's cache
    so that a popular answer is not serialised again on every call; `data` is what it
    says, for the tests' schema check."""

    data: Any

    def __new__(cls, text: str, data: Any) -> Encoded:
        self = super().__new__(cls, text)
        self.data = data
        return self


def encoded(data: Any) -> Encoded:
    """`data` written once as the API writes JSON (UTF-8 characters kept, compact)."""
    return Encoded(json.dumps(data, ensure_ascii=False, separators=(",", ":")), data)


def register(app) -> None:
    """Exempt the API blueprints from the page CSRF check (the API makes its own)."""
    csrf = app.extensions["csrf"]
    for bp in app.blueprints.values():
        if isinstance(bp, ApiBlueprint):
            csrf.exempt(bp)
