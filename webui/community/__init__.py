"""Messages in the web UI (issue 12): the folders, reading, writing (with a recipient
search that needs no JavaScript), replies, drafts, the trash, one's own folders, recall,
and the communication rules' matrix (shown to everyone, changed by the technician).

Views parse the form, ask the policy (through `requires`, and the services ask the
communication rules for every recipient) and call `appliance.community`; they hold no
SQL. The routes live in the modules imported below, all on this one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("community", __name__)

from webui.community import views_compose, views_mailbox, views_rules  # noqa: E402

__all__ = ["bp", "views_compose", "views_mailbox", "views_rules"]
