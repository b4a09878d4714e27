"""The manifest entries of the notifications, news and forums (#12), imported by
`appliance/features.py` into `FEATURES` (that file grew past ~400 lines)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import (
    ADMIN_ONLY,
    LOGGED_IN,
    STAFF_FUNCTIONS,
    TEACHER_ONLY,
    api,
    hidden,
)
from appliance.security.rules import Rule, grant

# Issue 12: the notification timeline and its e-mails (every service writes to it).
NOTIFICATIONS: Feature = Feature(
    name="notifications",
    config_keys=("appliance.community.notifications_keys",),
    migrations="appliance.community.migrations",
    cli=("appliance.community.notifications_cli",),
    jobs=("appliance.community.notifications_schedule:jobs",),
    job_ids=("notifications.send", "notifications.digest"),
    job_handlers=("appliance.community.notifications_schedule",),
    blueprints=("webui.notifications:bp", "webui.notifications_api:bp"),
    stats_service="accueil",  # the notifications are the home page's
    routes={
        "notifications.index": LOGGED_IN,
        "notifications.open": LOGGED_IN,
        "notifications.read_all": LOGGED_IN,
        "notifications.settings": LOGGED_IN,
        "notifications.confirm_email": LOGGED_IN,
        "notifications_api.timeline": api(LOGGED_IN),
        "notifications_api.mark_read": api(LOGGED_IN),
        "notifications_api.settings_get": api(LOGGED_IN),
        "notifications_api.settings_put": api(LOGGED_IN),
    },
    rules=grant("anyone", "notifications.view", "notifications.settings"),
    exports=("appliance.community.notifications:export_person",),
    export_tables=("notification", "notification_setting", "notification_address"),
)

# Who writes news: every member of staff, the teachers (for their classes), the technician.
_NEWS_WRITERS = ("staff", "teacher", "admin")
_NEWS_WRITE = {**ADMIN_ONLY, **dict.fromkeys(("staff", *STAFF_FUNCTIONS, "teacher"), 200)}
# The walk's news item is written by its `staff` member; the direction publishes.
_NEWS_EDIT = hidden({**ADMIN_ONLY, "admin": 403, "staff": 200, "staff_dir": 200})
_NEWS_PUBLISH = hidden({**ADMIN_ONLY, "admin": 403, "staff_dir": 200})
# Class forums: their students and teachers; parents, staff and the technician never.
_FORUM_MEMBERS = {**ADMIN_ONLY, "admin": 403, "student": 200, "teacher": 200}
_MODERATORS = {**ADMIN_ONLY, "admin": 403, "teacher": 200}

# Issue 12: news (actualités) and class forums.
NEWS_FORUMS: Feature = Feature(
    name="news_forums",
    config_keys=("appliance.community.news_keys",),
    migrations="appliance.community.migrations",
    jobs=("appliance.community.news_schedule:jobs",),
    job_ids=("news.notify",),
    demo=("appliance.community.demo_news_forums:ensure",),
    blueprints=("webui.news:bp", "webui.forums:bp", "webui.news_api:bp", "webui.forums_api:bp"),
    stats_service="actualites",
    tiles=(
        Tile("news", N_("Actualités"), N_("Les informations de l'établissement."), "news.index"),
        Tile("forums", N_("Forums"), N_("Les forums de vos classes."), "forums.index"),
    ),
    routes={
        "news.index": LOGGED_IN,
        "news.show": hidden(LOGGED_IN),
        "news.image": hidden(LOGGED_IN),
        "news.new": _NEWS_WRITE,
        "news.edit": _NEWS_EDIT,
        "news.delete": _NEWS_EDIT,
        "news.publish": _NEWS_PUBLISH,
        "news.unpublish": _NEWS_PUBLISH,
        "news.publishers": ADMIN_ONLY,
        "forums.index": _FORUM_MEMBERS,
        "forums.new": TEACHER_ONLY,
        "forums.show": hidden(_FORUM_MEMBERS),
        "forums.topic_new": hidden(_FORUM_MEMBERS),
        "forums.topic": hidden(_FORUM_MEMBERS),
        "forums.reply": hidden(_FORUM_MEMBERS),
        "forums.lock": hidden(_MODERATORS),
        "forums.hide": hidden(_MODERATORS),
        "forums.unhide": hidden(_MODERATORS),
        "news_api.news_list": api(LOGGED_IN),
        "news_api.news_one": api(hidden(LOGGED_IN)),
        "news_api.news_new": api(_NEWS_WRITE),
        "news_api.news_publish": api(_NEWS_PUBLISH),
        "forums_api.forum_list": api(_FORUM_MEMBERS),
        "forums_api.forum_new": api(TEACHER_ONLY),
        "forums_api.forum_one": api(hidden(_FORUM_MEMBERS)),
        "forums_api.subject_new": api(hidden(_FORUM_MEMBERS)),
        "forums_api.message_list": api(hidden(_FORUM_MEMBERS)),
        "forums_api.message_new": api(hidden(_FORUM_MEMBERS)),
        "forums_api.subject_lock": api(hidden(_MODERATORS)),
        "forums_api.message_hide": api(hidden(_MODERATORS)),
    },
    rules=(
        Rule("news.view", "anyone"),
        # A news item: its audience while it shows, its author, the direction, publishers.
        Rule("news.read", "anyone", "audience_of"),
        Rule("news.read", "anyone", "author_of"),
        Rule("news.read", "staff:DIR"),
        Rule("news.read", "anyone", "granted_publisher"),
        *grant(_NEWS_WRITERS, "news.write"),
        # For everyone or a profile: staff and the technician; for a class or a group:
        # them, and its teachers.
        *grant(("staff", "admin"), "news.address.school", "news.address.class"),
        Rule("news.address.class", "teacher", "teaches"),
        Rule("news.edit", "anyone", "author_of"),
        Rule("news.edit", "staff:DIR"),
        Rule("news.edit", "anyone", "granted_publisher"),
        # The direction publishes, and whoever the technician granted it to.
        Rule("news.publish", "staff:DIR"),
        Rule("news.publish", "anyone", "granted_publisher"),
        Rule("news.publishers.manage", "admin"),
        *grant(("student", "teacher"), "forums.view"),
        Rule("forums.create", "teacher"),
        Rule("forums.open", "teacher", "teaches"),
        Rule("forums.take_part", "student", "member_of"),
        Rule("forums.take_part", "teacher", "teaches"),
        Rule("forums.moderate", "teacher", "teaches"),
    ),
    blob_refs=("news.image_sha256",),
    exports=(
        "appliance.community.news:export_person",
        "appliance.community.forums:export_person",
    ),
    export_tables=("news", "news_audience", "news_publisher", "forum", "forum_topic", "forum_post"),
)
