"""Documents: the folders and files of a space (a person's, a class's, a group's).

A space is a tree of `file_node` rows under one root folder, made the first time the
space is opened (`root`). A file's content is a stored blob (`appliance.blobs`): its name
is only a label, cleaned by `blobs.safe_name`, never a path on the disk. Two things of a
folder never share a name (an upload takes "nom (2).ext"; a rename or a new folder with a
taken name is refused).

Every write is one transaction with its audit row. An upload is streamed into the store
first (`blobs.Writer`, by the web layer), then `add_file` counts it in the uploader's
quota (`quota.charge`: refused with QuotaExceeded, nothing written) and only then puts the
content under its name in the store, before the commit.

Deleting puts a node (and what it holds) in the trash; `restore` brings it back (to the
root when its folder is gone), `purge` deletes it for good (the quota is freed by the
table's trigger), and `purge_trash` empties what has been there `files.trash_days` days.
What a person may do to a node is the policy's (`files.read`, `files.write`: the
relations `file_reader`, `file_writer`), asked of `target()`.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance import blobs, timefmt
from appliance.db import now_iso, one, rows, transaction
from appliance.errors import CartableError, Conflict, NotFound
from appliance.files import quota
from appliance.i18n import N_
from appliance.security.audit import Actor, audited

PAGE_SIZE = 100
MAX_DEPTH = 20
SPACE_KINDS = ("person", "class", "group")

Node = dict[str, Any]

# The columns a listing and the API show; `shared_with` as a JSON array, in the same query.
_SHARES = (
    "(SELECT CASE WHEN count(*) > 0 THEN json_group_array(json_object('kind', s.audience_kind, "
    "'code', coalesce(c.code, g.code, p.login), "
    "'name', coalesce(c.name, g.name, p.first_name || ' ' || p.last_name))) END "
    "FROM file_share s "
    "LEFT JOIN school_class c ON s.audience_kind = 'class' AND c.id = s.audience_id "
    "LEFT JOIN teaching_group g ON s.audience_kind = 'group' AND g.id = s.audience_id "
    "LEFT JOIN person p ON s.audience_kind = 'person' AND p.id = s.audience_id "
    "WHERE s.node_id = n.id)"
)
_LISTED = (
    "n.id, n.kind, n.name, n.name_key, n.size, n.mime, n.modified_at, n.parents_read, "
    f"{_SHARES} AS shares"
)
_COLUMNS = (
    "n.id, n.space_kind, n.space_id, n.parent_id, n.kind, n.name, n.name_key, n.sha256, "
    "n.size, n.mime, n.owner_id, n.parents_read, n.created_at, n.modified_at, n.trashed_at, "
    f"{_SHARES} AS shares"
)


def fold(name: str) -> str:
    """The key of a name: case and accents folded ("Été.PDF" and "ete.pdf" are one name)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def clean_name(name: str | None, kind: str = "file") -> str:
    """A label for a name a person gave (no folders, control characters, NUL, reserved
    names: `blobs.safe_name`); CartableError when nothing is left of it."""
    if not (name or "").strip():
        raise CartableError(N_("Donnez un nom."), field="name")
    return blobs.safe_name(name, "dossier" if kind == "folder" else "document")


def _node(conn: sqlite3.Connection, node_id: int) -> Node | None:
    found = one(conn, f"SELECT {_COLUMNS} FROM file_node n WHERE n.id = ?", (node_id,))
    if found is not None:
        found["shares"] = json.loads(found["shares"] or "[]")
    return found


def _not_found(node_id: object) -> NotFound:
    return NotFound(N_("Aucun document n'a le numéro %(id)s."), id=node_id)


def get(conn: sqlite3.Connection, node_id: int) -> Node:
    found = _node(conn, node_id)
    if found is None:
        raise _not_found(node_id)
    return found


def path(conn: sqlite3.Connection, node_id: int) -> list[dict[str, Any]]:
    """The node's folders from the root down to it: [{"id", "name", "parents_read",
    "trashed_at"}], the node itself last."""
    found = rows(
        conn,
        "WITH RECURSIVE up(id, parent_id, name, parents_read, trashed_at, depth) AS ("
        "SELECT id, parent_id, name, parents_read, trashed_at, 0 FROM file_node WHERE id = ? "
        "UNION ALL SELECT n.id, n.parent_id, n.name, n.parents_read, n.trashed_at, up.depth + 1 "
        "FROM file_node n JOIN up ON n.id = up.parent_id WHERE up.depth < 64) "
        "SELECT id, name, parents_read, trashed_at FROM up ORDER BY depth DESC",
        (node_id,),
    )
    return found


def target(conn: sqlite3.Connection, node_id: int) -> dict[str, Any]:
    """The node as the policy's target ({"kind": "file_node", "id", "space_kind",
    "space_id", "owner_id", "path": [ids], "parents_read", "trashed"}) with the node
    itself in "node"; raises NotFound."""
    node = get(conn, node_id)
    up = path(conn, node_id)
    return {
        "kind": "file_node",
        "id": node["id"],
        "space_kind": node["space_kind"],
        "space_id": node["space_id"],
        "owner_id": node["owner_id"],
        "path": [p["id"] for p in up],
        "parents_read": any(p["parents_read"] for p in up),
        "trashed": any(p["trashed_at"] for p in up),
        "in_trash": node["trashed_at"] is not None,
        "node": node,
        "ancestors": up[:-1],
    }


def _space_name(conn: sqlite3.Connection, kind: str, space_id: int) -> str:
    if kind == "person":
        return "Mes documents"
    table = "school_class" if kind == "class" else "teaching_group"
    found = one(conn, f"SELECT code, name FROM {table} WHERE id = ?", (space_id,))  # noqa: S608
    if found is None:
        raise NotFound(N_("Aucune classe ni groupe n'a le numéro %(id)s."), id=space_id)
    return found["name"] or found["code"]


def root(conn: sqlite3.Connection, kind: str, space_id: int) -> Node:
    """The root folder of a space, made the first time it is opened."""
    if kind not in SPACE_KINDS:
        raise ValueError(kind)
    found = one(
        conn,
        "SELECT id FROM file_node WHERE space_kind = ? AND space_id = ? AND parent_id IS NULL",
        (kind, space_id),
    )
    if found is None:
        name = _space_name(conn, kind, space_id)
        stamp = now_iso()
        with transaction(conn):
            conn.execute(
                "INSERT OR IGNORE INTO file_node (space_kind, space_id, parent_id, kind, name, "
                "name_key, owner_id, created_at, modified_at) "
                "VALUES (?, ?, NULL, 'folder', ?, ?, ?, ?, ?)",
                (kind, space_id, name, fold(name), space_id if kind == "person" else None,
                 stamp, stamp),
            )  # fmt: skip
        found = one(
            conn,
            "SELECT id FROM file_node WHERE space_kind = ? AND space_id = ? AND parent_id IS NULL",
            (kind, space_id),
        )
        assert found is not None
    return get(conn, found["id"])


def personal_root(conn: sqlite3.Connection, person: Mapping[str, Any]) -> Node:
    return root(conn, "person", int(person["id"]))


# --- reading ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8192)
def local_minute(stamp: str | None) -> str | None:
    """ "2026-12-03T09:06:00+00:00" (stored, UTC) → "2026-12-03T10:06" (the school's zone),
    as the API writes times; a listing converts a hundred of them per page."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(timefmt.zone()).strftime("%Y-%m-%dT%H:%M")


def as_json(node: Node) -> dict[str, Any]:
    """A node as the API gives it: {"id", "name", "kind", "size", "type", "modified",
    "shared_with"}."""
    return {
        "id": node["id"],
        "name": node["name"],
        "kind": node["kind"],
        "size": node["size"] if node["kind"] == "file" else None,
        "type": node["mime"] if node["kind"] == "file" else None,
        "modified": local_minute(node["modified_at"]),
        "shared_with": [
            {"kind": s["kind"], "code": s["code"], "name": s["name"]}
            for s in node.get("shares") or []
        ],
    }


def count_children(conn: sqlite3.Connection, folder_id: int, *, parents_only: bool = False) -> int:
    """How many live things the folder holds (`parents_only`: the folders opened to
    parents, what a parent sees of a class's root)."""
    extra = " AND parents_read = 1" if parents_only else ""
    found = conn.execute(
        f"SELECT count(*) FROM file_node WHERE parent_id = ? AND trashed_at IS NULL{extra}",
        (folder_id,),
    ).fetchone()
    return int(found[0])


def space(conn: sqlite3.Connection, kind: str, space_id: int) -> dict[str, Any]:
    """A class or group whose folder is asked for: {"kind", "id", "code", "name"}; NotFound."""
    table = {"class": "school_class", "group": "teaching_group"}.get(kind)
    found = None
    if table is not None:
        found = one(conn, f"SELECT id, code, name FROM {table} WHERE id = ?", (space_id,))  # noqa: S608
    if found is None:
        raise NotFound(N_("Aucune classe ni groupe n'a le numéro %(id)s."), id=space_id)
    return {"kind": kind, **found}


def folders_of_space(conn: sqlite3.Connection, kind: str, space_id: int) -> list[dict[str, Any]]:
    """The live folders of a space (where a thing may be moved), with their path's names."""
    found = rows(
        conn,
        "WITH RECURSIVE tree(id, label, depth) AS (SELECT id, name, 0 FROM file_node "
        "WHERE space_kind = ? AND space_id = ? AND parent_id IS NULL UNION ALL "
        "SELECT n.id, tree.label || ' / ' || n.name, tree.depth + 1 FROM file_node n "
        "JOIN tree ON n.parent_id = tree.id WHERE n.kind = 'folder' AND n.trashed_at IS NULL "
        "AND tree.depth < 64) SELECT id, label FROM tree ORDER BY label LIMIT 1000",
        (kind, space_id),
    )
    return found


def children(
    conn: sqlite3.Connection,
    folder_id: int,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    after: list[Any] | None = None,
    parents_only: bool = False,
) -> list[Node]:
    """A page of the folder's live things, folders first, then by name: one indexed query
    (`file_node_children`). `after` is the key [kind, name_key, id] of the last item of
    the previous page (the API's cursor); `offset` the pages' number."""
    where = "n.parent_id = ? AND n.trashed_at IS NULL"
    params: list[object] = [folder_id]
    if parents_only:
        where += " AND n.parents_read = 1"
    if after is not None:
        kind, key, last_id = (str(after[0]), str(after[1]), int(after[2]))
        where += (
            " AND (n.kind < ? OR (n.kind = ? AND (n.name_key > ? "
            "OR (n.name_key = ? AND n.id > ?))))"
        )
        params += [kind, kind, key, key, last_id]
    cur = conn.execute(
        f"SELECT {_LISTED} FROM file_node n WHERE {where} "
        "ORDER BY n.kind DESC, n.name_key, n.id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    # Plain tuples made dicts by hand: a page of 100 is read on every visit.
    return [
        {"id": r[0], "kind": r[1], "name": r[2], "name_key": r[3], "size": r[4], "mime": r[5],
         "modified_at": r[6], "parents_read": r[7], "shares": json.loads(r[8]) if r[8] else []}
        for r in cur.fetchall()
    ]  # fmt: skip


def trash(conn: sqlite3.Connection, space_kind: str, space_id: int) -> list[Node]:
    """What the space's trash holds (the things deleted themselves, not their contents),
    newest first."""
    found = rows(
        conn,
        f"SELECT {_COLUMNS} FROM file_node n WHERE n.space_kind = ? AND n.space_id = ? "
        "AND n.trashed_at IS NOT NULL ORDER BY n.trashed_at DESC, n.id DESC LIMIT 500",
        (space_kind, space_id),
    )
    for node in found:
        node["shares"] = json.loads(node["shares"] or "[]")
    return found


# --- writing ------------------------------------------------------------------------------


def _taken(conn: sqlite3.Connection, folder_id: int, key: str, but: int | None = None) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM file_node WHERE parent_id = ? AND name_key = ? AND trashed_at IS NULL "
            "AND id IS NOT ?",
            (folder_id, key, but),
        ).fetchone()
        is not None
    )


def _free_name(conn: sqlite3.Connection, folder_id: int, name: str) -> str:
    """`name`, or "name (2).ext", "name (3).ext"… the first one the folder does not have."""
    if not _taken(conn, folder_id, fold(name)):
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, dot, ext = name, "", ""
    for n in range(2, 10_000):
        candidate = blobs.safe_name(f"{stem} ({n}){dot}{ext}")
        if not _taken(conn, folder_id, fold(candidate)):
            return candidate
    raise Conflict(N_("Ce dossier a trop de fichiers nommés %(name)s."), field="name", name=name)


def _refuse_taken(conn: sqlite3.Connection, folder_id: int, name: str, but: int | None) -> None:
    if _taken(conn, folder_id, fold(name), but):
        raise Conflict(
            N_("Ce dossier contient déjà un élément nommé « %(name)s »."), field="name", name=name
        )


def _folder(folder: Mapping[str, Any]) -> Node:
    node = folder.get("node", folder)
    if node["kind"] != "folder":
        raise CartableError(N_("Ce document n'est pas un dossier."), field="folder")
    if folder.get("trashed") or node.get("trashed_at"):
        raise _not_found(node["id"])
    return dict(node)


def _depth_ok(folder: Mapping[str, Any]) -> None:
    if len(folder.get("path") or []) >= MAX_DEPTH:
        raise CartableError(
            N_("Trop de dossiers les uns dans les autres (%(max)s au plus)."),
            field="parent",
            max=MAX_DEPTH,
        )


def create_folder(
    conn: sqlite3.Connection, actor: Actor, folder: Mapping[str, Any], name: str | None
) -> Node:
    """A new folder in `folder` (a `target()`); Conflict when the name is taken."""
    parent = _folder(folder)
    _depth_ok(folder)
    label = clean_name(name, "folder")
    stamp = now_iso()
    with audited(conn, actor, "files.folder_create") as entry:
        _refuse_taken(conn, parent["id"], label, None)
        cur = conn.execute(
            "INSERT INTO file_node (space_kind, space_id, parent_id, kind, name, name_key, "
            "owner_id, created_at, modified_at) VALUES (?, ?, ?, 'folder', ?, ?, ?, ?, ?)",
            (parent["space_kind"], parent["space_id"], parent["id"], label, fold(label),
             actor.id, stamp, stamp),
        )  # fmt: skip
        node_id = int(cur.lastrowid or 0)
        entry.target = f"file:{node_id}"
        entry.details = {"parent": parent["id"]}
    return get(conn, node_id)


def add_file(
    conn: sqlite3.Connection,
    actor: Actor,
    config_values: Mapping[str, Any],
    uploader: Mapping[str, Any],
    folder: Mapping[str, Any],
    name: str | None,
    writer: blobs.Writer,
) -> Node:
    """Record the content `writer` streamed (not yet placed) as a file of `folder`, named
    `name` (or "name (2)" when taken), counted in `uploader`'s quota.

    Raises blobs.TooLarge (past files.max_upload_mb) or quota.QuotaExceeded, and then
    nothing is left: no row, no charge, no file in the store."""
    try:
        parent = _folder(folder)
        blob = writer.finish()
        label = blobs.safe_name(name, "document")
        stamp = now_iso()
        with audited(conn, actor, "files.upload") as entry:
            final = _free_name(conn, parent["id"], label)
            blobs.record(conn, blob)
            cur = conn.execute(
                "INSERT INTO file_node (space_kind, space_id, parent_id, kind, name, name_key, "
                "sha256, size, mime, owner_id, created_at, modified_at) "
                "VALUES (?, ?, ?, 'file', ?, ?, ?, ?, ?, ?, ?, ?)",
                (parent["space_kind"], parent["space_id"], parent["id"], final, fold(final),
                 blob.sha256, blob.size, blob.mime, uploader["id"], stamp, stamp),
            )  # fmt: skip
            node_id = int(cur.lastrowid or 0)
            quota.charge(conn, config_values, uploader, blob.size, kind="document", ref=node_id)
            conn.execute("UPDATE file_node SET modified_at = ? WHERE id = ?", (stamp, parent["id"]))
            # Under its name in the store before the commit: a row never names a missing
            # content (a rollback after this leaves a stray file the weekly clean-up takes).
            writer.place()
            entry.target = f"file:{node_id}"
            entry.details = {"bytes": blob.size, "type": blob.mime, "parent": parent["id"]}
    finally:
        writer.discard()
    return get(conn, node_id)


def rename(
    conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any], name: str | None
) -> Node:
    node = thing["node"]
    if node["parent_id"] is None:
        raise CartableError(N_("Le dossier principal ne se renomme pas."), field="name")
    label = clean_name(name, node["kind"])
    with audited(conn, actor, "files.rename", target=f"file:{node['id']}") as entry:
        _refuse_taken(conn, node["parent_id"], label, node["id"])
        conn.execute(
            "UPDATE file_node SET name = ?, name_key = ?, modified_at = ? WHERE id = ?",
            (label, fold(label), now_iso(), node["id"]),
        )
        entry.details = {"from": node["name"], "to": label}
    return get(conn, node["id"])


def move(
    conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any], folder: Mapping[str, Any]
) -> Node:
    """Move `thing` into `folder` (a `target()` of the same space; not into itself)."""
    node = thing["node"]
    parent = _folder(folder)
    if node["parent_id"] is None:
        raise CartableError(N_("Le dossier principal ne se déplace pas."), field="parent")
    if (parent["space_kind"], parent["space_id"]) != (node["space_kind"], node["space_id"]):
        raise CartableError(
            N_("Un document se déplace dans le même espace (copiez-le pour le donner ailleurs)."),
            field="parent",
        )
    if node["id"] in folder.get("path", []):
        raise CartableError(N_("Un dossier ne va pas dans lui-même."), field="parent")
    _depth_ok(folder)
    with audited(conn, actor, "files.move", target=f"file:{node['id']}") as entry:
        _refuse_taken(conn, parent["id"], node["name"], node["id"])
        conn.execute(
            "UPDATE file_node SET parent_id = ?, modified_at = ? WHERE id = ?",
            (parent["id"], now_iso(), node["id"]),
        )
        entry.details = {"from": node["parent_id"], "to": parent["id"]}
    return get(conn, node["id"])


def set_parents_read(
    conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any], on: bool
) -> Node:
    """A folder of a class or group: its students' parents read it too (or no longer)."""
    node = thing["node"]
    if node["kind"] != "folder" or node["space_kind"] == "person":
        raise CartableError(
            N_("Seul un dossier de classe ou de groupe s'ouvre aux parents."), field="parents"
        )
    with audited(conn, actor, "files.parents_read", target=f"file:{node['id']}") as entry:
        conn.execute("UPDATE file_node SET parents_read = ? WHERE id = ?", (int(on), node["id"]))
        entry.details = {"parents": bool(on)}
    return get(conn, node["id"])


def delete(conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any]) -> Node:
    """Put the node, and what it holds, in the trash."""
    node = thing["node"]
    if node["parent_id"] is None:
        raise CartableError(N_("Le dossier principal ne se supprime pas."), field="id")
    if node["trashed_at"] is None:
        with audited(conn, actor, "files.trash", target=f"file:{node['id']}") as entry:
            conn.execute(
                "UPDATE file_node SET trashed_at = ?, trashed_by = ? WHERE id = ?",
                (now_iso(), actor.id, node["id"]),
            )
            entry.details = {"name": node["name"], "kind": node["kind"]}
    return get(conn, node["id"])


def restore(conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any]) -> Node:
    """Bring a node back from the trash, where it was (to the space's root when its folder
    is in the trash too), under a free name."""
    node = thing["node"]
    if node["trashed_at"] is None:
        return get(conn, node["id"])
    parent_id = node["parent_id"]
    if any(a["trashed_at"] for a in thing.get("ancestors", [])):
        parent_id = root(conn, node["space_kind"], node["space_id"])["id"]
    with audited(conn, actor, "files.restore", target=f"file:{node['id']}") as entry:
        name = _free_name(conn, parent_id, node["name"])
        conn.execute(
            "UPDATE file_node SET trashed_at = NULL, trashed_by = NULL, parent_id = ?, name = ?, "
            "name_key = ? WHERE id = ?",
            (parent_id, name, fold(name), node["id"]),
        )
        entry.details = {"to": parent_id}
    return get(conn, node["id"])


def purge(conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any]) -> None:
    """Delete a node of the trash for good, with what it holds (its space freed)."""
    node = thing["node"]
    if node["trashed_at"] is None:
        raise CartableError(N_("Mettez d'abord ce document à la corbeille."), field="id")
    with audited(conn, actor, "files.purge", target=f"file:{node['id']}") as entry:
        entry.details = {"name": node["name"], "bytes": _bytes_under(conn, node["id"])}
        conn.execute("DELETE FROM file_node WHERE id = ?", (node["id"],))


def _bytes_under(conn: sqlite3.Connection, node_id: int) -> int:
    found = conn.execute(
        "WITH RECURSIVE down(id) AS (SELECT ? UNION ALL SELECT n.id FROM file_node n "
        "JOIN down ON n.parent_id = down.id) "
        "SELECT COALESCE(SUM(f.size), 0) FROM file_node f JOIN down ON f.id = down.id "
        "WHERE f.kind = 'file'",
        (node_id,),
    ).fetchone()
    return int(found[0])


def purge_trash(conn: sqlite3.Connection, days: int, *, now: datetime | None = None) -> int:
    """Delete for good what has been in a trash more than `days` days (the nightly job),
    in short transactions; returns how many things were deleted (their contents with them)."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).replace(microsecond=0)
    deleted = 0
    while True:
        with transaction(conn):
            cur = conn.execute(
                "DELETE FROM file_node WHERE id IN (SELECT id FROM file_node "
                "WHERE trashed_at IS NOT NULL AND trashed_at < ? LIMIT 500)",
                (cutoff.isoformat(),),
            )
        deleted += cur.rowcount
        if cur.rowcount < 500:
            return deleted


def trash_days_left(node: Node, days: int) -> int:
    """Days before a thing of the trash is deleted for good."""
    since = datetime.fromisoformat(node["trashed_at"])
    left = since + timedelta(days=days) - datetime.now(UTC)
    return max(0, -(-int(left.total_seconds()) // 86400))
