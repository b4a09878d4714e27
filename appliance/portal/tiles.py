"""The tiles of the home page: which services each profile has.

A tile names a service, says in a few words what it is for, and points to its page
(`endpoint`, a web route name) once that page exists; until then it shows as "coming".
Later features fill the endpoints. Labels are French source strings, translated by the web UI.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    description: str
    endpoint: str | None = None


_ALL = {
    "timetable": Tile("timetable", "Emploi du temps", "Les cours de la semaine."),
    "homework": Tile("homework", "Cahier de textes", "Le contenu des cours et le travail à faire."),
    "grades": Tile("grades", "Notes", "Les évaluations et les moyennes."),
    "absences": Tile("absences", "Vie scolaire", "Absences, retards et justificatifs."),
    "messages": Tile("messages", "Messagerie", "Écrire et recevoir des messages."),
    "news": Tile("news", "Actualités", "Les informations de l'établissement."),
    "files": Tile("files", "Mes documents", "Vos fichiers et ceux de vos classes."),
    "directory": Tile("directory", "Annuaire", "Trouver un membre de l'établissement."),
    "account": Tile("account", "Mon compte", "Mot de passe et sécurité.", "account.password"),
    "admin": Tile("admin", "Administration", "Comptes, journal d'audit, réglages.", "admin.index"),
    "admin_people": Tile("admin_people", "Comptes", "Chercher, créer, désactiver un compte.",
                         "admin.people"),
    "admin_audit": Tile("admin_audit", "Journal d'audit", "Qui a fait quoi, quand.",
                        "admin.audit"),
    "backups": Tile("backups", "Sauvegardes", "État des sauvegardes et restaurations."),
    "health": Tile("health", "Santé du serveur", "Disques, température, alertes."),
}

_BY_PROFILE = {
    "student": ["timetable", "homework", "grades", "absences", "messages", "news", "files",
                "account"],
    "relative": ["timetable", "homework", "grades", "absences", "messages", "news", "account"],
    "teacher": ["timetable", "homework", "grades", "absences", "messages", "news", "files",
                "directory", "account"],
    "staff": ["absences", "messages", "news", "files", "directory", "account"],
    "guest": ["news", "files", "account"],
    "admin": ["admin", "admin_people", "admin_audit", "backups", "health", "news", "account"],
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
