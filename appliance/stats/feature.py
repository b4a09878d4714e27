"""The manifest entry of the usage statistics (issue 14), imported by
`appliance/features.py` into `FEATURES` (one list, one entry each).

The counting itself is wired by the web app's factory (`webui/stats/counting.py`) from
every feature's `stats_service`; the flush is a thread of the web process
(`appliance.stats.counting.start_flusher`, started by `cartable serve` and `run`)."""

from __future__ import annotations

from appliance.features import Feature
from appliance.i18n import N_
from appliance.portal.tiles import Tile
from appliance.security.route_rows import ADMIN_ONLY, api
from appliance.security.rules import grant

# The technician and the direction (the walk's staff_dir).
_READERS = {**ADMIN_ONLY, "staff_dir": 200}

STATS: Feature = Feature(
    name="stats",
    demo=("appliance.stats.demo:ensure",),
    config_keys=("appliance.stats.config_keys",),
    migrations="appliance.stats.migrations",
    cli=("appliance.stats.cli",),
    blueprints=("webui.stats:bp", "webui.stats.api:bp"),
    tiles=(
        Tile(
            "stats",
            N_("Statistiques d'usage"),
            N_("Fréquentation des services, comptes activés."),
            "stats.index",
        ),
    ),
    routes={
        "stats.index": _READERS,
        "stats_api.usage": api(_READERS),
    },
    rules=grant(("admin", "staff:DIR"), "stats.view"),
)
