"""Configuration keys of the files (issue 14): the quota of each profile, the largest upload."""

from __future__ import annotations

from appliance.config import Key

# Profile → default quota in MB (teachers, staff and the technician 10 GB, families 1 GB).
DEFAULT_QUOTA_MB = {
    "teacher": 10_240,
    "staff": 10_240,
    "admin": 10_240,
    "student": 1_024,
    "relative": 1_024,
    "guest": 200,
}
_WHO = {
    "teacher": "d'un enseignant",
    "staff": "d'un personnel (vie scolaire, direction, documentation…)",
    "admin": "du technicien",
    "student": "d'un élève",
    "relative": "d'un parent",
    "guest": "d'un invité",
}

KEYS = [
    *(
        Key(
            f"files.quota_mb_{profile}",
            int,
            mb,
            f"Espace de stockage {_WHO[profile]}, en Mo : ses documents, les pièces jointes "
            "de ses messages et de ses devoirs, ses devoirs rendus.",
            mb,
            minimum=0,
            maximum=10_000_000,
        )
        for profile, mb in DEFAULT_QUOTA_MB.items()
    ),
    Key(
        "files.max_upload_mb",
        int,
        500,
        "Taille maximale d'un fichier déposé, en Mo (dans la limite de l'espace de la personne).",
        500,
        minimum=1,
        maximum=100_000,
    ),
    Key(
        "files.trash_days",
        int,
        30,
        "Nombre de jours au bout desquels un document mis à la corbeille est supprimé.",
        30,
        minimum=1,
        maximum=365,
    ),
]
