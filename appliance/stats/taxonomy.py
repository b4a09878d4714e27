"""The names the usage statistics count under: the services and profiles of the national
taxonomy of the ENT (the school reports them with these names), with their words.

Each feature of the manifest names the service its pages and API serve
(`Feature.stats_service`, and `Feature.stats_services` for a blueprint or an endpoint that
serves another one, or none); `service_table` gathers them. Pages that serve no service
of the taxonomy (the technician's administration, health and backups, the login, the
account settings, the statistics themselves) are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from appliance.i18n import N_

SERVICES: dict[str, str] = {
    "accueil": N_("Accueil"),
    "actualites": N_("Actualités"),
    "cahier_textes": N_("Cahier de textes"),
    "courrier_electronique": N_("Messagerie"),
    "stockage_partage": N_("Stockage et partage"),
    "services_vie_scolaire": N_("Services de vie scolaire"),
    "gestion_temps": N_("Emploi du temps"),
    "absences": N_("Absences"),
    "notes": N_("Notes"),
    "agenda": N_("Agenda"),
}

# Our profiles → the taxonomy's (the direction and the vie scolaire are "personnel").
PROFILE_OF: dict[str, str] = {
    "student": "eleve",
    "relative": "parent",
    "teacher": "enseignant",
    "staff": "personnel",
    "guest": "invite",
    "admin": "admin",
}
PROFILES: dict[str, str] = {
    "eleve": N_("Élèves"),
    "parent": N_("Parents"),
    "enseignant": N_("Enseignants"),
    "personnel": N_("Personnels"),
    "invite": N_("Invités"),
    "admin": N_("Technicien"),
}


def check_service(name: str | None, where: str) -> None:
    """Raise ValueError when `name` (declared by `where`) is not a taxonomy service."""
    if name is not None and name not in SERVICES:
        raise ValueError(f"{where}: « {name} » n'est pas un service de la nomenclature")


def service_table(
    declared: Iterable[tuple[str, str | None, Mapping[str, str | None], Iterable[str]]],
) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """(by blueprint, by endpoint) from each feature's (name, stats_service,
    stats_services, blueprint names): a blueprint takes its feature's service; an entry
    of `stats_services` names a blueprint (no dot) or an endpoint (with one). Raises
    ValueError for a name outside the taxonomy or a blueprint two features claim."""
    by_blueprint: dict[str, str | None] = {}
    by_endpoint: dict[str, str | None] = {}
    for feature, default, exceptions, blueprints in declared:
        check_service(default, feature)
        for bp in blueprints:
            if bp in by_blueprint:
                raise ValueError(f"{feature}: le blueprint {bp} est déjà déclaré")
            by_blueprint[bp] = default
        for name, service in exceptions.items():
            check_service(service, feature)
            (by_endpoint if "." in name else by_blueprint)[name] = service
    return by_blueprint, by_endpoint


def service_of(
    endpoint: str | None, tables: tuple[dict[str, str | None], dict[str, str | None]]
) -> str | None:
    """The taxonomy service of a Flask endpoint ("blueprint.view"), None when uncounted."""
    if not endpoint:
        return None
    by_blueprint, by_endpoint = tables
    if endpoint in by_endpoint:
        return by_endpoint[endpoint]
    return by_blueprint.get(endpoint.partition(".")[0])
