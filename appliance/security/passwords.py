"""Password hashing (argon2id at OWASP parameters) and the password rules.

Rules (ASVS 5.0 V6.2, CNIL 2022-100): a minimum length that depends on the profile (12 for
staff, teachers, admins and guests; 8 for students and parents), no composition rules, and
a refusal of common passwords and of passwords made of the person's own names or login.
"""

from __future__ import annotations

import os
import secrets
import threading
import unicodedata
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from appliance.errors import CartableError
from appliance.i18n import N_

# OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_TIME_COST = 2
ARGON2_PARALLELISM = 1

_hasher = PasswordHasher(
    time_cost=ARGON2_TIME_COST,
    memory_cost=ARGON2_MEMORY_KIB,
    parallelism=ARGON2_PARALLELISM,
)

# At most one argon2 computation per core at a time: each needs 19 MiB of memory bandwidth
# and a whole core, so more at once only makes every one of them slower (the 8:00 rush).
_CORES = threading.BoundedSemaphore(os.cpu_count() or 1)

MAX_LENGTH = 256
MIN_LENGTH = {
    "student": 8,
    "relative": 8,
    "teacher": 12,
    "staff": 12,
    "guest": 12,
    "admin": 12,
}

# Initial passwords: no look-alike characters (0/O, 1/l/I), easy to type on a phone.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


_RUNS = tuple(
    seq * 4 + seq[::-1] * 4
    for seq in (
        "0123456789",
        "abcdefghijklmnopqrstuvwxyz",
        "azertyuiopqsdfghjklmwxcvbn",
        "qwertyuiopasdfghjklzxcvbnm",
    )
)


class PasswordRejected(CartableError):
    """A password that does not meet the rules; the message says which rule."""


def hash_password(password: str) -> str:
    """Return the argon2id hash (PHC string) of `password`."""
    with _CORES:
        return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check `password` against `stored_hash`.

    Returns (ok, new_hash): new_hash is a fresh hash when the password was right but the
    stored hash used other parameters (the caller stores it), else None. A missing or
    malformed hash is a plain failure. A dummy verification is done for a missing hash so
    that timing does not tell whether an account exists.
    """
    if not stored_hash:
        _dummy_verify(password)
        return False, None
    try:
        with _CORES:
            _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(stored_hash):
        return True, hash_password(password)
    return True, None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _dummy_verify(password: str) -> None:
    dummy = _dummy_hash()
    try:
        with _CORES:
            _hasher.verify(dummy, password)
    except VerificationError:
        pass


def _fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in norm if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The refused list: zxcvbn's 30,000 most common passwords plus a French list."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = set(FREQUENCY_LISTS["passwords"])
    text = resources.files("appliance.data").joinpath("common-passwords-fr.txt")
    for line in text.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(line)
    return frozenset(_fold(w) for w in words)


def check_password(password: str, profile: str, personal: tuple[str, ...] = ()) -> None:
    """Raise PasswordRejected with a plain reason if `password` breaks a rule.

    `personal` holds the login and names of the person: a password equal to one of them
    (or to one followed by digits) is refused.
    """
    minimum = MIN_LENGTH.get(profile, 12)
    if len(password) < minimum:
        raise PasswordRejected(
            N_(
                "Le mot de passe doit compter au moins %(minimum)s caractères "
                "(il en a %(count)s). Une phrase de plusieurs mots est plus facile à retenir."
            ),
            minimum=minimum,
            count=len(password),
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(
            N_("Le mot de passe ne doit pas dépasser %(value)s caractères."), value=MAX_LENGTH
        )
    folded = _fold(password)
    if folded in common_passwords() or folded.rstrip("0123456789!.?") in common_passwords():
        raise PasswordRejected(
            N_(
                "Ce mot de passe fait partie des plus courants et serait deviné en quelques "
                "essais : choisissez-en un autre."
            )
        )
    if any(folded in run for run in _RUNS):
        raise PasswordRejected(N_("Ce mot de passe est une suite de touches ou de chiffres."))
    if len(set(folded)) <= 2:
        raise PasswordRejected(N_("Ce mot de passe répète trop les mêmes caractères."))
    for word in personal:
        w = _fold(word or "")
        if len(w) >= 3 and folded.rstrip("0123456789!.?") in (w, w.replace(".", "")):
            raise PasswordRejected(
                N_("Le mot de passe ne doit pas être votre identifiant ou votre nom.")
            )


def generate_initial_password(length: int = 10) -> str:
    """A random, readable initial password (no look-alike characters), grouped for reading.

    10 characters from a 31-letter alphabet carry about 50 bits: enough for a password that
    must be changed at first login and is protected by throttling (CNIL 2022-100).
    """
    raw = "".join(secrets.choice(_READABLE) for _ in range(length))
    return "-".join(raw[i : i + 5] for i in range(0, length, 5))
