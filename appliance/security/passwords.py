"""Password hashing (argon2id at OWASP parameters) and the password rules.

Rules (ASVS 5.0 V6.2, CNIL 2022-100): a minimum length that depends on the profile (12 for
staff, teachers, admins and guests; 8 for students and parents), no composition rules, and
a refusal of common passwords and of passwords made of the person's own names or login.
"""

from __future__ import annotations

import os
import re
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

# How many argon2 verifications this process has run (the throttle's tests and the
# benchmark read it: it is what an attacker gets, whatever the log says).
_verified = 0
_verified_lock = threading.Lock()


def verification_count() -> int:
    """The number of password verifications (argon2) run by this process so far."""
    return _verified


def _count_verification() -> None:
    global _verified
    with _verified_lock:
        _verified += 1


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
    _count_verification()
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
    _count_verification()
    try:
        with _CORES:
            _hasher.verify(dummy, password)
    except VerificationError:
        pass


_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})


def _fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return "".join(c for c in norm if not unicodedata.combining(c))


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _made_of_names(folded: str, personal: tuple[str, ...]) -> bool:
    """True when the (folded) password is only the person's login and name parts, in any
    order, with any case, accents, spaces, hyphens or dots between them and digits or
    punctuation at the end: "Léger Dupont-Jean 2012" for Jean Dupont-Léger."""
    parts: set[str] = set()
    for word in personal:
        for part in _NOT_ALNUM.split(_fold(word or "")):
            parts.update(p for p in (part, part.rstrip("0123456789")) if len(p) >= 2)
    letters = _NOT_ALNUM.sub("", folded).rstrip("0123456789")
    if len(letters) < 3 or not parts:
        return False
    # Word break: can `letters` be cut into name parts? reach[i]: the first i letters can.
    reach = [True] + [False] * len(letters)
    for i in range(len(letters)):
        if reach[i]:
            for part in parts:
                if letters.startswith(part, i):
                    reach[i + len(part)] = True
    return reach[-1]


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
    if _made_of_names(folded, personal):
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
