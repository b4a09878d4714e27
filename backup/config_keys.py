"""Configuration keys of the backup feature, as plain data (`backup/` imports nothing
from `appliance/`). Each dict has the fields of `appliance.config.Key`, so the
appliance can build its keys with `Key(**spec)`.
"""

from __future__ import annotations

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

KEY_SPECS: list[dict] = [
    {
        "name": "backup.enabled",
        "type": bool,
        "default": True,
        "description": "Faire les sauvegardes programmées (nuit, contrôles, exercices).",
        "example": True,
    },
    {
        "name": "backup.schedule_time",
        "type": str,
        "default": "01:30",
        "description": "Heure de la sauvegarde de nuit (HH:MM, heure du serveur). Si le "
        "serveur était éteint à cette heure, la sauvegarde est faite à son démarrage.",
        "example": "01:30",
    },
    {
        "name": "backup.keep_daily",
        "type": int,
        "default": 7,
        "description": "Nombre de sauvegardes quotidiennes gardées (une par jour).",
        "example": 7,
        "minimum": 1,
        "maximum": 365,
    },
    {
        "name": "backup.keep_weekly",
        "type": int,
        "default": 4,
        "description": "Nombre de sauvegardes hebdomadaires gardées (une par semaine).",
        "example": 4,
        "minimum": 0,
        "maximum": 104,
    },
    {
        "name": "backup.keep_monthly",
        "type": int,
        "default": 12,
        "description": "Nombre de sauvegardes mensuelles gardées (une par mois).",
        "example": 12,
        "minimum": 0,
        "maximum": 120,
    },
    {
        "name": "backup.compact_every_days",
        "type": int,
        "default": 7,
        "description": "La place des sauvegardes élaguées est rendue au disque (borg "
        "compact) au plus une fois par ce nombre de jours, après un élagage qui a supprimé "
        "des archives ; tout de suite si le disque du dépôt manque de place.",
        "example": 7,
        "minimum": 1,
        "maximum": 90,
    },
    {
        "name": "backup.check_day",
        "type": str,
        "default": "sunday",
        "description": "Jour du contrôle hebdomadaire des dépôts (borg check).",
        "example": "sunday",
        "choices": DAYS,
    },
    {
        "name": "backup.check_time",
        "type": str,
        "default": "04:00",
        "description": "Heure du contrôle hebdomadaire (HH:MM).",
        "example": "04:00",
    },
    {
        "name": "backup.verify_data_day",
        "type": int,
        "default": 1,
        "description": "Jour du mois où les données sauvegardées sont relues et déchiffrées "
        "pour vérifier qu'elles sont intactes (dans la limite de temps ci-dessous).",
        "example": 1,
        "minimum": 1,
        "maximum": 28,
    },
    {
        "name": "backup.verify_data_max_minutes",
        "type": int,
        "default": 120,
        "description": "Durée maximale (minutes) de cette vérification mensuelle ; au-delà "
        "elle s'arrête et indique la part vérifiée.",
        "example": 120,
        "minimum": 5,
        "maximum": 1440,
    },
    {
        "name": "backup.drill_day",
        "type": int,
        "default": 15,
        "description": "Jour du mois de l'exercice de restauration : la dernière sauvegarde "
        "de chaque dépôt est restaurée à part et vérifiée, pour prouver qu'elle marche.",
        "example": 15,
        "minimum": 1,
        "maximum": 28,
    },
    {
        "name": "backup.drill_scratch_dir",
        "type": str,
        "default": "",
        "description": "Dossier de travail de l'exercice de restauration (vide : un dossier "
        "dans le dossier de données). Il doit pouvoir contenir une sauvegarde complète.",
        "example": "/srv/exercice",
    },
    {
        "name": "backup.removable_max_age_days",
        "type": int,
        "default": 14,
        "description": "Un disque amovible absent n'est pas une erreur, jusqu'à ce que sa "
        "dernière sauvegarde réussie ait ce nombre de jours : une alerte est alors envoyée.",
        "example": 14,
        "minimum": 1,
        "maximum": 365,
    },
    {
        "name": "backup.lock_wait_seconds",
        "type": int,
        "default": 600,
        "description": "Temps (secondes) pendant lequel borg attend qu'un dépôt verrouillé "
        "par une autre opération se libère.",
        "example": 600,
        "minimum": 5,
        "maximum": 7200,
    },
    {
        "name": "backup.job_timeout_hours",
        "type": int,
        "default": 12,
        "description": "Durée maximale (heures) d'une commande borg avant qu'elle soit "
        "arrêtée (la sauvegarde suivante reprend sans perte).",
        "example": 12,
        "minimum": 1,
        "maximum": 72,
    },
    {
        "name": "backup.free_space_margin_mb",
        "type": int,
        "default": 256,
        "description": "Place (Mo) à laisser libre sur chaque disque en plus de la taille "
        "prévue de la sauvegarde ; sinon la sauvegarde ne démarre pas et le dit.",
        "example": 256,
        "minimum": 0,
        "maximum": 1048576,
    },
    {
        "name": "backup.compression",
        "type": str,
        "default": "zstd,3",
        "description": "Compression des sauvegardes (lz4 : la plus rapide ; zstd,3 : bon "
        "compromis ; zstd,9 : plus compacte mais plus lente).",
        "example": "zstd,3",
        "choices": ("none", "lz4", "zstd,1", "zstd,3", "zstd,6", "zstd,9"),
    },
    {
        "name": "backup.borg_path",
        "type": str,
        "default": "borg",
        "description": "Commande borg à utiliser (chemin complet si elle n'est pas dans le "
        "PATH du service).",
        "example": "/opt/cartable/venv/bin/borg",
    },
    {
        "name": "backup.remote_borg_path",
        "type": str,
        "default": "",
        "description": "Commande borg sur le serveur hors site, si ce n'est pas « borg » "
        "(vide : valeur par défaut).",
        "example": "borg-1.4",
    },
    {
        "name": "backup.ssh_key_file",
        "type": str,
        "default": "",
        "description": "Clé SSH privée de ce serveur pour les dépôts hors site (vide : "
        "créée automatiquement dans le dossier d'état des sauvegardes).",
        "example": "/var/lib/cartable/backup/ssh/id_ed25519",
    },
    {
        "name": "backup.automount_removable",
        "type": bool,
        "default": True,
        "description": "Monter automatiquement un disque amovible branché mais non monté, "
        "le temps de la sauvegarde, puis le démonter.",
        "example": True,
    },
    {
        "name": "backup.school_name",
        "type": str,
        "default": "",
        "description": "Nom de l'établissement imprimé sur la fiche de clé (vide : celui du "
        "portail).",
        "example": "Collège Jean Moulin",
    },
]
