"""Configuration keys of the cahier de textes."""

from __future__ import annotations

from appliance.config import Key

KEYS = [
    Key(
        "diary.max_attachment_mb",
        int,
        10,
        "Taille maximale d'une pièce jointe du cahier de textes (un énoncé, un document "
        "d'exercices), en mégaoctets. Un fichier plus gros est refusé avec un message.",
        10,
        minimum=1,
        maximum=50,
    ),
]
