"""The manifest entry of the files (issue 14), imported by `appliance/features.py` into
`FEATURES` (one list, one entry each). The quota ledger it brings (`quota.py`) is used by
every service that stores a person's contents."""

from __future__ import annotations

from appliance.features import Feature

FILES: Feature = Feature(
    name="files",
    config_keys=("appliance.files.config_keys",),
    migrations="appliance.files.migrations",
    stats_service="stockage_partage",
)
