"""The notification timeline: one per person, written by every service through `emit`.

    emit(conn, recipients, type, text, link, *, actor_id=None, ref=None) -> int

is the one function a service calls when something happened that people should know of:
a new message, a message recalled, new homework or lesson content, a lesson cancelled or
moved, news published, a forum reply, marks published, an absence recorded (`TYPES`).
It writes one entry per recipient (type, when, who, a short text, a link inside the
portal, unread) in the caller's transaction, and decides then whether the entry will be
mailed: the person's frequency for that type (`immediate`, `daily`, `weekly`, `never`:
their choice on Mon compte, else the default of `TYPES` for their profile) and an address
to mail to. The worker sends the mails later (`notifications_mail`): a page never waits
for the relay.

The address: the one the person confirmed on Mon compte (a link mailed to it, signed
with the box's key), or the one the technician set (`cartable user edit --email`), else
the directory's (`person.email`, from the SIECLE import: the school's own, counted as
confirmed). An address typed on Mon compte is not used until its link is opened.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from appliance.db import now_iso, one, rows, scalar, transaction
from appliance.directory import textsafe
from appliance.errors import CartableError
from appliance.i18n import N_
from appliance.security import audit
from appliance.security.audit import Actor

FREQUENCIES = ("immediate", "daily", "weekly", "never")
FREQUENCY_LABELS = {
    "immediate": N_("Immédiatement"),
    "daily": N_("Résumé quotidien"),
    "weekly": N_("Résumé hebdomadaire"),
    "never": N_("Jamais"),
}
TEXT_MAX = 200
LINK_MAX = 500


@dataclass(frozen=True)
class NotificationType:
    label: str
    description: str
    # frequency by profile; "*" for every other profile
    defaults: Mapping[str, str]

    def default_for(self, profile: str) -> str:
        return self.defaults.get(profile, self.defaults["*"])


# Restrained defaults (parents are flooded by low-value mail): only what can't wait goes
# at once; students get their messages in the morning digest.
TYPES: dict[str, NotificationType] = {
    "message": NotificationType(
        N_("Nouveau message"),
        N_("Un message reçu dans la messagerie."),
        {"student": "daily", "*": "immediate"},
    ),
    "message_recalled": NotificationType(
        N_("Message retiré"),
        N_("Un message retiré par son expéditeur."),
        {"student": "daily", "*": "immediate"},
    ),
    "homework": NotificationType(
        N_("Travail à faire"), N_("Un nouveau travail dans le cahier de textes."), {"*": "daily"}
    ),
    "assignment": NotificationType(
        N_("Devoir à rendre"),
        N_("Un nouveau devoir à rendre donné par un professeur."),
        {"*": "daily"},
    ),
    "lesson_content": NotificationType(
        N_("Contenu de séance"), N_("Le contenu d'une séance est en ligne."), {"*": "daily"}
    ),
    "lesson_changed": NotificationType(
        N_("Cours modifié"), N_("Un cours annulé, déplacé ou remplacé."), {"*": "immediate"}
    ),
    "news": NotificationType(
        N_("Actualité"), N_("Une actualité de l'établissement publiée."), {"*": "weekly"}
    ),
    "forum_reply": NotificationType(
        N_("Forum"), N_("Une réponse ou un nouveau sujet dans un forum."), {"*": "daily"}
    ),
    "marks": NotificationType(N_("Notes"), N_("Des notes publiées."), {"*": "daily"}),
    "absence": NotificationType(
        N_("Absence"), N_("Une absence ou un retard enregistré."), {"*": "immediate"}
    ),
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def short_text(text: str, limit: int = TEXT_MAX) -> str:
    """A one-line text without control characters, at most `limit` characters."""
    one_line = _SPACES.sub(" ", _CONTROL.sub(" ", text or "")).strip()
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def _check_link(link: str) -> str:
    if not link.startswith("/") or link.startswith("//") or "\\" in link or len(link) > LINK_MAX:
        raise ValueError(f"a notification's link is a path inside the portal, not {link!r}")
    return link


# --- writing the timeline ---------------------------------------------------------------


def emit(
    conn: sqlite3.Connection,
    recipients: Iterable[int],
    type: str,  # noqa: A002 - the word every caller uses
    text: str,
    link: str,
    *,
    actor_id: int | None = None,
    ref: str | None = None,
) -> int:
    """Write one `type` entry into the timeline of each of `recipients` (person ids);
    return how many were written.

    `text` is the short text shown (one line, cut at 200 characters), `link` the page it
    leads to (a path of the portal, "/messages/12"), `actor_id` who did it (never
    notified of their own act), `ref` what it is about ("message:12", for `withdraw`).
    Each person is written once however often they are listed; disabled accounts are
    skipped. Runs in the caller's transaction when one is open (a message and its
    notifications land together). Raises ValueError for an unknown type or a link that
    is not a path of the portal.
    """
    info = TYPES.get(type)
    if info is None:
        raise ValueError(f"unknown notification type {type!r}")
    _check_link(link)
    ids = sorted({int(r) for r in recipients} - {actor_id})
    if not ids:
        return 0
    stamp = now_iso()
    shown = short_text(text)
    with transaction(conn):
        found = conn.execute(
            "SELECT p.id, p.profile, s.frequency, "
            "CASE WHEN a.address IS NOT NULL THEN a.address ELSE p.email END "
            "FROM json_each(?) j JOIN person p ON p.id = j.value "
            "LEFT JOIN notification_setting s ON s.person_id = p.id AND s.type = ? "
            "LEFT JOIN notification_address a ON a.person_id = p.id "
            "WHERE p.state != 'disabled'",
            (json.dumps(ids), type),
        ).fetchall()
        conn.executemany(
            "INSERT INTO notification (person_id, type, created_at, actor_id, text, link, ref, "
            "mail_frequency) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (pid, type, stamp, actor_id, shown, link, ref,
                 _mail_frequency(frequency or info.default_for(profile), address))
                for pid, profile, frequency, address in found
            ],
        )  # fmt: skip
    return len(found)


def _mail_frequency(frequency: str, address: str | None) -> str | None:
    return None if frequency == "never" or not address else frequency


def withdraw(conn: sqlite3.Connection, ref: str, *, person_ids: Iterable[int] | None = None) -> int:
    """Remove the unread entries about `ref` (of `person_ids` only, when given) whose mail
    has not gone: a recalled message disappears from the timelines of those who did not
    see it. Returns how many were removed."""
    sql = "DELETE FROM notification WHERE ref = ? AND read_at IS NULL AND mail_sent_at IS NULL"
    params: list[Any] = [ref]
    if person_ids is not None:
        sql += " AND person_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted({int(p) for p in person_ids})))
    with transaction(conn):
        return conn.execute(sql, params).rowcount


def recalled(
    conn: sqlite3.Connection,
    ref: str,
    person_ids: Iterable[int],
    text: str,
    link: str,
    *,
    actor_id: int | None = None,
) -> int:
    """Something `ref` names was taken back (a recalled message): the entries about it
    that nobody saw yet (unread, not mailed) are removed; those who may have seen it (read
    it, or were mailed) get a `message_recalled` entry. Returns how many got one."""
    ids = sorted({int(p) for p in person_ids})
    with transaction(conn):
        withdraw(conn, ref, person_ids=ids)
        seen = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT person_id FROM notification WHERE ref = ? "
                "AND person_id IN (SELECT value FROM json_each(?))",
                (ref, json.dumps(ids)),
            ).fetchall()
        ]
        return emit(conn, seen, "message_recalled", text, link, actor_id=actor_id, ref=ref)


# --- reading and marking ----------------------------------------------------------------


# `unread_count` as a column over `person`, for the statement that reads the person of a
# page (every page's header shows it: one statement fewer per page).
UNREAD_COLUMN = (
    "coalesce((SELECT unread FROM notification_tally WHERE person_id = person.id), 0) "
    "AS unread_notifications"
)


def unread_count(conn: sqlite3.Connection, person_id: int) -> int:
    """The person's unread entries (every page shows it): one row of `notification_tally`,
    kept by triggers on the entries (migration 0038), not a count of them."""
    return int(
        scalar(
            conn,
            "SELECT unread FROM notification_tally WHERE person_id = ?",
            (person_id,),
        )
        or 0
    )


def count(conn: sqlite3.Connection, person_id: int) -> int:
    return int(
        scalar(conn, "SELECT count(*) FROM notification WHERE person_id = ?", (person_id,)) or 0
    )


def timeline(
    conn: sqlite3.Connection,
    person_id: int,
    *,
    limit: int = 30,
    offset: int = 0,
    before: int | None = None,
) -> list[dict[str, Any]]:
    """The person's entries, newest first (those older than entry `before` when given):
    id, type, created_at, text, link, read (bool), actor (first and last name, or None)."""
    found = rows(
        conn,
        "SELECT n.id, n.type, n.created_at, n.text, n.link, n.read_at, "
        "a.first_name || ' ' || a.last_name AS actor FROM notification n "
        "LEFT JOIN person a ON a.id = n.actor_id WHERE n.person_id = ? AND n.id < ? "
        "ORDER BY n.id DESC LIMIT ? OFFSET ?",
        (person_id, 2**63 - 1 if before is None else before, limit, offset),
    )
    for entry in found:
        entry["read"] = entry.pop("read_at") is not None
    return found


def mark_read(conn: sqlite3.Connection, person_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the person's entries `ids` (all of them when None) read; return how many
    changed. Ids of other people's entries are ignored."""
    sql = "UPDATE notification SET read_at = ? WHERE person_id = ? AND read_at IS NULL"
    params: list[Any] = [now_iso(), person_id]
    if ids is not None:
        sql += " AND id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(sorted({int(i) for i in ids})))
    with transaction(conn):
        return conn.execute(sql, params).rowcount


def open_entry(conn: sqlite3.Connection, person_id: int, entry_id: int) -> str | None:
    """The link of one of the person's entries, marked read; None when it is not theirs."""
    link = scalar(
        conn, "SELECT link FROM notification WHERE id = ? AND person_id = ?", (entry_id, person_id)
    )
    if link is not None:
        mark_read(conn, person_id, [entry_id])
    return link


def purge_old(conn: sqlite3.Connection, keep_days: int) -> int:
    """Forget the entries older than `keep_days` (`notifications.keep_days`)."""
    with transaction(conn):
        return conn.execute(
            "DELETE FROM notification "
            "WHERE created_at < strftime('%Y-%m-%dT%H:%M:%S', 'now', ?) || '+00:00'",
            (f"-{int(keep_days)} days",),
        ).rowcount


# --- each person's settings -------------------------------------------------------------


def frequencies(conn: sqlite3.Connection, person: Mapping[str, Any]) -> dict[str, str]:
    """Every type's e-mail frequency for the person: their choice, else the default."""
    chosen = dict(
        conn.execute(
            "SELECT type, frequency FROM notification_setting WHERE person_id = ?",
            (person["id"],),
        ).fetchall()
    )
    return {t: chosen.get(t) or info.default_for(person["profile"]) for t, info in TYPES.items()}


def set_frequencies(
    conn: sqlite3.Connection, person: Mapping[str, Any], wanted: Mapping[str, str], actor: Actor
) -> dict[str, str]:
    """Change some of the person's frequencies ({type: frequency}); a frequency equal to
    the profile's default is stored as "no choice". Returns every type's frequency.

    Raises CartableError (field "types") for an unknown type or frequency; audited.
    """
    for type_, frequency in wanted.items():
        if type_ not in TYPES:
            raise CartableError(
                N_("Type de notification inconnu : %(type)s."), field="types", type=type_
            )
        if frequency not in FREQUENCIES:
            raise CartableError(
                N_("Fréquence « %(value)s » inconnue : immediate, daily, weekly ou never."),
                field="types",
                value=frequency,
            )
    before = frequencies(conn, person)
    changed = {t: f for t, f in wanted.items() if before[t] != f}
    if not changed:
        return before
    with transaction(conn):
        for type_, frequency in changed.items():
            if frequency == TYPES[type_].default_for(person["profile"]):
                conn.execute(
                    "DELETE FROM notification_setting WHERE person_id = ? AND type = ?",
                    (person["id"], type_),
                )
            else:
                conn.execute(
                    "INSERT INTO notification_setting (person_id, type, frequency) "
                    "VALUES (?, ?, ?) ON CONFLICT (person_id, type) "
                    "DO UPDATE SET frequency = excluded.frequency",
                    (person["id"], type_, frequency),
                )
        audit.record(
            conn,
            actor,
            "notifications.settings",
            target=f"person:{person['id']}",
            details={t: f"{before[t]} → {f}" for t, f in changed.items()},
        )
    return {**before, **changed}


# --- the e-mail address -----------------------------------------------------------------

TOKEN_SALT = "cartable.notifications.email"  # noqa: S105 - a salt, not a secret


def address_of(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """{"email": the address mails go to or None, "source": "own" | "directory" | None,
    "pending": an address waiting for its confirmation link or None, "pending_sent": True
    once its link was mailed}."""
    found = one(
        conn,
        "SELECT p.email, a.address, a.pending, a.pending_sent_at "
        "FROM person p LEFT JOIN notification_address a ON a.person_id = p.id WHERE p.id = ?",
        (person_id,),
    )
    if found is None:
        return {"email": None, "source": None, "pending": None, "pending_sent": False}
    if found["address"] is not None:
        email, source = found["address"] or None, "own" if found["address"] else None
    else:
        email, source = found["email"] or None, "directory" if found["email"] else None
    return {
        "email": email,
        "source": source,
        "pending": found["pending"],
        "pending_sent": found["pending_sent_at"] is not None,
    }


def _clean_address(address: str) -> str:
    cleaned = textsafe.clean_email_field(address)
    if not cleaned:
        raise CartableError(N_("Indiquez une adresse électronique."), field="email")
    return cleaned.lower()


def request_address(conn: sqlite3.Connection, person_id: int, address: str, actor: Actor) -> str:
    """Note the address the person typed as waiting for its confirmation link (the worker
    mails the link within a minute: `notifications_mail.send_confirmations`).
    Returns the cleaned address. Raises CartableError (field "email") for a bad one."""
    cleaned = _clean_address(address)
    with transaction(conn):
        conn.execute(
            "INSERT INTO notification_address (person_id, pending, pending_at) VALUES (?, ?, ?) "
            "ON CONFLICT (person_id) DO UPDATE SET pending = excluded.pending, "
            "pending_at = excluded.pending_at, pending_sent_at = NULL, pending_retry_at = NULL",
            (person_id, cleaned, now_iso()),
        )
        audit.record(conn, actor, "notifications.email_request", target=f"person:{person_id}")
    return cleaned


def confirm_address(conn: sqlite3.Connection, person_id: int, address: str, actor: Actor) -> None:
    """Put the confirmed address in use. Raises CartableError when it is no longer the
    one waiting (another was typed since, or it was already confirmed)."""
    with transaction(conn):
        pending = scalar(
            conn, "SELECT pending FROM notification_address WHERE person_id = ?", (person_id,)
        )
        if pending != address:
            raise CartableError(
                N_(
                    "Ce lien ne correspond plus à l'adresse en attente de confirmation : "
                    "utilisez le lien du dernier courriel reçu, ou saisissez de nouveau "
                    "votre adresse."
                )
            )
        conn.execute(
            "UPDATE notification_address SET address = pending, confirmed_at = ?, "
            "pending = NULL, pending_at = NULL, pending_sent_at = NULL WHERE person_id = ?",
            (now_iso(), person_id),
        )
        audit.record(conn, actor, "notifications.email_confirm", target=f"person:{person_id}")


def set_address(
    conn: sqlite3.Connection, person_id: int, address: str | None, actor: Actor
) -> str | None:
    """Set the address in use without a confirmation (the technician's, or "" / None: no
    e-mail at all); returns it cleaned. Raises CartableError (field "email")."""
    cleaned = _clean_address(address) if address else ""
    with transaction(conn):
        conn.execute(
            "INSERT INTO notification_address (person_id, address, confirmed_at) "
            "VALUES (?, ?, ?) ON CONFLICT (person_id) DO UPDATE SET address = excluded.address, "
            "confirmed_at = excluded.confirmed_at, pending = NULL, pending_at = NULL, "
            "pending_sent_at = NULL",
            (person_id, cleaned, now_iso()),
        )
        audit.record(
            conn,
            actor,
            "notifications.email_set" if cleaned else "notifications.email_clear",
            target=f"person:{person_id}",
        )
    return cleaned or None


def make_token(secret: bytes, person_id: int, address: str) -> str:
    """The signed token of a confirmation link (person and address; dated)."""
    return str(URLSafeTimedSerializer(secret, salt=TOKEN_SALT).dumps([person_id, address]))


def read_token(secret: bytes, token: str, max_age_seconds: int) -> tuple[int, str]:
    """(person id, address) of a confirmation token. Raises CartableError when it was
    not signed by this box, was altered, or is older than `max_age_seconds`."""
    try:
        person_id, address = URLSafeTimedSerializer(secret, salt=TOKEN_SALT).loads(
            token, max_age=max_age_seconds
        )
    except SignatureExpired as exc:
        raise CartableError(
            N_(
                "Ce lien de confirmation a expiré : saisissez de nouveau votre adresse sur "
                "Mon compte pour en recevoir un autre."
            )
        ) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise CartableError(
            N_("Ce lien de confirmation n'est pas valable : recopiez-le en entier.")
        ) from exc
    return int(person_id), str(address)


# --- RGPD -------------------------------------------------------------------------------

EXPORTED_TABLES = ("notification", "notification_setting", "notification_address")


def export_person(conn: sqlite3.Connection, person_id: int) -> dict[str, Any]:
    """The person's notifications for their RGPD export: settings, address, timeline."""
    person = one(conn, "SELECT id, profile FROM person WHERE id = ?", (person_id,))
    if person is None:
        return {}
    return {
        "notifications.json": {
            "email": address_of(conn, person_id),
            "frequencies": frequencies(conn, person),
            "timeline": rows(
                conn,
                "SELECT type, created_at, text, link, read_at, mail_frequency, mail_sent_at "
                "FROM notification WHERE person_id = ? ORDER BY id",
                (person_id,),
            ),
        }
    }
