"""`/api/v1/openapi.json`: the OpenAPI 3.1 description, generated from the app's routes.

Every view declared with `ApiBlueprint.api_route` carries its `ApiSpec`; this module
walks the app's URL map and writes one operation per declaration: its path and query
parameters, its request body and success answer (the declared JSON Schemas, 2020-12, the
dialect of OpenAPI 3.1), and the error answers it may give, all in the one error shape.
Nothing here is written by hand per endpoint.
"""

from __future__ import annotations

import inspect
import re
from importlib import metadata
from typing import Any

from flask import Flask

from webui.api.core import API_PREFIX, MESSAGES, ApiSpec

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "description": "La raison, en snake_case."},
                "message": {"type": "string", "description": "Une phrase pour une personne."},
                "field": {
                    "type": ["string", "null"],
                    "description": "Le champ ou paramètre en cause, s'il y en a un.",
                },
            },
        }
    },
}
_ERROR_WORDS = {
    400: "Demande mal formée (JSON illisible, paramètre mal écrit, en-tête CSRF absent).",
    401: "Pas de jeton, ou jeton inconnu, expiré, révoqué ; compte désactivé.",
    403: "La politique d'accès refuse.",
    404: "Rien ici, ou rien que vous puissiez voir.",
    409: "Conflit (période verrouillée, version dépassée).",
    413: "Trop gros (corps de la demande, quota).",
    422: "JSON valide, valeurs refusées (le champ est nommé).",
    429: "Trop d'essais : attendre Retry-After secondes.",
}
_CONVERTERS = {
    "int": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1},
    "string": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "default": {"type": "string", "minLength": 1, "pattern": "^[^/]+$"},
    "path": {"type": "string", "minLength": 1},
}
_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def document(app: Flask, script_root: str = "") -> dict[str, Any]:
    """The OpenAPI document of every API endpoint of `app` (paths relative to /api/v1)."""
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        view = app.view_functions.get(rule.endpoint)
        spec: ApiSpec | None = getattr(view, "api_spec", None)
        if spec is None or not rule.rule.startswith(API_PREFIX):
            continue
        path, parameters = _path(rule.rule[len(API_PREFIX) :])
        operation = _operation(rule.endpoint, view, spec, parameters)
        paths.setdefault(path, {})[spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cartable",
            "version": _version(),
            "description": (
                "L'API JSON de Cartable. Authentification : « Authorization: Bearer JETON » "
                "(jeton personnel : page Mon compte, ou `cartable token create`), ou le "
                "cookie de session du portail (GET seulement, sinon avec l'en-tête "
                'X-CSRFToken). Erreurs : {"error": {"code", "message", "field"}}.'
            ),
        },
        "servers": [{"url": script_root + API_PREFIX}],
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "cartable"},
            },
        },
        "security": [{"bearer": []}, {"cookie": []}],
    }


def _version() -> str:
    try:
        return metadata.version("cartable")
    except metadata.PackageNotFoundError:
        return "0"


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """An OpenAPI path (`/me/tokens/{token_id}`) and its path parameters."""
    parameters = []
    for converter, name in _ARGUMENT.findall(rule):
        schema = _CONVERTERS.get(converter or "default", _CONVERTERS["default"])
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule), parameters


def _operation(
    endpoint: str, view: Any, spec: ApiSpec, parameters: list[dict[str, Any]]
) -> dict[str, Any]:
    doc = inspect.getdoc(view) or endpoint
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {
        "operationId": endpoint,
        "summary": summary.strip(),
        "tags": [spec.tag],
        "parameters": list(parameters),
        "responses": _responses(spec, bool(parameters)),
    }
    if description.strip():
        operation["description"] = description.strip()
    for name, schema in spec.query_params().items():
        operation["parameters"].append(
            {
                "name": name,
                "in": "query",
                "required": name in spec.required_query,
                "schema": {k: v for k, v in schema.items() if k != "description"},
                **({"description": schema["description"]} if "description" in schema else {}),
            }
        )
    if spec.request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": dict(spec.request)}},
        }
    elif spec.form is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": dict(spec.form)}},
        }
    if spec.action is None:
        operation["security"] = []
    return operation


def _responses(spec: ApiSpec, has_path_params: bool) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Réussi."}
    schema = spec.response_schema()
    if spec.status != 204 and spec.produces != "application/json":
        success["content"] = {spec.produces: {"schema": {"type": "string", "format": "binary"}}}
    elif spec.status != 204:
        success["content"] = {"application/json": {"schema": dict(schema or {})}}
    out: dict[str, Any] = {str(spec.status): success}
    statuses = set(spec.errors)
    if spec.action is not None:
        statuses |= {401, 403, 429}
    has_body = spec.request is not None or spec.form is not None
    if spec.query_params() or has_body or spec.method not in ("GET", "HEAD"):
        statuses |= {400, 422}
    if has_body:
        statuses.add(413)
    if has_path_params or spec.targeted:
        statuses.add(404)
    for status in sorted(statuses):
        answer: dict[str, Any] = {
            "description": _ERROR_WORDS.get(status, MESSAGES.get(status, "")),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        if status == 429:
            answer["headers"] = {
                "Retry-After": {
                    "description": "Secondes à attendre.",
                    "schema": {"type": "integer"},
                }
            }
        out[str(status)] = answer
    return out
