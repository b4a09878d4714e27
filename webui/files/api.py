"""The documents' JSON API (issue 14), over the same services and policy as the pages:

- `GET /api/v1/files?folder=ID` (default: your root) → `{"folder", "items": [{"id", "name",
  "kind", "size", "type", "modified", "shared_with"}], "quota": {"used", "limit"}}`, a page
  of 100 items (`limit`, and `next` → `cursor` for the following page)
- `POST /api/v1/files` multipart (`folder` field, `file` part) → 201 the file; 413
  `quota_exceeded` (nothing kept) or `too_large`
- `POST /api/v1/files/folders` `{"parent", "name"}` → 201 the folder; 409 when the name is taken
- `GET /api/v1/files/{id}/content`: the content (an attachment for anything that could run)
- `PATCH /api/v1/files/{id}` `{"name"?, "parent"?}` → 200; `DELETE` → 204 (to the trash)
- `POST /api/v1/files/{id}/share` `{"audience": {"kind", "code"}}` or `{"logins": [...]}` →
  200 the document
- `GET /api/v1/classes/{kind}:{code}/files`: the class's or group's folder (a parent sees
  the folders its teachers opened to parents)
"""

from __future__ import annotations

from typing import Any

from flask import g

from appliance.errors import CartableError, NotFound
from appliance.files import nodes, quota, sharing
from appliance.i18n import N_
from appliance.security import policy
from webui import uploads
from webui.access import actor, box, conn, current_person
from webui.api import ApiBlueprint, ApiError
from webui.api import paging as api_paging
from webui.files import send_content, thing

bp = ApiBlueprint("files_api", __name__, tag="files")

_ID = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_CODE = {"type": "string", "minLength": 1, "maxLength": 64}
ITEM = {
    "type": "object",
    "required": ["id", "name", "kind", "size", "type", "modified", "shared_with"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "kind": {"enum": ["file", "folder"]},
        "size": {"type": ["integer", "null"], "description": "Octets (null : un dossier)."},
        "type": {"type": ["string", "null"], "description": "Type trouvé d'après le contenu."},
        "modified": {"type": ["string", "null"]},
        "shared_with": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["kind", "code", "name"],
                "properties": {
                    "kind": {"enum": ["class", "group", "person"]},
                    "code": {"type": ["string", "null"], "description": "Code ou identifiant."},
                    "name": {"type": ["string", "null"]},
                },
            },
        },
    },
}
FOLDER = {
    "type": "object",
    "required": ["id", "name", "parent", "path", "space", "writable"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "parent": {"type": ["integer", "null"]},
        "path": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
            },
        },
        "space": {"enum": ["person", "class", "group"]},
        "writable": {"type": "boolean"},
        "parents_read": {"type": "boolean"},
    },
}
QUOTA = {
    "type": "object",
    "required": ["used", "limit"],
    "properties": {"used": {"type": "integer"}, "limit": {"type": "integer"}},
}
LISTING = {
    "type": "object",
    "required": ["folder", "items", "quota"],
    "properties": {
        "folder": FOLDER,
        "items": {"type": "array", "items": ITEM},
        "quota": QUOTA,
        "next": {"type": "string", "description": "Présent quand le dossier continue."},
    },
}
_LIST_QUERY = {
    "folder": {**_ID, "description": "Le dossier (par défaut : votre dossier principal)."},
    **api_paging.QUERY,
}
UPLOAD = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "folder": {**_ID, "description": "Le dossier (par défaut : votre dossier principal)."},
        "file": {"type": "string", "format": "binary"},
    },
}
NEW_FOLDER = {
    "type": "object",
    "required": ["name"],
    "additionalProperties": False,
    "properties": {"parent": _ID, "name": _NAME},
}
CHANGE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"name": _NAME, "parent": _ID},
}
SHARE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "audience": {
            "type": "object",
            "required": ["kind", "code"],
            "additionalProperties": False,
            "properties": {"kind": {"enum": ["class", "group"]}, "code": _CODE},
        },
        "logins": {
            "type": "array",
            "items": _CODE,
            "minItems": 1,
            "maxItems": sharing.MAX_LOGINS,
        },
    },
}


def _readable(node_id: int) -> dict[str, Any]:
    """The node's target when the caller may read it; 404 otherwise (absent or hidden)."""
    try:
        target = thing(node_id)
    except NotFound:
        raise ApiError(404) from None
    if not policy.may(current_person(), "files.read", target, conn()):
        raise ApiError(404)
    return target


def _writable_folder(node_id: int | None, field: str) -> dict[str, Any]:
    if node_id is None:
        return thing(nodes.personal_root(conn(), current_person())["id"])
    target = _readable(node_id)
    if not policy.may(current_person(), "files.write", target, conn()):
        raise ApiError(403, message=N_("Vous ne pouvez pas écrire dans ce dossier."), field=field)
    if target["node"]["kind"] != "folder":
        raise ApiError(422, message=N_("Ce document n'est pas un dossier."), field=field)
    return target


def _folder_json(target: dict[str, Any]) -> dict[str, Any]:
    node = target["node"]
    return {
        "id": node["id"],
        "name": node["name"],
        "parent": node["parent_id"],
        "path": [{"id": a["id"], "name": a["name"]} for a in target["ancestors"]],
        "space": node["space_kind"],
        "writable": policy.may(current_person(), "files.write", target, conn()),
        "parents_read": bool(target["parents_read"]),
    }


def _listing(target: dict[str, Any], query: dict[str, Any], *, parents_only: bool = False):
    page = api_paging.PageRequest.from_query(query)
    after = page.after
    if after is not None and not (
        len(after) == 3 and isinstance(after[0], str) and isinstance(after[1], str)
        and isinstance(after[2], int)
    ):  # fmt: skip
        # A cursor of another list (well formed, not this one's key): a wrong value.
        raise ApiError(
            422,
            "bad_cursor",
            N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )
    found = nodes.children(
        conn(), target["node"]["id"], limit=page.fetch, after=after, parents_only=parents_only
    )
    answer = page.answer(found, key=lambda n: [n["kind"], n["name_key"], n["id"]])
    usage = quota.usage(conn(), box().config, current_person())
    return {
        "folder": _folder_json(target),
        "items": [nodes.as_json(n) for n in answer["items"]],
        "quota": usage.as_json(),
        **({"next": answer["next"]} if "next" in answer else {}),
    }


@bp.api_route("/files", "GET", action="files.use", query=_LIST_QUERY, response=LISTING,
              errors=(404,))  # fmt: skip
def listing(query: dict[str, Any]):
    """A folder's content (folders first, then by name), and your quota."""
    folder_id = query.get("folder")
    if folder_id is None:
        target = thing(nodes.personal_root(conn(), current_person())["id"])
    else:
        target = _readable(folder_id)
        if target["node"]["kind"] != "folder":
            raise ApiError(422, message=N_("Ce document n'est pas un dossier."), field="folder")
    return _listing(target, query)


@bp.api_route("/files", "POST", action="files.use", form=UPLOAD, response=ITEM,
              errors=(404, 409, 413))  # fmt: skip
@uploads.streamed("files_api.upload")
def upload():
    """Deposit a file (multipart: `folder`, `file`): 201 with it; 413 `quota_exceeded`."""
    from flask import request

    parts = uploads.writers("file")
    raw = request.form.get("folder", "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 18):
        raise ApiError(422, message=N_("Nombre entier attendu pour %(name)s."), field="folder",
                       name="folder")  # fmt: skip
    if len(parts) != 1:
        raise ApiError(422, message=N_("Envoyez un fichier (la partie « file »)."), field="file")
    folder = _writable_folder(int(raw) if raw else None, "folder")
    name, writer = parts[0]
    made = nodes.add_file(conn(), actor(), box().config, current_person(), folder, name, writer)
    return nodes.as_json(made)


@bp.api_route("/files/folders", "POST", action="files.use", request=NEW_FOLDER,
              response=ITEM, errors=(404, 409))  # fmt: skip
def folder_create(body: dict[str, Any]):
    """A new folder (in `parent`, by default your root): 201; 409 when the name is taken."""
    parent = _writable_folder(body.get("parent"), "parent")
    made = nodes.create_folder(conn(), actor(), parent, body["name"])
    return nodes.as_json(made)


@bp.api_route("/files/<int:node_id>/content", "GET", action="files.read", target=thing,
              produces="application/octet-stream")  # fmt: skip
def content(node_id: int):
    """A file's content (Content-Disposition: attachment for anything that could run)."""
    if g.target["node"]["kind"] != "file":
        raise ApiError(422, message=N_("Ce document est un dossier."), field="id")
    try:
        return send_content(g.target["node"])
    except NotFound:
        raise ApiError(404) from None


@bp.api_route("/files/<int:node_id>", "PATCH", action="files.write", target=thing,
              request=CHANGE, response=ITEM, errors=(409,))  # fmt: skip
def update(node_id: int, body: dict[str, Any]):
    """Rename (`name`) or move (`parent`, a folder of the same space) a document."""
    target = g.target
    if "parent" in body:
        folder = _writable_folder(body["parent"], "parent")
        nodes.move(conn(), actor(), target, folder)
        target = thing(node_id)
    if "name" in body:
        nodes.rename(conn(), actor(), target, body["name"])
    return nodes.as_json(nodes.get(conn(), node_id))


@bp.api_route("/files/<int:node_id>", "DELETE", action="files.write", target=thing)
def delete(node_id: int):
    """Put a document (and what a folder holds) in the trash, for `files.trash_days`."""
    if g.target["in_trash"]:
        raise ApiError(404)
    nodes.delete(conn(), actor(), g.target)


@bp.api_route("/files/<int:node_id>/share", "POST", action="files.write", target=thing,
              request=SHARE, response=ITEM, status=200)  # fmt: skip
def share(node_id: int, body: dict[str, Any]):
    """Share read-only with a class or group (`audience`) or named people (`logins`, whom
    the communication rules let you write to: 403 `communication_rule` otherwise)."""
    person = current_person()
    if g.target["trashed"]:
        raise ApiError(404)
    if "audience" in body:
        group = sharing.audience(conn(), body["audience"]["kind"], body["audience"]["code"])
        sharing.share_with_audience(conn(), actor(), person, g.target, group)
    if "logins" in body:
        sharing.share_with_people(conn(), actor(), person, g.target, body["logins"])
    return nodes.as_json(nodes.get(conn(), node_id))


def _class_space(kind: str, code: str) -> dict[str, Any]:
    if kind not in ("class", "group"):
        raise NotFound(N_("Aucune classe ni groupe n'a le code %(code)s."), code=code)
    try:
        return sharing.audience(conn(), kind, code)
    except CartableError:
        raise NotFound(N_("Aucune classe ni groupe n'a le code %(code)s."), code=code) from None


@bp.api_route("/classes/<kind>:<code>/files", "GET", action="files.space.open",
              target=_class_space, query=_LIST_QUERY, response=LISTING)  # fmt: skip
def class_files(kind: str, code: str, query: dict[str, Any]):
    """The folder of a class or group (`class:5A`, `group:5AESP2`); `folder` opens one of
    its folders. Its teachers and students read it; parents what its teachers opened to them."""
    space = g.target
    root = thing(nodes.root(conn(), space["kind"], space["id"])["id"])
    folder_id = query.get("folder")
    target = root if folder_id is None else _readable(folder_id)
    if (target["node"]["space_kind"], target["node"]["space_id"]) != (space["kind"], space["id"]):
        raise ApiError(404)
    if target["node"]["kind"] != "folder":
        raise ApiError(422, message=N_("Ce document n'est pas un dossier."), field="folder")
    if policy.may(current_person(), "files.read", target, conn()):
        return _listing(target, query)
    if folder_id is not None:
        raise ApiError(404)
    return _listing(target, query, parents_only=True)
