"""Who is asking: the current person, their address, and the decorator every view uses.

`requires(action)` sends an anonymous visitor to the login page and answers 403 to a
person the policy refuses; the policy itself lives in `appliance.security.policy`.
"""

from __future__ import annotations

import functools

from flask import abort, g, redirect, request, session, url_for
from flask.globals import _cv_app

from appliance.errors import NotFound
from appliance.security import policy
from appliance.security.audit import Actor


def client_ip() -> str:
    """The client's address (waitress puts the real one here when behind a trusted proxy)."""
    return request.remote_addr or "?"


# Read a dozen times per page: the app context straight from its context variable costs
# less than through the `current_app` and `g` proxies (the same objects; the same error
# outside a context).


def _app_ctx():
    ctx = _cv_app.get(None)
    if ctx is None:
        raise RuntimeError("Working outside of application context.")
    return ctx


def conn():
    """This thread's database connection."""
    return _app_ctx().app.extensions["cartable.box"].conn()


def box():
    return _app_ctx().app.extensions["cartable.box"]


def current_person() -> dict | None:
    return _app_ctx().g.get("person")


def actor() -> Actor:
    """The logged-in person as the audit log's actor, with their address: the one way a
    view names who acts."""
    p = current_person()
    return Actor(p["id"], p["login"], client_ip())


def requires(action: str, target=None):
    """Decorate a view: logged in, and the policy allows `action`, or redirect / 403.

    For an action on a thing, `target` is a function given the view's URL arguments that
    returns the thing (a dict) or raises NotFound; the policy is asked about that thing
    and the view finds it in `g.target`. A thing that does not exist and a thing the
    person may not see both answer 404, the same page: an id in a URL tells nothing.
    """

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            person = current_person()
            if person is None:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            thing = None
            if target is not None:
                try:
                    thing = target(**kwargs)
                except NotFound:
                    abort(404)
            if not policy.may(person, action, thing, conn=conn()):
                abort(403 if target is None else 404)
            g.target = thing
            return view(*args, **kwargs)

        wrapper.required_action = action
        return wrapper

    return decorate


def ask(action: str, target: dict | None = None) -> bool:
    """The policy's answer for the current person (for links and buttons in templates)."""
    # Without a target no relation is computed: no connection needed.
    return policy.may(current_person(), action, target, conn() if target is not None else None)


def selected_child(children: list[dict]) -> dict | None:
    """The child a parent chose to follow (the picker keeps it in the session), the only
    one when there is one, else None (the parent must choose)."""
    wanted = session.get("child_id")
    for child in children:
        if child["id"] == wanted:
            return child
    return children[0] if len(children) == 1 else None
