"""Writing messages: drafts, sending (to people and lists, as the rules allow), replies,
recall.

`send()` resolves the addresses (logins and list ids) to people, each once, the sender
left out; asks the communication rules about every one of them (`rules.check`, and
`recipients.check_list` for a list: the sender may use a list when they may write to
each of its members); and only when all are allowed writes the message, one copy per
recipient, its attachments and its audit entry in one transaction. One refused recipient
and nobody gets anything: `rules.Refused` names the rule.

A reply keeps the thread of the message it answers and quotes nothing. Whoever received a
message may answer its sender, and with "réponse à tous" its other recipients, whatever
the rules (the sender chose to be answered); everyone else is asked of the rules.

`hooks.message_sent` is called in the same transaction: the place where notifications
are wired. Recall is `appliance.community.recall`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from appliance import blobs, richtext
from appliance.community import hooks, mailbox, recipients, rules
from appliance.community.text import fold
from appliance.db import now_iso, rows, transaction
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.files import quota
from appliance.i18n import N_
from appliance.security import audit, policy

MAX_SUBJECT = 200
MAX_BODY = 50_000
MAX_ATTACHMENTS = 10
MAX_ADDRESSES = 200
_RE = re.compile(r"^\s*(re|tr|fwd?)\s*:", re.IGNORECASE)

Person = dict[str, Any]


@dataclass
class Draft:
    """What a person wrote: addresses (logins and list ids), subject, body (HTML or plain
    text, cleaned on the way in), the message answered, files to attach (name, stream)
    and attachments of a saved draft to drop."""

    to: Sequence[str] = ()
    subject: str = ""
    body: str = ""
    reply_to: int | None = None
    reply_all: bool = False
    files: Sequence[tuple[str, BinaryIO]] = ()
    drop_attachments: Sequence[int] = ()


@dataclass
class Sent:
    """A message sent: its id, its thread and the people it reached (each once)."""

    id: int
    thread_id: int
    recipient_ids: list[int] = field(default_factory=list)

    @property
    def recipients(self) -> int:
        return len(self.recipient_ids)


def _addresses(to: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for raw in to:
        for part in str(raw or "").replace(";", ",").split(","):
            entry = part.strip()
            if entry and entry not in seen:
                seen.append(entry if recipients.is_list_id(entry) else entry.lower())
    if len(seen) > MAX_ADDRESSES:
        raise CartableError(
            N_("Un message va à %(max)s adresses au plus : utilisez une liste."),
            field="to",
            max=MAX_ADDRESSES,
        )
    return seen


def _texts(draft: Draft) -> tuple[str, str, str]:
    subject = " ".join((draft.subject or "").split())
    if len(subject) > MAX_SUBJECT:
        raise CartableError(
            N_("L'objet a %(max)s caractères au plus."), field="subject", max=MAX_SUBJECT
        )
    body_html = richtext.clean_input(draft.body, field="body", max_chars=MAX_BODY)
    return subject, body_html, richtext.plain(body_html)


def _reply_context(
    conn: sqlite3.Connection, person: Person, reply_to: int | None, *, strict: bool = True
) -> tuple[dict[str, Any] | None, set[int]]:
    """(the message answered, the people the answer may reach whatever the rules).
    NotFound when the person does not hold it; with `strict` False (a saved draft whose
    message was deleted since) the answer becomes a message like any other."""
    if reply_to is None:
        return None, set()
    try:
        original = mailbox.copy_of(conn, person, reply_to)
    except NotFound:
        if strict:
            raise
        return None, set()
    exempt: set[int] = set()
    if original["sender_id"] is not None and original["sender_id"] != person["id"]:
        exempt.add(original["sender_id"])
    if original["reply_all"] or original["role"] == "sender":
        exempt |= {p["id"] for p in mailbox.recipient_people(conn, original["id"])}
    exempt.discard(person["id"])
    return original, exempt


def resolve(
    conn: sqlite3.Connection, person: Person, to: Sequence[str], *, exempt: Iterable[int] = ()
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]]]:
    """The addresses as written ([{"kind", "person_id" | "list_id", "members"}]) and the
    people they reach, each once ({id: person}), checked against the rules. Raises
    CartableError (unknown address, empty list, nobody) or rules.Refused."""
    written: list[dict[str, Any]] = []
    reached: dict[int, dict[str, Any]] = {}
    direct: list[dict[str, Any]] = []
    for entry in _addresses(to):
        if recipients.is_list_id(entry):
            members = recipients.check_list(conn, person, entry)
            written.append({"kind": "list", "list_id": entry, "members": len(members)})
            reached.update((m["id"], m) for m in members)
        else:
            target = recipients.person_by_login(conn, entry)
            written.append({"kind": "person", "person_id": target["id"], "members": None})
            direct.append(target)
            reached[target["id"]] = target
    rules.check(conn, person, direct, exempt=exempt)
    reached.pop(person["id"], None)
    if not reached:
        raise CartableError(N_("Ajoutez au moins un destinataire."), field="to")
    return written, reached


def _store_files(files_dir: Path, draft: Draft, max_bytes: int) -> list[tuple[str, blobs.Blob]]:
    stored = []
    for name, stream in draft.files:
        blob = blobs.write(files_dir, stream, max_bytes=max_bytes, field="attachment")
        if blob.size == 0 and not name:
            continue  # an empty file field of a form
        stored.append((blobs.safe_name(name, "piece-jointe"), blob))
    return stored


def _write_message(
    conn: sqlite3.Connection,
    person: Person,
    draft: Draft,
    draft_id: int | None,
    texts: tuple[str, str, str],
    written: list[dict[str, Any]],
    files: list[tuple[str, blobs.Blob]],
    original: dict[str, Any] | None,
    stamp: str,
) -> int:
    """Insert or update the message row, its addresses and attachments (in the caller's
    transaction); returns its id."""
    subject, body_html, body_text = texts
    search = fold(f"{subject} {body_text}")
    reply_to = original["id"] if original else None
    if draft_id is None:
        cur = conn.execute(
            "INSERT INTO message (reply_to_id, sender_id, subject, body_html, body_text, "
            "search_text, reply_all, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (reply_to, person["id"], subject, body_html, body_text, search,
             int(draft.reply_all), stamp, stamp),
        )  # fmt: skip
        assert cur.lastrowid is not None
        message_id = int(cur.lastrowid)
        thread = original["thread_id"] if original else message_id
        conn.execute("UPDATE message SET thread_id = ? WHERE id = ?", (thread, message_id))
        conn.execute(
            "INSERT INTO message_box (message_id, owner_id, role, folder, delivered_at) "
            "VALUES (?, ?, 'sender', 'drafts', ?)",
            (message_id, person["id"], stamp),
        )
    else:
        message_id = draft_id
        conn.execute(
            "UPDATE message SET subject = ?, body_html = ?, body_text = ?, search_text = ?, "
            "reply_all = ?, updated_at = ? WHERE id = ?",
            (subject, body_html, body_text, search, int(draft.reply_all), stamp, message_id),
        )
        conn.execute(
            "UPDATE message_box SET delivered_at = ? WHERE message_id = ? AND role = 'sender'",
            (stamp, message_id),
        )
        conn.execute("DELETE FROM message_address WHERE message_id = ?", (message_id,))
        if draft.drop_attachments:
            conn.executemany(
                "DELETE FROM message_attachment WHERE id = ? AND message_id = ?",
                [(int(a), message_id) for a in draft.drop_attachments],
            )
    conn.executemany(
        "INSERT INTO message_address (message_id, position, kind, person_id, list_id, members) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            (message_id, i, a["kind"], a.get("person_id"), a.get("list_id"), a.get("members"))
            for i, a in enumerate(written)
        ],
    )
    for name, blob in files:
        blobs.record(conn, blob)
        cur = conn.execute(
            "INSERT INTO message_attachment (message_id, name, sha256, size, mime) "
            "VALUES (?, ?, ?, ?, ?)",
            (message_id, name, blob.sha256, blob.size, blob.mime),
        )
        # In the sender's quota (#14); freed when the message's last copy goes (trigger).
        quota.charge_person(conn, person["id"], blob.size, kind="message_attachment",
                            ref=cur.lastrowid, field="attachment")  # fmt: skip
    have = conn.execute(
        "SELECT count(*) FROM message_attachment WHERE message_id = ?", (message_id,)
    ).fetchone()[0]
    if have > MAX_ATTACHMENTS:
        raise CartableError(
            N_("Un message a %(max)s pièces jointes au plus."), field="attachment",
            max=MAX_ATTACHMENTS,
        )  # fmt: skip
    return message_id


def _draft_of(conn: sqlite3.Connection, person: Person, draft_id: int) -> dict[str, Any]:
    copy = mailbox.copy_of(conn, person, draft_id)
    if copy["role"] != "sender" or copy["sent_at"] is not None:
        raise CartableError(N_("Ce message n'est pas un brouillon : il a déjà été envoyé."))
    return copy


def _may_send(person: Person) -> None:
    if not policy.may(person, "messages.send"):
        raise PolicyDenied(N_("Vous ne pouvez pas envoyer de message."))


def _loose_addresses(conn: sqlite3.Connection, to: Sequence[str]) -> list[dict[str, Any]]:
    """A draft's addresses, resolved without the rules (asked when it is sent)."""
    out = []
    for entry in _addresses(to):
        if recipients.is_list_id(entry):
            recipients.parse_list(entry)
            out.append({"kind": "list", "list_id": entry, "members": None})
        else:
            target = recipients.person_by_login(conn, entry)
            out.append({"kind": "person", "person_id": target["id"], "members": None})
    return out


def save_draft(
    conn: sqlite3.Connection,
    files_dir: Path,
    person: Person,
    draft: Draft,
    *,
    draft_id: int | None = None,
    max_attachment_bytes: int,
) -> int:
    """Save (or update `draft_id`) a draft in the person's drafts; returns its id. The
    rules are asked when it is sent."""
    _may_send(person)
    texts = _texts(draft)
    written = _loose_addresses(conn, draft.to)
    if draft_id is not None:
        reply_to, strict = _draft_of(conn, person, draft_id)["reply_to_id"], False
    else:
        reply_to, strict = draft.reply_to, True
    original, _exempt = _reply_context(conn, person, reply_to, strict=strict)
    files = _store_files(files_dir, draft, max_attachment_bytes)
    with transaction(conn):
        return _write_message(
            conn, person, draft, draft_id, texts, written, files, original, now_iso()
        )


def send(
    conn: sqlite3.Connection,
    files_dir: Path,
    person: Person,
    draft: Draft,
    *,
    actor: audit.Actor | None,
    draft_id: int | None = None,
    max_attachment_bytes: int,
) -> Sent:
    """Send a message (or the saved draft `draft_id`, with what `draft` now says).

    Raises rules.Refused (nothing is sent to anyone) when the rules refuse a recipient,
    CartableError for an unknown address, an empty list, no recipient or subject, a
    "réponse à tous" to more than SMALL_GROUP people, blobs.TooLarge for a file too big.
    """
    _may_send(person)
    texts = _texts(draft)
    if not texts[0]:
        raise CartableError(N_("Donnez un objet au message."), field="subject")
    if draft_id is not None:
        reply_to, strict = _draft_of(conn, person, draft_id)["reply_to_id"], False
    else:
        reply_to, strict = draft.reply_to, True
    original, exempt = _reply_context(conn, person, reply_to, strict=strict)
    written, reached = resolve(conn, person, draft.to, exempt=exempt)
    if draft.reply_all and len(reached) > mailbox.SMALL_GROUP:
        raise CartableError(
            N_(
                "« Réponse à tous » est pour un petit groupe : %(max)s destinataires au plus "
                "(ce message en a %(n)s)."
            ),
            field="reply_all",
            max=mailbox.SMALL_GROUP,
            n=len(reached),
        )
    files = _store_files(files_dir, draft, max_attachment_bytes)
    stamp = now_iso()
    ids = sorted(reached)
    with audit.audited(conn, actor, "message.send") as entry:
        message_id = _write_message(
            conn, person, draft, draft_id, texts, written, files, original, stamp
        )
        conn.execute(
            "UPDATE message SET sent_at = ?, recipient_count = ? WHERE id = ?",
            (stamp, len(ids), message_id),
        )
        conn.execute(
            "UPDATE message_box SET folder = 'sent', delivered_at = ? "
            "WHERE message_id = ? AND role = 'sender'",
            (stamp, message_id),
        )
        conn.executemany(
            "INSERT INTO message_box (message_id, owner_id, role, folder, delivered_at) "
            "VALUES (?, ?, 'recipient', 'inbox', ?)",
            [(message_id, pid, stamp) for pid in ids],
        )
        message = rows(
            conn,
            "SELECT id, thread_id, subject, sender_id, sent_at FROM message WHERE id = ?",
            (message_id,),
        )[0]
        entry.target = f"message:{message_id}"
        entry.details = {"recipients": len(ids), "attachments": len(files)}
        hooks.message_sent(conn, message, ids)
    return Sent(message_id, message["thread_id"], ids)


def reply_defaults(
    conn: sqlite3.Connection, person: Person, message_id: int, *, to_all: bool = False
) -> dict[str, Any]:
    """What a reply to a message starts with: {"to": [logins / list ids], "subject",
    "reply_to", "reply_all"}; the body is empty (nothing is quoted)."""
    original = mailbox.copy_of(conn, person, message_id)
    to: list[str] = []
    if original["role"] == "sender":
        to = [a["id"] for a in mailbox.addresses(conn, message_id) if a["id"]]
    else:
        sender = mailbox.sender_of(conn, original)
        if sender["login"]:
            to.append(sender["login"])
        if to_all and original["reply_all"]:
            to += [
                p["login"]
                for p in mailbox.recipient_people(conn, message_id)
                if p["id"] != person["id"] and p["login"] not in to
            ]
    subject = original["subject"]
    if not _RE.match(subject):
        subject = f"Re : {subject}"
    return {
        "to": to,
        "subject": subject[:MAX_SUBJECT],
        "reply_to": message_id,
        "reply_all": bool(to_all and original["reply_all"]),
    }


def load_draft(conn: sqlite3.Connection, person: Person, draft_id: int) -> dict[str, Any]:
    """A saved draft as the compose form shows it: {"to", "subject", "body" (its plain
    text), "reply_to", "reply_all", "draft_id", "attachments"}; raises NotFound, or
    CartableError when the message was sent."""
    copy = _draft_of(conn, person, draft_id)
    return {
        "to": [a["id"] for a in mailbox.addresses(conn, draft_id) if a["id"]],
        "subject": copy["subject"],
        "body": copy["body_text"],
        "reply_to": copy["reply_to_id"],
        "reply_all": bool(copy["reply_all"]),
        "draft_id": draft_id,
        "attachments": mailbox.attachments_of(conn, draft_id),
    }
