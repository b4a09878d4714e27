"""A person's mailbox: the folders, reading a message, moving and deleting copies, search.

Each person holds their own copy of a message (`message_box`): the sender's in sent (or
drafts), each recipient's in the inbox. Folders are `inbox`, `sent`, `drafts`, `trash`
and the person's own (an id of `message_folder`). A copy in the trash is deleted for good
after `messages.trash_days` (the worker's `messages.trash` job) or when the person
deletes it there; a message nobody holds any more is deleted with it (a trigger).

What a recipient sees of the others: the lists the message was sent to by name ("Parents
de 5A") and themselves, never the other people (as in Bcc), unless the sender chose
"réponse à tous" for a small group. The sender sees who read it, for at most
`SMALL_GROUP` recipients.

Every function takes the person who asks and only ever touches that person's copies: a
message id that is not in their mailbox is NotFound, whether it exists or not.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance.community import recipients
from appliance.community.text import like_pattern, preview, with_fold
from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_, Label

SYSTEM_FOLDERS = ("inbox", "sent", "drafts", "trash")
# Read receipts and "réponse à tous" are for a small group: at most this many recipients.
SMALL_GROUP = 50
PAGE_SIZE = 25
_CHUNK = 500  # ids per IN (...) query
# A purged sender's messages stay with their recipients under this name.
FORMER_USER = N_("ancien utilisateur")

Person = dict[str, Any]


def not_found(message_id: object) -> NotFound:
    return NotFound(N_("Aucun message n'a le numéro %(message_id)s."), message_id=message_id)


def copy_of(conn: sqlite3.Connection, person: Person, message_id: int) -> dict[str, Any]:
    """The person's copy of a message with the message's fields; raises NotFound."""
    found = one(
        conn,
        "SELECT b.id AS box_id, b.role, b.folder, b.folder_id, b.read_at, b.trashed_from, "
        "b.trashed_at, b.delivered_at, m.* FROM message_box b JOIN message m "
        "ON m.id = b.message_id WHERE b.message_id = ? AND b.owner_id = ? "
        "ORDER BY b.role = 'sender' DESC LIMIT 1",
        (message_id, person["id"]),
    )
    if found is None:
        raise not_found(message_id)
    return found


def sender_of(conn: sqlite3.Connection, message: dict[str, Any]) -> dict[str, Any]:
    """{"id", "login", "name"} of who wrote it; a purged sender is "ancien utilisateur"
    (id and login None)."""
    if message.get("sender_id") is not None:
        p = one(
            conn,
            "SELECT id, login, first_name, last_name FROM person WHERE id = ?",
            (message["sender_id"],),
        )
        if p is not None:
            return {
                "id": p["id"],
                "login": p["login"],
                "name": f"{p['first_name']} {p['last_name']}",
            }
    return {"id": None, "login": None, "name": Label(FORMER_USER)}


def addresses(conn: sqlite3.Connection, message_id: int) -> list[dict[str, Any]]:
    """What the sender wrote in "À": [{"kind", "id" (login or list id), "name",
    "count" (a list's members), "person_id"}], in order."""
    return addresses_of(conn, [message_id])[int(message_id)]


def addresses_of(conn: sqlite3.Connection, message_ids: list[int]) -> dict[int, list[dict]]:
    """`addresses` of each of `message_ids` (message id → its "À" line), in one query per
    few hundred messages rather than one each (a listing of a folder)."""
    out: dict[int, list[dict[str, Any]]] = {int(i): [] for i in message_ids}
    ids = list(out)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found = rows(
            conn,
            "SELECT a.message_id, a.kind, a.person_id, a.list_id, a.members, p.login, "
            "p.first_name, p.last_name FROM message_address a LEFT JOIN person p ON "
            f"p.id = a.person_id WHERE a.message_id IN ({','.join('?' * len(chunk))}) "
            "ORDER BY a.message_id, a.position",
            chunk,
        )
        for a in found:
            out[a["message_id"]].append(_address(a))
    return out


def _address(a: dict[str, Any]) -> dict[str, Any]:
    if a["kind"] == "list":
        return {"kind": "list", "id": a["list_id"], "name": recipients.label(a["list_id"]),
                "count": a["members"], "person_id": None}  # fmt: skip
    if a["login"] is None:
        return {"kind": "person", "id": None, "name": Label(FORMER_USER), "person_id": None}
    return {"kind": "person", "id": a["login"], "person_id": a["person_id"],
            "name": f"{a['first_name']} {a['last_name']}"}  # fmt: skip


def recipient_people(conn: sqlite3.Connection, message_id: int) -> list[dict[str, Any]]:
    """Everyone who holds the message as a recipient, with their read state."""
    return rows(
        conn,
        "SELECT p.id, p.login, p.first_name || ' ' || p.last_name AS name, b.read_at "
        "FROM message_box b JOIN person p ON p.id = b.owner_id "
        "WHERE b.message_id = ? AND b.role = 'recipient' "
        "ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE",
        (message_id,),
    )


def visible_to(
    conn: sqlite3.Connection,
    person: Person,
    message: dict[str, Any],
    written: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The "À" line as this person may see it: the sender sees every address; with
    "réponse à tous", every recipient sees every recipient; otherwise a recipient sees the
    lists by name and themselves, not the other people. `written`: the message's
    `addresses` when the caller has read them already (`addresses_of`)."""
    if written is None:
        written = addresses(conn, message["id"])
    if message["role"] == "sender":
        return written
    if message["reply_all"]:
        return [
            {"kind": "person", "id": p["login"], "name": p["name"], "person_id": p["id"]}
            for p in recipient_people(conn, message["id"])
        ]
    shown = [a for a in written if a["kind"] == "list"]
    me = {"kind": "person", "id": person["login"], "person_id": person["id"],
          "name": f"{person['first_name']} {person['last_name']}"}  # fmt: skip
    if any(a["kind"] == "person" and a["person_id"] == person["id"] for a in written) or not shown:
        shown.append(me)
    return shown


def attachments_of(conn: sqlite3.Connection, message_id: int) -> list[dict[str, Any]]:
    return rows(
        conn,
        "SELECT id, name, size, mime, sha256 FROM message_attachment WHERE message_id = ? "
        "ORDER BY id",
        (message_id,),
    )


def read(conn: sqlite3.Connection, person: Person, message_id: int) -> dict[str, Any]:
    """The message as this person sees it, marking their copy read (a recipient's).

    Adds to the copy's fields: `sender`, `to` (`visible_to`), `attachments`, `thread` (the
    other messages of the conversation this person holds), and for the sender of a sent
    message `receipts` (who read it, for at most SMALL_GROUP recipients, else None) and
    `read_count`. Raises NotFound."""
    message = copy_of(conn, person, message_id)
    if message["role"] == "recipient" and message["read_at"] is None:
        stamp = now_iso()
        with transaction(conn):
            conn.execute(
                "UPDATE message_box SET read_at = ? WHERE id = ?", (stamp, message["box_id"])
            )
        message["read_at"] = stamp
    message["sender"] = sender_of(conn, message)
    message["to"] = visible_to(conn, person, message)
    message["attachments"] = attachments_of(conn, message_id)
    message["thread"] = thread(conn, person, message)
    message["receipts"], message["read_count"] = None, None
    if message["role"] == "sender" and message["sent_at"]:
        people = recipient_people(conn, message_id)
        message["read_count"] = sum(1 for p in people if p["read_at"])
        if message["recipient_count"] <= SMALL_GROUP:
            message["receipts"] = people
    return message


def thread(conn: sqlite3.Connection, person: Person, message: dict[str, Any]) -> list[dict]:
    """The other messages of the conversation in this person's mailbox, oldest first."""
    found = rows(
        conn,
        "SELECT DISTINCT m.id, m.subject, m.sent_at, m.sender_id, b.role, b.read_at "
        "FROM message m JOIN message_box b ON b.message_id = m.id AND b.owner_id = ? "
        "WHERE m.thread_id = ? AND m.id != ? AND m.sent_at IS NOT NULL "
        "AND b.folder != 'trash' ORDER BY m.sent_at, m.id",
        (person["id"], message["thread_id"], message["id"]),
    )
    for m in found:
        m["sender"] = sender_of(conn, m)
    return found


# --- folders' contents --------------------------------------------------------------------


def _folder_clause(conn: sqlite3.Connection, person: Person, folder: str | int) -> tuple[str, list]:
    if folder == "all":
        return "b.folder != 'trash'", []
    if folder in SYSTEM_FOLDERS:
        return "b.folder = ?", [folder]
    try:
        folder_id = int(folder)
    except (TypeError, ValueError):
        raise NotFound(N_("Aucun dossier ne s'appelle « %(name)s »."), name=folder) from None
    if not scalar(
        conn,
        "SELECT 1 FROM message_folder WHERE id = ? AND owner_id = ?",
        (folder_id, person["id"]),
    ):
        raise NotFound(N_("Aucun dossier ne s'appelle « %(name)s »."), name=folder)
    return "b.folder = 'own' AND b.folder_id = ?", [folder_id]


def list_folder(
    conn: sqlite3.Connection,
    person: Person,
    folder: str | int = "inbox",
    *,
    q: str = "",
    page: int = 1,
    size: int = PAGE_SIZE,
    offset: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A folder's messages, newest first, and how many in all: (items, total).

    `folder`: inbox, sent, drafts, trash, "all" (every folder but the trash) or the id of
    one of the person's own folders (NotFound otherwise). `q` keeps the messages whose
    subject, text or sender's name holds every word of it (accents and case ignored).
    Items: id, thread_id, subject, sender {login, name}, date, read, role, draft,
    recalled, has_attachments, preview, reply_all, delivered_at, to (the "À" line, for
    the sender's copies). Pages are `page` (of `size`), or the `size` items from
    `offset` when it is given.
    """
    where, params = _folder_clause(conn, person, folder)
    sql_from = (
        "FROM message_box b JOIN message m ON m.id = b.message_id "
        "LEFT JOIN person s ON s.id = m.sender_id "
        f"WHERE b.owner_id = ? AND {where}"
    )
    params = [person["id"], *params]
    for word in q.split():
        with_fold(conn)
        sql_from += (
            " AND (m.search_text LIKE ? ESCAPE '\\' OR "
            "cartable_fold(coalesce(s.first_name || ' ' || s.last_name, '')) LIKE ? ESCAPE '\\')"
        )
        params += [like_pattern(word)] * 2
    # Without a search the count is the folder's tally (`message_tally`, kept by triggers
    # on the copies): every copy has its message, and the sender's join keeps every row.
    if q.split():
        total = int(scalar(conn, f"SELECT count(*) {sql_from}", params) or 0)
    else:
        total = _tally_total(conn, person, folder)
    if offset is None:
        offset = (max(page, 1) - 1) * size
    found = rows(
        conn,
        "SELECT m.id, m.thread_id, m.subject, m.body_text, m.sent_at, m.updated_at, "
        "m.recalled_at, m.reply_all, m.sender_id, b.role, b.folder, b.read_at, b.delivered_at, "
        "s.login AS sender_login, s.first_name AS sender_first, s.last_name AS sender_last, "
        "EXISTS (SELECT 1 FROM message_attachment a WHERE a.message_id = m.id) AS has_attachments "
        # b.message_id is m.id: the order of the index message_box_listing, read no further
        # than the page
        f"{sql_from} ORDER BY b.delivered_at DESC, b.message_id DESC LIMIT ? OFFSET ?",
        [*params, size, offset],
    )
    sent = addresses_of(conn, [m["id"] for m in found if m["role"] == "sender"])
    items = []
    for m in found:
        sender = (
            {"login": m["sender_login"], "name": f"{m['sender_first']} {m['sender_last']}"}
            if m["sender_login"]
            else {"login": None, "name": Label(FORMER_USER)}
        )
        items.append({
            "id": m["id"],
            "thread_id": m["thread_id"],
            "subject": m["subject"],
            "sender": sender,
            "date": m["sent_at"] or m["updated_at"],
            "read": m["role"] == "sender" or m["read_at"] is not None,
            "role": m["role"],
            "folder": m["folder"],
            "draft": m["sent_at"] is None,
            "recalled": m["recalled_at"] is not None,
            "has_attachments": bool(m["has_attachments"]),
            "preview": preview(m["body_text"]),
            "reply_all": bool(m["reply_all"]),
            "delivered_at": m["delivered_at"],
            "to": sent[m["id"]] if m["role"] == "sender" else [],
        })  # fmt: skip
    return items, total


def _tally(conn: sqlite3.Connection, person: Person) -> list[dict[str, Any]]:
    return rows(
        conn,
        "SELECT box, copies, unread FROM message_tally WHERE owner_id = ? AND copies > 0",
        (person["id"],),
    )


def _tally_total(conn: sqlite3.Connection, person: Person, folder: str | int) -> int:
    """How many copies a folder holds (`_folder_clause`'s folders, checked by it)."""
    if folder == "all":
        return sum(t["copies"] for t in _tally(conn, person) if t["box"] != "trash")
    key = folder if folder in SYSTEM_FOLDERS else str(int(folder))
    return int(
        scalar(
            conn,
            "SELECT copies FROM message_tally WHERE owner_id = ? AND box = ?",
            (person["id"], key),
        )
        or 0
    )


def unread_count(conn: sqlite3.Connection, person: Person) -> int:
    """How many messages of the inbox the person has not opened."""
    return int(
        scalar(
            conn,
            "SELECT unread FROM message_tally WHERE owner_id = ? AND box = 'inbox'",
            (person["id"],),
        )
        or 0
    )


def counts(conn: sqlite3.Connection, person: Person) -> dict[str, int]:
    """Unread in the inbox, and how many copies each folder holds (own folders by id).

    Read from `message_tally` (one row a folder, kept by triggers on the copies:
    migration 0038), not from the copies."""
    out = {"unread": 0}
    for t in _tally(conn, person):
        out[t["box"]] = t["copies"]
        if t["box"] == "inbox":
            out["unread"] = t["unread"]
    return out


# --- moving and deleting --------------------------------------------------------------------


def _natural(copy: dict[str, Any]) -> str:
    if copy["role"] == "recipient":
        return "inbox"
    return "sent" if copy["sent_at"] else "drafts"


def move(conn: sqlite3.Connection, person: Person, message_id: int, to: str | int) -> str:
    """Move the person's copy: "trash", "back" (out of the trash or an own folder, to where
    it was or its natural folder: inbox, sent or drafts), or an own folder's id (a sent or
    received message only). Returns the folder it is now in."""
    copy = copy_of(conn, person, message_id)
    folder_id: int | None = None
    if to == "trash":
        if copy["folder"] == "trash":
            return "trash"
        with transaction(conn):
            conn.execute(
                "UPDATE message_box SET folder = 'trash', trashed_from = ?, trashed_at = ? "
                "WHERE id = ?",
                (copy["folder"], now_iso(), copy["box_id"]),
            )
        return "trash"
    if to == "back":
        if copy["folder"] == "trash" and copy["trashed_from"] == "own" and copy["folder_id"]:
            target, folder_id = "own", copy["folder_id"]
        else:
            target = _natural(copy)
    else:
        if copy["sent_at"] is None:
            raise CartableError(
                N_("Un brouillon reste dans les brouillons : envoyez-le ou supprimez-le."),
                field="folder",
            )
        _folder_clause(conn, person, to)  # raises NotFound for a folder not theirs
        target, folder_id = "own", int(to)
    with transaction(conn):
        conn.execute(
            "UPDATE message_box SET folder = ?, folder_id = ?, trashed_from = NULL, "
            "trashed_at = NULL WHERE id = ?",
            (target, folder_id, copy["box_id"]),
        )
    return target


def delete(conn: sqlite3.Connection, person: Person, message_id: int) -> str:
    """Put the copy in the trash; from the trash, delete it for good. Returns "trash" or
    "deleted"."""
    copy = copy_of(conn, person, message_id)
    if copy["folder"] != "trash":
        return move(conn, person, message_id, "trash")
    with transaction(conn):
        conn.execute("DELETE FROM message_box WHERE id = ?", (copy["box_id"],))
    return "deleted"


def empty_trash(conn: sqlite3.Connection, person: Person) -> int:
    """Delete every copy in the person's trash for good; returns how many."""
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM message_box WHERE owner_id = ? AND folder = 'trash'", (person["id"],)
        )
    return cur.rowcount


def purge_trash(conn: sqlite3.Connection, days: int, *, now: datetime | None = None) -> int:
    """Delete the copies in anyone's trash for more than `days` days (the daily job), in
    batches of short transactions; returns how many."""
    cutoff = ((now or datetime.now(UTC)) - timedelta(days=days)).replace(microsecond=0)
    deleted = 0
    while True:
        with transaction(conn):
            cur = conn.execute(
                "DELETE FROM message_box WHERE id IN (SELECT id FROM message_box "
                "WHERE folder = 'trash' AND trashed_at < ? LIMIT 2000)",
                (cutoff.isoformat(),),
            )
        deleted += cur.rowcount
        if cur.rowcount < 2000:
            return deleted


def attachment(
    conn: sqlite3.Connection, person: Person, message_id: int, attachment_id: int
) -> dict[str, Any]:
    """An attachment of a message in the person's mailbox (name, size, mime, sha256);
    raises NotFound."""
    copy_of(conn, person, message_id)
    found = one(
        conn,
        "SELECT id, name, size, mime, sha256 FROM message_attachment WHERE id = ? "
        "AND message_id = ?",
        (attachment_id, message_id),
    )
    if found is None:
        raise NotFound(
            N_("Aucune pièce jointe n'a le numéro %(attachment_id)s."), attachment_id=attachment_id
        )
    return found
