"""Imports in the web UI: upload, preview, apply, abandon, history; credentials slips."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.directory import browse, credentials, history, import_actions, reconcile, uploads
from appliance.directory.apply import PlanHasErrors, StalePlan
from appliance.directory.imports.records import UnreadableFile
from appliance.directory.people import PROFILES
from appliance.errors import CartableError, NotFound
from appliance.school import get_school
from webui.access import actor, box, conn, current_person, requires
from webui.directory import bp, preview
from webui.directory.common import attachment, int_field
from webui.messages import error_text

SLIP_PROFILES = [p for p in PROFILES if p != "admin"]


def _data_dir():
    return box().config.data_dir


def _pending(token: str) -> uploads.PendingImport:
    try:
        return uploads.load(_data_dir(), token)
    except NotFound:
        abort(404)


def _plan(pending: uploads.PendingImport) -> reconcile.Plan:
    year = box().config.get("directory.school_year") or None
    return reconcile.plan(conn(), pending.files, full=pending.full, school_year=year)


def _upload_page(error: str | None = None, status: int = 200):
    return render_template(
        "directory/imports.html", error=error, recent=history.list_imports(conn(), limit=5)
    ), status


def _preview_page(pending, plan, *, notice: str | None = None, status: int = 200):
    data = plan.to_json()
    data["problems"] = [{**p.to_json(), "message": error_text(p)} for p in plan.problems]
    return render_template(
        "directory/preview.html",
        token=pending.token,
        plan=data,
        full=pending.full,
        count_rows=preview.count_rows(data),
        columns=preview.COLUMNS,
        rollover=preview.rollover(data),
        problems=preview.problems(data),
        details=preview.details(data),
        notice=notice,
    ), status


@bp.route("/annuaire/imports", endpoint="imports")
@requires("directory.import")
def imports_page():
    return _upload_page()


@bp.route("/annuaire/imports", methods=["POST"], endpoint="import_upload")
@requires("directory.import")
def import_upload():
    files = request.files.getlist("files")
    full = request.form.get("full") == "1"
    try:
        pending = import_actions.upload(
            conn(),
            _data_dir(),
            [(f.filename or "", f.stream) for f in files],
            full=full,
            actor=actor(),
        )
    except CartableError as exc:
        return _upload_page(error_text(exc), 400)
    return redirect(url_for("directory.import_preview", token=pending.token))


@bp.route("/annuaire/imports/apercu/<token>")
@requires("directory.import")
def import_preview(token: str):
    pending = _pending(token)
    try:
        plan = _plan(pending)
    except UnreadableFile as exc:
        uploads.discard(_data_dir(), token)
        return _upload_page(error_text(exc), 400)
    return _preview_page(pending, plan)


def _refusal(exc: CartableError) -> tuple[str, str]:
    """A refused apply (logged by the service) as (reason, message)."""
    if isinstance(exc, PlanHasErrors):
        return "errors", _(
            "Cet import a des erreurs : rien n'a été appliqué. Corrigez les fichiers "
            "(voir les problèmes ci-dessous), puis envoyez-les à nouveau."
        )
    if isinstance(exc, import_actions.PreviewOutdated):
        return "changed", _(
            "L'annuaire a changé depuis l'aperçu que vous avez lu (un autre import, un "
            "compte créé ou modifié) : rien n'a été appliqué. Voici l'aperçu à jour ; "
            "relisez-le, puis appliquez-le."
        )
    return "changed", _(
        "L'annuaire a changé pendant l'application : rien n'a été appliqué. "
        "Relisez l'aperçu à jour, puis appliquez-le."
    )


@bp.route("/annuaire/imports/apercu/<token>/appliquer", methods=["POST"])
@requires("directory.import")
def import_apply(token: str):
    pending = _pending(token)
    try:
        plan = _plan(pending)
    except UnreadableFile as exc:
        uploads.discard(_data_dir(), token)
        return _upload_page(error_text(exc), 400)
    try:
        # No initial password now: the slips printed next issue them (printing again
        # would replace them anyway, and the apply stays fast).
        result = import_actions.apply_previewed(
            conn(), plan, digest=request.form.get("digest"), actor=actor()
        )
    except (PlanHasErrors, StalePlan) as exc:
        reason, notice = _refusal(exc)
        status = 409 if reason == "changed" else 400
        return _preview_page(pending, plan, notice=notice, status=status)
    uploads.discard(_data_dir(), token)
    flash(_("Import n° %(n)s appliqué.", n=result.import_id), "success")
    return redirect(url_for("directory.import_detail", import_id=result.import_id))


@bp.route("/annuaire/imports/apercu/<token>/abandonner", methods=["POST"])
@requires("directory.import")
def import_cancel(token: str):
    _pending(token)
    import_actions.abandon(conn(), _data_dir(), token, actor=actor())
    flash(_("Import abandonné : les fichiers envoyés ont été effacés du serveur."), "info")
    return redirect(url_for("directory.imports"))


@bp.route("/annuaire/imports/historique")
@requires("directory.import")
def import_history():
    return render_template("directory/history.html", runs=history.list_imports(conn(), 200))


@bp.route("/annuaire/imports/historique/<int:import_id>")
@requires("directory.import")
def import_detail(import_id: int):
    try:
        run = history.get_import(conn(), import_id)
    except NotFound:
        abort(404)
    latest = history.list_imports(conn(), limit=1)
    return render_template(
        "directory/import_detail.html",
        run=run,
        count_rows=preview.count_rows({"counts": run["counts"]}),
        columns=preview.COLUMNS,
        is_latest=bool(latest) and latest[0]["id"] == import_id,
    )


def _portal_url() -> str:
    school = get_school(conn()) or {}
    return (box().config["web.public_url"] or school.get("portal_url") or request.host_url).rstrip(
        "/"
    )


@bp.route("/annuaire/fiches", methods=["GET", "POST"])
@requires("directory.credentials")
def credentials_page():
    classes = [c for c in browse.list_classes(conn()) if not c["retired_at"]]
    form = {
        "class_code": request.form.get("class_code") or None,
        "profile": request.form.get("profile") or None,
        "new_since_import": int_field("new_since_import"),
    }
    page = {
        "classes": classes,
        "profiles": SLIP_PROFILES,
        "runs": history.list_imports(conn(), limit=20),
        "form": form,
    }
    if request.method == "GET":
        return render_template("directory/credentials.html", **page)
    error = None
    if form["profile"] not in (None, *SLIP_PROFILES):
        error = _("Profil inconnu : choisissez dans la liste.")
    elif form["class_code"] and form["class_code"] not in {c["code"] for c in classes}:
        error = _("Classe inconnue : choisissez dans la liste.")
    elif request.form.get("confirm") != "1":
        error = _(
            "Cochez la case de confirmation : imprimer ces fiches remplace les mots de passe "
            "actuels des comptes choisis."
        )
    if error:
        return render_template("directory/credentials.html", error=error, **page), 400
    school = get_school(conn()) or {}
    try:
        pdf, _count = credentials.issue_credentials(
            conn(),
            **form,
            portal_url=_portal_url(),
            school_name=school.get("name", ""),
            actor=current_person()["login"],
        )
    except CartableError as exc:
        return render_template("directory/credentials.html", error=error_text(exc), **page), 400
    what = (
        form["class_code"]
        or form["profile"]
        or (f"import-{form['new_since_import']}" if form["new_since_import"] else "tous")
    )
    return attachment(pdf, f"fiches-connexion-{what}-{date.today()}.pdf", "application/pdf")
