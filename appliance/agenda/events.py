"""Agenda events: a person's own (personal) and the school calendar's (school), written,
changed, deleted and read here; the policy decides who may.

An event has a title, an optional place and description, a start and an end (two local
days for an all-day event; local days and times otherwise, stored as UTC), and may
repeat every week up to a day (`repeat_until`, included). A school event has an
audience: "all", "profile:<profile>", "students:class:<code>", "parents:class:<code>",
"teachers:class:<code>" and the same with "group:". It is written by whoever the policy
lets (`agenda.school.write`: the direction, the vie scolaire, the technician), and read
by its audience (`relations.calendar_keys`) or by every writer (`agenda.school.all`).
Changes of school events are audited; a personal event is its owner's business.

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
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, one, rows, transaction
from appliance.directory import textsafe
from appliance.errors import CartableError, NotFound, PolicyDenied
from appliance.i18n import N_
from appliance.schoollife.year import parse_day
from appliance.security import audit, policy
from appliance.security.audit import Actor
from appliance.security.rules import PROFILES

TITLE_MAX = 200
PLACE_MAX = 200
DESCRIPTION_MAX = 2000
# An event lasts at most a year; a weekly one repeats for at most two.
MAX_SPAN_DAYS = 366
MAX_REPEAT_DAYS = 731
TARGETS_MAX = 60
FORMER_USER = N_("ancien utilisateur")

# "14:30", "14h30", "14h".
_CLOCK = re.compile(r"^([01]?\d|2[0-3])(?:[:hH]([0-5]\d)|[hH])$")
_TARGET = re.compile(r"^(students|parents|teachers):(class|group):(.{1,40})$")
# Controls, zero-width and bidirectional characters, but new lines and tabs (a
# description has paragraphs).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]"
)
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


# --- checking what was typed ----------------------------------------------------------------


def _clock(value: Any, field: str) -> str:
    m = _CLOCK.match(str(value or "").strip())
    if not m:
        raise CartableError(
            N_("Heure « %(value)s » invalide : écrivez HH:MM (ex. 14:30)."),
            field=field,
            value=value or "",
        )
    return f"{int(m.group(1)):02d}:{m.group(2) or '00'}"


def _text(value: Any, field: str, max_len: int) -> str:
    text = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n").strip()
    if _UNSAFE.search(text):
        raise CartableError(
            N_("Le texte contient un caractère de contrôle ou invisible : retapez-le."),
            field=field,
        )
    if len(text) > max_len:
        raise CartableError(
            N_("Texte trop long (%(length)s caractères, %(max)s au plus)."),
            field=field,
            length=len(text),
            max=max_len,
        )
    return text


# The years an event may fall in (beyond, a wrong key: and times near year 1 or 9999
# would not convert between zones).
_YEARS = (1970, 2999)


def _day(value: Any, field: str) -> date:
    day = parse_day(value or None, field)
    if not _YEARS[0] <= day.year <= _YEARS[1]:
        raise CartableError(
            N_("Date « %(value)s » hors des années possibles (%(first)s à %(last)s)."),
            field=field,
            value=day.isoformat(),
            first=_YEARS[0],
            last=_YEARS[1],
        )
    return day


def _utc(day: date, clock: str) -> str:
    hours, minutes = (int(x) for x in clock.split(":"))
    local = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=timefmt.zone())
    return local.astimezone(UTC).isoformat()


def last_day_of(start_day: date, end_day: date, repeat_until: date | None) -> date:
    """The last day of the last occurrence of an event."""
    if repeat_until is None:
        return end_day
    weeks = (repeat_until - start_day).days // 7
    return end_day + timedelta(days=7 * weeks)


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    title = textsafe.clean_text(values.get("title"), "title", TITLE_MAX)
    if not title:
        raise CartableError(N_("Donnez un titre à l'événement."), field="title")
    place = textsafe.clean_text(values.get("place"), "place", PLACE_MAX)
    description = _text(values.get("description"), "description", DESCRIPTION_MAX)
    all_day = bool(values.get("all_day"))
    start_day = _day(values.get("start_day"), "start_day")
    end_day = _day(values.get("end_day") or start_day, "end_day")
    start_at = end_at = None
    if all_day:
        if end_day < start_day:
            raise CartableError(N_("Le dernier jour doit venir après le premier."), field="end_day")
    else:
        start_clock = _clock(values.get("start_time"), "start_time")
        end_clock = _clock(values.get("end_time"), "end_time")
        if (end_day, end_clock) <= (start_day, start_clock):
            raise CartableError(N_("La fin doit venir après le début."), field="end_time")
        start_at, end_at = _utc(start_day, start_clock), _utc(end_day, end_clock)
    if (end_day - start_day).days > MAX_SPAN_DAYS:
        raise CartableError(
            N_("Un événement dure au plus %(days)s jours."), field="end_day", days=MAX_SPAN_DAYS
        )
    until_raw = values.get("repeat_until")
    if until_raw == "":
        raise CartableError(N_("Donnez le jour de la dernière répétition."), field="repeat_until")
    repeat_until = _day(until_raw, "repeat_until") if until_raw else None
    if repeat_until is not None:
        if repeat_until < start_day:
            raise CartableError(
                N_("La répétition doit finir après le premier jour de l'événement."),
                field="repeat_until",
            )
        if (repeat_until - start_day).days > MAX_REPEAT_DAYS:
            raise CartableError(N_("Une répétition dure au plus deux ans."), field="repeat_until")
        if (end_day - start_day).days >= 7:
            raise CartableError(
                N_("Un événement de plus d'une semaine ne peut pas se répéter chaque semaine."),
                field="repeat_until",
            )
    return {
        "title": title,
        "place": place,
        "description": description,
        "all_day": int(all_day),
        "start_day": start_day.isoformat(),
        "end_day": end_day.isoformat(),
        "start_at": start_at,
        "end_at": end_at,
        "repeat": "weekly" if repeat_until else None,
        "repeat_until": repeat_until.isoformat() if repeat_until else None,
        "last_day": last_day_of(start_day, end_day, repeat_until).isoformat(),
    }


def _known_code(conn: sqlite3.Connection, kind: str, code: str) -> bool:
    table = "school_class" if kind == "class" else "teaching_group"
    return (
        one(conn, f"SELECT 1 FROM {table} WHERE code = ? AND retired_at IS NULL", (code,))
        is not None
    )


def check_audience(conn: sqlite3.Connection, targets: Iterable[str]) -> list[str]:
    """The audience targets cleaned, sorted; CartableError (field "audience") for an
    unknown one (a class or group that does not exist)."""
    cleaned = sorted({str(t or "").strip() for t in targets} - {""})
    if len(cleaned) > TARGETS_MAX:
        raise CartableError(
            N_("Au plus %(max)s publics pour un événement."), field="audience", max=TARGETS_MAX
        )
    for target in cleaned:
        if target == "all":
            continue
        if target.startswith("profile:"):
            if target.partition(":")[2] not in PROFILES:
                raise CartableError(
                    N_("Public « %(target)s » inconnu."), field="audience", target=target
                )
            continue
        m = _TARGET.match(target)
        if not m or not _known_code(conn, m.group(2), m.group(3)):
            raise CartableError(
                N_("Public « %(target)s » inconnu : la classe ou le groupe n'existe pas."),
                field="audience",
                target=target,
            )
    return cleaned


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
    audience = check_audience(conn, values.get("audience") or ())
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
    fields = _fields(values)
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
    fields = _fields(values)
    audience: list[str] = []
    if event["kind"] == "school":
        audience = check_audience(conn, values.get("audience") or ())
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
