"""A person's documents in their RGPD export (`appliance.directory.export`): every folder
and file of their space and those they put in a class's or group's folder (with its path,
size, type, SHA-256, dates, trash and shares), and what counts in their quota. The
contents themselves are downloaded from the portal ("Mes documents")."""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import rows
from appliance.files import nodes


def collect(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    found = rows(
        conn,
        "SELECT id, space_kind, space_id, kind, name, size, mime, sha256, created_at, "
        "modified_at, trashed_at FROM file_node WHERE owner_id = ? "
        "OR (space_kind = 'person' AND space_id = ?) ORDER BY id",
        (person_id, person_id),
    )
    documents = []
    for node in found:
        up = nodes.path(conn, node["id"])
        shares = rows(
            conn,
            "SELECT s.audience_kind AS kind, coalesce(c.code, g.code, p.login) AS code, "
            "s.created_at FROM file_share s "
            "LEFT JOIN school_class c ON s.audience_kind = 'class' AND c.id = s.audience_id "
            "LEFT JOIN teaching_group g ON s.audience_kind = 'group' AND g.id = s.audience_id "
            "LEFT JOIN person p ON s.audience_kind = 'person' AND p.id = s.audience_id "
            "WHERE s.node_id = ? ORDER BY s.created_at",
            (node["id"],),
        )
        documents.append({
            "path": "/".join(p["name"] for p in up),
            "kind": node["kind"], "name": node["name"], "size": node["size"],
            "type": node["mime"], "sha256": node["sha256"], "space": node["space_kind"],
            "created_at": node["created_at"], "modified_at": node["modified_at"],
            "trashed_at": node["trashed_at"], "shared_with": shares,
        })  # fmt: skip
    charges = rows(
        conn,
        "SELECT kind, ref, bytes, created_at FROM file_charge WHERE owner_id = ? ORDER BY id",
        (person_id,),
    )
    return {
        "documents": documents,
        "quota": {"used": sum(c["bytes"] for c in charges), "counted": charges},
    }


def files(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """The RGPD export's files of the documents (`Feature.exports`)."""
    return {"files.json": collect(conn, person_id)}
