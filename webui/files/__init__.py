"""Documents in the web UI (#14): "Mes documents" (a person's space), the class and group
folders, what is shared with one, the trash; upload, new folder, rename, move, delete,
restore, share. Every page works on a phone and without JavaScript (plain forms).

Views parse the form, ask the policy (`requires`, `ask`) and call the services of
`appliance.files`; they hold no SQL. Uploads are streamed into the store
(`webui.uploads`). The JSON API is `webui.files.api` (its own blueprint, `files_api`).
"""

from __future__ import annotations

from flask import Blueprint, send_file

from appliance import blobs
from appliance.errors import NotFound
from appliance.files import nodes, quota
from appliance.i18n import N_
from webui.access import box, conn, current_person

bp = Blueprint("files", __name__, url_prefix="/documents")

PAGE_SIZE = nodes.PAGE_SIZE
_RUNNABLE = (".js", ".mjs", ".html", ".htm", ".xhtml", ".svg", ".xml", ".hta", ".wasm")


@bp.app_template_filter("human_size")
def human_size(value: int | None) -> str:
    """« 3,4 Mo »: a size as the pages show it."""
    return quota.human_size(int(value or 0))


@bp.app_template_filter("minute_fr")
def minute_fr(stamp: str | None) -> str:
    """« 03/12/2026 10:06 »: a stored time in the school's zone (cached: a folder page
    shows a hundred)."""
    local = nodes.local_minute(stamp)
    return f"{local[8:10]}/{local[5:7]}/{local[:4]} {local[11:16]}" if local else ""


def thing(node_id: int) -> dict:
    """The node as the policy's target (`requires(..., target=thing)`)."""
    return nodes.target(conn(), node_id)


def usage() -> quota.Usage:
    return quota.usage(conn(), box().config, current_person())


def send_content(node: dict, *, view: bool = True):
    """A file's content: shown in the page (when `view`) only for the types that cannot run
    (PDF, images but SVG, plain text), as an attachment for everything else (HTML, SVG,
    scripts, office files…); its type is the one found from the content, never from the
    name."""
    if node["kind"] != "file":
        raise NotFound(N_("Ce document est un dossier."))
    path = blobs.path_of(box().config.files_dir, node["sha256"])
    if not path.exists():
        raise NotFound(N_("Le contenu de ce document est introuvable."))
    # A script reads as plain text: shown as such it could not run (nosniff), yet a file
    # named like one (or like a page) is given as a file, never shown.
    runnable = node["name"].lower().endswith(_RUNNABLE)
    inline = view and blobs.inline_type(node["mime"]) and not runnable
    response = send_file(
        path,
        mimetype=node["mime"] or "application/octet-stream",
        as_attachment=not inline,
        download_name=node["name"],
        conditional=True,
        etag=node["sha256"],
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    # (nosniff and the portal's strict CSP are added to every answer: webui/app.py)
    return response


from webui.files import views_actions, views_browse  # noqa: E402

__all__ = ["bp", "views_actions", "views_browse"]
