"""The demo school's cahier de textes (`cartable run --demo`, `make run`).

`ensure(conn)` writes, when the demo has none, the content of its teachers' latest lessons
(up to today) and homework given in them, for the next lesson or a later day, in each kind
(exercises, a text to learn, a devoir maison, a test announced), one prepared for
tomorrow morning (not yet shown to families), and a few ticks of the demo pupils: what the
pages of a student, a parent and a teacher show on the first visit. It goes through the
real services. This is a demo, never a real school.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from appliance import timefmt
from appliance.db import rows, scalar
from appliance.errors import CartableError
from appliance.schoollife import year
from appliance.schoollife.diary import audiences, entries, homework, progress, reading
from appliance.security.audit import Actor

# subject code → (contents of the two latest lessons, newest last; homework of the latest:
# (text, kind, minutes, "next" or a number of days after the lesson))
_PLAN: dict[str, tuple[tuple[str, str], list[tuple[str, str, int | None, str | int]]]] = {
    "L0202": (
        (
            "Lecture analytique : <i>Le Petit Prince</i>, chapitre 2 (le dessin du mouton).",
            "Le portrait d'un personnage : relevé des adjectifs, les expansions du nom.",
        ),
        [
            ("Lire le chapitre 3 du <i>Petit Prince</i>.", "lesson", 20, "next"),
            (
                "Rédaction : faire le portrait d'un personnage de votre choix (15 lignes).",
                "homework",
                45,
                7,
            ),
        ],
    ),
    "L1500": (
        (
            "Les états de la matière : solide, liquide, gaz. Expérience de la glace qui fond.",
            "Les changements d'état ; le palier de température pendant la fusion.",
        ),
        [
            ("Exercices 4 et 5 page 32.", "exercise", 20, "next"),
            ("Contrôle sur les états de la matière et leurs changements.", "test", 30, 8),
        ],
    ),
    "L1300": (
        (
            "Le théorème de Pythagore : énoncé et démonstration par les aires.",
            "Calculer la longueur d'un côté d'un triangle rectangle.",
        ),
        [("Exercices 12 à 15 page 88.", "exercise", 30, "next")],
    ),
    "L0201": (
        ("La première déclinaison : <b>rosa, rosae</b>.", "Le nominatif et l'accusatif."),
        [("Apprendre la déclinaison de <b>rosa</b> (singulier et pluriel).", "lesson", 15, "next")],
    ),
}
# Pupils who have already done something: login → how many of their items (soonest first).
_TICKS = {"lea.martin": 1, "hugo.martin": 2, "ines.dubois": 1}


def _latest_lessons(conn: sqlite3.Connection, today: date) -> list[dict]:
    """The latest two lessons up to today of each class or group the directory knows, in
    each subject, that have a teacher, newest last."""
    found = rows(
        conn,
        "SELECT l.id, l.date, l.subject_code, l.audience_kind, l.class_id, l.group_id, "
        "t.person_id AS teacher_id, p.login FROM lesson l "
        "JOIN lesson_teacher t ON t.lesson_id = l.id JOIN person p ON p.id = t.person_id "
        "WHERE l.date <= ? AND l.status != 'cancelled' "
        "AND coalesce(l.class_id, l.group_id) IS NOT NULL ORDER BY l.date, l.start_time",
        (today.isoformat(),),
    )
    by_key: dict[tuple, list[dict]] = {}
    for r in found:
        by_key.setdefault((r["audience_kind"], r["class_id"], r["group_id"], r["subject_code"]),
                          []).append(r)  # fmt: skip
    return [lesson for found in by_key.values() for lesson in found[-2:]]


def ensure(
    conn: sqlite3.Connection, data_dir: Path | None = None, *, today: date | None = None
) -> bool:
    """Write the demo's cahier de textes when it has none (see the module doc); True when
    something was written."""
    if scalar(conn, "SELECT count(*) FROM homework") or scalar(
        conn, "SELECT count(*) FROM diary_entry"
    ):
        return False
    today = today or year.local_today()
    latest = _latest_lessons(conn, today)
    if not latest:
        return False
    last_of: dict[tuple, int] = {}
    for lesson in latest:
        last_of[(lesson["audience_kind"], lesson["class_id"], lesson["group_id"],
                 lesson["subject_code"])] = lesson["id"]  # fmt: skip
    tomorrow_morning = datetime.combine(today + timedelta(days=1), time(7, 0), timefmt.zone())
    for lesson in latest:
        plan = _PLAN.get(lesson["subject_code"])
        if plan is None:
            continue
        contents, work = plan
        actor = Actor(lesson["teacher_id"], lesson["login"], None)
        key = (lesson["audience_kind"], lesson["class_id"], lesson["group_id"],
               lesson["subject_code"])  # fmt: skip
        newest = last_of[key] == lesson["id"]
        entries.write(conn, actor, lesson["id"], contents[1] if newest else contents[0])
        if not newest:
            continue
        audience = audiences.get(
            conn, lesson["audience_kind"], lesson["class_id"] or lesson["group_id"]
        )
        given = date.fromisoformat(lesson["date"])
        for n, (text, kind, minutes, due) in enumerate(work):
            try:
                homework.create(
                    conn, actor, audience=audience, subject_code=lesson["subject_code"],
                    text=text, kind=kind, minutes=minutes, lesson_id=lesson["id"],
                    due_next_lesson=due == "next",
                    due=None if due == "next" else given + timedelta(days=int(due)),
                    # The last item of French is prepared for tomorrow morning.
                    publish_at=tomorrow_morning.astimezone(UTC)
                    if lesson["subject_code"] == "L0202" and n == len(work) - 1
                    else None,
                )  # fmt: skip
            except CartableError:
                continue  # no next lesson in the timetable (the end of the year)
    _tick(conn, today)
    return True


def _tick(conn: sqlite3.Connection, today: date) -> None:
    for login, count in _TICKS.items():
        student = scalar(conn, "SELECT id FROM person WHERE login = ?", (login,))
        if student is None:
            continue
        items = reading.for_student(conn, student, today - timedelta(days=7), today + timedelta(30))
        for item in items[:count]:
            progress.set_done(conn, student, item["id"], True)
