"""Configuration keys of the messages (issue 12)."""

from __future__ import annotations

from appliance.config import Key

KEYS = [
    Key(
        "messages.max_attachment_mb",
        int,
        10,
        "Taille maximale d'une pièce jointe d'un message, en Mo (en attendant le quota de "
        "fichiers de chaque personne).",
        10,
        minimum=1,
        maximum=200,
    ),
    Key(
        "messages.recall_minutes",
        int,
        60,
        "Délai, en minutes après l'envoi, pendant lequel un enseignant ou un personnel peut "
        "rappeler un message : il disparaît des boîtes de ceux qui ne l'ont pas encore lu.",
        60,
        minimum=0,
        maximum=1440,
    ),
    Key(
        "messages.trash_days",
        int,
        30,
        "Nombre de jours au bout desquels un message mis à la corbeille est supprimé.",
        30,
        minimum=1,
        maximum=365,
    ),
]
