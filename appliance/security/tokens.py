"""Personal access tokens of the JSON API: create (shown once), list, revoke, authenticate.

A request with `Authorization: Bearer TOKEN` acts as the token's person with exactly their
rights (the policy is asked as for a page). A token stops when it is revoked, when it
expires (`days` at creation), and at once when its person's account is disabled (its
tokens are deleted, `end_for`) or has expired (a guest's date: every call checks it), as a
session does; a password change does not end it.

The token is `cartable_` followed by 32 random bytes (43 url-safe characters). Only its
SHA-256 is stored. A slow password hash (argon2) exists to make guessing a *chosen*
password expensive; a 256-bit random secret cannot be guessed or looked up in a
dictionary, so a fast hash gives the same protection to a stolen database while keeping
an API call at the cost of one indexed lookup (sessions do the same, `sessions._hash`).

A wrong token costs its address like a failed login (`throttle`): every failure is
counted under a per-address pseudo-account (`jeton-api@ADDRESS`, which no login can be)
and in the address's own counter shared with the login form, and a throttled address is
refused before the token is even looked up. Success writes nothing, except `last_used_at`
at most once a minute.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from appliance.db import one, rows, scalar, transaction
from appliance.directory import textsafe
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.security import audit, sessions, throttle
from appliance.security.audit import Actor

PREFIX = "cartable_"
MAX_PER_PERSON = 20
MAX_DAYS = 3650
LABEL_MAX = 60
TOUCH_EVERY = timedelta(seconds=60)
# What a real token looks like (prefix + 43 url-safe characters), checked before a lookup.
_TOKEN_LENGTH = len(PREFIX) + 43


@dataclass(frozen=True)
class BearerResult:
    """What a bearer token gave.

    status: "ok" (`row` is the person's row, with `token_id`), "bad" (unknown, revoked or
    expired token, or a disabled account: the answer is the same 401), "throttled"
    (refused before any lookup: wait `retry_after` seconds).
    """

    status: str
    row: dict[str, Any] | None = None
    retry_after: int = 0


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle_login(ip: str | None) -> str:
    # "@" is never in a login (appliance.directory.logins): no person shares this counter.
    return f"jeton-api@{ip or '?'}"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def create(
    conn: sqlite3.Connection,
    person_id: int,
    label: str,
    *,
    actor: Actor,
    days: int | None = None,
) -> tuple[int, str]:
    """Create a token for the person; return (its id, the token itself).

    The token is returned once and never stored: the caller shows it and forgets it.
    `days`: it stops after that many days (1 to 3650); None: until revoked. Raises
    CartableError for an empty or unsafe label, a bad number of days, a disabled account or
    one with too many tokens. The audit row is written in the same transaction.
    """
    label = textsafe.clean_text(label, "label", LABEL_MAX)
    if not label:
        raise CartableError(
            N_("Donnez un nom au jeton (par exemple « script de notes »)."), field="label"
        )
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise CartableError(
            N_("Durée de validité de %(days)s jours impossible : de 1 à %(max)s jours."),
            field="days",
            days=days,
            max=MAX_DAYS,
        )
    person = one(conn, "SELECT login, state FROM person WHERE id = ?", (person_id,))
    if person is None:
        raise NotFound(N_("Aucune personne n'a le numéro %(person_id)s."), person_id=person_id)
    if person["state"] == "disabled":
        raise CartableError(
            N_("Le compte %(login)s est désactivé : il ne peut pas avoir de jeton."),
            login=person["login"],
        )
    token = PREFIX + secrets.token_urlsafe(32)
    now = _now()
    expires = (now + timedelta(days=days)).isoformat() if days else None
    with transaction(conn):
        count = scalar(conn, "SELECT count(*) FROM api_token WHERE person_id = ?", (person_id,))
        if count >= MAX_PER_PERSON:
            raise CartableError(
                N_(
                    "%(login)s a déjà %(max)s jetons : révoquez ceux qui ne servent plus "
                    "avant d'en créer un autre."
                ),
                login=person["login"],
                max=MAX_PER_PERSON,
            )
        token_id = conn.execute(
            "INSERT INTO api_token (person_id, label, secret_hash, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (person_id, label, hash_token(token), now.isoformat(), expires),
        ).lastrowid
        assert token_id is not None  # an INSERT gives its row id
        audit.record(
            conn,
            actor,
            "token.create",
            target=f"person:{person_id}",
            details={"token_id": token_id, "label": label, "login": person["login"], "days": days},
        )
    return token_id, token


_LISTED = "id, label, created_at, last_used_at, expires_at"


def list_for(conn: sqlite3.Connection, person_id: int) -> list[dict[str, Any]]:
    """The person's tokens, newest first: id, label, created_at, last_used_at, expires_at
    (UTC ISO times or None) and `expired`; never the token nor its hash."""
    found = rows(
        conn,
        f"SELECT {_LISTED} FROM api_token WHERE person_id = ? ORDER BY id DESC",
        (person_id,),
    )
    now = _now().isoformat()
    for token in found:
        token["expired"] = bool(token["expires_at"] and token["expires_at"] <= now)
    return found


def get(conn: sqlite3.Connection, token_id: int, *, owner_id: int | None = None) -> dict[str, Any]:
    """One token (the listed fields, `person_id` and the owner's `login`); NotFound when
    there is none, or when `owner_id` is given and the token is someone else's (the same
    answer: an id tells nothing)."""
    found = one(
        conn,
        "SELECT t.id, t.label, t.created_at, t.last_used_at, t.expires_at, t.person_id, "
        "p.login FROM api_token t JOIN person p ON p.id = t.person_id WHERE t.id = ?",
        (token_id,),
    )
    if found is None or (owner_id is not None and found["person_id"] != owner_id):
        raise NotFound(N_("Aucun jeton n'a le numéro %(token_id)s."), token_id=token_id)
    return found


def revoke(
    conn: sqlite3.Connection, token_id: int, *, actor: Actor, owner_id: int | None = None
) -> dict[str, Any]:
    """Revoke (delete) a token at once; return what it was. With `owner_id`, only that
    person's token (else NotFound, as for an unknown id). Audited in the same transaction."""
    with transaction(conn):
        token = get(conn, token_id, owner_id=owner_id)
        conn.execute("DELETE FROM api_token WHERE id = ?", (token_id,))
        audit.record(
            conn,
            actor,
            "token.revoke",
            target=f"person:{token['person_id']}",
            details={"token_id": token_id, "label": token["label"], "login": token["login"]},
        )
    return token


def authenticate(
    conn: sqlite3.Connection,
    bearer: str,
    ip: str | None,
    settings: throttle.ThrottleSettings,
    *,
    person_columns: str = "person.id",
) -> BearerResult:
    """The person behind a bearer token, with throttling (see the module doc).

    `person_columns` (SQL over `person`) are read in the same query as the token, so that
    an API call costs one query for both. A failure is audited (coalesced) and counted.
    """
    login = _throttle_login(ip)
    bearer = (bearer or "").strip()
    secret = None
    if bearer.startswith(PREFIX) and len(bearer) == _TOKEN_LENGTH:
        secret = hash_token(bearer)
    # One statement for the throttle's limits, the token and its person (every API call
    # runs it; under load each statement costs a hand-over of the interpreter's lock).
    now = time.time()
    limits, params = throttle.wait_columns(login, ip, now)
    found = one(
        conn,
        f"SELECT {limits}, t.id AS token_id, t.expires_at AS token_expires_at, "
        f"t.last_used_at AS token_used_at, person.state AS person_state, "
        f"person.expires_on AS person_expires_on, person.login AS person_login, "
        f"{person_columns} FROM (SELECT 1) LEFT JOIN api_token t ON t.secret_hash = ? "
        "LEFT JOIN person ON person.id = t.person_id",
        (*params, secret),
    )
    assert found is not None  # the LEFT JOIN on one row gives one row
    wait = throttle.wait_of(conn, found, login, settings, False, now)[0]
    if wait:
        audit.record(
            conn, Actor(None, "?", ip), "token.throttled", outcome="refused", coalesce=True
        )
        return BearerResult("throttled", retry_after=wait)
    found.pop("throttle_blocked")
    found.pop("throttle_checked")
    # No such token (or, were the schema's cascade ever missing, no such person).
    row = found if found["person_login"] is not None else None
    reason = _refusal(row)
    if reason:
        throttle.record_failure(conn, login, ip, settings)
        owner = Actor(None, row["person_login"], ip) if row else Actor(None, "?", ip)
        details = {"reason": reason}
        audit.record(conn, owner, "token.refused", outcome="failed", details=details, coalesce=True)
        return BearerResult("bad")
    assert row is not None  # _refusal refuses a missing row
    _touch(conn, row["token_id"], row.pop("token_used_at"), ip)
    for key in ("token_expires_at", "person_state", "person_expires_on", "person_login"):
        row.pop(key)
    return BearerResult("ok", row=row)


def _refusal(row: dict[str, Any] | None) -> str:
    """Why a token row may not be used ("" when it may)."""
    if row is None:
        return "unknown"
    if row["token_expires_at"] and row["token_expires_at"] <= _now().isoformat():
        return "expired"
    # The same rules as a session's (appliance.security.sessions.resolve_row).
    if row["person_state"] == "disabled":
        return "disabled"
    if sessions.account_expired(row["person_expires_on"]):
        return "disabled"
    return ""


def _touch(conn: sqlite3.Connection, token_id: int, used_at: str | None, ip: str | None) -> None:
    """Write when the token was last used, at most once a minute."""
    now = _now()
    if used_at and datetime.fromisoformat(used_at) > now - TOUCH_EVERY:
        return
    with transaction(conn):
        conn.execute(
            "UPDATE api_token SET last_used_at = ?, last_used_ip = ? WHERE id = ?",
            (now.isoformat(), ip, token_id),
        )


def end_for(conn: sqlite3.Connection, *person_ids: int) -> int:
    """Delete every token of the given people (their account is being disabled: re-enabling
    it later must not bring back a token someone else may hold); return how many. Joins the
    caller's transaction, like `sessions.end_sessions`."""
    if not person_ids:
        return 0
    with transaction(conn):
        cur = conn.executemany(
            "DELETE FROM api_token WHERE person_id = ?", [(i,) for i in person_ids]
        )
    return cur.rowcount


def purge_expired(conn: sqlite3.Connection, older_than_days: int = 30) -> int:
    """Delete tokens expired for more than `older_than_days` days; return how many (the
    housekeeping job: an expired token only answers 401, keeping it a while lets its owner
    see in the list why their script stopped)."""
    cutoff = (_now() - timedelta(days=older_than_days)).isoformat()
    with transaction(conn):
        cur = conn.execute(
            "DELETE FROM api_token WHERE expires_at IS NOT NULL AND expires_at < ?", (cutoff,)
        )
    return cur.rowcount
