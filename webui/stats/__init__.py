"""The usage statistics page (issue 14), for the technician and the direction: the last
30 days' visits per day, per service and per profile, and the activated vs imported
accounts, as server-side SVG charts (`appliance.stats.charts`) with their numbers in
tables. The counting of visits is `webui.stats.counting` (wired by the app factory); the
JSON API is `webui.stats.api`."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from markupsafe import Markup

from appliance.health import chart
from appliance.stats import charts, usage
from appliance.stats.taxonomy import PROFILES, SERVICES
from webui.access import conn, requires

bp = Blueprint("stats", __name__, url_prefix="/statistiques")


def _drawn(draw, chart_id: str, **kwargs) -> dict:
    return {
        key: Markup(draw(chart_id=chart_id + suffix, layout=layout, **kwargs))  # noqa: S704 - escaped by the drawer
        for key, layout, suffix in (("svg", chart.WIDE, ""), ("svg_narrow", chart.NARROW, "-n"))
    }


@bp.route("/")
@requires("stats.view")
def index():
    c = conn()
    first, last = usage.period(None, None)
    per_day = usage.daily_visits(c, first, last)
    services = usage.by_service(c, first, last)
    profiles = usage.by_profile(c, first, last)
    accounts = usage.accounts(c)
    title_day = _("Visites par jour")
    title_service = _("Visites par service")
    title_profile = _("Visites par profil")
    title_accounts = _("Comptes activés sur comptes importés")
    figures = [
        {"title": title_day, **_drawn(charts.daily, "stats-days", values=per_day, title=title_day)},
        {
            "title": title_service,
            **_drawn(
                charts.bars,
                "stats-services",
                rows=[(_(SERVICES[r["service"]]), r["visits"], None) for r in services],
                title=title_service,
            ),
        },
        {
            "title": title_profile,
            **_drawn(
                charts.bars,
                "stats-profiles",
                rows=[(_(PROFILES[r["profile"]]), r["visits"], None) for r in profiles],
                title=title_profile,
            ),
        },
        {
            "title": title_accounts,
            **_drawn(
                charts.bars,
                "stats-accounts",
                rows=[(_(PROFILES[r["profile"]]), r["activated"], r["imported"]) for r in accounts],
                title=title_accounts,
                of_label=_("sur"),
            ),
        },
    ]
    return render_template(
        "stats/index.html",
        first=first,
        last=last,
        figures=figures,
        services=services,
        profiles=profiles,
        accounts=accounts,
        service_labels=SERVICES,
        profile_labels_stats=PROFILES,
        total=sum(v for _d, v in per_day),
    )
