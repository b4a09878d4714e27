"""The demo school's roll calls (`cartable run --demo`, `make run`): on the last school day
before today, the roll calls of 5A and 4B taken — Noah Benali absent the whole morning,
with his father's excuse waiting for the CPE; Zoë Lefèvre ten minutes late; Léa Martin
absent one lesson, settled by the CPE (medical appointment) — and a school trip planned
for Inès Dubois in the coming days. Today's lessons are left to take (the teachers'
"appels", the CPE's "appels non faits" once they end). This is a demo, never a real school.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

from appliance.db import one, rows, scalar
from appliance.schoollife.attendance import events, excuses, planned, roll
from appliance.schoollife.attendance.common import today as local_today
from appliance.security.audit import Actor

DEMO_ACTOR = Actor(None, "démo", None)


def _person(conn: sqlite3.Connection, login: str) -> dict | None:
    return one(
        conn, "SELECT id, login, profile, state, function FROM person WHERE login = ?", (login,)
    )


def ensure(
    conn: sqlite3.Connection, data_dir: Path | None = None, *, today: date | None = None
) -> bool:
    """Give the demo school its roll calls when it has none (see the module doc); True
    when something was added."""
    if scalar(conn, "SELECT 1 FROM roll_call LIMIT 1"):
        return False
    cpe = _person(conn, "nadia.cpe")
    today = today or local_today()
    day = scalar(
        conn,
        "SELECT max(date) FROM lesson WHERE date < ? AND status != 'cancelled' "
        "AND audience_code IN ('5A', '4B')",
        (today.isoformat(),),
    )
    if cpe is None or day is None:
        return False
    ids = {
        r["login"]: r["id"]
        for r in rows(conn, "SELECT id, login FROM person WHERE profile = 'student'")
    }
    lessons_of_day = rows(
        conn,
        "SELECT id, start_time, audience_code FROM lesson WHERE date = ? AND status != 'cancelled' "
        "AND (class_id IS NOT NULL OR group_id IS NOT NULL) ORDER BY start_time, id",
        (day,),
    )
    afternoon_5a = next(
        (
            f["id"]
            for f in lessons_of_day
            if f["audience_code"] == "5A" and f["start_time"] >= "13:00"
        ),
        None,
    )
    first_5a = next((f["id"] for f in lessons_of_day if f["audience_code"] == "5A"), None)
    for found in lessons_of_day:
        lesson = roll.lesson_target(conn, found["id"])
        on_list = {s["id"] for s in roll.class_list(conn, lesson)}
        absent = [ids["noah.benali"]] if found["start_time"] < "12:30" else []
        if found["id"] == afternoon_5a:
            absent.append(ids["lea.martin"])
        late = {ids["zoe.lefevre"]: 10} if found["id"] == first_5a else {}
        roll.save(
            conn,
            cpe,
            lesson,
            absent=[s for s in absent if s in on_list],
            late={s: m for s, m in late.items() if s in on_list},
            actor=Actor(cpe["id"], cpe["login"], None),
        )
    father = _person(conn, "karim.benali")
    noah = one(
        conn,
        "SELECT id FROM attendance_event WHERE student_id = ? AND kind = 'absence' ORDER BY id",
        (ids.get("noah.benali"),),
    )
    if father and noah:
        excuses.send(
            conn,
            noah["id"],
            text="Noah avait de la fièvre ce matin-là ; il est retourné en classe l'après-midi.",
            reason_code="maladie",
            actor=Actor(father["id"], father["login"], None),
        )
    lea = one(
        conn,
        "SELECT id FROM attendance_event WHERE student_id = ? AND kind = 'absence' ORDER BY id",
        (ids.get("lea.martin"),),
    )
    if lea:
        events.settle(
            conn,
            lea["id"],
            reason_code="rendez_vous_medical",
            justified=True,
            comment="Rendez-vous chez l'orthodontiste, prévenu par téléphone.",
            actor=Actor(cpe["id"], cpe["login"], None),
        )
    if "ines.dubois" in ids:
        start = today + timedelta(days=7 - today.weekday() + 1)  # the Tuesday after next Monday
        planned.create(
            conn,
            student_id=ids["ines.dubois"],
            kind="trip",
            first=start,
            last=start,
            comment="Sortie au musée des Arts et Métiers avec la classe de latin.",
            actor=Actor(cpe["id"], cpe["login"], None),
        )
    return True
