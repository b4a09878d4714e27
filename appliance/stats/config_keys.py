"""Configuration key of the usage statistics (issue 14)."""

from __future__ import annotations

from appliance.config import Key

KEYS = [
    Key(
        "stats.enabled",
        bool,
        True,
        "Compter les visites des services (statistiques d'usage anonymes : par jour, "
        "service et profil, jamais qui a fait quoi). false : rien n'est compté.",
        True,
    ),
]
