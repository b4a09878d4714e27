"""Repository passphrases: generation, storage in a root-only file, reading, masking.

A passphrase is held in a `Secret`, whose repr and str never show it. It reaches borg
only through a pipe (`BORG_PASSPHRASE_FD`, see `runner`), never on a command line or in
an environment variable.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from pathlib import Path

from backup.errors import N_, BackupError
from backup.fsutil import atomic_write

# No 0/o, 1/l/i: the passphrase is copied by hand from a printed sheet.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS = 8
GROUP_LEN = 4  # 32 characters from 31 symbols: about 158 bits


class Secret:
    """A secret string that does not show itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        if not isinstance(value, str) or not value:
            raise BackupError(N_("La phrase de passe est vide."))
        if "\n" in value or "\r" in value or "\0" in value:
            raise BackupError(N_("La phrase de passe ne doit tenir que sur une ligne."))
        self._value = value

    def reveal(self) -> str:
        """The secret itself; only for the pipe to borg and the printed key sheet."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('******')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("Secret", len(self._value)))


PassphraseSource = Secret | Path | str
"""A passphrase itself (`Secret`) or the path of a file holding it (`Path` or `str`)."""


def generate_passphrase(groups: int = GROUPS, group_len: int = GROUP_LEN) -> Secret:
    """A new strong passphrase easy to copy by hand (« k7qm-x3bd-… »)."""
    parts = ["".join(secrets.choice(ALPHABET) for _ in range(group_len)) for _ in range(groups)]
    return Secret("-".join(parts))


def write_passphrase_file(path: Path, secret: Secret) -> Path:
    """Store `secret` in `path`, readable by its owner only (0600, folder 0700).

    Returns `path`. Raises BackupError when the file cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path.parent, 0o700)
        atomic_write(path, (secret.reveal() + "\n").encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise BackupError(
            N_("Impossible d'enregistrer la phrase de passe dans %(path)s : %(strerror)s."),
            path=path,
            strerror=exc.strerror,
        ) from exc
    return path


def read_passphrase_file(path: Path | str) -> Secret:
    """Read the passphrase stored in `path` (one line; the final newline is dropped).

    Raises BackupError when the file is missing, unreadable, empty, or readable by others
    than its owner and group (a passphrase left world-readable is refused, not used).
    """
    path = Path(path)
    try:
        st = path.stat()
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise BackupError(
            N_("Le fichier de phrase de passe %(path)s n'existe pas."), path=path
        ) from exc
    except OSError as exc:
        raise BackupError(
            N_("Impossible de lire le fichier de phrase de passe %(path)s : %(strerror)s."),
            path=path,
            strerror=exc.strerror,
        ) from exc
    if st.st_mode & stat.S_IROTH:
        raise BackupError(
            N_(
                "Le fichier de phrase de passe %(path)s est lisible par tout le monde. "
                "Restreignez-le d'abord : chmod 600 %(path)s"
            ),
            path=path,
        )
    try:
        text = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise BackupError(N_("Le fichier %(path)s n'est pas un texte UTF-8."), path=path) from exc
    if not text.strip():
        raise BackupError(N_("Le fichier de phrase de passe %(path)s est vide."), path=path)
    if "\n" in text:
        raise BackupError(
            N_(
                "Le fichier de phrase de passe %(path)s contient plusieurs lignes ; "
                "la phrase de passe doit être seule sur la première ligne."
            ),
            path=path,
        )
    return Secret(text)


def resolve_passphrase(source: PassphraseSource) -> Secret:
    """The `Secret` for `source`: itself, or read from the file it names (see above)."""
    if isinstance(source, Secret):
        return source
    return read_passphrase_file(Path(source))
