"""Configuration keys of the notification timeline and its e-mails (`notifications.*`).

The mails go through the relay of the `mail.*` keys (`appliance/health/config_keys.py`).
"""

from __future__ import annotations

from appliance.community.notify_times import DAYS, check_days, parse_hhmm, parse_quiet_hours
from appliance.config import Key


def _check_time(value: str) -> None:
    parse_hhmm(value)


def _check_quiet(value: str) -> None:
    parse_quiet_hours(value)


def _check_types(value: list[str]) -> None:
    from appliance.community.notifications import TYPES

    wrong = [v for v in value if v not in TYPES]
    if wrong:
        raise ValueError(f"type(s) inconnu(s) {', '.join(wrong)} : écrivez {', '.join(TYPES)}")


# One key per entry reads better than one argument per line: keep this table as written.
# fmt: off
KEYS: list[Key] = [
    Key("notifications.daily_at", str, "06:30", "Heure (HH:MM, heure de l'établissement) "
        "du résumé quotidien des notifications envoyé par courriel ; le résumé "
        "hebdomadaire part à la même heure.", "06:30", check=_check_time),
    Key("notifications.weekly_day", str, "mon", "Jour du résumé hebdomadaire (mon, tue, "
        "wed, thu, fri, sat, sun).", "mon", choices=DAYS),
    Key("notifications.quiet_hours", str, "20:00-07:00", "Heures calmes (HH:MM-HH:MM) : un "
        "courriel immédiat d'un type de « notifications.quiet_types » écrit pendant ces "
        "heures attend la fin de la plage, le matin d'un jour d'école (vide : aucune).",
        "20:00-07:00", check=_check_quiet),
    Key("notifications.quiet_days", list, ["sat", "sun"], "Jours entièrement calmes pour "
        "les mêmes courriels : ils partent le matin du jour d'école suivant.",
        ["sat", "sun"], check=check_days),
    Key("notifications.quiet_types", list, ["homework", "lesson_content"], "Types de "
        "notification dont les courriels immédiats respectent les heures calmes (travail à "
        "faire et contenu de séance : les familles se plaignent du travail donné le soir).",
        ["homework", "lesson_content"], check=_check_types),
    Key("notifications.retry_minutes", int, 5, "Quand le relais SMTP ne répond pas, les "
        "courriels sont réessayés après ce nombre de minutes.", 5, minimum=1, maximum=240),
    Key("notifications.give_up_hours", int, 72, "Un courriel qui n'a pas pu partir pendant "
        "ce nombre d'heures après son heure prévue est abandonné (la notification reste "
        "sur le portail).", 72, minimum=1, maximum=720),
    Key("notifications.keep_days", int, 365, "Durée de conservation des notifications "
        "dans le fil de chacun (jours).", 365, minimum=7, maximum=3650),
    Key("notifications.confirm_hours", int, 48, "Durée de validité du lien de confirmation "
        "d'une adresse électronique (heures).", 48, minimum=1, maximum=720),
    Key("notifications.digest_max_entries", int, 100, "Nombre maximal de notifications "
        "détaillées dans un résumé (les suivantes sont comptées, pas détaillées).", 100,
        minimum=10, maximum=1000),
]
# fmt: on
