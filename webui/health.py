"""The health of the server, for the technician: state at a glance, charts, disks, alerts,
the diagnosis with its silences, and the support bundle. Also the alert banner of the
admin area (a context value read by `admin/_nav.html`)."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from appliance.errors import CartableError
from appliance.health import alerts, chart, wiring
from appliance.health.diagnosis import CATEGORIES, category_status
from appliance.i18n import N_
from appliance.security import policy
from webui.access import actor, box, current_person, requires
from webui.formats import datetime_fr
from webui.messages import error_text

log = logging.getLogger("cartable.web")

bp = Blueprint("health", __name__, url_prefix="/admin/sante")


# The diagnosis' category labels (appliance.health.diagnosis.CATEGORIES), for translation.
CATEGORY_LABELS = {
    "resources": N_("Ressources du système"),
    "disks": N_("Disques et SMART"),
    "temperatures": N_("Températures et ventilateurs"),
    "power": N_("Alimentation et onduleur"),
    "services": N_("Services"),
    "backups": N_("Sauvegardes"),
    "time": N_("Heure et certificats"),
    "updates": N_("Mises à jour"),
}
STATUS_LABELS = {
    "success": N_("Bon"),
    "info": N_("Information"),
    "warning": N_("Avertissement"),
    "error": N_("Erreur"),
}
LEVEL_LABELS = {"warning": N_("Avertissement"), "critical": N_("Critique")}
VERDICT_LABELS = {
    "ok": N_("Bon état"),
    "warning": N_("À surveiller"),
    "critical": N_("Défaillance probable"),
    "unknown": N_("Inconnu"),
}
PERIODS = {
    "hour": N_("Dernière heure"),
    "day": N_("24 heures"),
    "week": N_("7 jours"),
    "month": N_("30 jours"),
    "year": N_("12 mois"),
}
DEFAULT_PERIOD = "day"


def _category_label(cat: str) -> str:
    return _(CATEGORY_LABELS.get(cat, CATEGORIES.get(cat, cat)))


def _glance(results: list[dict]) -> list[dict]:
    return [
        {"category": cat, "label": _category_label(cat), **state}
        for cat, state in category_status(results).items()
    ]


def _charts(store, settings, period: str, now: float) -> list[tuple[str, list[dict]]]:
    """[(group label, [{"title", "svg", "svg_narrow"}])] for the period: each chart in
    the wide layout and in the phone one (the style sheet shows one of them)."""
    groups: dict[str, list[dict]] = {}
    for spec in wiring.chart_specs(store, settings):
        title = _(spec["title"], name=spec["name"])
        drawn = {}
        for key, layout, suffix in (("svg", chart.WIDE, ""), ("svg_narrow", chart.NARROW, "-n")):
            svg = chart.chart_for(
                store,
                spec["series"],
                period,
                now=now,
                title=title,
                unit=spec["unit"],
                y_min=spec["y_min"],
                y_max=spec["y_max"],
                thresholds=[(v, _(label)) for v, label in spec["thresholds"]],
                chart_id="chart-"
                + "".join(c if c.isalnum() else "-" for c in spec["series"])
                + suffix,
                **layout,
            )
            # Built by chart.render_chart, which escapes every text it holds.
            drawn[key] = Markup(svg)  # noqa: S704
        groups.setdefault(_(spec["group"]), []).append({"title": title, **drawn})
    return list(groups.items())


@bp.app_template_filter("health_time")
def health_time(epoch: float | None) -> str:
    """An epoch as « 29/11/2026 17:56 » in the school's zone, "" for None."""
    return datetime_fr(epoch or None)


@bp.app_context_processor
def _health_banner() -> dict:
    """`health_banner` ({"level", "count", "alerts"}) for the technician's pages; None
    when metrics.db can't be read (a missing history must never break a page)."""
    person = current_person()
    if not person or not policy.may(person, "admin.health.view"):
        return {}
    try:
        with wiring.opened_store(box().config) as store:
            if store is None:
                return {"health_banner": None}
            return {"health_banner": alerts.banner(store.conn, time.time())}
    except Exception as exc:  # noqa: BLE001 - the banner is an extra; the page must render
        log.warning("bandeau de santé indisponible : %s", exc)
        return {"health_banner": None}


@bp.route("/")
@requires("admin.health.view")
def index():
    period = request.args.get("periode", DEFAULT_PERIOD)
    if period not in chart.RANGES:
        period = DEFAULT_PERIOD
    config = box().config
    settings = wiring.health_settings(config)
    now = time.time()
    with wiring.opened_store(config) as store:
        results = wiring.diagnose(box(), "web", store, now=now)
        charts = _charts(store, settings, period, now)
        disks = wiring.disk_reports(store, settings, now)
        active = alerts.active_alerts(store.conn, now) if store else []
        since = now - wiring.HISTORY_DAYS * 86400
        history = alerts.alert_history(store.conn, since=since, limit=100) if store else []
    return render_template(
        "health/index.html",
        glance=_glance(results),
        status_labels=STATUS_LABELS,
        level_labels=LEVEL_LABELS,
        verdict_labels=VERDICT_LABELS,
        category_labels=CATEGORY_LABELS,
        periods=PERIODS,
        period=period,
        charts=charts,
        disks=disks,
        active=active,
        history=history,
        has_metrics=store is not None,
        history_days=wiring.HISTORY_DAYS,
    )


@bp.route("/diagnostic")
@requires("admin.health.view")
def diagnosis():
    config = box().config
    now = time.time()
    with wiring.opened_store(config) as store:
        results = wiring.diagnose(box(), "web", store, now=now)
        silences = list(alerts.active_silences(store.conn, now).values()) if store else []
        open_alerts = alerts.active_alerts(store.conn, now) if store else []
        known = wiring.silenceable_keys(results, store)
    glance = {g["category"]: g for g in _glance(results)}
    groups = [(glance[cat], [r for r in results if r["category"] == cat]) for cat in CATEGORIES]
    return render_template(
        "health/diagnosis.html",
        groups=groups,
        status_labels=STATUS_LABELS,
        silences=silences,
        silenceable=known,
        open_alerts=open_alerts,
        open_keys={a["key"] for a in open_alerts},
        errors=sum(1 for r in results if r["status"] == "error"),
        warnings=sum(1 for r in results if r["status"] == "warning" and not r["silenced"]),
    )


@bp.route("/sourdine", methods=["POST"])
@requires("admin.health.silence")
def silence():
    key = request.form.get("key", "").strip()[:200]
    reason = request.form.get("reason", "").strip()[:500]
    with wiring.opened_store(box().config, write=True) as store:
        try:
            known = wiring.silenceable_keys(wiring.diagnose(box(), "web", store), store)
            wiring.silence(box(), store, key, reason, actor(), known=known)
            flash(_("Avertissement « %(key)s » mis en sourdine.", key=key), "success")
        except CartableError as exc:
            flash(error_text(exc), "error")
    return redirect(url_for("health.diagnosis"))


@bp.route("/sourdine/lever", methods=["POST"])
@requires("admin.health.silence")
def unsilence():
    key = request.form.get("key", "").strip()[:200]
    with wiring.opened_store(box().config, write=True) as store:
        try:
            wiring.unsilence(box(), store, key, actor())
            flash(_("Avertissement « %(key)s » de nouveau signalé.", key=key), "success")
        except CartableError as exc:
            flash(error_text(exc), "error")
    return redirect(url_for("health.diagnosis"))


@bp.route("/paquet-assistance", methods=["POST"])
@requires("admin.health.bundle")
def bundle():
    with wiring.opened_store(box().config) as store:
        data = wiring.support_bundle(box(), "web", store, actor())
    return Response(
        data,
        mimetype="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{wiring.bundle_name()}"'},
    )
