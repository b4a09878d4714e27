"""Words for disks (SMART), software RAID and the UPS. See `messages`."""

from __future__ import annotations

from typing import Any

from appliance.health.messages import Message, fmt_hours, fmt_num, renders
from appliance.health.rules import CRITICAL, INFO, OK

_PROBLEM_TEXT = {
    "failing": "le disque annonce lui-même sa panne prochaine (bilan SMART « FAILED »)",
    "prefail_threshold": "un indicateur d'usure critique a franchi son seuil",
    "past_threshold": "un indicateur a franchi son seuil par le passé",
    "attr_5": "{raw} secteur(s) déjà remplacé(s) (réalloués)",
    "attr_187": "{raw} erreur(s) de lecture non corrigée(s)",
    "attr_188": "{raw} délai(s) de commande dépassé(s) (câble ou alimentation ?)",
    "attr_197": "{raw} secteur(s) illisible(s) en attente de remplacement",
    "attr_198": "{raw} secteur(s) non corrigible(s)",
    "selftest_failed": "le dernier autotest du disque a échoué",
    "error_log": "le journal d'erreurs du disque contient des erreurs",
    "nvme_critical_warning": "le disque NVMe signale un avertissement critique",
    "nvme_media_errors": "{count} erreur(s) de support sur le disque NVMe",
    "nvme_spare": "la réserve du disque NVMe est épuisée ({spare} %)",
    "nvme_wear": "le disque NVMe a consommé {percentage_used} % de son endurance",
    "unreadable": "l'état SMART n'a pas pu être lu",
}


def problem_text(p: dict[str, Any]) -> str:
    """One problem of `smart.assess` in words."""
    text = _PROBLEM_TEXT.get(p["code"], p["code"]).format(**p)
    if p.get("change"):
        text += f" (+{p['change']} depuis le relevé précédent)"
    return text


def _disk_name(c: dict[str, Any]) -> str:
    model = f" ({c['model']}, n° {c.get('serial') or '?'})" if c.get("model") else ""
    return f"{c['device']}{model}"


@renders("smart")
def _smart(level: str, c: dict[str, Any]) -> Message:
    name = _disk_name(c)
    if level in (OK, INFO) and not c.get("problems"):
        hours = c.get("power_on_hours")
        age = f", {fmt_num(hours, 0)} h de fonctionnement" if hours is not None else ""
        return Message(f"Disque {name} : bilan SMART correct{age}.")
    problems = "; ".join(problem_text(p) for p in c.get("problems", []))
    if c.get("unreadable_only"):
        return Message(
            f"Disque {name} : {problems}.",
            "Sans SMART, une usure du disque passerait inaperçue.",
            "Un boîtier USB demande parfois un type précis : essayez `smartctl -a -d sat "
            f"{c['device']}` en root ; pour un disque virtuel, ignorez (mettez en sourdine).",
        )
    if level == CRITICAL:
        return Message(
            f"Disque {name} en train de lâcher : {problems}.",
            "Un disque qui montre ces signes peut cesser de fonctionner d'un jour à l'autre, "
            "avec les données qu'il contient.",
            "Vérifiez aujourd'hui que la dernière sauvegarde a réussi, puis faites remplacer "
            "ce disque (le numéro de série ci-dessus l'identifie). Sur un RAID, remplacez-le "
            "et laissez la reconstruction se faire.",
        )
    return Message(
        f"Disque {name} à surveiller : {problems}.",
        "Ce signe n'annonce pas forcément une panne, mais il mérite d'être suivi.",
        "Vérifiez les câbles et l'alimentation du disque ; si le nombre augmente d'un relevé "
        "à l'autre, prévoyez son remplacement.",
    )


@renders("smart_stale")
def _smart_stale(level: str, c: dict[str, Any]) -> Message:
    return Message(
        f"Le dernier relevé SMART de {c['device']} date de {fmt_hours(c['age_hours'])}.",
        "La tâche qui lit l'état des disques (en root) ne tourne plus : une usure passerait "
        "inaperçue.",
        "Vérifiez le minuteur : `systemctl status cartable-smart.timer` ; lancez à la main "
        "`sudo cartable health smart-spool`.",
    )


@renders("smart_missing")
def _smart_missing(level: str, c: dict[str, Any]) -> Message:
    return Message(
        "Aucun relevé SMART des disques n'a encore été fait.",
        "Tant qu'il n'y en a pas, l'usure des disques n'est pas surveillée.",
        "Lancez `sudo cartable health smart-spool` une fois, puis vérifiez que le minuteur "
        "quotidien est actif (`systemctl status cartable-smart.timer`). Sur une machine "
        "virtuelle sans disque SMART, ce message peut être ignoré.",
    )


@renders("disk_temp")
def _disk_temp(level: str, c: dict[str, Any]) -> Message:
    state = f"Disque {c['device']} : {fmt_num(c['current'])} °C."
    if level == OK:
        return Message(state)
    return Message(
        state + f" (avertissement dès {fmt_num(c['warning'])} °C)",
        "Un disque trop chaud s'use bien plus vite et peut perdre des données.",
        "Vérifiez la ventilation du boîtier et de la salle ; espacez les disques si possible.",
    )


@renders("raid")
def _raid(level: str, c: dict[str, Any]) -> Message:
    state = f"RAID {c['name']} ({c.get('level') or '?'}) : état [{c.get('map') or '?'}]"
    op = c.get("operation")
    if op:
        finish = op.get("finish_minutes")
        end = f", fin estimée dans {fmt_hours(finish / 60)}" if finish else ""
        state += f", {op['kind']} à {fmt_num(op['progress_pct'])} %{end}"
    if level in (OK, INFO):
        return Message(state + ".")
    if c.get("state") != "active":
        return Message(
            state + ", ensemble inactif.",
            "Les données de cet ensemble ne sont plus accessibles.",
            "N'écrivez rien sur ces disques ; faites appel à un spécialiste avant toute "
            "manipulation (`mdadm --detail /dev/" + c["name"] + "`).",
        )
    failed = ", ".join(c.get("failed_members") or []) or "un disque"
    return Message(
        state + f" : dégradé ({failed} manquant ou en panne).",
        "Le RAID tient encore sur les disques restants, mais une seconde panne ferait perdre "
        "les données.",
        "Vérifiez que la dernière sauvegarde a réussi, puis remplacez le disque en panne et "
        f"ajoutez-le (`mdadm --manage /dev/{c['name']} --add /dev/…`).",
    )


@renders("raid_none")
def _raid_none(level: str, c: dict[str, Any]) -> Message:
    return Message("Pas de RAID logiciel sur ce serveur.")


_UPS_REASON = {
    "OB": "l'onduleur fonctionne sur batterie : le courant est coupé",
    "LB": "sa batterie est presque vide",
    "FSD": "il a ordonné l'arrêt des machines",
    "charge": "charge de la batterie {charge} %",
    "runtime": "autonomie restante {runtime}",
    "RB": "sa batterie est à remplacer",
    "OVER": "il est en surcharge",
    "BYPASS": "il est en dérivation : plus de protection",
    "ALARM": "il signale une alarme",
    "OFF": "il est éteint",
    "no_status": "il ne donne pas son état",
}


@renders("ups")
def _ups(level: str, c: dict[str, Any]) -> Message:
    if c.get("error"):
        return Message(
            f"L'onduleur {c['name']} ne répond pas ({c['error']}).",
            "Sans lui, une coupure de courant ne serait pas annoncée et le serveur s'éteindrait "
            "brutalement.",
            "Vérifiez le câble USB de l'onduleur et le service NUT (`systemctl status "
            "nut-server nut-monitor`, puis `upsc " + c["name"] + "`).",
        )
    runtime = fmt_hours(c["runtime_s"] / 3600) if c.get("runtime_s") is not None else "?"
    charge = fmt_num(c.get("charge_pct"), 0)
    labels = ", ".join(t["label"] for t in c.get("tokens", []))
    state = f"Onduleur {c['name']} : {labels or '?'} ; batterie {charge} %, autonomie {runtime}."
    if level == OK:
        return Message(state)
    reasons = "; ".join(
        _UPS_REASON.get(r, r).format(charge=charge, runtime=runtime) for r in c.get("reasons", [])
    )
    if c.get("on_battery"):
        advice = (
            "Vérifiez l'alimentation électrique de la salle. Si le courant ne revient pas "
            "bientôt, éteignez proprement le serveur (`sudo systemctl poweroff`) avant que la "
            "batterie soit vide."
        )
    else:
        advice = "Faites vérifier l'onduleur ; une batterie de plus de 3 à 5 ans se remplace."
    return Message(
        f"{state} {reasons[0].upper() + reasons[1:]}." if reasons else state,
        "L'onduleur protège le serveur des coupures : s'il faiblit, une coupure peut "
        "corrompre les données.",
        advice,
    )


@renders("ups_none")
def _ups_none(level: str, c: dict[str, Any]) -> Message:
    return Message(
        "Aucun onduleur n'est surveillé.",
        "Une coupure de courant éteindrait le serveur brutalement.",
        "Si un onduleur est branché en USB, installez nut et indiquez son nom dans "
        "« health.ups_name » (par exemple ups@localhost).",
    )
