"""Borg's exit codes (with BORG_EXIT_CODES=modern) in plain French: what, and what to do.

0 success, 1 warning, 2 error, 3–99 specific errors, 100–127 specific warnings,
128+N killed by signal N. Codes are from borg 1.4's own sources (`exit_mcode`).
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass

_CHECK = "Lancez « cartable backup check » sur ce dépôt et gardez le détail pour le support."
_OTHER_REPO = "Pour restaurer, utilisez un autre dépôt (disque local, amovible ou hors site)."
_NEWER = (
    "Le dépôt a été écrit par une version de borg plus récente. "
    "Mettez Cartable (et borg) à jour sur ce serveur."
)
_BUG = "C'est un défaut de Cartable : signalez-le avec le détail technique."
_LOCK = (
    "Attendez la fin de l'autre opération. Si aucune ne tourne (serveur redémarré, "
    "tâche tuée), libérez le verrou : « cartable backup break-lock --label ÉTIQUETTE »."
)
_INTEGRITY = "Des données du dépôt sont abîmées ou ont été modifiées. Ne supprimez rien. " + _CHECK
_KEY = (
    "Importez la clé depuis la fiche de clé imprimée (« borg key import --paper DÉPÔT ») "
    "ou restaurez depuis un autre dépôt."
)

# code -> (what happened, what to do)
TABLE: dict[int, tuple[str, str]] = {
    0: ("L'opération a réussi.", ""),
    1: (
        "Borg a terminé avec des avertissements.",
        "Lisez le détail ; l'archive est utilisable.",
    ),
    2: (
        "Borg a rencontré une erreur.",
        "Lisez le détail technique, puis relancez. Si l'erreur revient, lancez "
        "« cartable diagnose ».",
    ),
    3: ("L'opération a été annulée : borg demandait une confirmation.", _BUG),
    4: ("Borg a refusé la commande (options incompatibles).", _BUG),
    5: ("Borg a refusé un nom d'archive mal formé.", _BUG),
    6: ("Borg a refusé un nom d'archive mal formé.", _BUG),
    10: (
        "Un dépôt existe déjà à cet endroit.",
        "Pour rattacher ce serveur à ce dépôt existant, donnez sa phrase de passe "
        "(--passphrase-file) ; sinon choisissez un autre dossier.",
    ),
    11: ("Ce dépôt est au vieux format Attic.", "Créez un nouveau dépôt ailleurs."),
    12: ("Le dépôt est incohérent.", _CHECK),
    13: (
        "Il n'y a pas de dépôt à cet endroit.",
        "Vérifiez le chemin ou l'adresse (et, pour un disque amovible, que c'est le bon "
        "disque), ou créez le dépôt avec « cartable backup init ».",
    ),
    14: (
        "Il n'y a plus assez de place sur le disque du dépôt pour terminer.",
        "Libérez de la place (ou branchez un disque plus grand) puis relancez. "
        "Les archives déjà faites restent intactes.",
    ),
    15: ("Ce dossier n'est pas un dépôt borg valide.", "Vérifiez le chemin du dépôt."),
    16: ("La configuration du dépôt est illisible.", _CHECK),
    17: ("Une donnée manque dans le dépôt.", _CHECK),
    18: (
        "Le dossier parent du dépôt n'existe pas.",
        "Créez-le, ou vérifiez que le disque qui doit le contenir est bien monté.",
    ),
    19: (
        "Il y a déjà autre chose qu'un dépôt à cet endroit.",
        "Choisissez un dossier vide ou inexistant.",
    ),
    20: (
        "Le quota de stockage du dépôt est dépassé.",
        "Réduisez la rétention ou augmentez le quota chez l'hébergeur, puis relancez.",
    ),
    21: (
        "L'accès au dépôt est refusé (droits du dossier).",
        "Vérifiez que le service Cartable peut écrire dans le dossier du dépôt.",
    ),
    25: ("Le dépôt utilise une fonction inconnue de cette version de borg.", _NEWER),
    26: ("Le dépôt n'a pas de manifeste (dépôt vide ou abîmé).", _CHECK),
    27: ("Le manifeste du dépôt a un format inconnu.", _NEWER),
    30: ("Une archive porte déjà ce nom.", "Relancez dans une seconde."),
    31: (
        "Cette archive n'existe pas dans le dépôt.",
        "Listez les archives (« cartable backup list ») et choisissez un nom existant.",
    ),
    32: ("Un nom de fichier ne peut pas être écrit avec l'encodage du système.", _BUG),
    40: ("Les données de la clé sont invalides.", _KEY),
    41: ("La clé ne correspond pas à ce dépôt.", _KEY),
    42: ("Le fichier de clé est introuvable.", _KEY),
    43: ("Ce fichier n'est pas une sauvegarde de clé borg.", "Vérifiez le fichier donné."),
    44: ("La clé n'est plus dans le dépôt (configuration abîmée).", _KEY),
    45: ("Cette sauvegarde de clé est celle d'un autre dépôt.", "Prenez la bonne fiche."),
    46: (
        "Ce dépôt n'est pas chiffré.",
        "Cartable n'utilise que des dépôts chiffrés : créez un nouveau dépôt.",
    ),
    47: ("Le type de clé est inconnu.", _NEWER),
    48: ("Le dépôt contient des données d'un type inconnu.", _NEWER),
    50: (
        "Aucune phrase de passe n'a pu être donnée à borg.",
        "Vérifiez le fichier de phrase de passe (présent, lisible par root, non vide).",
    ),
    51: (
        "La commande qui fournit la phrase de passe a échoué.",
        "Vérifiez le fichier de phrase de passe.",
    ),
    52: (
        "La phrase de passe est incorrecte pour ce dépôt.",
        "Recopiez-la depuis la fiche de clé (attention aux tirets et aux caractères "
        "voisins). Le dépôt n'a pas été modifié.",
    ),
    53: ("Trop d'essais de phrase de passe.", "Recopiez-la depuis la fiche de clé."),
    60: ("L'initialisation du cache a été annulée.", _BUG),
    61: (
        "La méthode de chiffrement du dépôt a changé depuis le dernier accès : "
        "borg refuse par sécurité.",
        "Quelqu'un a peut-être remplacé le dépôt. Vérifiez-le avant toute chose.",
    ),
    62: (
        "Borg refuse d'accéder au dépôt : il a été déplacé (nouveau chemin ou nouvelle "
        "adresse) ou il n'est pas chiffré.",
        "Si le déplacement est voulu, acceptez-le : « cartable backup accept --label "
        "ÉTIQUETTE ». Sinon, vérifiez le chemin.",
    ),
    63: (
        "Le cache est plus récent que le dépôt : deux dépôts ont peut-être le même "
        "identifiant (copie d'un dépôt ?).",
        "Ne sauvegardez pas dans une copie d'un dépôt ; gardez-en un seul.",
    ),
    64: (
        "Le dépôt est plus ancien que ce que ce serveur en connaît : il a pu être remplacé "
        "par une copie plus ancienne (attaque, ou disque restauré).",
        "Vérifiez le dépôt avant toute nouvelle sauvegarde.",
    ),
    70: ("Le dépôt est verrouillé par une autre opération borg.", _LOCK),
    71: ("Impossible de prendre le verrou du dépôt.", _LOCK),
    72: (
        "Impossible de créer le verrou du dépôt (disque plein ou en lecture seule ?).",
        "Vérifiez la place libre et l'état du disque du dépôt.",
    ),
    73: ("Le dépôt est resté verrouillé trop longtemps par une autre opération.", _LOCK),
    74: ("Le verrou du dépôt avait déjà disparu.", _LOCK),
    75: ("Le verrou du dépôt appartient à une autre opération.", _LOCK),
    80: (
        "La connexion au serveur distant a été coupée.",
        "Vérifiez le réseau, que le serveur est allumé et que la clé SSH de ce serveur "
        "y est autorisée. Le dépôt local a été sauvegardé indépendamment.",
    ),
    81: (
        "La connexion au serveur distant a été coupée.",
        "Vérifiez le réseau, le serveur et la clé SSH autorisée (voir le détail).",
    ),
    82: ("Le serveur distant a refusé une commande borg.", _NEWER),
    83: (
        "Le serveur distant refuse ce chemin de dépôt.",
        "Corrigez le chemin, ou l'option --restrict-to-path de la ligne authorized_keys.",
    ),
    84: ("La version de borg du serveur distant est trop ancienne.", "Mettez-la à jour."),
    85: (
        "Le serveur distant n'a pas répondu comme borg.",
        "Vérifiez que borg est installé sur le serveur et que la connexion n'affiche "
        "aucun texte (bannière, .bashrc).",
    ),
    86: (
        "Le serveur distant n'a pas répondu comme borg.",
        "Vérifiez que borg est installé sur le serveur et que la connexion n'affiche "
        "aucun texte (bannière, .bashrc).",
    ),
    87: (
        "La connexion au serveur distant est rompue.",
        "Vérifiez le réseau et le serveur, puis relancez.",
    ),
    90: ("Erreur d'intégrité des données.", _INTEGRITY + " " + _OTHER_REPO),
    91: ("Un fichier du dépôt ou du cache est abîmé.", _INTEGRITY),
    92: ("Des données du dépôt ne se décompressent pas.", _INTEGRITY),
    95: ("L'authenticité d'une archive n'a pas pu être vérifiée.", _INTEGRITY),
    96: ("Une archive n'est pas authentifiée.", _INTEGRITY),
    97: ("L'authenticité du manifeste n'a pas pu être vérifiée.", _INTEGRITY),
    98: ("Le manifeste n'est pas authentifié.", _INTEGRITY),
    99: ("Le manifeste utilise une méthode d'authentification inconnue.", _NEWER),
    100: (
        "Un fichier a changé pendant qu'on le sauvegardait.",
        "Rien à faire : la sauvegarde suivante le reprendra.",
    ),
    101: ("Un motif d'inclusion n'a rien trouvé.", "Vérifiez la configuration."),
    102: ("Un fichier n'a pas pu être sauvegardé.", "Lisez le détail."),
    103: (
        "Un fichier a été remplacé pendant la sauvegarde ; il a été ignoré.",
        "Rien à faire : la sauvegarde suivante le reprendra.",
    ),
    104: (
        "Un fichier n'a pas pu être lu ou écrit.",
        "Lisez le détail ; vérifiez l'état du disque.",
    ),
    105: (
        "Un fichier n'a pas pu être lu : permission refusée.",
        "Vérifiez les droits du fichier nommé dans le détail.",
    ),
    106: (
        "Erreur d'entrée-sortie en lisant ou écrivant un fichier.",
        "Le disque est peut-être défaillant : regardez la page Santé (SMART).",
    ),
    107: (
        "Un fichier a disparu pendant la sauvegarde.",
        "Rien à faire s'il a été supprimé exprès.",
    ),
    108: ("Un élément de l'archive est dangereux (lien symbolique) ; ignoré.", _CHECK),
    109: ("Un élément de l'archive contient « ../ » ; ignoré.", _CHECK),
    110: ("Un lien dur de l'archive est dangereux ; ignoré.", _CHECK),
}

_SIGNALS = {
    signal.SIGTERM: (
        "Borg a été arrêté (délai dépassé ou arrêt du service).",
        "Relancez ; les archives déjà faites restent intactes.",
    ),
    signal.SIGKILL: (
        "Borg a été tué brutalement (manque de mémoire ou arrêt forcé).",
        "Relancez ; les archives déjà faites restent intactes. Regardez la mémoire libre "
        "sur la page Santé.",
    ),
    signal.SIGINT: ("Borg a été interrompu.", "Relancez quand vous voulez."),
    signal.SIGHUP: ("Borg a été interrompu (session fermée).", "Relancez."),
}


@dataclass(frozen=True)
class Explanation:
    """A borg exit code explained: `severity` is "ok", "warning" or "error"."""

    code: int
    severity: str
    what: str
    todo: str

    @property
    def message(self) -> str:
        """One paragraph: what happened, then what to do."""
        return f"{self.what} {self.todo}".strip()


def severity(code: int) -> str:
    """ "ok" (0), "warning" (1 and 100–127) or "error" (everything else)."""
    if code == 0:
        return "ok"
    if code == 1 or 100 <= code <= 127:
        return "warning"
    return "error"


def explain(code: int) -> Explanation:
    """The plain-French explanation of borg exit code `code` (unknown codes included)."""
    if code in TABLE:
        what, todo = TABLE[code]
    elif code >= 128 or code < 0:
        signum = code - 128 if code >= 128 else -code
        try:
            sig = signal.Signals(signum)
        except ValueError:
            sig = None
        if sig in _SIGNALS:
            what, todo = _SIGNALS[sig]
        else:
            name = sig.name if sig else str(signum)
            what, todo = f"Borg a été arrêté par le signal {name}.", "Relancez."
    elif 100 <= code <= 127:
        what, todo = "Borg a terminé avec un avertissement.", "Lisez le détail."
    else:
        what, todo = TABLE[2]
    return Explanation(code, severity(code), what, todo)


# Text that ssh (or the OS) prints and that says more than borg's exit code.
PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "hostkey_changed",
        r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed",
        "La clé SSH du serveur distant a changé depuis qu'elle a été confirmée : ce peut "
        "être une réinstallation du serveur, ou quelqu'un qui se fait passer pour lui. Rien "
        "n'a été envoyé. Demandez à l'hébergeur l'empreinte de la nouvelle clé, comparez-la, "
        "puis confirmez-la de nouveau (« cartable backup trust-host --label ÉTIQUETTE »).",
    ),
    (
        "hostkey_unknown",
        r"Host key verification failed|No \S+ host key is known",
        "La clé SSH du serveur distant n'a pas encore été confirmée sur ce serveur. Rien n'a "
        "été envoyé. Affichez son empreinte, comparez-la avec celle de l'hébergeur et "
        "confirmez-la (« cartable backup trust-host --label ÉTIQUETTE »).",
    ),
    (
        "ssh_auth",
        r"Permission denied \(publickey",
        "Le serveur distant refuse la clé SSH de ce serveur. Ajoutez sa clé publique au "
        "fichier authorized_keys du compte de sauvegarde chez l'hébergeur.",
    ),
    (
        "unreachable",
        r"Connection refused|No route to host|Could not resolve hostname|"
        r"Connection timed out|Network is unreachable|Operation timed out",
        "Le serveur distant est injoignable (réseau, adresse ou serveur éteint). Vérifiez "
        "la connexion internet et l'adresse du dépôt ; les autres dépôts sont sauvegardés "
        "indépendamment.",
    ),
    (
        "disk_full",
        r"No space left on device",
        "Le disque est plein. Libérez de la place puis relancez ; les archives déjà faites "
        "restent intactes.",
    ),
    (
        "read_only",
        r"Read-only file system",
        "Le disque est en lecture seule (souvent après des erreurs). Regardez la page Santé.",
    ),
)


def recognise(text: str) -> tuple[str, str] | None:
    """(name, plain message) of the first known ssh/OS problem found in borg's output."""
    for name, pattern, message in PROBLEMS:
        if re.search(pattern, text):
            return name, message
    return None
