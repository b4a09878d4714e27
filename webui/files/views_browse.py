"""Reading documents: a folder page (paged, folders first), one document's page (its
actions), a download, the class and group folders, what is shared with one, the trash."""

from __future__ import annotations

from flask import abort, current_app, g, redirect, render_template, request, url_for
from markupsafe import Markup, escape

from appliance import blobs
from appliance.errors import NotFound
from appliance.files import nodes, sharing
from appliance.security import policy
from webui import paging
from webui.access import box, conn, current_person, requires
from webui.files import PAGE_SIZE, bp, human_size, minute_fr, send_content, thing, usage


def rows_html(items: list[dict]) -> Markup:
    """The folder table's rows, written here in one pass rather than by the template: a
    page shows a hundred, and Jinja's per-value work made it three times slower than the
    home page (docs/benchmarks.md). Every value a person gave is escaped."""
    base = request.script_root + "/documents/"
    gettext = current_app.jinja_env.globals["_"]  # the pages' catalogue, found once
    name_l, size_l, modified_l, shared_l, details_l = (
        gettext(w) for w in ("Nom", "Taille", "Modifié", "Partagé avec", "Détails")
    )
    out = []
    for n in items:
        name = escape(n["name"])
        if n["kind"] == "folder":
            link = f'<a class="node folder" href="{base}dossier/{n["id"]}">📁 {name}</a>'
            size = "—"
        else:
            link = f'<a class="node file" href="{base}{n["id"]}/telecharger">{name}</a>'
            size = human_size(n["size"])
        shares = " ".join(f'<span class="badge">{escape(x["name"])}</span>' for x in n["shares"])
        out.append(
            f'<tr><td data-label="{name_l}">{link}</td><td data-label="{size_l}">{size}</td>'
            f'<td data-label="{modified_l}">{minute_fr(n["modified_at"])}</td>'
            f'<td data-label="{shared_l}">{shares}</td><td><a href="{base}{n["id"]}">'
            f'{details_l}<span class="visually-hidden"> : {name}</span></a></td></tr>'
        )
    return Markup("\n".join(out))  # noqa: S704 (built above from escaped values)


def _listing(target: dict, *, parents_only: bool = False) -> dict:
    folder = target["node"]
    total = nodes.count_children(conn(), folder["id"], parents_only=parents_only)
    page, pages = paging.clamp(paging.page_arg(), total, PAGE_SIZE)
    items = nodes.children(
        conn(), folder["id"], limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
        parents_only=parents_only,
    )  # fmt: skip
    return {"items": items, "rows": rows_html(items), "total": total, "page": page,
            "pages": pages}  # fmt: skip


def render_folder(target: dict, *, space: dict | None = None, parents_only: bool = False):
    person = current_person()
    writer = policy.may(person, "files.write", target, conn())
    return render_template(
        "files/folder.html",
        folder=target["node"],
        ancestors=target["ancestors"],
        writer=writer,
        space=space,
        parents_only=parents_only,
        usage=usage(),
        max_upload_mb=box().config["files.max_upload_mb"],
        **_listing(target, parents_only=parents_only),
    )


@bp.route("/", endpoint="index")
@requires("files.use")
def index():
    root = nodes.personal_root(conn(), current_person())
    return render_folder(thing(root["id"]))


@bp.route("/dossier/<int:node_id>", endpoint="folder")
@requires("files.read", target=thing)
def folder(node_id: int):
    if g.target["node"]["kind"] != "folder":
        return redirect(url_for("files.item", node_id=node_id))
    return render_folder(g.target)


def _folders_of_space(node: dict) -> list[dict]:
    return nodes.folders_of_space(conn(), node["space_kind"], node["space_id"])


@bp.route("/<int:node_id>", endpoint="item")
@requires("files.read", target=thing)
def item(node_id: int):
    person = current_person()
    target = g.target
    writer = policy.may(person, "files.write", target, conn())
    audiences = [
        s for s in sharing.class_spaces(conn(), person)
        if policy.may(person, "files.share.audience", s, conn())
    ] if writer else []  # fmt: skip
    return render_template(
        "files/item.html",
        node=target["node"],
        inline_types=blobs.INLINE_TYPES,
        ancestors=target["ancestors"],
        writer=writer,
        folders=_folders_of_space(target["node"]) if writer else [],
        audiences=audiences,
        usage=usage(),
    )


@bp.route("/<int:node_id>/telecharger", endpoint="download")
@requires("files.read", target=thing)
def download(node_id: int):
    try:
        # A download by default; `?voir=1` shows what cannot run (a PDF, an image).
        return send_content(g.target["node"], view=request.args.get("voir") == "1")
    except NotFound:
        abort(404)


def _space(kind: str, space_id: int) -> dict:
    found = nodes.space(conn(), kind, space_id)
    return found


def _class_space(class_id: int) -> dict:
    return _space("class", class_id)


def _group_space(group_id: int) -> dict:
    return _space("group", group_id)


def _open_space(space: dict):
    root = nodes.root(conn(), space["kind"], space["id"])
    target = thing(root["id"])
    if policy.may(current_person(), "files.read", target, conn()):
        return render_folder(target, space=space)
    # A parent: the folders a teacher opened to the class's parents.
    return render_folder(target, space=space, parents_only=True)


@bp.route("/classes/<int:class_id>", endpoint="class_folder")
@requires("files.space.open", target=_class_space)
def class_folder(class_id: int):
    return _open_space(g.target)


@bp.route("/groupes/<int:group_id>", endpoint="group_folder")
@requires("files.space.open", target=_group_space)
def group_folder(group_id: int):
    return _open_space(g.target)


@bp.route("/classes", endpoint="classes")
@requires("files.use")
def classes():
    spaces = sharing.class_spaces(conn(), current_person())
    return render_template("files/classes.html", spaces=spaces, usage=usage())


@bp.route("/partages", endpoint="shared")
@requires("files.use")
def shared():
    found = sharing.shared_with_me(conn(), current_person())
    return render_template("files/shared.html", items=found, usage=usage())


@bp.route("/corbeille", endpoint="trash")
@requires("files.use")
def trash():
    person = current_person()
    space_root = None
    raw = request.args.get("espace", "")
    if raw.isascii() and raw.isdigit():
        try:
            candidate = thing(int(raw))
        except NotFound:
            abort(404)
        if candidate["node"]["parent_id"] is not None or not policy.may(
            person, "files.write", candidate, conn()
        ):
            abort(404)
        space_root = candidate["node"]
    else:
        space_root = nodes.personal_root(conn(), person)
    days = box().config["files.trash_days"]
    items = nodes.trash(conn(), space_root["space_kind"], space_root["space_id"])
    for node in items:
        node["days_left"] = nodes.trash_days_left(node, days)
    return render_template(
        "files/trash.html", items=items, root=space_root, days=days, usage=usage()
    )
