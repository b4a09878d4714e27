"""Excuses (justificatifs): a guardian gives the reason of an absence or a lateness, with
a document when there is one (a doctor's note, a convocation: stored by
`appliance.blobs`, never shown to anyone but the family and the vie scolaire); the vie
scolaire accepts it (the event is then justified with that reason, `events.settle`) or
refuses it, and the guardians are told.

One excuse waits at a time for an event; a justified event takes none.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from appliance import blobs
from appliance.db import now_iso, one, rows, scalar
from appliance.errors import CartableError, Conflict, NotFound
from appliance.i18n import N_
from appliance.schoollife.attendance import events, notify, reasons
from appliance.schoollife.attendance.common import plain_text
from appliance.security.audit import Actor, audited
from backup.errors import Phrase

STATUSES = {"pending": N_("En attente"), "accepted": N_("Accepté"), "refused": N_("Refusé")}
# A document sent with an excuse: a photo of a note, a PDF.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024

_COLUMNS = (
    "x.id, x.event_id, x.author_id, x.text, x.reason_code, x.document_sha256, "
    "x.document_name, x.status, x.sent_at, x.decided_at, x.decided_by, x.decision_comment, "
    "r.label AS reason_label, a.first_name AS author_first_name, a.last_name AS author_last_name, "
    "d.first_name AS decider_first_name, d.last_name AS decider_last_name, b.mime AS document_type"
)
_FROM = (
    "FROM attendance_excuse x LEFT JOIN attendance_reason r ON r.code = x.reason_code "
    "LEFT JOIN person a ON a.id = x.author_id LEFT JOIN person d ON d.id = x.decided_by "
    "LEFT JOIN blob b ON b.sha256 = x.document_sha256"
)


def get(conn: sqlite3.Connection, excuse_id: int) -> dict[str, Any]:
    found = one(conn, f"SELECT {_COLUMNS} {_FROM} WHERE x.id = ?", (excuse_id,))
    if found is None:
        raise NotFound(N_("Aucun justificatif n'a le numéro %(id)s."), id=excuse_id)
    return found


def of_event(conn: sqlite3.Connection, event_id: int) -> list[dict[str, Any]]:
    """The excuses of an event, the oldest first."""
    return rows(conn, f"SELECT {_COLUMNS} {_FROM} WHERE x.event_id = ? ORDER BY x.id", (event_id,))


def target(conn: sqlite3.Connection, excuse_id: int) -> dict[str, Any]:
    """The policy's target for an excuse: the event's student (`events.target`), the
    excuse in `excuse`. NotFound when there is no such excuse."""
    excuse = get(conn, excuse_id)
    return {**events.target(conn, excuse["event_id"]), "excuse": excuse}


def send(
    conn: sqlite3.Connection,
    event_id: int,
    *,
    text: str,
    reason_code: str | None = None,
    document: blobs.Blob | None = None,
    document_name: str | None = None,
    actor: Actor | None,
) -> dict[str, Any]:
    """A guardian's excuse for an event; returns it. Conflict when the event is already
    justified or an excuse of it waits; CartableError for an empty or too long text, an
    unknown reason; NotFound."""
    event = events.get_event(conn, event_id)
    body = plain_text(text, "text", required=True)
    reason = reasons.choice(conn, reason_code)
    with audited(conn, actor, "attendance.excuse_send", target=f"attendance_event:{event_id}") as e:
        if event["justified"]:
            raise Conflict(
                N_("Cette absence est déjà justifiée : aucun justificatif n'est attendu."),
                field="text",
            )
        if scalar(
            conn,
            "SELECT 1 FROM attendance_excuse WHERE event_id = ? AND status = 'pending'",
            (event_id,),
        ):
            raise Conflict(
                N_("Un justificatif de cette absence attend déjà la réponse de la vie scolaire."),
                field="text",
            )
        if document is not None:
            blobs.record(conn, document)
        cur = conn.execute(
            "INSERT INTO attendance_excuse (event_id, author_id, text, reason_code, "
            "document_sha256, document_name, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                event_id,
                actor.id if actor else None,
                body,
                reason,
                document.sha256 if document else None,
                blobs.safe_name(document_name, "justificatif") if document else None,
                now_iso(),
            ),
        )
        excuse_id = int(cur.lastrowid or 0)
        e.details = {"excuse_id": excuse_id, "reason_code": reason, "document": bool(document)}
    return get(conn, excuse_id)


def decide(
    conn: sqlite3.Connection,
    excuse_id: int,
    *,
    accept: bool,
    reason_code: str | None = None,
    comment: str = "",
    actor: Actor | None,
) -> dict[str, Any]:
    """The vie scolaire accepts an excuse (the event is justified with `reason_code`, else
    the excuse's own reason) or refuses it (the event stays as it is); the guardians are
    told. Returns the excuse. Conflict when it was already decided; CartableError when an
    accepted excuse has no reason; NotFound."""
    excuse = get(conn, excuse_id)
    note = plain_text(comment, "comment", required=False, limit=events.COMMENT_MAX)
    if excuse["status"] != "pending":
        raise Conflict(
            N_("Ce justificatif a déjà reçu sa réponse : il est %(answer)s."),
            field="excuse",
            answer=Phrase(N_("accepté"))
            if excuse["status"] == "accepted"
            else Phrase(N_("refusé")),
        )
    reason = reasons.choice(conn, reason_code) or excuse["reason_code"]
    if accept and reason is None:
        raise CartableError(
            N_("Pour accepter un justificatif, choisissez le motif de l'absence."),
            field="reason_code",
        )
    action = "attendance.excuse_accept" if accept else "attendance.excuse_refuse"
    with audited(conn, actor, action, target=f"attendance_excuse:{excuse_id}") as entry:
        stamp = now_iso()
        conn.execute(
            "UPDATE attendance_excuse SET status = ?, decided_at = ?, decided_by = ?, "
            "decision_comment = ? WHERE id = ?",
            ("accepted" if accept else "refused", stamp, actor.id if actor else None, note,
             excuse_id),
        )  # fmt: skip
        if accept:
            events.settle(
                conn,
                excuse["event_id"],
                reason_code=reason,
                justified=True,
                actor=None,
                by=actor.id if actor else None,
            )
        event = events.get_event(conn, excuse["event_id"])
        notify.excuse_decided(conn, event, accept, actor_id=actor.id if actor else None)
        entry.details = {"event_id": excuse["event_id"], "reason_code": reason if accept else None}
    return get(conn, excuse_id)


def document_of(conn: sqlite3.Connection, excuse_id: int) -> tuple[blobs.Blob, str]:
    """The stored document of an excuse and its name; NotFound when it has none."""
    excuse = get(conn, excuse_id)
    blob = blobs.get(conn, excuse["document_sha256"]) if excuse["document_sha256"] else None
    if blob is None:
        raise NotFound(N_("Ce justificatif n'a pas de document."))
    return blob, excuse["document_name"] or "justificatif"
