"""The year's periods for the technician and the direction: set them, change an end of
entry or a class-council date, lock a period after its council (or unlock it)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.errors import CartableError
from appliance.schoollife import year
from appliance.schoollife.grades import periods
from webui.access import actor, conn, requires
from webui.grades import bp
from webui.messages import error_text


def _page(
    form: dict | None = None,
    error: str | None = None,
    error_field: str | None = None,
    status: int = 200,
):
    found = periods.list_periods(conn())
    if form is None:
        form = {
            "kind": found[0]["kind"] if found else "trimester",
            "ranges": "\n".join(f"{p['from']}:{p['to']}" for p in found),
        }
    return render_template(
        "grades/periods.html",
        periods=found,
        form=form,
        error=error,
        error_field=error_field,
        has_year=year.load_year(conn()) is not None,
    ), status


@bp.route("/notes/periodes", methods=["GET", "POST"], endpoint="periods")
@requires("grades.periods.edit")
def periods_page():
    if request.method == "GET":
        return _page()
    form = {"kind": request.form.get("kind", ""), "ranges": request.form.get("ranges", "")}
    lines = [line.strip() for line in form["ranges"].splitlines() if line.strip()]
    try:
        periods.set_periods(conn(), actor(), form["kind"], lines)
    except CartableError as exc:
        status = 409 if isinstance(exc, periods.PeriodLocked | year.YearNotSet) else 400
        return _page(form, error_text(exc), exc.field, status)
    flash(_("Périodes enregistrées."), "success")
    return redirect(url_for("grades.periods"))


def _period(period_id: int) -> dict:
    return periods.get_period(conn(), period_id)


@bp.route("/notes/periodes/<int:period_id>", methods=["POST"], endpoint="period_edit")
@requires("grades.periods.edit", target=_period)
def period_edit(period_id: int):
    try:
        periods.update_period(
            conn(),
            actor(),
            period_id,
            entry_end=request.form.get("entry_end") or None,
            council_date=request.form.get("council_date") or None,
            clear_council="council_date" in request.form and not request.form["council_date"],
        )
    except CartableError as exc:
        flash(error_text(exc), "error")
    else:
        flash(_("Période enregistrée."), "success")
    return redirect(url_for("grades.periods"))


@bp.route("/notes/periodes/<int:period_id>/verrou", methods=["POST"], endpoint="period_lock")
@requires("grades.periods.edit", target=_period)
def period_lock(period_id: int):
    locked = request.form.get("locked") == "1"
    found = periods.set_locked(conn(), actor(), period_id, locked)
    if locked:
        flash(
            _(
                "%(name)s verrouillé : ses notes et appréciations ne peuvent plus changer ; les "
                "familles peuvent télécharger les bulletins.",
                name=_(found["name"]),
            ),
            "success",
        )
    else:
        flash(_("%(name)s déverrouillé.", name=_(found["name"])), "success")
    return redirect(url_for("grades.periods"))
