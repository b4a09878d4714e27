"""The technician's school-life pages: the school year, and the timetable import
(upload, preview, apply, abandon) with its history."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import timefmt
from appliance.directory import uploads
from appliance.directory.imports.records import UnreadableFile
from appliance.errors import CartableError, NotFound
from appliance.schoollife import import_actions, timetable, year
from appliance.schoollife.import_actions import PENDING
from webui import paging
from webui.access import actor, box, conn, requires
from webui.messages import error_text
from webui.schoollife import bp

RUNS_PAGE = 20  # imports a page of the history


# --- the school year -------------------------------------------------------------------


def _holiday_lines(holidays) -> str:
    return "\n".join(
        f"{timefmt.fmt_date(first)} au {timefmt.fmt_date(last)}" for first, last in holidays
    )


@bp.route("/admin/annee-scolaire", methods=["GET", "POST"], endpoint="year")
@requires("schoollife.year.edit")
def year_page():
    current = year.load_year(conn())
    form = {
        "start": current.start.isoformat() if current else "",
        "end": current.end.isoformat() if current else "",
        "a_week": current.a_week.isoformat() if current and current.a_week else "",
        "holidays": _holiday_lines(current.holidays) if current else "",
    }
    error = error_field = None
    status = 200
    if request.method == "POST":
        form = {k: request.form.get(k, "").strip() for k in form}
        lines = [line for line in form["holidays"].splitlines() if line.strip()]
        try:
            year.set_year(
                conn(), actor(), form["start"], form["end"], form["a_week"] or None, lines
            )
        except CartableError as exc:
            error, error_field, status = error_text(exc), exc.field, 400
        else:
            flash(_("Année scolaire enregistrée."), "success")
            return redirect(url_for("schoollife.year"))
    return render_template(
        "schoollife/year.html",
        form=form,
        info=year.info_of(current) if current else None,
        error=error,
        error_field=error_field,
    ), status


# --- the timetable import ----------------------------------------------------------------


def _data_dir():
    return box().config.data_dir


def _from_arg(raw: str | None):
    return year.parse_day(raw, "from") if raw else year.local_today()


def _imports_page(error: str | None = None, status: int = 200, from_value: str = ""):
    page, pages = paging.clamp(paging.page_arg(), timetable.count_imports(conn()), RUNS_PAGE)
    return render_template(
        "schoollife/timetable_imports.html",
        error=error,
        has_year=year.load_year(conn()) is not None,
        today=from_value or year.local_today().isoformat(),
        runs=timetable.list_imports(conn(), limit=RUNS_PAGE, offset=(page - 1) * RUNS_PAGE),
        page=page,
        pages=pages,
    ), status


@bp.route("/admin/emploi-du-temps", endpoint="timetable_imports")
@requires("schoollife.timetable.import")
def timetable_imports():
    return _imports_page()


@bp.route("/admin/emploi-du-temps", methods=["POST"], endpoint="timetable_upload")
@requires("schoollife.timetable.import")
def timetable_upload():
    upload = request.files.get("file")
    raw_from = (request.form.get("from") or "").strip()
    if upload is None or not upload.filename:
        return _imports_page(
            _("Aucun fichier reçu : choisissez le fichier de l'emploi du temps, puis recommencez."),
            400,
            raw_from,
        )
    try:
        start = _from_arg(raw_from)
        pending = import_actions.upload(
            conn(),
            _data_dir(),
            upload.filename,
            upload.stream,
            effective_from=start,
            actor=actor(),
        )
    except CartableError as exc:
        return _imports_page(error_text(exc), 400, raw_from)
    return redirect(
        url_for("schoollife.timetable_preview", token=pending.token, **{"from": start.isoformat()})
    )


def _pending(token: str) -> uploads.PendingImport:
    try:
        return uploads.load(_data_dir(), token, root=PENDING)
    except NotFound:
        abort(404)


def _plan_or_page(pending: uploads.PendingImport, raw_from: str | None):
    """(plan, None), or (None, the upload page with the reason) when it can't be planned."""
    try:
        return timetable.plan(conn(), pending.files[0], effective_from=_from_arg(raw_from)), None
    except year.YearNotSet as exc:
        return None, _imports_page(error_text(exc), 409)
    except UnreadableFile as exc:
        uploads.discard(_data_dir(), pending.token, root=PENDING)
        return None, _imports_page(error_text(exc), 400)
    except CartableError as exc:
        return None, _imports_page(error_text(exc), 400)


def _preview_page(token: str, plan: timetable.TimetablePlan, notice: str | None = None,
                  status: int = 200):  # fmt: skip
    problems = [{**p.to_json(), "message": error_text(p)} for p in plan.sorted_problems()]
    return render_template(
        "schoollife/timetable_preview.html",
        token=token,
        plan=plan,
        counts=plan.counts(),
        problems=problems,
        audiences=plan.by_audience(),
        notice=notice,
    ), status


@bp.route("/admin/emploi-du-temps/apercu/<token>", endpoint="timetable_preview")
@requires("schoollife.timetable.import")
def timetable_preview(token: str):
    pending = _pending(token)
    plan, page = _plan_or_page(pending, request.args.get("from"))
    if plan is None:
        return page
    return _preview_page(token, plan)


@bp.route(
    "/admin/emploi-du-temps/apercu/<token>/appliquer",
    methods=["POST"],
    endpoint="timetable_apply",
)
@requires("schoollife.timetable.import")
def timetable_apply(token: str):
    pending = _pending(token)
    plan, page = _plan_or_page(pending, request.form.get("from"))
    if plan is None:
        return page
    refused = None
    if not plan.applicable:
        refused = ("errors", _(
            "Ce fichier a des erreurs : rien n'a été écrit. Corrigez-le (voir les problèmes "
            "ci-dessous), puis envoyez-le à nouveau."
        ))  # fmt: skip
    elif request.form.get("digest") != plan.digest:
        refused = ("changed", _(
            "L'emploi du temps a changé depuis l'aperçu que vous avez lu (un autre import) : "
            "rien n'a été écrit. Voici l'aperçu à jour ; relisez-le, puis appliquez-le."
        ))  # fmt: skip
    if refused is not None:
        import_actions.refuse_apply(conn(), actor(), reason=refused[0], errors=len(plan.errors))
        return _preview_page(token, plan, refused[1], 409 if refused[0] == "changed" else 400)
    result = timetable.apply(conn(), plan, actor())
    uploads.discard(_data_dir(), token, root=PENDING)
    flash(
        _(
            "Emploi du temps importé (import n° %(n)s) : %(lessons)s cours créés, %(replaced)s "
            "remplacés.",
            n=result.import_id,
            lessons=result.lessons,
            replaced=result.replaced,
        ),
        "success",
    )
    return redirect(url_for("schoollife.timetable_imports"))


@bp.route(
    "/admin/emploi-du-temps/apercu/<token>/abandonner",
    methods=["POST"],
    endpoint="timetable_cancel",
)
@requires("schoollife.timetable.import")
def timetable_cancel(token: str):
    _pending(token)
    import_actions.abandon(conn(), _data_dir(), token, actor=actor())
    flash(_("Import abandonné : le fichier envoyé a été effacé du serveur."), "info")
    return redirect(url_for("schoollife.timetable_imports"))
