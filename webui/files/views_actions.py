"""Changing documents: upload (streamed into the store), new folder, rename, move, delete to
the trash, restore, delete for good, share and take back, open a class folder to parents.
Each is a plain form (no JavaScript needed) that comes back to the page it was sent from."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from appliance.errors import CartableError
from appliance.files import nodes, sharing
from appliance.files.quota import human_size
from appliance.i18n import N_
from webui import uploads
from webui.access import actor, box, conn, current_person, requires
from webui.files import bp, thing
from webui.messages import error_text


def _back(node: dict):
    """The folder page a thing is shown in (its own page for the root)."""
    folder_id = node["parent_id"] or node["id"]
    return redirect(url_for("files.folder", node_id=folder_id))


@bp.route("/dossier/<int:node_id>/deposer", methods=["POST"], endpoint="upload")
@uploads.streamed("files.upload")
@requires("files.write", target=thing)
def upload(node_id: int):
    parts = uploads.writers("file")
    if not parts:
        flash(_("Choisissez un fichier à déposer."), "error")
    for name, writer in parts:
        try:
            made = nodes.add_file(
                conn(), actor(), box().config, current_person(), g.target, name, writer
            )
        except CartableError as exc:
            flash(error_text(exc), "error")
            break
        flash(
            _("« %(name)s » déposé (%(size)s).", name=made["name"], size=human_size(made["size"])),
            "success",
        )
    return redirect(url_for("files.folder", node_id=node_id))


@bp.route("/dossier/<int:node_id>/nouveau", methods=["POST"], endpoint="folder_new")
@requires("files.write", target=thing)
def folder_new(node_id: int):
    try:
        made = nodes.create_folder(conn(), actor(), g.target, request.form.get("name"))
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("files.folder", node_id=node_id))
    flash(_("Dossier « %(name)s » créé.", name=made["name"]), "success")
    return redirect(url_for("files.folder", node_id=node_id))


@bp.route("/<int:node_id>/renommer", methods=["POST"], endpoint="rename")
@requires("files.write", target=thing)
def rename(node_id: int):
    try:
        nodes.rename(conn(), actor(), g.target, request.form.get("name"))
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Nom changé."), "success")
    return redirect(url_for("files.item", node_id=node_id))


@bp.route("/<int:node_id>/deplacer", methods=["POST"], endpoint="move")
@requires("files.write", target=thing)
def move(node_id: int):
    raw = request.form.get("parent", "")
    try:
        if not (raw.isascii() and raw.isdigit()):
            raise CartableError(N_("Choisissez le dossier où le mettre."), field="parent")
        into = thing(int(raw))
        if not may_write(into):
            raise CartableError(N_("Choisissez le dossier où le mettre."), field="parent")
        nodes.move(conn(), actor(), g.target, into)
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("files.item", node_id=node_id))
    flash(_("Déplacé."), "success")
    return redirect(url_for("files.folder", node_id=int(raw)))


def may_write(target: dict) -> bool:
    from appliance.security import policy

    return policy.may(current_person(), "files.write", target, conn())


@bp.route("/<int:node_id>/supprimer", methods=["POST"], endpoint="delete")
@requires("files.write", target=thing)
def delete(node_id: int):
    try:
        node = nodes.delete(conn(), actor(), g.target)
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("files.item", node_id=node_id))
    days = box().config["files.trash_days"]
    flash(
        _("« %(name)s » est dans la corbeille (supprimé pour de bon dans %(days)s jours).",
          name=node["name"], days=days),
        "success",
    )  # fmt: skip
    return _back(node)


def _trash_of(node: dict):
    root = nodes.root(conn(), node["space_kind"], node["space_id"])
    if node["space_kind"] == "person":
        return redirect(url_for("files.trash"))
    return redirect(url_for("files.trash", espace=root["id"]))


@bp.route("/<int:node_id>/restaurer", methods=["POST"], endpoint="restore")
@requires("files.write", target=thing)
def restore(node_id: int):
    node = nodes.restore(conn(), actor(), g.target)
    flash(_("« %(name)s » est revenu de la corbeille.", name=node["name"]), "success")
    return _trash_of(node)


@bp.route("/<int:node_id>/supprimer-definitivement", methods=["POST"], endpoint="purge")
@requires("files.write", target=thing)
def purge(node_id: int):
    node = g.target["node"]
    try:
        nodes.purge(conn(), actor(), g.target)
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("« %(name)s » est supprimé pour de bon.", name=node["name"]), "success")
    return _trash_of(node)


@bp.route("/<int:node_id>/partager", methods=["POST"], endpoint="share")
@requires("files.write", target=thing)
def share(node_id: int):
    person = current_person()
    chosen = (request.form.get("audience") or "").strip()
    logins = [
        x for x in (request.form.get("logins") or "").replace(";", ",").split(",") if x.strip()
    ]
    try:
        if chosen:
            kind, _sep, raw_id = chosen.partition(":")
            group = nodes.space(conn(), kind, int(raw_id) if raw_id.isdigit() else 0)
            sharing.share_with_audience(conn(), actor(), person, g.target, group)
        if logins:
            sharing.share_with_people(conn(), actor(), person, g.target, logins)
        if not chosen and not logins:
            raise CartableError(N_("Choisissez une classe, un groupe ou des personnes."))
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Partagé en lecture seule."), "success")
    return redirect(url_for("files.item", node_id=node_id))


@bp.route("/<int:node_id>/ne-plus-partager", methods=["POST"], endpoint="unshare")
@requires("files.write", target=thing)
def unshare(node_id: int):
    try:
        sharing.unshare(
            conn(), actor(), g.target, request.form.get("kind", ""), request.form.get("code", "")
        )
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Ce partage est retiré."), "success")
    return redirect(url_for("files.item", node_id=node_id))


@bp.route("/<int:node_id>/parents", methods=["POST"], endpoint="parents")
@requires("files.write", target=thing)
def parents(node_id: int):
    on = request.form.get("on") == "1"
    try:
        nodes.set_parents_read(conn(), actor(), g.target, on)
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Les parents de la classe lisent ce dossier.") if on
              else _("Ce dossier n'est plus ouvert aux parents."), "success")  # fmt: skip
    return redirect(url_for("files.item", node_id=node_id))
