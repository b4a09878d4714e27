"""The messages' JSON API (issue 12), over the same services and rules as the pages:

- `GET /api/v1/messages?folder=inbox|sent|drafts|trash&q=TEXT` (paginated, newest first)
- `POST /api/v1/messages` `{"to", "subject", "body", "draft"?, "reply_to"?, "reply_all"?}`
  → 201 `{"id", "thread_id", "recipients"}`; 403 `communication_rule` when the rules
  refuse a recipient (nothing is sent to anyone)
- `GET /api/v1/messages/{id}` (marks it read), `DELETE /api/v1/messages/{id}` (to the
  trash; from the trash, for good)
- `POST /api/v1/messages/{id}/recall` → 200 `{"recalled": N}`, 409 when too late
- `GET /api/v1/messages/recipients?q=TEXT` → the people and lists the rules allow
"""

from __future__ import annotations

from typing import Any

from appliance import timefmt
from appliance.community import compose, mailbox, recipients, rules
from appliance.community import recall as recalling
from appliance.errors import NotFound
from appliance.i18n import N_
from webui.access import actor, box, conn, current_person
from webui.api import ApiBlueprint, PageRequest
from webui.api.core import ApiError
from webui.api.paging import encode_cursor
from webui.community.views_mailbox import recall_minutes
from webui.formats import phrase_words

bp = ApiBlueprint("community_api", __name__, tag="messages")

_STRING = {"type": "string"}
_PERSON = {
    "type": "object",
    "required": ["login", "name"],
    "properties": {"login": {"type": ["string", "null"]}, "name": _STRING},
}
_ADDRESS = {
    "type": "object",
    "required": ["id", "kind", "name"],
    "properties": {
        "id": {"type": ["string", "null"], "description": "Un identifiant ou une liste."},
        "kind": {"enum": ["person", "list"]},
        "name": _STRING,
        "count": {"type": ["integer", "null"]},
    },
}
ITEM = {
    "type": "object",
    "required": [
        "id",
        "thread_id",
        "subject",
        "from",
        "to",
        "date",
        "read",
        "has_attachments",
        "preview",
    ],  # fmt: skip
    "properties": {
        "id": {"type": "integer"},
        "thread_id": {"type": "integer"},
        "subject": _STRING,
        "from": _PERSON,
        "to": {"type": "array", "items": _ADDRESS},
        "date": _STRING,
        "read": {"type": "boolean"},
        "has_attachments": {"type": "boolean"},
        "preview": _STRING,
        "folder": _STRING,
        "draft": {"type": "boolean"},
        "recalled": {"type": "boolean"},
    },
}
MESSAGE = {
    "type": "object",
    "required": [*ITEM["required"], "text", "text_html", "attachments"],
    "properties": {
        **ITEM["properties"],
        "text": _STRING,
        "text_html": _STRING,
        "reply_all": {"type": "boolean"},
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "size", "mime"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": _STRING,
                    "size": {"type": "integer"},
                    "mime": _STRING,
                },  # fmt: skip
            },
        },
        "receipts": {
            "type": ["array", "null"],
            "description": "Qui a lu (pour l'expéditeur, 50 destinataires au plus).",
            "items": {
                "type": "object",
                "required": ["login", "name", "read"],
                "properties": {
                    "login": _STRING,
                    "name": _STRING,
                    "read": {"type": "boolean"},
                    "read_at": {"type": ["string", "null"]},
                },  # fmt: skip
            },
        },
    },
}
NEW = {
    "type": "object",
    "required": ["to", "subject"],
    "additionalProperties": False,
    "properties": {
        "to": {
            "type": "array",
            "items": {"type": "string", "minLength": 1, "maxLength": 120},
            "minItems": 1,
            "maxItems": compose.MAX_ADDRESSES,
            "description": "Identifiants et listes (students:class:5A, parents:all…).",
        },
        "subject": {"type": "string", "pattern": "\\S", "maxLength": compose.MAX_SUBJECT},
        "body": {"type": "string", "maxLength": compose.MAX_BODY},
        "draft": {"type": "boolean"},
        "reply_to": {"type": "integer", "minimum": 1},
        "reply_all": {"type": "boolean"},
    },
}
CREATED = {
    "type": "object",
    "required": ["id", "thread_id", "recipients"],
    "properties": {
        "id": {"type": "integer"},
        "thread_id": {"type": "integer"},
        "recipients": {"type": "integer"},
    },  # fmt: skip
}
RECALLED = {
    "type": "object",
    "required": ["recalled"],
    "properties": {"recalled": {"type": "integer"}},
}
RECIPIENT = {
    "type": "object",
    "required": ["id", "kind", "name"],
    "properties": {
        "id": _STRING,
        "kind": {"enum": ["person", "list"]},
        "name": _STRING,
        "count": {"type": "integer"},
        "profile": _STRING,
    },
}


def _words(value: Any) -> str:
    return str(phrase_words(value))


def _addresses(found: list[dict]) -> list[dict]:
    return [
        {"id": a["id"], "kind": a["kind"], "name": _words(a["name"]), "count": a.get("count")}
        for a in found
    ]


def _sender(sender: dict) -> dict:
    return {"login": sender["login"], "name": _words(sender["name"])}


def _item(person: dict, m: dict, written: list[dict] | None = None, db: Any = None) -> dict:
    """`db`: the request's connection when the caller has it (a listing: once, not once
    an item)."""
    return {
        "id": m["id"],
        "thread_id": m["thread_id"] or m["id"],
        "subject": m["subject"],
        "from": _sender(m["sender"]),
        "to": _addresses(mailbox.visible_to(db or conn(), person, m, written)),
        "date": timefmt.iso(m["date"]),
        "read": m["read"],
        "has_attachments": m["has_attachments"],
        "preview": m["preview"],
        "folder": m["folder"],
        "draft": m["draft"],
        "recalled": m["recalled"],
    }


def _copy(message_id: int) -> dict:
    return mailbox.copy_of(conn(), current_person(), message_id)


@bp.api_route(
    "/messages",
    "GET",
    action="messages.use",
    response=ITEM,
    query={
        "folder": {"enum": ["inbox", "sent", "drafts", "trash"], "default": "inbox"},
        "q": {"type": "string", "maxLength": 100, "description": "Objet, texte, expéditeur."},
    },
    paginated=True,
    endpoint="messages",
)
def list_messages(query: dict, page: PageRequest):
    """My messages of one folder, newest first; `q` searches subject, text and sender."""
    person, db = current_person(), conn()
    start = _start(page)
    found, total = mailbox.list_folder(
        db, person, query["folder"], q=query.get("q", ""), size=page.limit, offset=start,
    )  # fmt: skip
    # The "À" lines of the page in one query, not one per message.
    written = mailbox.addresses_of(db, [m["id"] for m in found])
    out: dict[str, Any] = {"items": [_item(person, m, written[m["id"]], db) for m in found]}
    if start + len(found) < total:
        out["next"] = encode_cursor([start + len(found)])
    return out


def _start(page: PageRequest) -> int:
    """Where a page starts: the cursor holds the position of the next item."""
    if page.after is None:
        return 0
    if len(page.after) != 1 or not isinstance(page.after[0], int) or page.after[0] < 0:
        raise ApiError(
            400,
            "bad_cursor",
            N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )
    return page.after[0]


@bp.api_route(
    "/messages",
    "POST",
    action="messages.send",
    request=NEW,
    response=CREATED,
    errors=(403, 404, 413),
    endpoint="send",
)
def send(body: dict):
    """Send a message (or keep it as a draft with `"draft": true`) to people (logins) and
    lists (`parents:class:5A`…); a recipient the rules refuse: 403 `communication_rule`,
    and nothing is sent to anyone."""
    person = current_person()
    draft = compose.Draft(
        to=body["to"],
        subject=body["subject"],
        body=body.get("body", ""),
        reply_to=body.get("reply_to"),
        reply_all=body.get("reply_all", False),
    )
    files_dir = box().config.files_dir
    limit = int(box().config["messages.max_attachment_mb"]) * 1024 * 1024
    try:
        if body.get("draft"):
            message_id = compose.save_draft(
                conn(), files_dir, person, draft, max_attachment_bytes=limit
            )
            thread = mailbox.copy_of(conn(), person, message_id)["thread_id"]
            return {"id": message_id, "thread_id": thread, "recipients": 0}
        sent = compose.send(
            conn(), files_dir, person, draft, actor=actor(), max_attachment_bytes=limit
        )
    except rules.Refused as exc:
        raise ApiError(403, exc.code, exc.template, field="to", **exc.params) from None
    return {"id": sent.id, "thread_id": sent.thread_id, "recipients": sent.recipients}


@bp.api_route(
    "/messages/<int:message_id>",
    "GET",
    action="messages.use",
    target=lambda message_id: _copy(message_id),
    response=MESSAGE,
    endpoint="message",
)
def message(message_id: int):
    """One of my messages, with its text and attachments (marks it read)."""
    person = current_person()
    m = mailbox.read(conn(), person, message_id)
    out = _item(person, {
        **m,
        "sender": m["sender"],
        "date": m["sent_at"] or m["updated_at"],
        "read": True,
        "has_attachments": bool(m["attachments"]),
        "preview": "",
        "draft": m["sent_at"] is None,
        "recalled": m["recalled_at"] is not None,
    })  # fmt: skip
    out["preview"] = m["body_text"][:140]
    out.update(
        text=m["body_text"],
        text_html=m["body_html"],
        reply_all=bool(m["reply_all"]),
        attachments=[{k: a[k] for k in ("id", "name", "size", "mime")} for a in m["attachments"]],
        receipts=None
        if m["receipts"] is None
        else [
            {
                "login": r["login"],
                "name": r["name"],
                "read": bool(r["read_at"]),
                "read_at": timefmt.iso(r["read_at"]) if r["read_at"] else None,
            }
            for r in m["receipts"]
        ],  # fmt: skip
    )
    return out


@bp.api_route(
    "/messages/<int:message_id>",
    "DELETE",
    action="messages.use",
    target=lambda message_id: _copy(message_id),
    endpoint="delete",
)
def delete(message_id: int):
    """Put one of my messages in the trash (from the trash: delete it for good)."""
    mailbox.delete(conn(), current_person(), message_id)


def _recall_target(message_id: int) -> dict:
    found = _copy(message_id)
    if found["role"] != "sender" or found["sent_at"] is None:
        raise NotFound(N_("Aucun message n'a le numéro %(message_id)s."), message_id=message_id)
    return {"kind": "person", "id": found["sender_id"]}


@bp.api_route(
    "/messages/<int:message_id>/recall",
    "POST",
    action="messages.recall",
    target=_recall_target,
    response=RECALLED,
    status=200,
    errors=(409,),
    endpoint="recall",
)
def recall(message_id: int):
    """Recall a message I sent (teachers and staff, within `messages.recall_minutes`): it
    disappears for those who have not read it; 409 when too late."""
    done = recalling.recall(
        conn(), current_person(), message_id, actor=actor(),
        recall_minutes=recall_minutes(),
    )  # fmt: skip
    return {"recalled": done.recalled}


@bp.api_route(
    "/messages/recipients",
    "GET",
    action="messages.send",
    response=RECIPIENT,
    query={"q": {"type": "string", "maxLength": 100, "description": "Noms, listes (« 5A »)."}},
    paginated=True,
    endpoint="recipients",
)
def recipients_search(query: dict, page: PageRequest):
    """The people and lists I may write to, matching `q` (lists first)."""
    start = _start(page)
    found, more = recipients.search(
        conn(), current_person(), query.get("q", ""), limit=page.limit, offset=start
    )
    items = []
    for r in found:
        item = {"id": r["id"], "kind": r["kind"], "name": _words(r["name"])}
        if r["kind"] == "list":
            item["count"] = r["count"]
        else:
            item["profile"] = r["profile"]
        items.append(item)
    out: dict[str, Any] = {"items": items}
    if more:
        out["next"] = encode_cursor([start + len(items)])
    return out
