"""Configuration keys of the directory: school year, departures, purge, retired logins.

The purge delay is bounded by the arrêté ENT of 30/11/2006 (art. 6): the data of a person
who no longer has a right to the ENT is deleted within three months, hence at most 90 days.
"""

from __future__ import annotations

from appliance.config import Key

KEYS = [
    Key(
        "directory.school_year",
        int,
        0,
        "Année scolaire de la box, donnée par l'année de la rentrée (2026 pour 2026-2027). "
        "0 : déduite de la date du jour (l'année change le 1er août). Un fichier d'import "
        "d'une autre année est signalé.",
        2026,
        minimum=0,
        maximum=2100,
    ),
    Key(
        "directory.departed_grace_days",
        int,
        15,
        "Nombre de jours pendant lesquels une personne partie (absente d'un import complet) "
        "peut encore se connecter pour récupérer ses fichiers, avant que son compte soit "
        "désactivé.",
        15,
        minimum=0,
        maximum=89,
    ),
    Key(
        "directory.purge_after_days",
        int,
        90,
        "Nombre de jours après le départ au bout desquels le compte et toutes les données de "
        "la personne sont supprimés. Au plus 90 jours (arrêté ENT du 30/11/2006, art. 6 : "
        "suppression dans les trois mois).",
        90,
        minimum=1,
        maximum=90,
    ),
    Key(
        "directory.retired_login_keep_days",
        int,
        400,
        "Nombre de jours pendant lesquels l'identifiant d'une personne supprimée reste "
        "réservé (le journal d'audit et les sauvegardes peuvent encore le citer), avant de "
        "pouvoir être donné à quelqu'un d'autre.",
        400,
        minimum=0,
        maximum=3650,
    ),
    Key(
        "directory.lifecycle_hour",
        int,
        2,
        "Heure (0 à 23) à laquelle la tâche quotidienne applique les départs, les "
        "désactivations, les expirations d'invités et les suppressions.",
        2,
        minimum=0,
        maximum=23,
    ),
]
