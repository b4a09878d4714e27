"""What every route of the web UI answers to each profile: the table the policy is tested
against (tests/integration/test_route_access.py walks every route of the app with every
profile). A route without a row fails that test.

Each feature writes its routes' rows in its entry of `appliance/features.py`, with the
words of `route_rows.py` (200, 403, 404, "login"; PUBLIC, ADMIN_ONLY, hidden()…);
`ROUTES` gathers them.
"""

from __future__ import annotations

from collections.abc import Iterable

from appliance import features as features_mod
from appliance.security.route_rows import PROFILES, STAFF_FUNCTIONS, Row

__all__ = ["NO_LOGIN_NEEDED", "PROFILES", "ROUTES", "STAFF_FUNCTIONS", "gather"]

# Routes that serve a visitor who is not logged in (every other view asks the policy).
NO_LOGIN_NEEDED = {
    "static",
    "auth.login",
    "auth.totp_challenge",
    "auth.set_locale",
    "portal.accessibility",
    # A person's iCal feed: the secret in its address is the key (throttled when wrong).
    "schoollife.ical_feed",
    "api.openapi_document",
}


def gather(features: Iterable[features_mod.Feature] | None = None) -> dict[str, Row]:
    """Every feature's rows in one table; an endpoint given by two features raises ValueError."""
    table: dict[str, Row] = {}
    for feature in features_mod.FEATURES if features is None else features:
        for endpoint, row in feature.routes.items():
            if endpoint in table:
                raise ValueError(f"route {endpoint} has a row in two features")
            table[endpoint] = dict(row)
    return table


ROUTES: dict[str, Row] = gather()
