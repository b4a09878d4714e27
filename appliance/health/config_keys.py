"""Configuration keys of the health subsystem (`health.*`) and of the mail relay (`mail.*`).

Gathered by `appliance.config.schema()`; `settings.HealthSettings.from_config` reads them.
"""

from __future__ import annotations

from appliance.config import Key

# One key per entry reads better than one argument per line: keep this table as written.
# fmt: off
KEYS: list[Key] = [
    # --- sampling and history -------------------------------------------------------------
    Key("health.sample_interval_seconds", int, 10, "Intervalle entre deux mesures du "
        "processeur, de la mémoire, des disques, du réseau et des capteurs.", 10,
        minimum=2, maximum=300),
    Key("health.write_batch_seconds", int, 60, "Les mesures sont gardées en mémoire puis "
        "écrites ensemble dans metrics.db à cet intervalle (moins d'écritures sur le disque).",
        60, minimum=10, maximum=600),
    Key("health.raw_retention_hours", int, 48, "Durée de conservation des mesures brutes "
        "(une toutes les 10 secondes).", 48, minimum=2, maximum=168),
    Key("health.minute_retention_days", int, 30, "Durée de conservation des moyennes, minimums "
        "et maximums par minute.", 30, minimum=2, maximum=90),
    Key("health.hour_retention_days", int, 730, "Durée de conservation des moyennes, minimums "
        "et maximums par heure (730 jours = 2 ans).", 730, minimum=30, maximum=3650),
    # --- thresholds -----------------------------------------------------------------------
    Key("health.fs_warning_pct", float, 80.0, "Occupation d'un système de fichiers (en %) à "
        "partir de laquelle une alerte « avertissement » est levée.", 80.0,
        minimum=1, maximum=100),
    Key("health.fs_critical_pct", float, 90.0, "Occupation d'un système de fichiers (en %) à "
        "partir de laquelle une alerte « critique » est levée.", 90.0, minimum=1, maximum=100),
    Key("health.inodes_warning_pct", float, 80.0, "Part des inodes (emplacements de fichiers) "
        "utilisés à partir de laquelle un avertissement est levé.", 80.0,
        minimum=1, maximum=100),
    Key("health.inodes_critical_pct", float, 90.0, "Part des inodes utilisés à partir de "
        "laquelle une alerte critique est levée.", 90.0, minimum=1, maximum=100),
    Key("health.memory_available_warning_pct", float, 10.0, "Mémoire vive encore disponible "
        "(en %) sous laquelle un avertissement est levé.", 10.0, minimum=0, maximum=90),
    Key("health.memory_available_critical_pct", float, 5.0, "Mémoire vive encore disponible "
        "(en %) sous laquelle une alerte critique est levée.", 5.0, minimum=0, maximum=90),
    Key("health.swap_warning_pct", float, 80.0, "Occupation de la mémoire d'échange (swap) "
        "à partir de laquelle un avertissement est levé.", 80.0, minimum=1, maximum=100),
    Key("health.cpu_warning_pct", float, 90.0, "Charge du processeur (en %) qui, tenue "
        "pendant la durée « health.load_min_duration_seconds », lève un avertissement.", 90.0,
        minimum=1, maximum=100),
    Key("health.load_warning_per_core", float, 2.0, "Charge moyenne sur 5 minutes, par cœur, "
        "à partir de laquelle un avertissement est levé.", 2.0, minimum=0.1, maximum=100),
    Key("health.load_critical_per_core", float, 4.0, "Charge moyenne sur 5 minutes, par "
        "cœur, à partir de laquelle une alerte critique est levée.", 4.0,
        minimum=0.1, maximum=100),
    Key("health.temp_warning_margin_c", float, 5.0, "Un capteur de température passe en "
        "avertissement à (seuil « haut » du capteur − cette marge), en °C.", 5.0,
        minimum=0, maximum=50),
    Key("health.temp_critical_margin_c", float, 2.0, "Un capteur passe en alerte critique à "
        "(seuil « critique » du capteur − cette marge), en °C.", 2.0, minimum=0, maximum=50),
    Key("health.temp_default_high_c", float, 80.0, "Seuil « haut » (°C) utilisé pour un "
        "capteur qui n'annonce pas le sien.", 80.0, minimum=30, maximum=150),
    Key("health.temp_default_critical_c", float, 95.0, "Seuil « critique » (°C) utilisé pour "
        "un capteur qui n'annonce pas le sien.", 95.0, minimum=30, maximum=150),
    Key("health.disk_temp_warning_c", float, 55.0, "Température d'un disque SATA (°C, lue par "
        "SMART) à partir de laquelle un avertissement est levé.", 55.0, minimum=30, maximum=100),
    Key("health.disk_temp_critical_c", float, 65.0, "Température d'un disque SATA (°C) à "
        "partir de laquelle une alerte critique est levée.", 65.0, minimum=30, maximum=100),
    Key("health.nvme_temp_warning_c", float, 70.0, "Température d'un disque NVMe (°C) à partir "
        "de laquelle un avertissement est levé.", 70.0, minimum=30, maximum=120),
    Key("health.nvme_temp_critical_c", float, 80.0, "Température d'un disque NVMe (°C) à "
        "partir de laquelle une alerte critique est levée.", 80.0, minimum=30, maximum=120),
    Key("health.ups_charge_warning_pct", float, 75.0, "Sur batterie, charge de l'onduleur "
        "(en %) sous laquelle un avertissement est levé.", 75.0, minimum=0, maximum=100),
    Key("health.ups_charge_critical_pct", float, 40.0, "Sur batterie, charge de l'onduleur "
        "(en %) sous laquelle une alerte critique est levée.", 40.0, minimum=0, maximum=100),
    Key("health.ups_runtime_critical_minutes", float, 5.0, "Autonomie restante de l'onduleur "
        "(minutes) sous laquelle une alerte critique est levée.", 5.0, minimum=0, maximum=600),
    Key("health.hysteresis_pct", float, 5.0, "Hystérésis des seuils en pourcentage : une "
        "alerte levée à 90 % ne retombe que sous 85 %. Évite les alertes qui clignotent.", 5.0,
        minimum=0, maximum=50),
    Key("health.temp_hysteresis_c", float, 3.0, "Hystérésis des seuils de température, en °C.",
        3.0, minimum=0, maximum=30),
    Key("health.min_duration_seconds", int, 120, "Durée pendant laquelle un seuil doit rester "
        "dépassé avant qu'une alerte soit levée : un pic bref ne déclenche rien.", 120,
        minimum=0, maximum=86400),
    Key("health.load_min_duration_seconds", int, 900, "Durée minimale de dépassement pour la "
        "charge du processeur, qui varie beaucoup.", 900, minimum=0, maximum=86400),
    Key("health.clear_duration_seconds", int, 300, "Durée pendant laquelle la valeur doit "
        "rester revenue sous le seuil (hystérésis comprise) avant que l'alerte se referme.",
        300, minimum=0, maximum=86400),
    Key("health.prediction_horizon_hours", float, 48.0, "Un système de fichiers dont la "
        "tendance annonce qu'il sera plein dans moins de ce nombre d'heures lève un "
        "avertissement.", 48.0, minimum=1, maximum=720),
    Key("health.prediction_critical_hours", float, 6.0, "En dessous de ce nombre d'heures "
        "avant d'être plein, l'alerte de tendance devient critique.", 6.0,
        minimum=0, maximum=720),
    Key("health.prediction_window_hours", int, 24, "Nombre d'heures passées sur lesquelles la "
        "tendance d'occupation des disques est calculée.", 24, minimum=3, maximum=720),
    # --- disks (SMART), RAID, UPS ---------------------------------------------------------
    Key("health.smart_spool_dir", str, "/var/lib/cartable/smart", "Dossier où la tâche "
        "privilégiée `cartable health smart-spool` (lancée par root) dépose l'état SMART de "
        "chaque disque, et que le service lit.", "/var/lib/cartable/smart"),
    Key("health.smart_devices", list, [], "Disques à interroger par SMART (vide : tous ceux "
        "que smartctl trouve).", ["/dev/sda", "/dev/nvme0n1"]),
    Key("health.smart_max_age_hours", float, 36.0, "Un relevé SMART plus ancien que ce nombre "
        "d'heures est signalé comme périmé (la tâche privilégiée ne tourne plus).", 36.0,
        minimum=1, maximum=720),
    Key("health.smart_short_test_days", int, 7, "Intervalle (jours) entre deux autotests "
        "SMART courts de chaque disque (0 : jamais).", 7, minimum=0, maximum=365),
    Key("health.smart_long_test_days", int, 30, "Intervalle (jours) entre deux autotests "
        "SMART longs de chaque disque (0 : jamais).", 30, minimum=0, maximum=365),
    Key("health.mdstat_path", str, "/proc/mdstat", "Fichier d'état du RAID logiciel de Linux.",
        "/proc/mdstat"),
    Key("health.ups_name", str, "", "Onduleur surveillé par NUT, sous la forme nom@hôte "
        "(vide : pas d'onduleur).", "ups@localhost"),
    # --- the box --------------------------------------------------------------------------
    Key("health.backup_max_age_hours", float, 26.0, "Alerte « homme mort » : une alerte "
        "critique est levée quand aucune sauvegarde n'a réussi depuis ce nombre d'heures.",
        26.0, minimum=1, maximum=24 * 30),
    Key("health.tls_cert_file", str, "", "Certificat TLS (fichier PEM) du proxy inverse dont "
        "la date d'expiration est surveillée (vide : aucun).", "/etc/ssl/certs/ent.pem"),
    Key("health.tls_warning_days", int, 21, "Un certificat qui expire dans moins de ce nombre "
        "de jours lève un avertissement.", 21, minimum=1, maximum=365),
    Key("health.tls_critical_days", int, 7, "Un certificat qui expire dans moins de ce nombre "
        "de jours lève une alerte critique.", 7, minimum=0, maximum=365),
    Key("health.updates_cache_hours", float, 6.0, "Le décompte des mises à jour en attente "
        "est recalculé au plus une fois par cet intervalle (heures).", 6.0,
        minimum=0.1, maximum=168),
    Key("health.journal_units", list, ["cartable*"], "Services systemd dont le journal récent "
        "est joint au paquet d'assistance.", ["cartable*", "nginx.service"]),
    Key("health.log_files", list, [], "Fichiers journaux joints au paquet d'assistance quand "
        "le journal systemd n'est pas disponible.", ["/var/log/cartable/cartable.log"]),
    Key("health.digest_time", str, "07:30", "Heure (HH:MM, heure locale) d'envoi du résumé "
        "quotidien des alertes non critiques.", "07:30"),
    # --- mail relay -----------------------------------------------------------------------
    Key("mail.host", str, "", "Serveur SMTP relais par lequel partent les courriels "
        "(vide : aucun courriel n'est envoyé).", "smtp.ac-exemple.fr"),
    Key("mail.port", int, 587, "Port du serveur SMTP relais.", 587, minimum=1, maximum=65535),
    Key("mail.username", str, "", "Identifiant de connexion au relais SMTP (vide : pas "
        "d'authentification).", "ent-college"),
    Key("mail.password", str, "", "Mot de passe du relais SMTP.", "••••••", secret=True),
    Key("mail.starttls", bool, True, "Chiffrer la connexion au relais avec STARTTLS.", True),
    Key("mail.from", str, "cartable@localhost", "Adresse d'expéditeur des courriels.",
        "ent@college-exemple.fr"),
    Key("mail.to", list, [], "Destinataires des alertes (le technicien, la direction…).",
        ["technicien@college-exemple.fr"]),
    Key("mail.timeout_seconds", int, 20, "Délai maximal d'une conversation avec le relais "
        "SMTP, en secondes.", 20, minimum=1, maximum=300),
]
# fmt: on
