"""Alert mail through the configured SMTP relay: critical alerts at once, the rest in a
daily digest, never twice for an alert that has not changed.

`send_mail` talks SMTP (smtplib, STARTTLS when configured). `send_critical_now` and
`send_digest` pick the alerts from metrics.db, compose one mail, and mark them notified.
After a failure, immediate sends pause for `RETRY_SECONDS` so a broken relay is not
hammered every 10 seconds; the digest tries again the next day or on demand.
"""

from __future__ import annotations

import smtplib
import socket
import sqlite3
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from appliance import timefmt
from appliance.db import rows, scalar, transaction
from appliance.errors import CartableError
from appliance.health.alerts import active_silences, mark_notified
from appliance.health.messages import level_label
from appliance.health.rules import CRITICAL
from appliance.health.settings import MailSettings
from appliance.i18n import N_

RETRY_SECONDS = 300
Sender = Callable[[MailSettings, str, str], None]


def message(mail: MailSettings, to: list[str], subject: str, body: str) -> EmailMessage:
    """A plain-text mail from `mail.from` to `to`, dated and with its own Message-ID."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = mail.sender, ", ".join(to), subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2] or None)
    msg.set_content(body)
    return msg


@contextmanager
def relay(
    mail: MailSettings, *, ssl_context: ssl.SSLContext | None = None
) -> Iterator[smtplib.SMTP]:
    """One connection to the relay (STARTTLS and login as configured), for as many mails
    as the block sends with `smtp.send_message`; closed at the end of the block.

    Any failure, on connecting or while sending, raises CartableError in plain words
    (`explain`); a refused recipient too (catch `smtplib.SMTPRecipientsRefused` around
    one send to go on with the next).
    """
    where = f"{mail.host}:{mail.port}"
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=mail.timeout_seconds) as smtp:
            smtp.ehlo()
            if mail.starttls:
                smtp.starttls(context=ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if mail.username:
                smtp.login(mail.username, mail.password)
            yield smtp
    except (OSError, smtplib.SMTPException) as exc:
        raise explain(exc, where) from exc


def explain(exc: BaseException, where: str, to: str = "") -> CartableError:
    """The plain-words error of an SMTP failure talking to the relay `where`."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return CartableError(
            N_(
                "Le relais SMTP %(where)s refuse l'identifiant ou le mot de passe "
                "(« mail.username », « mail.password »)."
            ),
            where=where,
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return CartableError(
            N_(
                "Le relais SMTP %(where)s ne propose pas STARTTLS : mettez "
                "« mail.starttls » à false seulement s'il est sur le réseau "
                "local de confiance."
            ),
            where=where,
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return CartableError(
            N_("Le relais SMTP %(where)s refuse les destinataires %(to)s : vérifiez « mail.to »."),
            where=where,
            to=to or ", ".join(getattr(exc, "recipients", {}) or ()),
        )
    if isinstance(exc, ssl.SSLError):
        return CartableError(
            N_(
                "Le chiffrement avec le relais SMTP %(where)s a échoué (%(exc)s). "
                "Vérifiez son certificat."
            ),
            where=where,
            exc=exc,
        )
    return CartableError(
        N_(
            "Impossible d'envoyer le courriel par %(where)s (%(exc)s). Vérifiez "
            "« mail.host », « mail.port » et que le serveur peut le "
            "joindre."
        ),
        where=where,
        exc=exc,
    )


def send_mail(
    mail: MailSettings, subject: str, body: str, *, ssl_context: ssl.SSLContext | None = None
) -> None:
    """Send one plain-text mail to `mail.to` through the relay.

    Raises CartableError, in plain words, when the relay can't be reached, refuses the
    login or the recipients.
    """
    if not mail.enabled:
        raise CartableError(
            N_("Aucun relais SMTP ou destinataire n'est configuré (« mail.host » et « mail.to »).")
        )
    with relay(mail, ssl_context=ssl_context) as smtp:
        try:
            smtp.send_message(message(mail, mail.to, subject, body))
        except smtplib.SMTPRecipientsRefused as exc:
            raise explain(exc, f"{mail.host}:{mail.port}", ", ".join(mail.to)) from exc


def _fmt_time(ts: int | None) -> str:
    return timefmt.fmt_datetime(ts) if ts else "?"


def _alert_text(a: dict[str, Any]) -> str:
    lines = [
        f"[{level_label(a['level']).upper()}] {a['summary']}",
        f"Depuis le {_fmt_time(a['started_at'])}.",
    ]
    if a.get("ended_at"):
        lines[1] = f"Du {_fmt_time(a['started_at'])} au {_fmt_time(a['ended_at'])} (résolu)."
    if a.get("why") and not a.get("ended_at"):
        lines.append(f"Pourquoi c'est important : {a['why']}")
    if a.get("advice") and not a.get("ended_at"):
        lines.append(f"Que faire : {a['advice']}")
    return "\n".join(lines)


def _footer(host: str) -> str:
    return (
        f"\n-- \nCourriel envoyé par Cartable depuis {host}. Vous ne recevrez pas de "
        "nouveau courriel pour une alerte tant qu'elle ne change pas. L'état complet est "
        "sur la page Santé de l'administration, ou par `cartable diagnose`."
    )


def compose_critical(alerts: list[dict[str, Any]], host: str) -> tuple[str, str]:
    """(subject, body) of the immediate mail for critical alerts."""
    subject = (
        f"[Cartable] CRITIQUE sur {host} : {alerts[0]['summary']}"
        if len(alerts) == 1
        else f"[Cartable] {len(alerts)} alertes critiques sur {host}"
    )
    body = "\n\n".join(_alert_text(a) for a in alerts) + "\n" + _footer(host)
    return subject[:200], body


def compose_digest(
    changed: list[dict[str, Any]], resolved: list[dict[str, Any]], host: str
) -> tuple[str, str]:
    """(subject, body) of the daily digest."""
    parts = []
    if changed:
        parts.append(
            "Alertes nouvelles ou qui ont changé :\n\n"
            + "\n\n".join(_alert_text(a) for a in changed)
        )
    if resolved:
        parts.append(
            "Résolues depuis le dernier résumé :\n\n"
            + "\n\n".join(_alert_text(a) for a in resolved)
        )
    subject = (
        f"[Cartable] Résumé santé de {host} : {len(changed)} alerte(s), {len(resolved)} résolue(s)"
    )
    return subject, "\n\n".join(parts) + "\n" + _footer(host)


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    return scalar(conn, "SELECT value FROM meta WHERE key = ?", (key,))


def _set_meta(conn: sqlite3.Connection, key: str, value: Any) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
            "SET value = excluded.value",
            (key, str(value)),
        )


def _send(
    conn: sqlite3.Connection,
    mail: MailSettings,
    subject: str,
    body: str,
    now: float,
    sender: Sender,
) -> None:
    try:
        sender(mail, subject, body)
    except CartableError as exc:
        _set_meta(conn, "mail.failed_at", int(now))
        _set_meta(conn, "mail.last_error", exc.message)
        raise


def send_critical_now(
    conn: sqlite3.Connection,
    mail: MailSettings,
    now: float,
    *,
    host: str | None = None,
    sender: Sender = send_mail,
) -> int:
    """Mail the open critical alerts not yet mailed as critical; return how many.

    Returns 0 without trying when mail is not configured or a send failed less than
    RETRY_SECONDS ago. Raises CartableError when the relay fails (alerts stay unmailed).
    """
    if not mail.enabled:
        return 0
    failed = _meta(conn, "mail.failed_at")
    if failed and now - float(failed) < RETRY_SECONDS:
        return 0
    due = rows(
        conn,
        "SELECT * FROM alerts WHERE ended_at IS NULL AND level = ? AND "
        "coalesce(notified_level, '') != ? ORDER BY started_at",
        (CRITICAL, CRITICAL),
    )
    if not due:
        return 0
    _send(conn, mail, *compose_critical(due, host or socket.gethostname()), now, sender)
    mark_notified(conn, [a["id"] for a in due], now)
    return len(due)


def send_digest(
    conn: sqlite3.Connection,
    mail: MailSettings,
    now: float,
    *,
    host: str | None = None,
    sender: Sender = send_mail,
) -> int:
    """Mail the daily digest; return the number of alerts in it (0: nothing sent).

    It holds the open alerts whose level was never mailed (silenced warnings excepted)
    and the alerts that ended since the previous digest. Nothing new: no mail.
    Raises CartableError when the relay fails.
    """
    if not mail.enabled:
        return 0
    since = int(_meta(conn, "digest.last_at") or 0)
    silenced = active_silences(conn, now)
    changed = [
        a
        for a in rows(
            conn,
            "SELECT * FROM alerts WHERE ended_at IS NULL AND "
            "coalesce(notified_level, '') != level ORDER BY started_at",
        )
        if a["level"] == CRITICAL or a["key"] not in silenced
    ]
    resolved = rows(
        conn,
        "SELECT * FROM alerts WHERE ended_at IS NOT NULL AND ended_at > ? ORDER BY ended_at",
        (since,),
    )
    if not changed and not resolved:
        _set_meta(conn, "digest.last_at", int(now))
        return 0
    _send(conn, mail, *compose_digest(changed, resolved, host or socket.gethostname()), now, sender)
    mark_notified(conn, [a["id"] for a in changed], now)
    _set_meta(conn, "digest.last_at", int(now))
    return len(changed) + len(resolved)


def digest_time(value: str) -> tuple[int, int]:
    """Given « HH:MM » (`health.digest_time`), return (hour, minute) for the scheduler.

    Raises CartableError when it is not a valid time of day.
    """
    try:
        hour, minute = (int(p) for p in value.strip().split(":"))
        if 0 <= hour < 24 and 0 <= minute < 60:
            return hour, minute
    except ValueError:
        pass
    raise CartableError(
        N_("« health.digest_time » doit être une heure HH:MM (reçu %(value)s)."), value=repr(value)
    )
