"""Configuration keys of login throttling and of the audit log added for #9 (the older
`security.*` keys are in `appliance/config.py`)."""

from __future__ import annotations

from appliance.config import Key

KEYS = [
    Key(
        "security.account_checks_per_hour",
        int,
        100,
        "Nombre maximal de mots de passe vérifiés sur un même compte en une heure glissante, "
        "toutes adresses confondues (ASVS : au plus 100).",
        100,
        minimum=10,
        maximum=100,
    ),
    Key(
        "security.stranger_checks_per_hour",
        int,
        60,
        "Part de ce maximum ouverte aux adresses inconnues du titulaire du compte : une fois "
        "atteinte, seules ses adresses habituelles (ou un code de double authentification) "
        "sont encore vérifiées, de sorte qu'un tiers ne peut pas bloquer le titulaire.",
        60,
        minimum=5,
        maximum=100,
    ),
    Key(
        "security.known_address_days",
        int,
        60,
        "Une adresse d'où la personne s'est connectée avec succès reste « habituelle » "
        "pendant ce nombre de jours.",
        60,
        minimum=1,
        maximum=400,
    ),
    Key(
        "security.audit_retention_days",
        int,
        400,
        "Durée de conservation du journal d'audit, en jours : les entrées plus anciennes sont "
        "supprimées chaque nuit par le service de tâches (cartable worker).",
        400,
        minimum=30,
        maximum=3650,
    ),
]
