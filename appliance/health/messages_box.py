"""Words for the box: clock, certificate, updates, backups, services. See `messages`."""

from __future__ import annotations

from typing import Any

from appliance import timefmt
from appliance.health.messages import Message, fmt_hours, fmt_num, renders
from appliance.health.rules import CRITICAL, INFO, OK


@renders("clock")
def _clock(level: str, c: dict[str, Any]) -> Message:
    if level == OK:
        return Message("L'heure du serveur est synchronisée.")
    if level == INFO:
        return Message("Impossible de savoir si l'heure est synchronisée.", c.get("detail") or "")
    return Message(
        "L'heure du serveur n'est pas synchronisée.",
        "Une horloge qui dérive fausse les retards et absences, les dates des devoirs, les "
        "journaux, et peut faire refuser les connexions à double authentification.",
        "Activez la synchronisation : `sudo timedatectl set-ntp true` (ou installez chrony) "
        "et vérifiez que le serveur de temps de l'académie est joignable.",
    )


@renders("tls")
def _tls(level: str, c: dict[str, Any]) -> Message:
    if c.get("error"):
        return Message(
            f"Certificat {c['path']} illisible.",
            c["error"],
            "Corrigez le chemin dans « health.tls_cert_file » ou les droits du fichier.",
        )
    days = c["days_left"]
    when = timefmt.fmt_date(c["not_after"])
    who = f" ({c['subject_cn']})" if c.get("subject_cn") else ""
    if days < 0:
        state = f"Le certificat TLS{who} a expiré le {when}."
    else:
        state = f"Le certificat TLS{who} expire le {when}, dans {fmt_num(days, 0)} jour(s)."
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Une fois expiré, les navigateurs afficheront une alerte de sécurité et bloqueront "
        "l'accès au portail.",
        "Renouvelez-le : avec Let's Encrypt, `sudo certbot renew` (vérifiez le minuteur "
        "certbot.timer) ; sinon demandez un nouveau certificat à votre fournisseur.",
    )


@renders("tls_none")
def _tls_none(level: str, c: dict[str, Any]) -> Message:
    return Message(
        "Aucun certificat TLS n'est surveillé.",
        "Son expiration passerait inaperçue jusqu'au jour où le portail devient inaccessible.",
        "Indiquez le fichier du certificat dans « health.tls_cert_file ».",
    )


@renders("updates")
def _updates(level: str, c: dict[str, Any]) -> Message:
    if c.get("error"):
        return Message("Les mises à jour en attente n'ont pas pu être comptées.", c["error"])
    count, sec = c.get("count") or 0, c.get("security_count") or 0
    age = c.get("lists_age_hours")
    state = f"{count} mise(s) à jour en attente, dont {sec} de sécurité."
    if sec:
        names = ", ".join(c.get("security", [])[:8])
        state += f" ({names}{'…' if sec > 8 else ''})"
    if age is not None and age > 7 * 24:
        state += f" La liste des paquets n'a pas été rafraîchie depuis {fmt_hours(age)}."
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Les mises à jour de sécurité corrigent des failles connues, parfois déjà exploitées.",
        "Appliquez-les en dehors des heures de cours : `sudo apt update && sudo apt upgrade`, "
        "ou activez unattended-upgrades pour qu'elles s'installent seules.",
    )


@renders("backup")
def _backup(level: str, c: dict[str, Any]) -> Message:
    if c.get("last_success") is None:
        state = "Aucune sauvegarde n'a encore réussi."
    else:
        ts = c["last_success"]
        when = f"{timefmt.fmt_date(ts)} à {timefmt.fmt_time(ts)}"
        state = f"Dernière sauvegarde réussie le {when}, il y a {fmt_hours(c['age_hours'])}."
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Sans sauvegarde récente, une panne de disque, une erreur ou un rançongiciel ferait "
        "perdre le travail des élèves et des professeurs depuis la dernière sauvegarde.",
        "Ouvrez la page Sauvegardes pour lire l'erreur de la dernière tentative, corrigez-la "
        "(disque externe branché ? serveur distant joignable ?) puis lancez une sauvegarde "
        "(`cartable backup run`).",
    )


@renders("backup_none")
def _backup_none(level: str, c: dict[str, Any]) -> Message:
    return Message(
        "Aucune sauvegarde n'est configurée : les données seraient perdues avec le disque.",
        "Comptes, devoirs, fichiers et messages ne sont copiés nulle part : une panne de "
        "disque, une erreur ou un rançongiciel les ferait disparaître sans retour.",
        "Branchez un disque externe ou préparez un serveur distant, puis créez le dépôt : "
        "`cartable backup init --help` (ou la page Sauvegardes) ; la première sauvegarde "
        "part la nuit suivante, ou tout de suite avec `cartable backup run`.",
    )


@renders("backup_disabled")
def _backup_disabled(level: str, c: dict[str, Any]) -> Message:
    return Message(
        "Les sauvegardes programmées sont désactivées (backup.enabled = false).",
        "Cartable ne sauvegarde plus ce serveur : sans autre sauvegarde, les données seraient "
        "perdues avec le disque.",
        "Remettez « backup.enabled = true » dans le fichier de configuration et redémarrez le "
        "service cartable-worker, ou mettez cet avertissement en sourdine si le serveur est "
        "sauvegardé autrement.",
    )


@renders("service")
def _service(level: str, c: dict[str, Any]) -> Message:
    if level == OK:
        return Message(f"Le service {c['name']} fonctionne.")
    detail = f" ({c['detail']})" if c.get("detail") else ""
    return Message(
        f"Le service {c['name']} ne fonctionne pas{detail}.",
        "Les fonctions qui en dépendent sont indisponibles."
        + (" Les usagers ne peuvent peut-être plus se connecter." if level == CRITICAL else ""),
        f"Regardez son journal (`journalctl -u {c['name']} -n 50`) puis redémarrez-le "
        f"(`sudo systemctl restart {c['name']}`).",
    )
