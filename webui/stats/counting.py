"""The counting of visits for the usage statistics, wired by the app factory
(`register`): after each request, a cheap look-up and, at most once a minute per session
and service, a count in the process's `appliance.stats.counting.UsageCounter`.

Counted: a request of a logged-in person (session cookie or API token) to a page or API
route of a service of the taxonomy (each feature's `stats_service`), answered without an
error (below 400). Not counted: static files, anonymous requests (the login page, the
health probe's), the pages that serve no service (administration, health, backups,
account settings, these statistics), refused or failed requests.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, g, request, session

from appliance import features
from appliance.stats import counting, taxonomy

_UNKNOWN = object()


def service_tables(feature_list: Sequence[features.Feature]):
    """(by blueprint, by endpoint): the taxonomy service of each feature's blueprints."""
    return taxonomy.service_table(
        (
            f.name,
            f.stats_service,
            f.stats_services,
            [features.resolve(ref).name for ref in f.blueprints],
        )
        for f in feature_list
    )


def register(app: Flask, box, feature_list: Sequence[features.Feature]) -> None:
    """Count the app's visits in the box's counter (nothing when `stats.enabled` is off)."""
    if not counting.enabled(box.config):
        return
    tables = service_tables(feature_list)
    counter = counting.counter_for(box)
    services: dict[str | None, object] = {}
    app.extensions["cartable.stats_counter"] = counter

    def count_visit(response):
        # Each proxy is resolved once (a proxy's attribute costs microseconds, per access).
        req = request._get_current_object()
        endpoint = req.endpoint
        service = services.get(endpoint, _UNKNOWN)
        if service is _UNKNOWN:
            service = services[endpoint] = taxonomy.service_of(endpoint, tables)
        if service is None or response.status_code >= 400:
            return response
        ctx_g = g._get_current_object()
        person = ctx_g.get("person")
        if person is None:
            return response
        if ctx_g.get("api_auth") == "token":
            key = req.headers.get("Authorization")
        else:
            key = session._get_current_object().get("sid")
        if key:
            counter.visit(key, person["id"], person["profile"], service)
        return response

    app.after_request(count_visit)
