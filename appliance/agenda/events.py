"""Agenda events: a person's own (personal) and the school calendar's (school), written,
changed, deleted and read here; the policy decides who may.

An event has a title, an optional place and description, a start and an end (two local
days for an all-day event; local days and times otherwise, stored as UTC), and may
repeat every week up to a day (`repeat_until`, included). A school event has an
audience: "all", "profile:<profile>", "students:class:<code>", "parents:class:<code>",
"teachers:class:<code>" and the same with "group:". It is written by whoever the policy
lets (`agenda.school.write`: the direction, the vie scolaire, the technician), and read
by its audience (`relations.calendar_keys`) or by every writer (`agenda.school.all`).
Changes of school events are audited; a personal event is its owner's business. What is
typed is checked by `appliance.agenda.checks`.

    create(conn, person, values, actor) -> event
    update(conn, person, event_id, values, actor) -> event
    delete(conn, person, event_id, actor) -> None
    get(conn, event_id) -> event                          # asks no policy
    editable(conn, person, event_id) -> event             # NotFound unless they may edit it

`values` (what a form or the API gives): title, place, description, all_day, start_day,
start_time, end_day, end_time, repeat_until (None: once; "" is refused: a weekly event
without its last day), audience (targets; a school
event when not empty). An event is

    {"id", "kind": "personal" | "school", "title", "place", "description", "all_day",
     "start_day", "end_day", "start_time", "end_time" ("HH:MM" local, None all day),
     "repeat_until", "last_day", "audience": [...], "owner_id", "author_id", "author",
     "created_at", "updated_at"}
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from appliance import timefmt
from appliance.agenda import checks
from appliance.db import now_iso, rows, transaction
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.i18n import N_
from appliance.security import audit, policy
from appliance.security.audit import Actor

FORMER_USER = N_("ancien utilisateur")

_COLUMNS = (
    "e.id, e.kind, e.owner_id, e.author_id, e.title, e.place, e.description, e.all_day, "
    "e.start_day, e.end_day, e.start_at, e.end_at, e.repeat_until, e.last_day, e.created_at, "
    "e.updated_at, a.first_name || ' ' || a.last_name AS author"
)
_FROM = "FROM agenda_event e LEFT JOIN person a ON a.id = e.author_id"


def thing(event: Mapping[str, Any]) -> dict[str, Any]:
    """The policy's view of an event (rule `author_of` for one's own)."""
    return {"kind": "agenda_event", "id": event["id"], "author_id": event.get("author_id")}


# --- reading ------------------------------------------------------------------------------


def _local_clock(stamp: str | None) -> str | None:
    if not stamp:
        return None
    local = timefmt.to_local(stamp)
    assert isinstance(local, datetime)
    return local.strftime("%H:%M")


def shaped(conn: sqlite3.Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of `agenda_event` (the columns of `_COLUMNS`) as events, audiences included."""
    if not found:
        return found
    audience: dict[int, list[str]] = {}
    for event_id, target in conn.execute(
        "SELECT event_id, target FROM agenda_audience WHERE event_id IN "
        "(SELECT value FROM json_each(?)) ORDER BY target",
        (json.dumps([e["id"] for e in found]),),
    ).fetchall():
        audience.setdefault(event_id, []).append(target)
    out = []
    for r in found:
        event = dict(r)
        event["all_day"] = bool(event["all_day"])
        event["start_time"] = _local_clock(event.pop("start_at"))
        event["end_time"] = _local_clock(event.pop("end_at"))
        event["audience"] = audience.get(event["id"], [])
        if event["author"] is None and event["kind"] == "school":
            event["author"] = FORMER_USER if event["author_id"] is None else ""
        out.append(event)
    return out


def get(conn: sqlite3.Connection, event_id: int) -> dict[str, Any]:
    """One event (any, whoever asks); raises NotFound."""
    found = rows(conn, f"SELECT {_COLUMNS} {_FROM} WHERE e.id = ?", (event_id,))
    if not found:
        raise NotFound(N_("Aucun événement de l'agenda n'a le numéro %(id)s."), id=event_id)
    return shaped(conn, found)[0]


def _edit_action(event: Mapping[str, Any]) -> str:
    return "agenda.school.edit" if event["kind"] == "school" else "agenda.event.edit"


def may_edit(conn: sqlite3.Connection, person: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether the person may change or delete the event (the policy's answer)."""
    return policy.may(person, _edit_action(event), thing(event), conn)


def editable(conn: sqlite3.Connection, person: Mapping[str, Any], event_id: int) -> dict:
    """The event if the person may change it; NotFound otherwise (as if it did not exist)."""
    try:
        event = get(conn, event_id)
    except NotFound:
        event = None
    if event is None or not may_edit(conn, person, event):
        raise NotFound(N_("Aucun événement de l'agenda n'a le numéro %(id)s."), id=event_id)
    return event


# --- writing ------------------------------------------------------------------------------


def create(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    values: Mapping[str, Any],
    actor: Actor,
) -> dict[str, Any]:
    """A new event (see the module doc): a school event when `values` names an audience
    (PolicyDenied unless the person may write the school calendar), else the person's
    own. CartableError naming the field for a wrong value."""
    audience = checks.check_audience(conn, values.get("audience") or ())
    school = bool(audience)
    if school and not policy.may(person, "agenda.school.write", None, conn):
        raise PolicyDenied(
            N_(
                "Seuls la direction et la vie scolaire écrivent dans le calendrier de "
                "l'établissement."
            ),  # fmt: skip
            field="audience",
        )
    if not school and not policy.may(person, "agenda.use", None, conn):
        raise PolicyDenied(N_("Vous n'avez pas d'agenda."))
    fields = checks.fields(values)
    stamp = now_iso()
    with transaction(conn):
        event_id = conn.execute(
            "INSERT INTO agenda_event (kind, owner_id, author_id, title, place, description, "
            "all_day, start_day, end_day, start_at, end_at, repeat, repeat_until, last_day, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ("school" if school else "personal", None if school else person["id"],
             person["id"], fields["title"], fields["place"], fields["description"],
             fields["all_day"], fields["start_day"], fields["end_day"], fields["start_at"],
             fields["end_at"], fields["repeat"], fields["repeat_until"], fields["last_day"],
             stamp, stamp),
        ).lastrowid  # fmt: skip
        assert event_id is not None
        if school:
            conn.executemany(
                "INSERT INTO agenda_audience (event_id, target) VALUES (?, ?)",
                [(event_id, t) for t in audience],
            )
            audit.record(
                conn,
                actor,
                "agenda.school_create",
                target=f"agenda_event:{event_id}",
                details=_details(fields, audience),
            )
    return get(conn, int(event_id))


def _details(fields: Mapping[str, Any], audience: list[str]) -> dict[str, Any]:
    return {
        "title": fields["title"],
        "start_day": fields["start_day"],
        "end_day": fields["end_day"],
        "audience": audience,
    }


def update(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    event_id: int,
    values: Mapping[str, Any],
    actor: Actor,
) -> dict[str, Any]:
    """Change an event (all its occurrences); same values as `create`. A personal event
    stays personal, a school event keeps an audience. NotFound unless the person may
    edit it; CartableError naming the field for a wrong value."""
    event = editable(conn, person, event_id)
    fields = checks.fields(values)
    audience: list[str] = []
    if event["kind"] == "school":
        audience = checks.check_audience(conn, values.get("audience") or ())
        if not audience:
            raise CartableError(
                N_("Choisissez à qui s'adresse l'événement (tout l'établissement, une classe…)."),
                field="audience",
            )
    with transaction(conn):
        conn.execute(
            "UPDATE agenda_event SET title = ?, place = ?, description = ?, all_day = ?, "
            "start_day = ?, end_day = ?, start_at = ?, end_at = ?, repeat = ?, "
            "repeat_until = ?, last_day = ?, updated_at = ? WHERE id = ?",
            (fields["title"], fields["place"], fields["description"], fields["all_day"],
             fields["start_day"], fields["end_day"], fields["start_at"], fields["end_at"],
             fields["repeat"], fields["repeat_until"], fields["last_day"], now_iso(),
             event_id),
        )  # fmt: skip
        if event["kind"] == "school":
            conn.execute("DELETE FROM agenda_audience WHERE event_id = ?", (event_id,))
            conn.executemany(
                "INSERT INTO agenda_audience (event_id, target) VALUES (?, ?)",
                [(event_id, t) for t in audience],
            )
            audit.record(
                conn,
                actor,
                "agenda.school_update",
                target=f"agenda_event:{event_id}",
                details=_details(fields, audience),
            )
    return get(conn, event_id)


def delete(
    conn: sqlite3.Connection, person: Mapping[str, Any], event_id: int, actor: Actor
) -> None:
    """Delete an event (every occurrence). NotFound unless the person may edit it."""
    event = editable(conn, person, event_id)
    with transaction(conn):
        conn.execute("DELETE FROM agenda_event WHERE id = ?", (event_id,))
        if event["kind"] == "school":
            audit.record(
                conn,
                actor,
                "agenda.school_delete",
                target=f"agenda_event:{event_id}",
                details={"title": event["title"], "start_day": event["start_day"]},
            )


def values_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event's values as `create` takes them (a form filled in, a PATCH's base)."""
    return {
        "title": event["title"],
        "place": event["place"],
        "description": event["description"],
        "all_day": event["all_day"],
        "start_day": event["start_day"],
        "end_day": event["end_day"],
        "start_time": event["start_time"],
        "end_time": event["end_time"],
        "repeat_until": event["repeat_until"],
        "audience": list(event["audience"]),
    }


# --- reading a range ------------------------------------------------------------------------


def in_range(
    conn: sqlite3.Connection,
    person: Mapping[str, Any],
    first: date,
    last: date,
    *,
    keys: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The person's own events and the school events they may read that have an
    occurrence between `first` and `last` (days, included), in start order. `keys`: the
    school calendar's targets to read (default: the person's, `relations.calendar_keys`;
    every school event for whoever may write the school calendar)."""
    from appliance.security.relations import calendar_keys

    span = {"a": first.isoformat(), "b": last.isoformat(), "p": person["id"]}
    own = rows(
        conn,
        f"SELECT {_COLUMNS} {_FROM} WHERE e.owner_id = :p AND e.last_day >= :a "
        "AND e.start_day <= :b",
        span,
    )
    if policy.may(person, "agenda.school.all", None, conn):
        school = rows(
            conn,
            f"SELECT {_COLUMNS} {_FROM} WHERE e.kind = 'school' AND e.last_day >= :a "
            "AND e.start_day <= :b",
            span,
        )
    else:
        wanted = list(keys) if keys is not None else calendar_keys(conn, person)
        school = rows(
            conn,
            f"SELECT {_COLUMNS} {_FROM} WHERE e.kind = 'school' AND e.last_day >= :a "
            "AND e.start_day <= :b AND e.id IN (SELECT event_id FROM agenda_audience "
            "WHERE target IN (SELECT value FROM json_each(:k)))",
            {**span, "k": json.dumps(wanted)},
        )
    found = shaped(conn, own + school)
    found.sort(key=lambda e: (e["start_day"], e["start_time"] or "", e["id"]))
    return found
