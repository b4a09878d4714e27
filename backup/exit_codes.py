"""Borg's exit codes (with BORG_EXIT_CODES=modern) in plain French: what, and what to do.

0 success, 1 warning, 2 error, 3–99 specific errors, 100–127 specific warnings,
128+N killed by signal N. Codes are from borg 1.4's own sources (`exit_mcode`).
Every text is marked `N_()` and explanations are `Phrase`s: French where they are shown as
text (CLI, logs), translated in the web UI (`BorgError(result.message, result)`).
"""

from __future__ import annotations

import re
import signal
from dataclasses import dataclass

from backup.errors import N_, Phrase

# What to do: one marked sentence, or several marked pieces said one after the other.
Advice = str | tuple[str, ...]

_CHECK = N_("Lancez « cartable backup check » sur ce dépôt et gardez le détail pour le support.")
_OTHER_REPO = N_("Pour restaurer, utilisez un autre dépôt (disque local, amovible ou hors site).")
_NEWER = N_(
    "Le dépôt a été écrit par une version de borg plus récente. "
    "Mettez Cartable (et borg) à jour sur ce serveur."
)
_BUG = N_("C'est un défaut de Cartable : signalez-le avec le détail technique.")
_LOCK = N_(
    "Attendez la fin de l'autre opération. Si aucune ne tourne (serveur redémarré, "
    "tâche tuée), libérez le verrou : « cartable backup break-lock --label ÉTIQUETTE »."
)
# Composite advice is a tuple of pieces, each its own marked literal, joined by a space.
_DAMAGED = N_("Des données du dépôt sont abîmées ou ont été modifiées. Ne supprimez rien.")
_INTEGRITY = (_DAMAGED, _CHECK)
_KEY = N_(
    "Importez la clé depuis la fiche de clé imprimée (« borg key import --paper DÉPÔT ») "
    "ou restaurez depuis un autre dépôt."
)

# code -> (what happened, what to do)
TABLE: dict[int, tuple[str, Advice]] = {
    0: (N_("L'opération a réussi."), ""),
    1: (
        N_("Borg a terminé avec des avertissements."),
        N_("Lisez le détail ; l'archive est utilisable."),
    ),
    2: (
        N_("Borg a rencontré une erreur."),
        N_(
            "Lisez le détail technique, puis relancez. Si l'erreur revient, lancez "
            "« cartable diagnose »."
        ),
    ),
    3: (N_("L'opération a été annulée : borg demandait une confirmation."), _BUG),
    4: (N_("Borg a refusé la commande (options incompatibles)."), _BUG),
    5: (N_("Borg a refusé un nom d'archive mal formé."), _BUG),
    6: (N_("Borg a refusé un nom d'archive mal formé."), _BUG),
    10: (
        N_("Un dépôt existe déjà à cet endroit."),
        N_(
            "Pour rattacher ce serveur à ce dépôt existant, donnez sa phrase de passe "
            "(--passphrase-file) ; sinon choisissez un autre dossier."
        ),
    ),
    11: (N_("Ce dépôt est au vieux format Attic."), N_("Créez un nouveau dépôt ailleurs.")),
    12: (N_("Le dépôt est incohérent."), _CHECK),
    13: (
        N_("Il n'y a pas de dépôt à cet endroit."),
        N_(
            "Vérifiez le chemin ou l'adresse (et, pour un disque amovible, que c'est le bon "
            "disque), ou créez le dépôt avec « cartable backup init »."
        ),
    ),
    14: (
        N_("Il n'y a plus assez de place sur le disque du dépôt pour terminer."),
        N_(
            "Libérez de la place (ou branchez un disque plus grand) puis relancez. "
            "Les archives déjà faites restent intactes."
        ),
    ),
    15: (N_("Ce dossier n'est pas un dépôt borg valide."), N_("Vérifiez le chemin du dépôt.")),
    16: (N_("La configuration du dépôt est illisible."), _CHECK),
    17: (N_("Une donnée manque dans le dépôt."), _CHECK),
    18: (
        N_("Le dossier parent du dépôt n'existe pas."),
        N_("Créez-le, ou vérifiez que le disque qui doit le contenir est bien monté."),
    ),
    19: (
        N_("Il y a déjà autre chose qu'un dépôt à cet endroit."),
        N_("Choisissez un dossier vide ou inexistant."),
    ),
    20: (
        N_("Le quota de stockage du dépôt est dépassé."),
        N_("Réduisez la rétention ou augmentez le quota chez l'hébergeur, puis relancez."),
    ),
    21: (
        N_("L'accès au dépôt est refusé (droits du dossier)."),
        N_("Vérifiez que le service Cartable peut écrire dans le dossier du dépôt."),
    ),
    25: (N_("Le dépôt utilise une fonction inconnue de cette version de borg."), _NEWER),
    26: (N_("Le dépôt n'a pas de manifeste (dépôt vide ou abîmé)."), _CHECK),
    27: (N_("Le manifeste du dépôt a un format inconnu."), _NEWER),
    30: (N_("Une archive porte déjà ce nom."), N_("Relancez dans une seconde.")),
    31: (
        N_("Cette archive n'existe pas dans le dépôt."),
        N_("Listez les archives (« cartable backup list ») et choisissez un nom existant."),
    ),
    32: (N_("Un nom de fichier ne peut pas être écrit avec l'encodage du système."), _BUG),
    40: (N_("Les données de la clé sont invalides."), _KEY),
    41: (N_("La clé ne correspond pas à ce dépôt."), _KEY),
    42: (N_("Le fichier de clé est introuvable."), _KEY),
    43: (N_("Ce fichier n'est pas une sauvegarde de clé borg."), N_("Vérifiez le fichier donné.")),
    44: (N_("La clé n'est plus dans le dépôt (configuration abîmée)."), _KEY),
    45: (N_("Cette sauvegarde de clé est celle d'un autre dépôt."), N_("Prenez la bonne fiche.")),
    46: (
        N_("Ce dépôt n'est pas chiffré."),
        N_("Cartable n'utilise que des dépôts chiffrés : créez un nouveau dépôt."),
    ),
    47: (N_("Le type de clé est inconnu."), _NEWER),
    48: (N_("Le dépôt contient des données d'un type inconnu."), _NEWER),
    50: (
        N_("Aucune phrase de passe n'a pu être donnée à borg."),
        N_("Vérifiez le fichier de phrase de passe (présent, lisible par root, non vide)."),
    ),
    51: (
        N_("La commande qui fournit la phrase de passe a échoué."),
        N_("Vérifiez le fichier de phrase de passe."),
    ),
    52: (
        N_("La phrase de passe est incorrecte pour ce dépôt."),
        N_(
            "Recopiez-la depuis la fiche de clé (attention aux tirets et aux caractères "
            "voisins). Le dépôt n'a pas été modifié."
        ),
    ),
    53: (N_("Trop d'essais de phrase de passe."), N_("Recopiez-la depuis la fiche de clé.")),
    60: (N_("L'initialisation du cache a été annulée."), _BUG),
    61: (
        N_(
            "La méthode de chiffrement du dépôt a changé depuis le dernier accès : "
            "borg refuse par sécurité."
        ),
        N_("Quelqu'un a peut-être remplacé le dépôt. Vérifiez-le avant toute chose."),
    ),
    62: (
        N_(
            "Borg refuse d'accéder au dépôt : il a été déplacé (nouveau chemin ou nouvelle "
            "adresse) ou il n'est pas chiffré."
        ),
        N_(
            "Si le déplacement est voulu, acceptez-le : « cartable backup accept --label "
            "ÉTIQUETTE ». Sinon, vérifiez le chemin."
        ),
    ),
    63: (
        N_(
            "Le cache est plus récent que le dépôt : deux dépôts ont peut-être le même "
            "identifiant (copie d'un dépôt ?)."
        ),
        N_("Ne sauvegardez pas dans une copie d'un dépôt ; gardez-en un seul."),
    ),
    64: (
        N_(
            "Le dépôt est plus ancien que ce que ce serveur en connaît : il a pu être remplacé "
            "par une copie plus ancienne (attaque, ou disque restauré)."
        ),
        N_("Vérifiez le dépôt avant toute nouvelle sauvegarde."),
    ),
    70: (N_("Le dépôt est verrouillé par une autre opération borg."), _LOCK),
    71: (N_("Impossible de prendre le verrou du dépôt."), _LOCK),
    72: (
        N_("Impossible de créer le verrou du dépôt (disque plein ou en lecture seule ?)."),
        N_("Vérifiez la place libre et l'état du disque du dépôt."),
    ),
    73: (N_("Le dépôt est resté verrouillé trop longtemps par une autre opération."), _LOCK),
    74: (N_("Le verrou du dépôt avait déjà disparu."), _LOCK),
    75: (N_("Le verrou du dépôt appartient à une autre opération."), _LOCK),
    80: (
        N_("La connexion au serveur distant a été coupée."),
        N_(
            "Vérifiez le réseau, que le serveur est allumé et que la clé SSH de ce serveur "
            "y est autorisée. Le dépôt local a été sauvegardé indépendamment."
        ),
    ),
    81: (
        N_("La connexion au serveur distant a été coupée."),
        N_("Vérifiez le réseau, le serveur et la clé SSH autorisée (voir le détail)."),
    ),
    82: (N_("Le serveur distant a refusé une commande borg."), _NEWER),
    83: (
        N_("Le serveur distant refuse ce chemin de dépôt."),
        N_("Corrigez le chemin, ou l'option --restrict-to-path de la ligne authorized_keys."),
    ),
    84: (N_("La version de borg du serveur distant est trop ancienne."), N_("Mettez-la à jour.")),
    85: (
        N_("Le serveur distant n'a pas répondu comme borg."),
        N_(
            "Vérifiez que borg est installé sur le serveur et que la connexion n'affiche "
            "aucun texte (bannière, .bashrc)."
        ),
    ),
    86: (
        N_("Le serveur distant n'a pas répondu comme borg."),
        N_(
            "Vérifiez que borg est installé sur le serveur et que la connexion n'affiche "
            "aucun texte (bannière, .bashrc)."
        ),
    ),
    87: (
        N_("La connexion au serveur distant est rompue."),
        N_("Vérifiez le réseau et le serveur, puis relancez."),
    ),
    90: (N_("Erreur d'intégrité des données."), (*_INTEGRITY, _OTHER_REPO)),
    91: (N_("Un fichier du dépôt ou du cache est abîmé."), _INTEGRITY),
    92: (N_("Des données du dépôt ne se décompressent pas."), _INTEGRITY),
    95: (N_("L'authenticité d'une archive n'a pas pu être vérifiée."), _INTEGRITY),
    96: (N_("Une archive n'est pas authentifiée."), _INTEGRITY),
    97: (N_("L'authenticité du manifeste n'a pas pu être vérifiée."), _INTEGRITY),
    98: (N_("Le manifeste n'est pas authentifié."), _INTEGRITY),
    99: (N_("Le manifeste utilise une méthode d'authentification inconnue."), _NEWER),
    100: (
        N_("Un fichier a changé pendant qu'on le sauvegardait."),
        N_("Rien à faire : la sauvegarde suivante le reprendra."),
    ),
    101: (N_("Un motif d'inclusion n'a rien trouvé."), N_("Vérifiez la configuration.")),
    102: (N_("Un fichier n'a pas pu être sauvegardé."), N_("Lisez le détail.")),
    103: (
        N_("Un fichier a été remplacé pendant la sauvegarde ; il a été ignoré."),
        N_("Rien à faire : la sauvegarde suivante le reprendra."),
    ),
    104: (
        N_("Un fichier n'a pas pu être lu ou écrit."),
        N_("Lisez le détail ; vérifiez l'état du disque."),
    ),
    105: (
        N_("Un fichier n'a pas pu être lu : permission refusée."),
        N_("Vérifiez les droits du fichier nommé dans le détail."),
    ),
    106: (
        N_("Erreur d'entrée-sortie en lisant ou écrivant un fichier."),
        N_("Le disque est peut-être défaillant : regardez la page Santé (SMART)."),
    ),
    107: (
        N_("Un fichier a disparu pendant la sauvegarde."),
        N_("Rien à faire s'il a été supprimé exprès."),
    ),
    108: (N_("Un élément de l'archive est dangereux (lien symbolique) ; ignoré."), _CHECK),
    109: (N_("Un élément de l'archive contient « ../ » ; ignoré."), _CHECK),
    110: (N_("Un lien dur de l'archive est dangereux ; ignoré."), _CHECK),
}

_SIGNALS: dict[signal.Signals, tuple[str, Advice]] = {
    signal.SIGTERM: (
        N_("Borg a été arrêté (délai dépassé ou arrêt du service)."),
        N_("Relancez ; les archives déjà faites restent intactes."),
    ),
    signal.SIGKILL: (
        N_("Borg a été tué brutalement (manque de mémoire ou arrêt forcé)."),
        N_(
            "Relancez ; les archives déjà faites restent intactes. Regardez la mémoire libre "
            "sur la page Santé."
        ),
    ),
    signal.SIGINT: (N_("Borg a été interrompu."), N_("Relancez quand vous voulez.")),
    signal.SIGHUP: (N_("Borg a été interrompu (session fermée)."), N_("Relancez.")),
}


@dataclass(frozen=True)
class Explanation:
    """A borg exit code explained: `severity` is "ok", "warning" or "error"."""

    code: int
    severity: str
    what: str  # a Phrase: French, translated when shown
    todo: str  # a Phrase, or "" when there is nothing to do

    @property
    def message(self) -> str:
        """One paragraph (a Phrase): what happened, then what to do."""
        if not self.todo:
            return self.what
        return Phrase(N_("%(what)s %(todo)s"), what=self.what, todo=self.todo)


def _marked(text: str) -> Phrase:
    """A literal of this module (each is marked N_ where it is written) as a Phrase."""
    return Phrase(text)


def _advice(todo: Advice) -> str:
    """What to do as one Phrase (pieces joined by a space), or "" when nothing."""
    if isinstance(todo, str):
        return _marked(todo) if todo else ""
    first, *rest = todo
    if not rest:
        return _marked(first)
    return Phrase(N_("%(first)s %(rest)s"), first=_marked(first), rest=_advice(tuple(rest)))


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
            stopped = Phrase(N_("Borg a été arrêté par le signal %(name)s."), name=name)
            return Explanation(code, severity(code), stopped, _marked(N_("Relancez.")))
    elif 100 <= code <= 127:
        what, todo = N_("Borg a terminé avec un avertissement."), N_("Lisez le détail.")
    else:
        what, todo = TABLE[2]
    return Explanation(code, severity(code), _marked(what), _advice(todo))


# Text that ssh (or the OS) prints and that says more than borg's exit code.
PROBLEMS: tuple[tuple[str, str, str], ...] = (
    (
        "hostkey_changed",
        r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed",
        N_(
            "La clé SSH du serveur distant a changé depuis qu'elle a été confirmée : ce peut "
            "être une réinstallation du serveur, ou quelqu'un qui se fait passer pour lui. Rien "
            "n'a été envoyé. Demandez à l'hébergeur l'empreinte de la nouvelle clé, comparez-la, "
            "puis confirmez-la de nouveau (« cartable backup trust-host --label ÉTIQUETTE »)."
        ),
    ),
    (
        "hostkey_unknown",
        r"Host key verification failed|No \S+ host key is known",
        N_(
            "La clé SSH du serveur distant n'a pas encore été confirmée sur ce serveur. Rien n'a "
            "été envoyé. Affichez son empreinte, comparez-la avec celle de l'hébergeur et "
            "confirmez-la (« cartable backup trust-host --label ÉTIQUETTE »)."
        ),
    ),
    (
        "ssh_auth",
        r"Permission denied \(publickey",
        N_(
            "Le serveur distant refuse la clé SSH de ce serveur. Ajoutez sa clé publique au "
            "fichier authorized_keys du compte de sauvegarde chez l'hébergeur."
        ),
    ),
    (
        "unreachable",
        r"Connection refused|No route to host|Could not resolve hostname|"
        r"Connection timed out|Network is unreachable|Operation timed out",
        N_(
            "Le serveur distant est injoignable (réseau, adresse ou serveur éteint). Vérifiez "
            "la connexion internet et l'adresse du dépôt ; les autres dépôts sont sauvegardés "
            "indépendamment."
        ),
    ),
    (
        "disk_full",
        r"No space left on device",
        N_(
            "Le disque est plein. Libérez de la place puis relancez ; les archives déjà faites "
            "restent intactes."
        ),
    ),
    (
        "read_only",
        r"Read-only file system",
        N_("Le disque est en lecture seule (souvent après des erreurs). Regardez la page Santé."),
    ),
)


def recognise(text: str) -> tuple[str, str] | None:
    """(name, plain message as a Phrase) of the first known ssh/OS problem found in borg's
    output."""
    for name, pattern, message in PROBLEMS:
        if re.search(pattern, text):
            return name, _marked(message)
    return None
