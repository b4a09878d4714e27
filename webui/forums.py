"""Class and group forums: my forums, opening one (a teacher), a forum's subjects, a
subject's messages, answering, and the teachers' moderation (lock, hide, show again).

Every view asks the policy through `requires` about the forum's class or group
(`forums.thing`) and calls `appliance.community.forums`.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.community import forums
from appliance.errors import CartableError, NotFound
from webui import paging
from webui.access import actor, ask, box, conn, current_person, requires
from webui.messages import error_text

bp = Blueprint("forums", __name__)


def _size() -> int:
    return box().config["forums.page_size"]


def _forum(forum_id: int) -> dict:
    return forums.thing(forums.get_forum(conn(), forum_id))


def _topic(topic_id: int) -> dict:
    return forums.thing(forums.get_topic(conn(), topic_id)["forum"])


def _post(post_id: int) -> dict:
    topic_id, _page = forums.post_page(conn(), post_id, _size())
    return _topic(topic_id)


@bp.route("/forums")
@requires("forums.view")
def index():
    person = current_person()
    return render_template(
        "forums/index.html",
        found=forums.forums_of(conn(), person),
        where=forums.where_to_open(conn(), person) if ask("forums.create") else [],
    )


@bp.route("/forums/nouveau", methods=["POST"], endpoint="new")
@requires("forums.create")
def new_forum():
    kind, _sep, code = request.form.get("audience", "").partition(":")
    try:
        forum_id = forums.open_forum(
            conn(), current_person(), kind, code, request.form.get("title", ""), actor()
        )
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("forums.index"))
    flash(_("Forum ouvert."), "success")
    return redirect(url_for("forums.show", forum_id=forum_id))


@bp.route("/forums/<int:forum_id>")
@requires("forums.take_part", target=_forum)
def show(forum_id: int):
    forum = forums.get_forum(conn(), forum_id)
    total = forums.count_topics(conn(), forum_id)
    page, pages = paging.clamp(paging.page_arg(), total, _size())
    return render_template(
        "forums/show.html",
        forum=forum,
        topics=forums.topics(conn(), forum_id, limit=_size(), offset=(page - 1) * _size()),
        total=total,
        page=page,
        pages=pages,
    )


@bp.route("/forums/<int:forum_id>/sujets", methods=["POST"], endpoint="topic_new")
@requires("forums.take_part", target=_forum)
def topic_new(forum_id: int):
    try:
        topic_id = forums.new_topic(
            conn(),
            current_person(),
            forum_id,
            request.form.get("title", ""),
            request.form.get("body", ""),
        )
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("forums.show", forum_id=forum_id))
    return redirect(url_for("forums.topic", topic_id=topic_id))


@bp.route("/forums/sujets/<int:topic_id>")
@requires("forums.take_part", target=_topic)
def topic(topic_id: int):
    found = forums.get_topic(conn(), topic_id)
    moderator = ask("forums.moderate", forums.thing(found["forum"]))
    total = forums.count_posts(conn(), topic_id)
    page, pages = paging.clamp(paging.page_arg(), total, _size())
    return render_template(
        "forums/topic.html",
        topic=found,
        posts=forums.posts(
            conn(), topic_id, moderator=moderator, limit=_size(), offset=(page - 1) * _size()
        ),
        moderator=moderator,
        total=total,
        page=page,
        pages=pages,
    )


@bp.route("/forums/sujets/<int:topic_id>/repondre", methods=["POST"], endpoint="reply")
@requires("forums.take_part", target=_topic)
def reply(topic_id: int):
    try:
        post_id = forums.reply(conn(), current_person(), topic_id, request.form.get("body", ""))
    except CartableError as exc:
        flash(error_text(exc), "error")
        return redirect(url_for("forums.topic", topic_id=topic_id))
    _topic_id, page = forums.post_page(conn(), post_id, _size())
    return redirect(url_for("forums.topic", topic_id=topic_id, page=page) + f"#m{post_id}")


@bp.route("/forums/sujets/<int:topic_id>/verrou", methods=["POST"], endpoint="lock")
@requires("forums.moderate", target=_topic)
def lock(topic_id: int):
    locked = request.form.get("locked") == "1"
    forums.lock(conn(), current_person(), topic_id, locked, actor())
    flash(_("Sujet verrouillé.") if locked else _("Sujet rouvert aux réponses."), "info")
    return redirect(url_for("forums.topic", topic_id=topic_id))


def _back_to_post(post_id: int):
    topic_id, page = forums.post_page(conn(), post_id, _size())
    return redirect(url_for("forums.topic", topic_id=topic_id, page=page) + f"#m{post_id}")


@bp.route("/forums/messages/<int:post_id>/masquer", methods=["POST"], endpoint="hide")
@requires("forums.moderate", target=_post)
def hide(post_id: int):
    try:
        forums.hide(conn(), current_person(), post_id, request.form.get("reason", ""), actor())
        flash(_("Message masqué."), "info")
    except NotFound:
        abort(404)
    except CartableError as exc:
        flash(error_text(exc), "error")
    return _back_to_post(post_id)


@bp.route("/forums/messages/<int:post_id>/afficher", methods=["POST"], endpoint="unhide")
@requires("forums.moderate", target=_post)
def unhide(post_id: int):
    forums.unhide(conn(), current_person(), post_id, actor())
    flash(_("Message de nouveau visible."), "info")
    return _back_to_post(post_id)
