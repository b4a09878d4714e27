"""The JSON API of the usage statistics (issue 14's contract):

    GET /api/v1/stats/usage?from&to   (technician, direction)
        → {"items": [{"date", "service", "profile", "visits", "people"}], "next"?}

By date, service, profile; the last 30 days by default; long periods are paged
(`limit`, `cursor`: `webui.api.paging`)."""

from __future__ import annotations

from appliance.i18n import N_
from appliance.stats import usage
from appliance.stats.taxonomy import PROFILES, SERVICES
from webui.access import conn
from webui.api import ApiBlueprint, PageRequest
from webui.api.core import ApiError

bp = ApiBlueprint("stats_api", __name__, tag="stats")

_DAY = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
ITEM = {
    "type": "object",
    "required": ["date", "service", "profile", "visits", "people"],
    "properties": {
        "date": {"type": "string", "format": "date"},
        "service": {"enum": list(SERVICES)},
        "profile": {"enum": list(PROFILES)},
        "visits": {"type": "integer", "minimum": 0},
        "people": {"type": "integer", "minimum": 0},
    },
}


def _after(page: PageRequest) -> tuple[str, str, str] | None:
    key = page.after
    if key is None:
        return None
    if len(key) != 3 or not all(isinstance(v, str) for v in key):
        raise ApiError(
            400,
            "bad_cursor",
            N_("Curseur de liste invalide : reprenez la liste au début."),
            field="cursor",
        )
    return key[0], key[1], key[2]


@bp.api_route(
    "/stats/usage",
    action="stats.view",
    query={
        "from": {**_DAY, "description": "Premier jour (compris) ; 30 jours avant `to` par défaut."},
        "to": {**_DAY, "description": "Dernier jour (compris) ; aujourd'hui par défaut."},
    },
    paginated=True,
    response=ITEM,
    errors=(422,),
    endpoint="usage",
)
def usage_list(query: dict, page: PageRequest):
    """Visits and distinct people per day, service and profile (aggregates only)."""
    first, last = usage.period(query.get("from"), query.get("to"))
    found = usage.items(conn(), first, last, after=_after(page), limit=page.fetch)
    return page.answer(found, key=lambda r: [r["date"], r["service"], r["profile"]])
