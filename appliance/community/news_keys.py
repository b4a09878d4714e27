"""Configuration keys of news and forums (`news.*`, `forums.*`)."""

from __future__ import annotations

from appliance.config import Key

# fmt: off
KEYS: list[Key] = [
    Key("news.image_max_mb", int, 5, "Taille maximale de l'image d'une actualité (Mo) ; "
        "PNG, JPEG, GIF ou WebP seulement.", 5, minimum=1, maximum=50),
    Key("news.home_count", int, 5, "Nombre d'actualités montrées sur la page d'accueil "
        "(les épinglées « à la une » d'abord, puis les plus récentes).", 5,
        minimum=1, maximum=20),
    Key("forums.page_size", int, 30, "Nombre de sujets, ou de messages d'un sujet, par "
        "page d'un forum.", 30, minimum=10, maximum=200),
]
# fmt: on
