"""Telling people: the one bridge from attendance to the notification service.

`send` is the only function here that reaches the notification timeline: it calls
`appliance.community.notifications.emit(conn, recipients, "absence", text, link,
actor_id=…, ref=…)` in the caller's transaction (a roll call and its notifications land
together), and the service mails each entry at the person's frequency for the type
`absence` (immediately by default). The other functions say who is told what, and return
the recipients' ids.

Texts are in French (the school's language), short, without the reason of an absence
(a family's health is nobody else's business): the link leads to the page that says more.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from appliance.community import notifications
from appliance.db import rows
from appliance.security import policy
from appliance.timefmt import fmt_date

TYPE = "absence"
# The pages of webui/attendance the notifications lead to.
EVENT_PAGE = "/vie-scolaire/absences/{id}"
ALERTS_PAGE = "/vie-scolaire/signalements?mois={month}"


def send(
    conn: sqlite3.Connection,
    recipients: Iterable[int],
    text: str,
    link: str,
    *,
    actor_id: int | None = None,
    ref: str | None = None,
) -> int:
    """Write a notification of type `absence` to each of `recipients` (person ids) in the
    timeline (`notifications.emit`, in the caller's transaction; never to `actor_id`, who
    did it); return how many entries were written."""
    ids = sorted(set(recipients))
    if not ids:
        return 0
    return notifications.emit(conn, ids, TYPE, text, link, actor_id=actor_id, ref=ref)


def guardians_of(conn: sqlite3.Connection, student_id: int) -> list[int]:
    """The student's legal guardians (level 1) with an active account."""
    return [
        r["guardian_id"]
        for r in rows(
            conn,
            "SELECT g.guardian_id FROM guardian_link g JOIN person p ON p.id = g.guardian_id "
            "WHERE g.student_id = ? AND g.level = 1 AND p.state = 'active' ORDER BY g.guardian_id",
            (student_id,),
        )
    ]


def _when(event: Mapping[str, Any]) -> str:
    return f"{fmt_date(event['date'])} {event['start_time']}"


def absence_recorded(
    conn: sqlite3.Connection, event: Mapping[str, Any], *, actor_id: int | None = None
) -> list[int]:
    """Tell the guardians of a new absence or lateness not yet justified (a planned
    absence's is not news to them); return whom."""
    if event["justified"]:
        return []
    guardians = guardians_of(conn, event["student_id"])
    name = f"{event['first_name']} {event['last_name']}"
    if event["kind"] == "late":
        text = f"{name} : retard de {event['minutes']} min le {_when(event)}."
    else:
        # Told at the first lesson missed: the absence may go on over the next ones.
        text = f"{name} : absence au cours de {event['start_time']} le {fmt_date(event['date'])}."
    send(
        conn,
        guardians,
        text + " Vous pouvez envoyer un justificatif.",
        EVENT_PAGE.format(id=event["id"]),
        actor_id=actor_id,
        ref=f"attendance_event:{event['id']}",
    )
    return guardians


def excuse_decided(
    conn: sqlite3.Connection, event: Mapping[str, Any], accepted: bool, *, actor_id: int | None
) -> list[int]:
    """Tell the guardians that the vie scolaire accepted or refused their excuse."""
    guardians = guardians_of(conn, event["student_id"])
    name = f"{event['first_name']} {event['last_name']}"
    word = "accepté" if accepted else "refusé"
    send(
        conn,
        guardians,
        f"{name} : justificatif {word} pour le {_when(event)}.",
        EVENT_PAGE.format(id=event["id"]),
        actor_id=actor_id,
        ref=f"attendance_event:{event['id']}",
    )
    return guardians


def alert_recipients(conn: sqlite3.Connection, student_id: int) -> list[int]:
    """Who is told of a student's monthly alert: the staff the policy names
    (`attendance.alerts.notified`: the CPE) and the head teachers of the student's
    classes, with an active account."""
    staff = [
        p["id"]
        for p in rows(
            conn,
            "SELECT id, login, profile, state, function FROM person "
            "WHERE function IS NOT NULL AND state = 'active'",
        )
        if policy.may(p, "attendance.alerts.notified", None, conn)
    ]
    heads = [
        r["teacher_id"]
        for r in rows(
            conn,
            "SELECT DISTINCT t.teacher_id FROM teaching t "
            "JOIN class_membership m ON m.class_id = t.class_id "
            "JOIN person p ON p.id = t.teacher_id "
            "WHERE m.person_id = ? AND t.head_teacher = 1 AND p.state = 'active'",
            (student_id,),
        )
    ]
    return sorted(set(staff) | set(heads))


def alert_raised(
    conn: sqlite3.Connection, student: Mapping[str, Any], count: int, month: str
) -> list[int]:
    """Tell the vie scolaire and the head teacher that a student reached the monthly
    threshold; return whom."""
    recipients = alert_recipients(conn, student["id"])
    classes = f" ({student['classes']})" if student.get("classes") else ""
    send(
        conn,
        recipients,
        f"Signalement : {student['first_name']} {student['last_name']}{classes} a {count} "
        f"demi-journées complètes d'absence sans motif recevable en {month[5:]}/{month[:4]}.",
        ALERTS_PAGE.format(month=month),
        ref=f"attendance_alert:{student['id']}:{month}",
    )
    return recipients
