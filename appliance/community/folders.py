"""A person's own message folders (at most `MAX_FOLDERS`), beside inbox, sent, drafts and
trash."""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_

MAX_FOLDERS = 10
MAX_NAME = 60

Person = dict[str, Any]


def list_folders(conn: sqlite3.Connection, person: Person) -> list[dict[str, Any]]:
    """The person's folders by name, each with how many messages it holds."""
    return rows(
        conn,
        "SELECT f.id, f.name, (SELECT count(*) FROM message_box b WHERE b.folder = 'own' "
        "AND b.folder_id = f.id) AS count FROM message_folder f WHERE f.owner_id = ? "
        "ORDER BY f.name COLLATE NOCASE",
        (person["id"],),
    )


def get_folder(conn: sqlite3.Connection, person: Person, folder_id: int) -> dict[str, Any]:
    found = one(
        conn,
        "SELECT id, name FROM message_folder WHERE id = ? AND owner_id = ?",
        (folder_id, person["id"]),
    )
    if found is None:
        raise NotFound(N_("Aucun dossier ne s'appelle « %(name)s »."), name=folder_id)
    return found


def _clean_name(conn: sqlite3.Connection, person: Person, name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CartableError(N_("Donnez un nom au dossier."), field="name")
    if len(name) > MAX_NAME:
        raise CartableError(
            N_("Le nom d'un dossier a %(max)s caractères au plus."), field="name", max=MAX_NAME
        )
    if name.lower() in ("inbox", "sent", "drafts", "trash", "réception", "envoyés", "brouillons",
                        "corbeille"):  # fmt: skip
        raise CartableError(
            N_("« %(name)s » est le nom d'un dossier de la messagerie : choisissez-en un autre."),
            field="name",
            name=name,
        )
    if scalar(
        conn,
        "SELECT 1 FROM message_folder WHERE owner_id = ? AND lower(name) = lower(?)",
        (person["id"], name),
    ):
        raise CartableError(N_("Vous avez déjà un dossier « %(name)s »."), field="name", name=name)
    return name


def create_folder(conn: sqlite3.Connection, person: Person, name: str) -> int:
    """A new folder of the person's; raises CartableError past MAX_FOLDERS, for an empty,
    too long or already used name."""
    with transaction(conn):
        name = _clean_name(conn, person, name)
        have = scalar(
            conn, "SELECT count(*) FROM message_folder WHERE owner_id = ?", (person["id"],)
        )
        if have >= MAX_FOLDERS:
            raise CartableError(
                N_("Vous avez déjà %(max)s dossiers : supprimez-en un avant d'en créer un autre."),
                field="name",
                max=MAX_FOLDERS,
            )
        cur = conn.execute(
            "INSERT INTO message_folder (owner_id, name, created_at) VALUES (?, ?, ?)",
            (person["id"], name, now_iso()),
        )
    assert cur.lastrowid is not None
    return int(cur.lastrowid)


def rename_folder(conn: sqlite3.Connection, person: Person, folder_id: int, name: str) -> None:
    folder = get_folder(conn, person, folder_id)
    if " ".join((name or "").split()) == folder["name"]:
        return
    with transaction(conn):
        name = _clean_name(conn, person, name)
        conn.execute("UPDATE message_folder SET name = ? WHERE id = ?", (name, folder_id))


def delete_folder(conn: sqlite3.Connection, person: Person, folder_id: int) -> int:
    """Delete a folder; its messages go back to the inbox (or sent). Returns how many."""
    get_folder(conn, person, folder_id)
    with transaction(conn):
        cur = conn.execute(
            "UPDATE message_box SET folder = CASE role WHEN 'sender' THEN 'sent' ELSE 'inbox' END, "
            "folder_id = NULL WHERE folder = 'own' AND folder_id = ?",
            (folder_id,),
        )
        conn.execute(
            "UPDATE message_box SET folder_id = NULL, trashed_from = CASE role WHEN 'sender' "
            "THEN 'sent' ELSE 'inbox' END WHERE folder = 'trash' AND folder_id = ?",
            (folder_id,),
        )
        conn.execute("DELETE FROM message_folder WHERE id = ?", (folder_id,))
    return cur.rowcount
