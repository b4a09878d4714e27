"""The words: for each kind of observation and level, what is happening, why it matters,
what to do — in plain French, for a technician who is not a Linux specialist.

`render(kind, level, context)` returns a `Message`; an unknown kind gets a generic one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from appliance.health.rules import CRITICAL, INFO, OK


@dataclass(frozen=True)
class Message:
    summary: str
    why: str = ""
    advice: str = ""


def fmt_num(x: float | None, digits: int = 1) -> str:
    """1234.5 → « 1 234,5 » (French separators); None → « ? »."""
    if x is None:
        return "?"
    text = f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return text[:-2] if digits and text.endswith(",0") else text


def fmt_bytes(n: float | None) -> str:
    """Bytes in the unit a person reads (octets, Ko, Mo, Go, To)."""
    if n is None:
        return "?"
    for unit in ("octets", "Ko", "Mo", "Go", "To"):
        if abs(n) < 1024 or unit == "To":
            return f"{fmt_num(n, 0 if unit == 'octets' else 1)} {unit}"
        n /= 1024.0
    return "?"


def fmt_hours(h: float | None) -> str:
    """Hours as « 3 j 4 h », « 5 h », « 20 min »."""
    if h is None:
        return "?"
    if h < 1:
        return f"{max(round(h * 60), 1)} min"
    days, hours = divmod(round(h), 24)
    return f"{days} j {hours} h" if days else f"{hours} h"


_Renderer = Callable[[str, dict[str, Any]], Message]
_RENDERERS: dict[str, _Renderer] = {}


def renders(name: str) -> Callable[[_Renderer], _Renderer]:
    def register(fn: _Renderer) -> _Renderer:
        _RENDERERS[name] = fn
        return fn

    return register


def render(kind: str, level: str, context: dict[str, Any]) -> Message:
    """The message for an observation of `kind` at `level` with its `context`."""
    fn = _RENDERERS.get(kind)
    if fn is None:
        return Message(f"{kind} : {level}")
    return fn(level, context)


# --- system resources ----------------------------------------------------------------------


@renders("fs_space")
def _fs_space(level: str, c: dict[str, Any]) -> Message:
    where = c["mountpoint"]
    state = (
        f"{where} est occupé à {fmt_num(c['used_pct'])} % ({fmt_bytes(c['free_bytes'])} libres)."
    )
    if level == OK:
        return Message(state)
    why = (
        "Quand un système de fichiers est plein, les dépôts de devoirs, les messages et les "
        "sauvegardes échouent, et la base de données peut refuser toute écriture."
    )
    advice = (
        f"Cherchez ce qui occupe {where} (`du -xh --max-depth=2 {where} | sort -h | tail`), "
        "supprimez les anciennes archives ou les fichiers inutiles, ou ajoutez un disque."
    )
    if level == CRITICAL:
        advice = "Agissez aujourd'hui : " + advice[0].lower() + advice[1:]
    return Message(state, why, advice)


@renders("fs_inodes")
def _fs_inodes(level: str, c: dict[str, Any]) -> Message:
    state = (
        f"{c['mountpoint']} a utilisé {fmt_num(c['inodes_used_pct'])} % de ses emplacements "
        "de fichiers (inodes)."
    )
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Sans inode libre, plus aucun fichier ne peut être créé, même s'il reste de la place.",
        "Une masse de tout petits fichiers en est souvent la cause (cache, sessions, "
        f"journaux) : `find {c['mountpoint']} -xdev -type f | cut -d/ -f2-3 | sort | uniq -c "
        "| sort -n | tail` les montre ; supprimez ceux qui ne servent plus.",
    )


@renders("fs_trend")
def _fs_trend(level: str, c: dict[str, Any]) -> Message:
    if c.get("hours_left") is None:
        return Message(f"{c['mountpoint']} ne se remplit pas rapidement.")
    state = (
        f"{c['mountpoint']} sera plein dans moins de {fmt_hours(c['hours_left'])} au rythme "
        f"des dernières heures ({fmt_bytes(c.get('free_bytes'))} libres)."
    )
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Quelque chose écrit beaucoup (journal qui s'emballe, sauvegarde locale, dépôt massif) ; "
        "une fois plein, le portail et les sauvegardes s'arrêtent.",
        f"Trouvez ce qui grossit dans {c['mountpoint']} (`du -xh --max-depth=2 "
        f"{c['mountpoint']} | sort -h | tail`, à relancer une heure plus tard pour comparer) "
        "et arrêtez-le ou libérez de la place.",
    )


@renders("memory")
def _memory(level: str, c: dict[str, Any]) -> Message:
    state = (
        f"Mémoire vive disponible : {fmt_num(c['available_pct'])} % "
        f"({fmt_bytes(c['available_bytes'])} sur {fmt_bytes(c['total_bytes'])})."
    )
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Quand la mémoire manque, le serveur ralentit fortement puis Linux arrête des "
        "programmes au hasard, parfois le portail lui-même.",
        "Regardez quels programmes consomment le plus (`top`, touche M). Si c'est le portail "
        "aux heures de pointe, réduisez « web.threads » ou ajoutez de la mémoire au serveur.",
    )


@renders("swap")
def _swap(level: str, c: dict[str, Any]) -> Message:
    state = f"Mémoire d'échange (swap) utilisée à {fmt_num(c['used_pct'])} %."
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Le serveur manque de mémoire vive et écrit sur le disque ce qui n'y tient plus : "
        "tout devient lent.",
        "Vérifiez la mémoire vive disponible et les programmes les plus gourmands (`top`) ; "
        "envisagez d'ajouter de la mémoire.",
    )


@renders("cpu")
def _cpu(level: str, c: dict[str, Any]) -> Message:
    state = f"Processeur occupé à {fmt_num(c['total_pct'])} %."
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Un processeur saturé longtemps rend le portail lent pour tout le monde.",
        "Regardez quel programme en est la cause (`top`). Une sauvegarde ou un import peut "
        "l'expliquer ; sinon, redémarrez le service fautif et signalez-le.",
    )


@renders("load")
def _load(level: str, c: dict[str, Any]) -> Message:
    state = (
        f"Charge moyenne sur 5 minutes : {fmt_num(c['load5'], 2)} pour {c['cores']} cœur(s) "
        f"({fmt_num(c['per_core_5'], 2)} par cœur)."
    )
    if level == OK:
        return Message(state)
    return Message(
        state,
        "Des programmes attendent leur tour pour le processeur ou pour le disque : les pages "
        "mettent du temps à s'afficher.",
        "Regardez `top` (colonne %CPU) et l'attente disque (« wa ») ; un disque qui attend "
        "beaucoup peut être en train de faiblir : consultez aussi l'état SMART.",
    )


# --- temperatures --------------------------------------------------------------------------


@renders("temperature")
def _temperature(level: str, c: dict[str, Any]) -> Message:
    state = f"Capteur {c['sensor']} : {fmt_num(c['current'])} °C."
    if level == OK:
        return Message(state)
    return Message(
        state + f" (avertissement dès {fmt_num(c['warning'])} °C, critique dès "
        f"{fmt_num(c['critical'])} °C)",
        "Trop chaud, le processeur ralentit pour se protéger, puis le serveur peut s'éteindre "
        "brutalement ; la chaleur use aussi les disques.",
        "Vérifiez que la salle est ventilée ou climatisée, que les ventilateurs tournent et "
        "que les grilles ne sont pas bouchées par la poussière.",
    )


@renders("sensors_none")
def _sensors_none(level: str, c: dict[str, Any]) -> Message:
    return Message(
        "Aucun capteur de température ni de ventilateur n'est lisible (indisponible, et non 0).",
        "C'est normal sur une machine virtuelle ; sur un vrai serveur, le module du capteur "
        "n'est peut-être pas chargé.",
        "Sur un serveur physique : installez lm-sensors et lancez `sensors-detect`.",
    )


# --- fallback for the alert that closes because its object disappeared -------------------


@renders("gone")
def _gone(level: str, c: dict[str, Any]) -> Message:
    return Message("Ce qui était surveillé n'est plus présent ; l'alerte est close.")


def level_label(level: str) -> str:
    """French name of a level."""
    return {
        OK: "normal",
        INFO: "information",
        "warning": "avertissement",
        CRITICAL: "critique",
    }.get(level, level)


# The other kinds live in messages_hw (disks, RAID, UPS) and messages_box (the box); they
# register themselves on import.
from appliance.health import messages_box, messages_hw  # noqa: E402,F401
