"""Writing: the compose form (recipients found with a search field and its results, no
JavaScript needed), drafts, replies, recall.

The form posts to one place with the button pressed as `action`: `search` (find
recipients; what is already written is kept as a draft so that nothing is lost),
`draft` (keep it in the drafts), `send`. Chosen recipients are checkboxes `to` (untick to
remove), search results checkboxes `add`.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import blobs
from appliance.community import compose, mailbox, recipients, rules
from appliance.community import recall as recalling
from appliance.errors import CartableError, NotFound
from webui import paging
from webui.access import actor, box, conn, current_person, requires
from webui.community import bp
from webui.community.views_mailbox import copy_target, recall_minutes, side
from webui.messages import error_text

RESULTS = 20


def _max_bytes() -> int:
    return int(box().config["messages.max_attachment_mb"]) * 1024 * 1024


def _unique(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        v = (v or "").strip()
        if v and v not in out:
            out.append(v)
    return out


def _int(name: str, source=None) -> int | None:
    raw = ((source or request.form).get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def _render(fields: dict, *, error: str | None = None, status: int = 200):
    person = current_person()
    q = fields.get("q", "")
    rpage = fields.get("rpage", 1)
    results, more = ([], False)
    chosen = recipients.describe(conn(), fields["to"])
    if q or not fields["to"]:
        results, more = recipients.search(
            conn(), person, q, limit=RESULTS, offset=(rpage - 1) * RESULTS
        )
        taken = set(fields["to"])
        results = [r for r in results if r["id"] not in taken]
    return render_template(
        "community/compose.html",
        f=fields,
        chosen=chosen,
        results=results,
        more=more,
        error=error,
        max_mb=box().config["messages.max_attachment_mb"],
        small_group=mailbox.SMALL_GROUP,
        **side("drafts" if fields.get("draft_id") else None),
    ), status


def _blank(**values) -> dict:
    fields = {"to": [], "subject": "", "body": "", "reply_to": None, "reply_all": False,
              "draft_id": None, "attachments": [], "q": "", "rpage": 1}  # fmt: skip
    fields.update(values)
    return fields


@bp.route("/messages/nouveau", methods=["GET", "POST"], endpoint="compose")
@requires("messages.send")
def compose_page():
    if request.method == "POST":
        return _posted()
    person = current_person()
    draft_id = _int("brouillon", request.args)
    fields = _blank(to=_unique(request.args.getlist("a")))
    if draft_id is not None:
        try:
            fields = _blank(**compose.load_draft(conn(), person, draft_id))
        except (NotFound, CartableError):
            abort(404)
    fields["q"] = (request.args.get("q") or "").strip()[:100]
    fields["rpage"] = paging.page_arg("rpage")
    return _render(fields)


def _draft_from_form() -> tuple[compose.Draft, dict]:
    form = request.form
    to = _unique(form.getlist("to") + form.getlist("add"))
    files = [(f.filename or "", f.stream) for f in request.files.getlist("files") if f.filename]
    draft = compose.Draft(
        to=to,
        subject=form.get("subject", ""),
        body=form.get("body", ""),
        reply_to=_int("reply_to"),
        reply_all=form.get("reply_all") == "1",
        files=files,
        drop_attachments=[int(a) for a in form.getlist("drop") if a.isdigit()],
    )
    fields = _blank(
        to=to,
        subject=draft.subject,
        body=draft.body,
        reply_to=draft.reply_to,
        reply_all=draft.reply_all,
        draft_id=_int("draft_id"),
        q=(form.get("q") or "").strip()[:100],
    )
    return draft, fields


def _posted():
    person = current_person()
    action = request.form.get("action", "search")
    draft, fields = _draft_from_form()
    draft_id = fields["draft_id"]
    try:
        if action == "send":
            sent = compose.send(
                conn(), box().config.files_dir, person, draft, actor=actor(), draft_id=draft_id,
                max_attachment_bytes=_max_bytes(),
            )  # fmt: skip
            flash(_("Message envoyé à %(n)s destinataire(s).", n=sent.recipients), "success")
            return redirect(url_for("community.message", message_id=sent.id))
        typed = draft_id or draft.subject.strip() or draft.body.strip() or draft.files
        if action == "draft" or typed:
            saved = compose.save_draft(
                conn(), box().config.files_dir, person, draft, draft_id=draft_id,
                max_attachment_bytes=_max_bytes(),
            )  # fmt: skip
            if action == "draft":
                flash(_("Brouillon enregistré."), "success")
                return redirect(url_for("community.index", dossier="drafts"))
            return redirect(url_for("community.compose", brouillon=saved, q=fields["q"] or None))
        return redirect(url_for("community.compose", q=fields["q"] or None, a=draft.to))
    except CartableError as exc:
        if draft_id is not None:
            fields["attachments"] = compose.load_draft(conn(), person, draft_id)["attachments"]
        status = (
            413
            if isinstance(exc, blobs.TooLarge)
            else (403 if isinstance(exc, rules.Refused) else 400)
        )
        message = error_text(exc)
        if draft.files:
            message += " " + _("Joignez à nouveau vos fichiers.")
        return _render(fields, error=message, status=status)


@bp.route("/messages/<int:message_id>/repondre")
@requires("messages.use", target=copy_target)
def reply(message_id: int):
    defaults = compose.reply_defaults(
        conn(), current_person(), message_id, to_all=request.args.get("tous") == "1"
    )
    return _render(_blank(**defaults))


def _recall_target(**kwargs) -> dict:
    """The sender of the person's copy (the rule: only one's own message)."""
    copy = copy_target(**kwargs)
    if copy["role"] != "sender" or copy["sent_at"] is None:
        raise mailbox.not_found(kwargs["message_id"])
    return {"kind": "person", "id": copy["sender_id"]}


@bp.route("/messages/<int:message_id>/rappeler", methods=["POST"])
@requires("messages.recall", target=_recall_target)
def recall(message_id: int):
    try:
        done = recalling.recall(
            conn(), current_person(), message_id, actor=actor(), recall_minutes=recall_minutes()
        )
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(
            _("Message rappelé : il a disparu de %(n)s boîte(s) où il n'avait pas été lu.",
              n=done.recalled),
            "success",
        )  # fmt: skip
    return redirect(url_for("community.message", message_id=message_id))
