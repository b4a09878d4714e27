"""The tiles of the home page: which services each profile has.

A tile names a service, says in a few words what it is for, and points to its page
(`endpoint`, a web route name) once that page exists; until then it shows as "coming".
A feature declares its tiles, with their endpoints, in `appliance/features.py`; the place
of each tile on each profile's home page is `_BY_PROFILE` below. Labels are French
source strings, translated by the web UI.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.i18n import N_


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    description: str
    endpoint: str | None = None


# The services still to come show as "coming"; a feature's own tiles, with the endpoint
# of their page, are in its entry of `appliance/features.py`.
_COMING = {
    "timetable": Tile("timetable", N_("Emploi du temps"), N_("Les cours de la semaine.")),
    "grades": Tile("grades", N_("Notes"), N_("Les évaluations et les moyennes.")),
    "absences": Tile("absences", N_("Vie scolaire"), N_("Absences, retards et justificatifs.")),
    "messages": Tile("messages", N_("Messagerie"), N_("Écrire et recevoir des messages.")),
    "news": Tile("news", N_("Actualités"), N_("Les informations de l'établissement.")),
    "files": Tile("files", N_("Mes documents"), N_("Vos fichiers et ceux de vos classes.")),
}

# What a family follows of a child's schooling, shared by students, parents and teachers.
_SCHOOL_LIFE = ["timetable", "homework", "grades", "absences", "messages", "news"]

_BY_PROFILE = {
    "student": [*_SCHOOL_LIFE, "assignments", "agenda", "forums", "files", "directory", "account"],
    # Parents have a space of their own and read the class folders opened to them.
    "relative": [*_SCHOOL_LIFE, "assignments", "agenda", "files", "directory", "account"],
    "teacher": [*_SCHOOL_LIFE, "assignments", "agenda", "forums", "files", "directory", "account"],
    # The directory tile shows to staff whose function opens it (the portal asks the policy).
    # The cahier de textes's, the grades' and the usage statistics' tiles show to the
    # direction only (the portal asks the policy).
    "staff": [
        "timetable",
        "homework",
        "grades",
        "absences",
        "messages",
        "news",
        "agenda",
        "files",
        "directory",
        "stats",
        "account",
    ],  # fmt: skip
    "guest": ["messages", "news", "agenda", "files", "account"],
    "admin": [
        "admin",
        "admin_people",
        "directory",
        "admin_audit",
        "admin_timetable",
        "timetable",
        "messages",
        "homework",
        "grades",
        "backups",
        "health",
        "stats",
        "news",
        "agenda",
        "account",
    ],
}


def catalogue() -> dict[str, Tile]:
    """Every tile by key: the coming ones, then each feature's (which may replace one)."""
    from appliance import features  # the manifest imports `Tile` from here

    tiles = dict(_COMING)
    for feature in features.FEATURES:
        tiles.update((t.key, t) for t in feature.tiles)
    return tiles


def tiles_for(profile: str, available_endpoints: set[str] | None = None) -> list[Tile]:
    """The tiles of a profile, in display order.

    When `available_endpoints` is given, a tile whose endpoint is not in it is shown as
    coming (endpoint None), so that a tile never leads to a missing page.
    """
    tiles = catalogue()
    out = []
    for key in _BY_PROFILE.get(profile, []):
        tile = tiles[key]
        if available_endpoints is not None and tile.endpoint not in available_endpoints:
            tile = Tile(tile.key, tile.label, tile.description, None)
        out.append(tile)
    return out
