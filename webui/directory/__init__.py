"""The directory in the web UI: imports (upload, preview, apply, history), credentials
slips, classes and groups, a teacher's students, and the download of a person's data.

Views parse the form, ask the policy (through `requires`) and call the services of
`appliance.directory`; they hold no SQL. The routes live in the modules imported below,
all on this one blueprint.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("directory", __name__)

from webui.directory import views_accounts, views_browse, views_imports, views_jobs  # noqa: E402

__all__ = ["bp", "views_accounts", "views_browse", "views_imports", "views_jobs"]
