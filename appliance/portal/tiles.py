"""The tiles of the home page: which services each profile has.

A tile names a service, says in a few words what it is for, and points to its page
(`endpoint`, a web route name) once that page exists; until then it shows as "coming".
Later features fill the endpoints. Labels are French source strings, translated by the web UI.
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


_ALL = {
    "timetable": Tile("timetable", N_("Emploi du temps"), N_("Les cours de la semaine.")),
    "homework": Tile(
        "homework", N_("Cahier de textes"), N_("Le contenu des cours et le travail à faire.")
    ),
    "grades": Tile("grades", N_("Notes"), N_("Les évaluations et les moyennes.")),
    "absences": Tile("absences", N_("Vie scolaire"), N_("Absences, retards et justificatifs.")),
    "messages": Tile("messages", N_("Messagerie"), N_("Écrire et recevoir des messages.")),
    "news": Tile("news", N_("Actualités"), N_("Les informations de l'établissement.")),
    "files": Tile("files", N_("Mes documents"), N_("Vos fichiers et ceux de vos classes.")),
    "directory": Tile("directory", N_("Annuaire"), N_("Trouver un membre de l'établissement.")),
    "account": Tile(
        "account", N_("Mon compte"), N_("Mot de passe et sécurité."), "account.password"
    ),
    "admin": Tile(
        "admin", N_("Administration"), N_("Comptes, journal d'audit, réglages."), "admin.index"
    ),
    "admin_people": Tile(
        "admin_people", N_("Comptes"), N_("Chercher, créer, désactiver un compte."), "admin.people"
    ),
    "admin_audit": Tile(
        "admin_audit", N_("Journal d'audit"), N_("Qui a fait quoi, quand."), "admin.audit"
    ),
    "backups": Tile("backups", N_("Sauvegardes"), N_("État des sauvegardes et restaurations.")),
    "health": Tile("health", N_("Santé du serveur"), N_("Disques, température, alertes.")),
}

# What a family follows of a child's schooling, shared by students, parents and teachers.
_SCHOOL_LIFE = ["timetable", "homework", "grades", "absences", "messages", "news"]

_BY_PROFILE = {
    "student": [*_SCHOOL_LIFE, "files", "directory", "account"],
    "relative": [*_SCHOOL_LIFE, "directory", "account"],
    "teacher": [*_SCHOOL_LIFE, "files", "directory", "account"],
    # The directory tile shows to staff whose function opens it (the portal asks the policy).
    "staff": ["absences", "messages", "news", "files", "directory", "account"],
    "guest": ["news", "files", "account"],
    "admin": [
        "admin",
        "admin_people",
        "directory",
        "admin_audit",
        "backups",
        "health",
        "news",
        "account",
    ],
}


def tiles_for(profile: str, available_endpoints: set[str] | None = None) -> list[Tile]:
    """The tiles of a profile, in display order.

    When `available_endpoints` is given, a tile whose endpoint is not in it is shown as
    coming (endpoint None), so that a tile never leads to a missing page.
    """
    out = []
    for key in _BY_PROFILE.get(profile, []):
        tile = _ALL[key]
        if available_endpoints is not None and tile.endpoint not in available_endpoints:
            tile = Tile(tile.key, tile.label, tile.description, None)
        out.append(tile)
    return out


def register_endpoint(key: str, endpoint: str) -> None:
    """Let a feature point its tile to its page (called when the feature is installed)."""
    tile = _ALL[key]
    _ALL[key] = Tile(tile.key, tile.label, tile.description, endpoint)
