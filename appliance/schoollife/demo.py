"""The demo school's year and timetable (`cartable run --demo`, `make run`).

`ensure(conn)` gives the demo school, when it has none, the school year around today
(zone C's holidays and the public holidays), a Latin group of two 4B pupils, and a week of
lessons for its classes 5A and 4B (its three teachers, other subjects without a teacher,
A/B half-hours), imported from our CSV template through the real import; then changes this
week and next through the change services (a lesson cancelled with a note, one moved, one
given to a replacement, one cancelled for a trip, an extra one added), so that the pages
have something to show. This is a demo, never a real school.
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import date, timedelta
from pathlib import Path

from appliance.db import rows, scalar, transaction
from appliance.errors import CartableError
from appliance.schoollife import changes, lessons, timetable, year
from appliance.security.audit import Actor

DEMO_ACTOR = Actor(None, "démo", None)
# Zone C (Créteil, Montpellier, Paris, Toulouse, Versailles), first and last day of each
# holiday, both included; the years the official calendar was known when this was written.
_ZONE_C: dict[int, tuple[date, date, list[tuple[str, str]]]] = {
    2025: (
        date(2025, 9, 1),
        date(2026, 7, 4),
        [("2025-10-19", "2025-11-02"), ("2025-12-21", "2026-01-04"),
         ("2026-02-22", "2026-03-08"), ("2026-04-19", "2026-05-03")],
    ),
    2026: (
        date(2026, 9, 1),
        date(2027, 7, 3),
        [("2026-10-18", "2026-11-01"), ("2026-12-20", "2027-01-03"),
         ("2027-02-07", "2027-02-21"), ("2027-04-04", "2027-04-18")],
    ),
}  # fmt: skip
# The week's slots (start, end) on a full day; Wednesday has the morning only.
SLOTS = (
    ("08:00", "08:55"),
    ("09:00", "09:55"),
    ("10:10", "11:05"),
    ("11:10", "12:05"),
    ("13:30", "14:25"),
    ("14:30", "15:25"),
    ("15:40", "16:35"),
)
SUBJECTS = {
    "L0202": "Français",
    "L1300": "Mathématiques",
    "L1500": "Physique-chimie",
    "L0422": "Anglais",
    "L1000": "Histoire-géographie",
    "L1600": "Sciences de la vie et de la Terre",
    "L1400": "Technologie",
    "L1900": "Éducation physique et sportive",
    "L1800": "Arts plastiques",
    "L1700": "Éducation musicale",
    "L0201": "Latin",
}
# (subject, teacher login or "", hours a week, room): x.5 hours are one lesson on A or B weeks.
_WEEK: dict[str, list[tuple[str, str, float, str]]] = {
    "5A": [
        ("L0202", "victor.hugo", 4.5, "101"), ("L1300", "", 3.5, "101"),
        ("L0422", "", 3, "105"), ("L1000", "", 3, "101"), ("L1600", "", 1.5, "LABO"),
        ("L1500", "marie.curie", 1.5, "LABO"), ("L1400", "", 1.5, "TECHNO"),
        ("L1900", "", 3, "GYMNASE"), ("L1800", "", 1, "ARTS"), ("L1700", "", 1, "MUSIQUE"),
    ],
    "4B": [
        ("L0202", "victor.hugo", 4.5, "102"), ("L1300", "ada.lovelace", 3.5, "102"),
        ("L0422", "", 3, "105"), ("L1000", "", 3, "102"), ("L1600", "", 1.5, "LABO"),
        ("L1500", "marie.curie", 1.5, "LABO"), ("L1400", "", 1.5, "TECHNO"),
        ("L1900", "", 3, "GYMNASE"), ("L1800", "", 1, "ARTS"), ("L1700", "", 1, "MUSIQUE"),
    ],
    "LAT4B": [("L0201", "victor.hugo", 2, "103")],
}  # fmt: skip
LATIN_PUPILS = ("hugo.martin", "ines.dubois")


def _easter(y: int) -> date:
    """Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = y % 19, y // 100, y % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(y, month, day + 1)


def _sunday_after(day: date) -> date:
    return day + timedelta(days=6 - day.weekday())


def calendar_for(today: date) -> tuple[date, date, list[tuple[str, str]]]:
    """(first day, last day, holidays) of the school year around `today`: zone C's when
    known, else an approximation of it; with the public holidays on school days."""
    first_year = today.year if today.month >= 8 else today.year - 1
    if first_year in _ZONE_C:
        start, end, holidays = _ZONE_C[first_year]
        holidays = list(holidays)
    else:
        start = date(first_year, 9, 1)
        end = date(first_year + 1, 7, 3)
        holidays = []
        for month, day, year_of in ((10, 17, first_year), (12, 19, first_year),
                                    (2, 7, first_year + 1), (4, 4, first_year + 1)):  # fmt: skip
            first = _sunday_after(date(year_of, month, day))
            holidays.append((first.isoformat(), (first + timedelta(days=14)).isoformat()))
    easter = _easter(first_year + 1)
    public = [
        (date(first_year, 11, 11), date(first_year, 11, 11)),
        (easter + timedelta(days=1), easter + timedelta(days=1)),
        (date(first_year + 1, 5, 1), date(first_year + 1, 5, 1)),
        (date(first_year + 1, 5, 8), date(first_year + 1, 5, 8)),
        (easter + timedelta(days=39), easter + timedelta(days=41)),  # Ascension and its bridge
        (easter + timedelta(days=50), easter + timedelta(days=50)),
    ]
    ranges = [(date.fromisoformat(f), date.fromisoformat(t)) for f, t in holidays] + public
    for first, last in public:
        inside = any(f <= first and last <= t and (f, t) != (first, last) for f, t in ranges)
        if first.weekday() < 6 and not inside:
            holidays.append((first.isoformat(), last.isoformat()))
    return start, end, sorted(holidays)


def _week_csv() -> str:
    """The demo week in our CSV template: each class's lessons in the first free slot,
    never a teacher, a class (with its Latin group) or a room twice at once."""
    busy: set[tuple[str, int, int, str]] = set()
    lines = ["class_or_group;subject_code;teacher_id;day;start;duration;room;weeks"]
    slots = [(d, s) for d in (1, 2, 3, 4, 5) for s in range(len(SLOTS)) if d != 3 or s < 4]

    def free(who: str, day: int, slot: int, weeks: str) -> bool:
        taken = {w for w in ("H", "A", "B") if (who, day, slot, w) in busy}
        return not taken if weeks == "H" else not taken & {"H", weeks}

    for index, (audience, plan) in enumerate(_WEEK.items()):
        blockers = ["class:4B"] if audience == "LAT4B" else [f"class:{audience}"]
        # Across the days at the same hour first, so that a subject is spread over the week.
        across = sorted(slots, key=lambda ds: (ds[1], ds[0]))
        order = across[index * 2 :] + across[: index * 2]
        pieces: list[list[tuple[str, str, str, str]]] = []
        for n, (subject, teacher, hours, room) in enumerate(plan):
            each = ["H"] * int(hours) + (["A" if n % 2 else "B"] if hours % 1 else [])
            pieces.append([(subject, teacher, room, w) for w in each])
        turns = [p[i] for i in range(max(map(len, pieces))) for p in pieces if i < len(p)]
        for subject, teacher, room, weeks in turns:
            for day, slot in order:
                who = [*blockers, f"room:{room}"] + ([f"t:{teacher}"] if teacher else [])
                if all(free(w, day, slot, weeks) for w in who):
                    busy.update((w, day, slot, weeks) for w in who)
                    lines.append(
                        f"{audience};{subject};{teacher};{day};{SLOTS[slot][0]};00:55;{room};"
                        f"{weeks}"
                    )
                    break
    return "\n".join(lines) + "\n"


def ensure(
    conn: sqlite3.Connection, data_dir: Path | None = None, *, today: date | None = None
) -> bool:
    """Give the demo school its year and timetable when it has none (see the module doc);
    True when something was added."""
    today = today or year.local_today()
    added = False
    if year.load_year(conn) is None:
        start, end, holidays = calendar_for(today)
        year.set_year(conn, DEMO_ACTOR, start, end, None, holidays)
        added = True
    if scalar(conn, "SELECT count(*) FROM lesson"):
        return added
    with transaction(conn):
        conn.executemany(
            "INSERT OR IGNORE INTO subject (code, name) VALUES (?, ?)", SUBJECTS.items()
        )
        if not scalar(conn, "SELECT 1 FROM teaching_group WHERE code = 'LAT4B'"):
            group = conn.execute(
                "INSERT INTO teaching_group (code, name) VALUES ('LAT4B', 'Latin 4B')"
            ).lastrowid
            conn.execute(
                "INSERT INTO group_membership (person_id, group_id) SELECT id, ? FROM person "
                f"WHERE login IN ({','.join('?' * len(LATIN_PUPILS))})",
                (group, *LATIN_PUPILS),
            )
            conn.execute(
                "INSERT INTO teaching (teacher_id, group_id, subject_code) SELECT id, ?, 'L0201' "
                "FROM person WHERE login = 'victor.hugo'",
                (group,),
            )
    school_year = year.require_year(conn)
    with tempfile.TemporaryDirectory(prefix="cartable-demo-") as tmp:
        path = Path(tmp) / "emploi-du-temps-demo.csv"
        path.write_text(_week_csv(), encoding="utf-8")
        timetable.run_import(conn, path, actor=DEMO_ACTOR, effective_from=school_year.start)
    week_changes(conn, today)
    return True


def week_changes(conn: sqlite3.Connection, today: date) -> None:
    """Changes this week and next, made by the services a CPE's page calls (audited as the
    demo's): what families look for first. A lesson cancelled with a note, one moved to the
    end of the day, one given to a replacement teacher, one cancelled for a trip next week
    and an extra lesson added; each on the first lesson that allows it, this week's or,
    when the week's lessons are over (a Friday evening, a week-end), next week's."""
    monday = year.monday_of(today)
    # From today to the end of next week, in date order: this week's lessons first.
    coming = (today.isoformat(), (monday + timedelta(days=13)).isoformat())
    next_week = ((monday + timedelta(days=7)).isoformat(), coming[1])

    def candidates(audience: str, subject: str, span: tuple[str, str]) -> list[int]:
        return [
            r["id"]
            for r in rows(
                conn,
                "SELECT id FROM lesson WHERE audience_code = ? AND subject_code = ? "
                "AND date BETWEEN ? AND ? AND status = 'planned' ORDER BY date, start_time",
                (audience, subject, *span),
            )
        ]

    def first_that(ids: list[int], change) -> None:
        for lesson_id in ids:
            try:
                change(lesson_id)
                return
            except CartableError:
                continue  # a clash: the next lesson of the kind

    first_that(
        candidates("5A", "L0202", coming),
        lambda i: changes.cancel(conn, i, note="Absence de M. Hugo", actor=DEMO_ACTOR),
    )
    first_that(
        candidates("4B", "L1300", coming),
        lambda i: changes.move(
            conn,
            i,
            day=lessons.get_lesson(conn, i)["date"],
            start="16:40",
            end="17:35",
            room="103",
            note="Cours déplacé en fin de journée",
            actor=DEMO_ACTOR,
        ),
    )
    first_that(
        candidates("5A", "L1500", coming),
        lambda i: changes.replace(
            conn, i, teachers=["ada.lovelace"], note="Mme Curie en formation", actor=DEMO_ACTOR
        ),
    )
    first_that(
        candidates("4B", "L1000", next_week),
        lambda i: changes.cancel(conn, i, note="Sortie au musée", actor=DEMO_ACTOR),
    )
    wednesday = monday + timedelta(days=9)
    if year.require_year(conn).is_school_day(wednesday):
        try:
            changes.add(
                conn,
                day=wednesday,
                start="13:30",
                end="14:25",
                subject_code="L1300",
                audience="class:4B",
                teachers=["ada.lovelace"],
                room="102",
                note="Devoir surveillé",
                actor=DEMO_ACTOR,
            )
        except CartableError:
            pass  # the demo week has a lesson there after all: no extra lesson
