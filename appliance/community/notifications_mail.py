"""The notifications' e-mails, sent by the worker through the `mail.*` relay.

`send_due(conn, run, now)` is one run: it reckons when the new entries' mails go
(`notify_times.Schedule`: at once, held by the quiet hours, the daily or the weekly
digest), claims the entries due, sends them over **one** SMTP connection (one mail per
immediate entry, one digest per person for the rest), and records the outcome. The worker
runs it every 30 s for immediate mails and at `notifications.daily_at` for the digests
(`notifications_schedule`); `cartable notifications send --now` runs it by hand.

Never twice: an entry is marked sent in the transaction that claims it, before anything
is sent. When the relay can't be reached (or drops the connection), the mails not sent
are released: due again after `notifications.retry_minutes`, until
`notifications.give_up_hours` past their time. A process killed between the claim and
the send loses those mails (the entries stay on the portal): a mail is never sent twice,
at the price of, rarely, not at all. An address the relay refuses is given up at once.

A mail carries the entry's short text and its link on the portal, never an attachment.
The confirmation link of an address typed on Mon compte goes the same way
(`send_confirmations`).
"""

from __future__ import annotations

import json
import logging
import smtplib
import sqlite3
import ssl
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appliance import timefmt
from appliance.community import notifications
from appliance.community.notify_times import Schedule
from appliance.db import rows, transaction
from appliance.errors import CartableError
from appliance.health.mailer import message, relay
from appliance.health.settings import MailSettings

log = logging.getLogger("cartable.notifications")

# Digest entries the 30-second tick leaves to the digest run unless it is this late.
DIGEST_GRACE_SECONDS = 600
CONFIRM_PATH = "/compte/courriel/confirmer/"
SETTINGS_PATH = "/compte/notifications"


@dataclass(frozen=True)
class MailRun:
    """What a run needs besides the database: the relay, when mails go, the portal."""

    mail: MailSettings
    schedule: Schedule = field(default_factory=Schedule)
    portal_url: str = "https://ent.invalid"
    school: str = "Cartable"
    retry_seconds: int = 300
    give_up_seconds: int = 72 * 3600
    max_entries: int = 100
    confirm_seconds: int = 48 * 3600
    secret: bytes = b""
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def for_box(cls, box: Any) -> MailRun:
        from appliance.health.wiring import mail_settings
        from appliance.school import get_school, slip_portal_url

        config = box.config
        school = get_school(box.conn())
        return cls(
            mail=mail_settings(config),
            schedule=Schedule.from_config(config),
            portal_url=slip_portal_url(config["web.public_url"], school)[0].rstrip("/"),
            school=(school or {}).get("name") or "Cartable",
            retry_seconds=config["notifications.retry_minutes"] * 60,
            give_up_seconds=config["notifications.give_up_hours"] * 3600,
            max_entries=config["notifications.digest_max_entries"],
            confirm_seconds=config["notifications.confirm_hours"] * 3600,
            secret=box.secret_key(),
        )


@dataclass
class _Mail:
    ids: list[int]
    to: str
    subject: str
    body: str


# --- when ----------------------------------------------------------------------------------


def schedule_new(conn: sqlite3.Connection, schedule: Schedule) -> int:
    """Reckon when the mail of each new entry goes (`mail_due_at`); return how many."""
    found = conn.execute(
        "SELECT id, type, created_at, mail_frequency FROM notification "
        "WHERE mail_frequency IS NOT NULL AND mail_due_at IS NULL"
    ).fetchall()
    if not found:
        return 0
    known: dict[tuple[str, str, str], float] = {}
    updates = []
    for entry_id, type_, created_at, frequency in found:
        key = (frequency, type_, created_at)
        if key not in known:
            written = datetime.fromisoformat(created_at).timestamp()
            known[key] = schedule.due(frequency, type_, written)
        updates.append((int(known[key]), entry_id))
    with transaction(conn):
        conn.executemany(
            "UPDATE notification SET mail_due_at = ? WHERE id = ? AND mail_due_at IS NULL", updates
        )
    return len(updates)


# --- claiming and recording ------------------------------------------------------------------


def _claim(
    conn: sqlite3.Connection, now: float, digests_before: float, give_up_before: float
) -> list[dict[str, Any]]:
    """The entries due, marked sent in this same transaction, with their recipient."""
    with transaction(conn):
        conn.execute(
            "UPDATE notification SET mail_sent_at = ?, mail_error = 'abandonné (trop tard)' "
            "WHERE mail_due_at IS NOT NULL AND mail_sent_at IS NULL AND mail_due_at < ?",
            (int(now), int(give_up_before)),
        )
        due = rows(
            conn,
            "SELECT n.id, n.person_id, n.type, n.created_at, n.text, n.link, n.mail_frequency, "
            "a.first_name || ' ' || a.last_name AS actor, p.first_name, p.last_name, p.state, "
            "CASE WHEN ad.address IS NOT NULL THEN ad.address ELSE p.email END AS address "
            "FROM notification n JOIN person p ON p.id = n.person_id "
            "LEFT JOIN person a ON a.id = n.actor_id "
            "LEFT JOIN notification_address ad ON ad.person_id = n.person_id "
            "WHERE n.mail_due_at IS NOT NULL AND n.mail_sent_at IS NULL AND ("
            " (n.mail_frequency = 'immediate' AND n.mail_due_at <= ?) OR"
            " (n.mail_frequency != 'immediate' AND n.mail_due_at <= ?)) "
            "ORDER BY n.person_id, n.id",
            (int(now), int(digests_before)),
        )
        if due:
            conn.execute(
                "UPDATE notification SET mail_sent_at = ?, mail_attempts = mail_attempts + 1 "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (int(now), json.dumps([d["id"] for d in due])),
            )
    return due


def _record(
    conn: sqlite3.Connection,
    now: float,
    retry: list[int],
    given_up: dict[int, str],
    error: str | None,
    retry_seconds: int,
) -> None:
    """After the run: the mails not sent are due again later, the refused ones given up."""
    if not retry and not given_up:
        return
    with transaction(conn):
        if retry:
            conn.execute(
                "UPDATE notification SET mail_sent_at = NULL, mail_due_at = ?, mail_error = ? "
                "WHERE id IN (SELECT value FROM json_each(?))",
                (int(now + retry_seconds), error, json.dumps(retry)),
            )
        conn.executemany(
            "UPDATE notification SET mail_error = ? WHERE id = ?",
            [(why, entry_id) for entry_id, why in given_up.items()],
        )


# --- composing -------------------------------------------------------------------------------


def _url(run: MailRun, link: str) -> str:
    return run.portal_url + link


def _footer(run: MailRun) -> str:
    return (
        f"\n-- \nCourriel envoyé par l'ENT {run.school}. Choisir quels courriels vous "
        f"recevez, et quand : {_url(run, SETTINGS_PATH)}\n"
    )


def _when(run: MailRun, entry: dict[str, Any]) -> str:
    return timefmt.fmt_datetime(entry["created_at"], run.schedule.tz)


def compose_immediate(run: MailRun, entry: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the mail of one entry."""
    label = notifications.TYPES[entry["type"]].label
    subject = notifications.short_text(f"[{run.school}] {label} : {entry['text']}", 150)
    lines = [entry["text"], ""]
    if entry.get("actor"):
        lines.append(f"De : {entry['actor']}")
    lines += [f"Le {_when(run, entry)}.", "", f"Voir sur l'ENT : {_url(run, entry['link'])}"]
    return subject, "\n".join(lines) + "\n" + _footer(run)


def compose_digest(run: MailRun, entries: list[dict[str, Any]]) -> tuple[str, str]:
    """(subject, body) of one person's digest: the entries by type, at most
    `max_entries` in detail (the others counted)."""
    weekly = all(e["mail_frequency"] == "weekly" for e in entries)
    kind = "hebdomadaire" if weekly else "quotidien"
    subject = f"[{run.school}] Votre résumé {kind} : {len(entries)} notification(s)"
    by_type: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries[: run.max_entries]:
        by_type[entry["type"]].append(entry)
    first = entries[0]
    parts = [f"Bonjour {first['first_name']} {first['last_name']},", ""]
    parts.append(f"Voici ce qui s'est passé sur l'ENT {run.school} :")
    for type_ in notifications.TYPES:
        found = by_type.get(type_)
        if not found:
            continue
        parts += ["", f"{notifications.TYPES[type_].label} ({len(found)})"]
        for entry in found:
            who = f" ({entry['actor']})" if entry.get("actor") else ""
            parts.append(f"- {_when(run, entry)} · {entry['text']}{who}")
            parts.append(f"  {_url(run, entry['link'])}")
    if len(entries) > run.max_entries:
        more = len(entries) - run.max_entries
        parts += ["", f"… et {more} autre(s) : {_url(run, '/notifications')}"]
    return subject, "\n".join(parts) + "\n" + _footer(run)


def _mails(run: MailRun, due: list[dict[str, Any]]) -> tuple[list[_Mail], dict[int, str]]:
    """The mails of a claimed batch, and the entries that have nobody to mail to."""
    mails: list[_Mail] = []
    skipped: dict[int, str] = {}
    digests: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in due:
        if not entry["address"] or entry["state"] == "disabled":
            skipped[entry["id"]] = "pas d'adresse"
        elif entry["mail_frequency"] == "immediate":
            subject, body = compose_immediate(run, entry)
            mails.append(_Mail([entry["id"]], entry["address"], subject, body))
        else:
            digests[entry["person_id"]].append(entry)
    for entries in digests.values():
        subject, body = compose_digest(run, entries)
        mails.append(_Mail([e["id"] for e in entries], entries[0]["address"], subject, body))
    return mails, skipped


# --- sending ---------------------------------------------------------------------------------


def _send_all(
    run: MailRun, mails: list[_Mail]
) -> tuple[int, list[int], dict[int, str], str | None]:
    """Send over one connection: (sent, ids to retry, ids given up with why, relay error)."""
    sent = 0
    retry: list[int] = []
    given_up: dict[int, str] = {}
    done = 0
    try:
        with relay(run.mail, ssl_context=run.ssl_context) as smtp:
            for mail in mails:
                try:
                    msg = message(run.mail, [mail.to], mail.subject, mail.body)
                except (ValueError, UnicodeError):  # an address no mail can carry
                    given_up.update(dict.fromkeys(mail.ids, "adresse illisible"))
                    done += 1
                    continue
                try:
                    smtp.send_message(msg)
                    sent += 1
                except smtplib.SMTPRecipientsRefused as exc:
                    codes = [code for code, _text in exc.recipients.values()]
                    if codes and all(code < 500 for code in codes):  # "try later"
                        retry.extend(mail.ids)
                    else:
                        given_up.update(dict.fromkeys(mail.ids, "adresse refusée par le relais"))
                except smtplib.SMTPResponseException as exc:
                    if exc.smtp_code >= 500:  # this mail will never go: give it up
                        given_up.update(dict.fromkeys(mail.ids, f"refusé ({exc.smtp_code})"))
                    else:  # a temporary refusal of this mail
                        retry.extend(mail.ids)
                done += 1
    except CartableError as exc:
        for mail in mails[done:]:
            retry.extend(mail.ids)
        return sent, retry, given_up, exc.message
    return sent, retry, given_up, None


def send_due(
    conn: sqlite3.Connection, run: MailRun, now: float, *, digests: bool = True
) -> dict[str, Any]:
    """One run: the immediate mails due, and the digests due when `digests` (else only
    those more than DIGEST_GRACE_SECONDS late). Returns {"sent": mails sent, "failed":
    mails not sent (retried later or given up), "error": the relay's error or None}."""
    schedule_new(conn, run.schedule)
    if not run.mail.relay_set:
        return {"sent": 0, "failed": 0, "error": None}
    digests_before = now if digests else now - DIGEST_GRACE_SECONDS
    due = _claim(conn, now, digests_before, now - run.give_up_seconds)
    if not due:
        return {"sent": 0, "failed": 0, "error": None}
    mails, skipped = _mails(run, due)
    sent, retry, given_up, error = _send_all(run, mails) if mails else (0, [], {}, None)
    _record(conn, now, retry, {**skipped, **given_up}, error, run.retry_seconds)
    failed = len(mails) - sent
    if error:
        log.warning("notifications : %d courriel(s) envoyé(s), %d en attente : %s", sent, failed,
                    error)  # fmt: skip
    elif sent or failed:
        log.info("notifications : %d courriel(s) envoyé(s), %d refusé(s)", sent, failed)
    return {"sent": sent, "failed": failed, "error": error}


# --- confirming an address -------------------------------------------------------------------


def compose_confirmation(run: MailRun, name: str, link: str) -> tuple[str, str]:
    hours = run.confirm_seconds // 3600
    subject = f"[{run.school}] Confirmez votre adresse électronique"
    body = (
        f"Bonjour {name},\n\nVous avez demandé à recevoir les notifications de l'ENT "
        f"{run.school} à cette adresse. Pour la confirmer, ouvrez ce lien (valable {hours} h) "
        f"et connectez-vous :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce courriel : "
        "aucun courriel ne vous sera envoyé.\n" + _footer(run)
    )
    return subject, body


def send_confirmations(conn: sqlite3.Connection, run: MailRun, now: float) -> dict[str, Any]:
    """Mail the confirmation link of every address waiting for one (claimed first, like
    the notifications; released when the relay fails). Returns {"sent", "failed", "error"}."""
    if not run.mail.relay_set:
        return {"sent": 0, "failed": 0, "error": None}
    with transaction(conn):
        waiting = rows(
            conn,
            "SELECT a.person_id, a.pending, p.first_name, p.last_name FROM notification_address a "
            "JOIN person p ON p.id = a.person_id "
            "WHERE a.pending IS NOT NULL AND a.pending_sent_at IS NULL "
            "AND coalesce(a.pending_retry_at, 0) <= ?",
            (int(now),),
        )
        conn.executemany(
            "UPDATE notification_address SET pending_sent_at = ? WHERE person_id = ?",
            [(int(now), w["person_id"]) for w in waiting],
        )
    if not waiting:
        return {"sent": 0, "failed": 0, "error": None}
    mails = []
    for w in waiting:
        token = notifications.make_token(run.secret, w["person_id"], w["pending"])
        subject, body = compose_confirmation(
            run, f"{w['first_name']} {w['last_name']}", _url(run, CONFIRM_PATH + token)
        )
        mails.append(_Mail([w["person_id"]], w["pending"], subject, body))
    sent, retry, _given_up, error = _send_all(run, mails)
    if retry:
        with transaction(conn):
            conn.execute(
                "UPDATE notification_address SET pending_sent_at = NULL, pending_retry_at = ? "
                "WHERE person_id IN (SELECT value FROM json_each(?))",
                (int(now + run.retry_seconds), json.dumps(retry)),
            )
    return {"sent": sent, "failed": len(mails) - sent, "error": error}
