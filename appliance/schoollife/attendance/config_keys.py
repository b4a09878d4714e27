"""Configuration keys of the roll call and absences."""

from __future__ import annotations

from appliance.config import Key
from appliance.schoollife.attendance.common import DEFAULT_SPLIT, check_split

KEYS = [
    Key(
        "attendance.half_day_split",
        str,
        DEFAULT_SPLIT,
        "Heure qui sépare la matinée de l'après-midi pour compter les absences en "
        "demi-journées (HH:MM, entre 10:00 et 15:00). Un cours commencé avant cette heure "
        "compte dans la matinée, un cours fini après dans l'après-midi (un cours à cheval "
        "compte dans les deux). Une demi-journée est complète quand l'élève a manqué tous "
        "ses cours de la demi-journée.",
        "12:30",
        check=check_split,
    ),
]
