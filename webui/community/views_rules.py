"""The communication rules as a plain matrix: read by everyone (who may write to whom is
no secret), changed by the technician; each change is audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.community import rules
from appliance.errors import CartableError
from webui.access import actor, conn, requires
from webui.community import bp
from webui.messages import error_text


def _matrix() -> dict:
    table = {(r["from"], r["to"]): r["scope"] for r in rules.table(conn())}
    return {
        "profiles": rules.PROFILES,
        "cells": table,
        "headers": rules.HEADERS,
        "scope_labels": rules.SCOPE_LABELS,
        "choices": {(f, t): rules.scopes_for(f, t) for f in rules.PROFILES for t in rules.PROFILES},
    }


@bp.route("/messages/regles", endpoint="rules_public")
@requires("messages.use")
def rules_public():
    return render_template("community/rules.html", editable=False, **_matrix())


@bp.route("/admin/communication", endpoint="rules")
@requires("comm_rules.view")
def rules_page():
    return render_template(
        "community/rules.html", editable=True, history=rules.history(conn()), **_matrix()
    )


@bp.route("/admin/communication", methods=["POST"])
@requires("comm_rules.edit")
def rules_set():
    changed, errors = 0, []
    for f in rules.PROFILES:
        for t in rules.PROFILES:
            wanted = request.form.get(f"rule-{f}-{t}")
            if wanted is None:
                continue
            decision, scope = ("deny", None) if wanted == "deny" else ("allow", wanted)
            try:
                done = rules.set_rule(conn(), actor(), f, t, decision, scope)
            except CartableError as exc:
                errors.append(error_text(exc))
                continue
            changed += done["changed"]
    for message in errors:
        flash(message, "error")
    flash(_("%(n)s règle(s) changée(s).", n=changed), "success")
    return redirect(url_for("community.rules"))
