"""The mailbox pages: a folder's messages (with search and paging), one message, moving
and deleting it, its attachments, one's own folders, the trash."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from appliance import blobs
from appliance.community import folders, mailbox
from appliance.community import recall as recalling
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from webui import paging
from webui.access import box, conn, current_person, requires
from webui.community import bp
from webui.messages import error_text

FOLDER_LABELS = {
    "inbox": N_("Boîte de réception"),
    "sent": N_("Envoyés"),
    "drafts": N_("Brouillons"),
    "trash": N_("Corbeille"),
    "all": N_("Tous les dossiers"),
}


def copy_target(**kwargs) -> dict:
    """The current person's copy of the message in the URL (NotFound: a 404 page)."""
    return mailbox.copy_of(conn(), current_person(), kwargs["message_id"])


def folder_target(**kwargs) -> dict:
    return folders.get_folder(conn(), current_person(), kwargs["folder_id"])


def recall_minutes() -> int:
    return int(box().config["messages.recall_minutes"])


def side(current: str | int | None = None) -> dict:
    """What the folder list beside every mailbox page shows."""
    person = current_person()
    return {
        "folder_labels": FOLDER_LABELS,
        "own_folders": folders.list_folders(conn(), person),
        "counts": mailbox.counts(conn(), person),
        "current_folder": str(current) if current is not None else None,
    }


def _folder_arg() -> str:
    raw = (request.args.get("dossier") or "inbox").strip()
    return raw if raw in FOLDER_LABELS or raw.isdigit() else "inbox"


_ID_SLOT = 987654321  # a message id no URL of the route holds otherwise


def _with_hrefs(items: list[dict]) -> None:
    """Each item's link (`href`), from the route's URL built once rather than once a row
    (werkzeug builds a URL in tens of microseconds)."""
    built = url_for("community.message", message_id=_ID_SLOT)
    head, tail = built.split(str(_ID_SLOT), 1)
    for m in items:
        m["href"] = f"{head}{int(m['id'])}{tail}"


@bp.route("/messages/")
@requires("messages.use")
def index():
    person = current_person()
    folder = _folder_arg()
    q = (request.args.get("q") or "").strip()[:100]
    try:
        name = (
            _(FOLDER_LABELS[folder])
            if folder in FOLDER_LABELS
            else folders.get_folder(conn(), person, int(folder))["name"]
        )
        asked = paging.page_arg()
        items, total = mailbox.list_folder(conn(), person, folder, q=q, page=asked)
    except NotFound:
        abort(404)
    page, pages = paging.clamp(asked, total, mailbox.PAGE_SIZE)
    if page != asked:  # past the end: the last page instead
        items, total = mailbox.list_folder(conn(), person, folder, q=q, page=page)
    _with_hrefs(items)
    return render_template(
        "community/index.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        folder=folder,
        folder_name=name,
        q=q,
        trash_days=box().config["messages.trash_days"],
        **side(folder),
    )


@bp.route("/messages/<int:message_id>")
@requires("messages.use", target=copy_target)
def message(message_id: int):
    person = current_person()
    found = mailbox.read(conn(), person, message_id)
    if found["folder"] == "drafts":
        return redirect(url_for("community.compose", brouillon=message_id))
    return render_template(
        "community/message.html",
        m=found,
        can_recall=recalling.can_recall(conn(), person, found, recall_minutes()),
        small_group=mailbox.SMALL_GROUP,
        **side(found["folder_id"] if found["folder"] == "own" else found["folder"]),
    )


@bp.route("/messages/<int:message_id>/deplacer", methods=["POST"])
@requires("messages.use", target=copy_target)
def move(message_id: int):
    to = (request.form.get("dossier") or "").strip()
    if to not in ("trash", "back") and not to.isdigit():
        flash(_("Choisissez un dossier."), "error")
        return redirect(url_for("community.message", message_id=message_id))
    try:
        where = mailbox.move(conn(), current_person(), message_id, to)
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("community.message", message_id=message_id))
    flash(_("Message déplacé."), "success")
    if where == "trash":
        return redirect(url_for("community.index"))
    return redirect(url_for("community.message", message_id=message_id))


@bp.route("/messages/<int:message_id>/supprimer", methods=["POST"])
@requires("messages.use", target=copy_target)
def delete(message_id: int):
    was = g.target["folder"]
    done = mailbox.delete(conn(), current_person(), message_id)
    if done == "deleted":
        flash(_("Message supprimé définitivement."), "success")
    else:
        flash(_("Message mis à la corbeille."), "success")
    back = "trash" if done == "deleted" else ("drafts" if was == "drafts" else "inbox")
    return redirect(url_for("community.index", dossier=back))


@bp.route("/messages/<int:message_id>/pieces-jointes/<int:attachment_id>")
@requires("messages.use", target=copy_target)
def attachment(message_id: int, attachment_id: int):
    try:
        found = mailbox.attachment(conn(), current_person(), message_id, attachment_id)
    except NotFound:
        abort(404)
    stream = blobs.open_read(box().config.files_dir, found["sha256"])
    inline = blobs.inline_type(found["mime"])
    return send_file(
        stream,
        mimetype=found["mime"] if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=found["name"],
        max_age=0,
    )


@bp.route("/messages/corbeille/vider", methods=["POST"])
@requires("messages.use")
def empty_trash():
    n = mailbox.empty_trash(conn(), current_person())
    flash(_("Corbeille vidée (%(n)s message(s)).", n=n), "success")
    return redirect(url_for("community.index", dossier="trash"))


@bp.route("/messages/dossiers", methods=["GET", "POST"], endpoint="folders")
@requires("messages.use")
def folders_page():
    person = current_person()
    error = None
    if request.method == "POST" and "name" in request.form:
        try:
            folders.create_folder(conn(), person, request.form.get("name", ""))
        except CartableError as exc:
            error = error_text(exc)
        else:
            flash(_("Dossier créé."), "success")
            return redirect(url_for("community.folders"))
    return render_template(
        "community/folders.html", error=error, max_folders=folders.MAX_FOLDERS, **side()
    ), (400 if error else 200)


@bp.route("/messages/dossiers/<int:folder_id>/renommer", methods=["POST"])
@requires("messages.use", target=folder_target)
def folder_rename(folder_id: int):
    try:
        folders.rename_folder(conn(), current_person(), folder_id, request.form.get("name", ""))
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Dossier renommé."), "success")
    return redirect(url_for("community.folders"))


@bp.route("/messages/dossiers/<int:folder_id>/supprimer", methods=["POST"])
@requires("messages.use", target=folder_target)
def folder_delete(folder_id: int):
    n = folders.delete_folder(conn(), current_person(), folder_id)
    flash(
        _("Dossier supprimé ; %(n)s message(s) remis dans la boîte de réception.", n=n), "success"
    )
    return redirect(url_for("community.folders"))
