"""News pages: the list of those showing to me (paged), one item and its image, the
form to write or change one, publishing, and the technician's list of publishers.

Every view calls `appliance.community.news` and asks the policy through `requires`.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from appliance import blobs
from appliance.community import news
from appliance.directory import people
from appliance.errors import CartableError, NotFound
from webui import paging
from webui.access import actor, ask, box, conn, current_person, requires
from webui.messages import error_text

bp = Blueprint("news", __name__)

PAGE_SIZE = 20


def _item(news_id: int) -> dict:
    return news.thing(news.get(conn(), news_id))


@bp.route("/actualites")
@requires("news.view")
def index():
    person = current_person()
    total = news.count_visible(conn(), person)
    page, pages = paging.clamp(paging.page_arg(), total, PAGE_SIZE)
    items = news.visible(conn(), person, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    publisher = news.may_publish(conn(), person)
    return render_template(
        "news/index.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        mine=news.written_by(conn(), person["id"], limit=20) if ask("news.write") else [],
        drafts=news.drafts(conn()) if publisher else [],
        publisher=publisher,
    )


@bp.route("/actualites/<int:news_id>")
@requires("news.read", target=_item)
def show(news_id: int):
    item = news.get(conn(), news_id)
    return render_template(
        "news/show.html",
        item=item,
        may_edit=ask("news.edit", news.thing(item)),
        may_publish=ask("news.publish", news.thing(item)),
    )


@bp.route("/actualites/<int:news_id>/image")
@requires("news.read", target=_item)
def image(news_id: int):
    item = news.get(conn(), news_id)
    stored = blobs.get(conn(), item["image_sha256"]) if item["image_sha256"] else None
    if stored is None or stored.mime not in news.IMAGE_TYPES:
        abort(404)
    try:
        handle = blobs.open_read(box().config.files_dir, stored.sha256)
    except FileNotFoundError:
        abort(404)
    return send_file(handle, mimetype=stored.mime, max_age=0)


def _form_values() -> dict:
    return {
        "title": request.form.get("title", ""),
        "body": request.form.get("body", ""),
        "audience": request.form.getlist("audience"),
        "publish_from": request.form.get("publish_from", ""),
        "expires": request.form.get("expires", ""),
        "pinned": bool(request.form.get("pinned")),
    }


def _uploaded():
    """The image sent with the form, stored (not yet recorded), or None."""
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        return None, None
    max_bytes = box().config["news.image_max_mb"] * 1024 * 1024
    stored = blobs.write(box().config.files_dir, upload.stream, max_bytes=max_bytes, field="image")
    return stored, upload.filename


def _audiences(person: dict) -> list[dict]:
    """The audience choices the form offers the person."""
    choices = []
    if ask("news.address.school"):
        choices.append({"value": "all", "label": _("Tout le monde")})
        for profile in ("student", "relative", "teacher", "staff"):
            choices.append(
                {"value": f"profile:{profile}", "label": _(people.PROFILE_LABELS[profile])}
            )
    for where in news.addressable(conn(), person):
        code = where["code"]
        choices.append(
            {
                "value": f"students:{where['kind']}:{code}",
                "label": _("Élèves de %(code)s", code=code),
            }
        )
        choices.append(
            {
                "value": f"parents:{where['kind']}:{code}",
                "label": _("Parents de %(code)s", code=code),
            }
        )
    return choices


def _form(item: dict | None, values: dict, error: str | None = None, field: str | None = None):
    return render_template(
        "news/form.html",
        item=item,
        values=values,
        audiences=_audiences(current_person()),
        error=error,
        error_field=field,
        max_mb=box().config["news.image_max_mb"],
    ), (400 if error else 200)


def _blank() -> dict:
    return {"title": "", "body": "", "audience": [], "publish_from": "", "expires": "",
            "pinned": False}  # fmt: skip


@bp.route("/actualites/nouvelle", methods=["GET", "POST"], endpoint="new")
@requires("news.write")
def new_item():
    if request.method == "GET":
        return _form(None, _blank())
    values = _form_values()
    try:
        image_blob, image_name = _uploaded()
        news_id = news.create(
            conn(), current_person(), values, actor(), image=image_blob, image_name=image_name
        )
    except CartableError as exc:
        return _form(None, values, error_text(exc), exc.field)
    flash(_("Actualité enregistrée comme brouillon : la direction la publiera."), "success")
    return redirect(url_for("news.show", news_id=news_id))


def _as_form(item: dict) -> dict:
    from appliance import timefmt

    def local(value: str | None) -> str:
        moment = timefmt.to_local(value) if value else None
        return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""

    return {
        "title": item["title"],
        "body": item["body"],
        "audience": item["audience"],
        "publish_from": local(item["publish_from"]),
        "expires": local(item["expires_at"]),
        "pinned": item["pinned"],
    }


@bp.route("/actualites/<int:news_id>/modifier", methods=["GET", "POST"], endpoint="edit")
@requires("news.edit", target=_item)
def edit(news_id: int):
    item = news.get(conn(), news_id)
    if request.method == "GET":
        return _form(item, _as_form(item))
    values = _form_values()
    try:
        image_blob, image_name = _uploaded()
        news.update(
            conn(), current_person(), news_id, values, actor(), image=image_blob,
            image_name=image_name, drop_image=bool(request.form.get("drop_image")),
        )  # fmt: skip
    except NotFound:
        abort(404)
    except CartableError as exc:
        return _form(item, values, error_text(exc), exc.field)
    flash(_("Actualité modifiée."), "success")
    return redirect(url_for("news.show", news_id=news_id))


@bp.route("/actualites/<int:news_id>/supprimer", methods=["POST"], endpoint="delete")
@requires("news.edit", target=_item)
def delete(news_id: int):
    if not request.form.get("confirm"):
        flash(_("Cochez la case pour confirmer la suppression."), "error")
        return redirect(url_for("news.show", news_id=news_id))
    news.delete(conn(), current_person(), news_id, actor())
    flash(_("Actualité supprimée."), "success")
    return redirect(url_for("news.index"))


@bp.route("/actualites/<int:news_id>/publier", methods=["POST"], endpoint="publish")
@requires("news.publish", target=_item)
def publish(news_id: int):
    news.publish(conn(), current_person(), news_id, actor())
    flash(_("Actualité publiée."), "success")
    return redirect(url_for("news.show", news_id=news_id))


@bp.route("/actualites/<int:news_id>/retirer", methods=["POST"], endpoint="unpublish")
@requires("news.publish", target=_item)
def unpublish(news_id: int):
    news.unpublish(conn(), current_person(), news_id, actor())
    flash(_("Actualité retirée : elle redevient un brouillon."), "info")
    return redirect(url_for("news.show", news_id=news_id))


@bp.route("/admin/actualites/publication", methods=["GET", "POST"], endpoint="publishers")
@requires("news.publishers.manage")
def publishers():
    error = None
    if request.method == "POST":
        try:
            person = people.get_by_login(conn(), request.form.get("login", ""))
            if request.form.get("action") == "revoke":
                news.revoke_publisher(conn(), person, actor())
                flash(_("%(login)s ne publie plus d'actualités.", login=person["login"]), "info")
            else:
                news.grant_publisher(conn(), person, actor())
                flash(_("%(login)s peut publier des actualités.", login=person["login"]), "success")
            return redirect(url_for("news.publishers"))
        except CartableError as exc:
            error = error_text(exc)
    return render_template("news/publishers.html", granted=news.publishers(conn()), error=error), (
        400 if error else 200
    )
