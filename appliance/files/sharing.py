"""Sharing documents read-only, and the class and group folders a person opens.

A file or folder is shared with a class or a group (its students read it: whoever shares
must teach it or be one of its members, or be staff) or with named people (whom the
communication rules let the sharer write to: `appliance.community.rules.check`). Those it
is shared with read it and download it; they never change it. A share lasts until it is
taken back or the thing is deleted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from appliance.community import recipients, rules
from appliance.db import now_iso, one, rows
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.files import nodes
from appliance.i18n import N_
from appliance.security import policy
from appliance.security.audit import Actor, audited

MAX_LOGINS = 200


def audience(conn: sqlite3.Connection, kind: str, code: str) -> dict[str, Any]:
    """A class or group named by its code: {"kind", "id", "code", "name"}; NotFound."""
    if kind not in ("class", "group"):
        raise CartableError(N_("« class » ou « group » attendu."), field="audience.kind")
    table = "school_class" if kind == "class" else "teaching_group"
    found = one(
        conn,
        f"SELECT id, code, name FROM {table} WHERE code = ? AND retired_at IS NULL",  # noqa: S608
        ((code or "").strip(),),
    )
    if found is None:
        raise NotFound(N_("Aucune classe ni groupe n'a le code %(code)s."), code=code)
    return {"kind": kind, **found}


def share_with_audience(
    conn: sqlite3.Connection,
    actor: Actor,
    person: Mapping[str, Any],
    thing: Mapping[str, Any],
    group: Mapping[str, Any],
) -> dict[str, Any]:
    """Share `thing` read-only with a class or group; PolicyDenied when the person may
    not share with it (they do not teach it, are not one of its members, nor staff)."""
    if not policy.may(person, "files.share.audience", group, conn):
        raise PolicyDenied(
            N_("Vous ne pouvez partager qu'avec vos classes et vos groupes."), field="audience"
        )
    return _add(conn, actor, thing, [(group["kind"], group["id"])])


def share_with_people(
    conn: sqlite3.Connection,
    actor: Actor,
    person: Mapping[str, Any],
    thing: Mapping[str, Any],
    logins: Sequence[str],
) -> dict[str, Any]:
    """Share `thing` with the people named by login, each of whom the communication rules
    must let the person write to (rules.Refused names the rule; nothing is shared)."""
    wanted = list(dict.fromkeys(str(x).strip().lower() for x in logins if str(x).strip()))
    if not wanted:
        raise CartableError(N_("Nommez au moins une personne."), field="logins")
    if len(wanted) > MAX_LOGINS:
        raise CartableError(
            N_("%(max)s personnes au plus : partagez avec une classe."), field="logins",
            max=MAX_LOGINS,
        )  # fmt: skip
    people = [recipients.person_by_login(conn, login) for login in wanted]
    people = [p for p in people if p["id"] != person["id"]]
    rules.check(conn, person, people)
    return _add(conn, actor, thing, [("person", p["id"]) for p in people])


def _add(
    conn: sqlite3.Connection,
    actor: Actor,
    thing: Mapping[str, Any],
    audiences: Sequence[tuple[str, int]],
) -> dict[str, Any]:
    node = thing["node"]
    if node["parent_id"] is None:
        raise CartableError(N_("Le dossier principal ne se partage pas."), field="id")
    stamp = now_iso()
    with audited(conn, actor, "files.share", target=f"file:{node['id']}") as entry:
        conn.executemany(
            "INSERT OR IGNORE INTO file_share (node_id, audience_kind, audience_id, shared_by, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            [(node["id"], kind, aid, actor.id, stamp) for kind, aid in audiences],
        )
        entry.details = {"with": [f"{k}:{i}" for k, i in audiences]}
    return nodes.get(conn, node["id"])


def unshare(
    conn: sqlite3.Connection, actor: Actor, thing: Mapping[str, Any], kind: str, code: str
) -> dict[str, Any]:
    """Take back a share (`kind` class, group or person, `code` its code or login)."""
    node = thing["node"]
    table = {"class": "school_class", "group": "teaching_group", "person": "person"}.get(kind)
    if table is None:
        raise CartableError(N_("« class », « group » ou « person » attendu."), field="kind")
    column = "login" if kind == "person" else "code"
    found = one(conn, f"SELECT id FROM {table} WHERE {column} = ?", (code,))  # noqa: S608
    if found is not None:
        with audited(conn, actor, "files.unshare", target=f"file:{node['id']}") as entry:
            conn.execute(
                "DELETE FROM file_share WHERE node_id = ? AND audience_kind = ? "
                "AND audience_id = ?",
                (node["id"], kind, found["id"]),
            )
            entry.details = {"with": f"{kind}:{code}"}
    return nodes.get(conn, node["id"])


def shared_with_me(
    conn: sqlite3.Connection, person: Mapping[str, Any], *, limit: int = 200
) -> list[dict[str, Any]]:
    """The live documents shared with the person, or with their classes and groups
    (newest first), with who shared them."""
    pid = person["id"]
    found = rows(
        conn,
        "SELECT DISTINCT n.id, n.name, n.kind, n.size, n.mime, n.modified_at, s.created_at AS "
        "shared_at, p.first_name || ' ' || p.last_name AS shared_by FROM file_share s "
        "JOIN file_node n ON n.id = s.node_id LEFT JOIN person p ON p.id = s.shared_by "
        "WHERE n.trashed_at IS NULL AND ((s.audience_kind = 'person' AND s.audience_id = ?) "
        "OR (s.audience_kind = 'class' AND s.audience_id IN "
        "(SELECT class_id FROM class_membership WHERE person_id = ?)) "
        "OR (s.audience_kind = 'group' AND s.audience_id IN "
        "(SELECT group_id FROM group_membership WHERE person_id = ?))) "
        "ORDER BY s.created_at DESC, n.id DESC LIMIT ?",
        (pid, pid, pid, limit),
    )
    # A thing inside a folder that went to the trash is gone for its readers too.
    return [f for f in found if not nodes.target(conn, f["id"])["trashed"]]


def class_spaces(conn: sqlite3.Connection, person: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The classes and groups whose folders the person opens: those they teach or are a
    member of, and a parent's children's (whose folders show what teachers opened to
    parents). [{"kind", "id", "code", "name", "writer"}], by code."""
    pid = person["id"]
    found = rows(
        conn,
        "SELECT 'class' AS kind, c.id, c.code, c.name, 1 AS writer FROM teaching t "
        "JOIN school_class c ON c.id = t.class_id WHERE t.teacher_id = ? UNION "
        "SELECT 'group', g.id, g.code, g.name, 1 FROM teaching t "
        "JOIN teaching_group g ON g.id = t.group_id WHERE t.teacher_id = ? UNION "
        "SELECT 'class', c.id, c.code, c.name, 0 FROM class_membership m "
        "JOIN school_class c ON c.id = m.class_id WHERE m.person_id = ? UNION "
        "SELECT 'group', g.id, g.code, g.name, 0 FROM group_membership m "
        "JOIN teaching_group g ON g.id = m.group_id WHERE m.person_id = ? UNION "
        "SELECT 'class', c.id, c.code, c.name, 0 FROM guardian_link l "
        "JOIN class_membership m ON m.person_id = l.student_id "
        "JOIN school_class c ON c.id = m.class_id WHERE l.guardian_id = ? AND l.level = 1 "
        "UNION SELECT 'group', g.id, g.code, g.name, 0 FROM guardian_link l "
        "JOIN group_membership m ON m.person_id = l.student_id "
        "JOIN teaching_group g ON g.id = m.group_id WHERE l.guardian_id = ? AND l.level = 1 "
        "ORDER BY 1, 3",
        (pid, pid, pid, pid, pid, pid),
    )
    merged: dict[tuple[str, int], dict[str, Any]] = {}
    for f in found:
        key = (f["kind"], f["id"])
        if key in merged:
            merged[key]["writer"] = merged[key]["writer"] or f["writer"]
        else:
            merged[key] = {**f, "writer": bool(f["writer"])}
    return list(merged.values())
