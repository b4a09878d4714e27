"""Assessments (devoirs) and their marks.

- `audience(conn, kind, code)`: a class or group by code, as `{"kind", "id", "code",
  "name"}`; `policy_target(...)`: the thing the policy is asked about (the audience in the
  subject: `teaches` narrows to it).
- `create` / `update` / `delete`: an assessment of a class or group in a subject: title,
  date (its period follows), scale `out_of` (1 to 100), coefficient (0 to 99, two
  decimals), publication time (default now: families see its marks from then on). Each
  refused in a locked period, or after its end of entry. Audited.
- `get`: one assessment with its audience, subject and period; NotFound.
- `roster(conn, a)`: its lines, the students of the audience who were in it on its
  date (a student who joined later has no line), and anyone with a mark in it.
- `set_marks(conn, actor, a, {student_id: typed})`: all or nothing: `MarksRefused`
  (a CartableError with every line's problem) and nothing saved, else every mark saved
  in one transaction (an empty value removes the mark). `set_marks_by_login` for the API.
- `stats(conn, a, nr_counts_zero)`: its own average, min, max (on its scale) and count.

Nothing here asks the policy: the caller decided who may do what (`grades.*` actions).
"""

from __future__ import annotations

import sqlite3
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from appliance import timefmt
from appliance.db import now_iso, one, rows
from appliance.directory.textsafe import first_unsafe
from appliance.errors import CartableError, NotFound
from appliance.i18n import N_
from appliance.schoollife import year
from appliance.schoollife.grades import numbers, periods
from appliance.security.audit import Actor, audited

TITLE_MAX = 120
_TABLES = {"class": ("school_class", "class_id"), "group": ("teaching_group", "group_id")}
_COLUMNS = (
    "a.id, a.period_id, a.audience_kind, a.class_id, a.group_id, a.subject_code, "
    "a.teacher_id, a.title, a.date, a.out_of, a.coefficient, a.publish_at, a.created_at, "
    "a.updated_at, coalesce(c.code, g.code) AS audience_code, "
    "coalesce(c.name, g.name) AS audience_name, coalesce(s.name, a.subject_code) AS subject, "
    "t.first_name AS teacher_first_name, t.last_name AS teacher_last_name"
)
_FROM = (
    "FROM assessment a LEFT JOIN school_class c ON c.id = a.class_id "
    "LEFT JOIN teaching_group g ON g.id = a.group_id "
    "LEFT JOIN subject s ON s.code = a.subject_code "
    "LEFT JOIN person t ON t.id = a.teacher_id"
)


class MarksRefused(CartableError):
    """Some typed marks are refused: nothing was saved. `problems` maps each line at fault
    (a student id, or the API's login) to its explained error; the message is the first
    one's."""

    def __init__(
        self,
        message: str,
        *,
        problems: Mapping[Any, CartableError],
        field: str | None = None,
        **params: object,
    ):
        super().__init__(message, field=field, **params)
        self.problems = problems


def _refused(problems: Mapping[Any, CartableError]) -> MarksRefused:
    first = next(iter(problems.values()))
    return MarksRefused(first.template, problems=problems, field=first.field, **first.params)


# --- audiences and subjects ------------------------------------------------------------------


def audience(conn: sqlite3.Connection, kind: str, code: str) -> dict[str, Any]:
    """The class (`kind` "class") or group ("group") of this code; CartableError naming
    "audience.code" when there is none (or "audience.kind")."""
    if kind not in _TABLES:
        raise CartableError(
            N_("Public « %(kind)s » inconnu : class (une classe) ou group (un groupe)."),
            field="audience.kind",
            kind=kind,
        )
    table = _TABLES[kind][0]
    found = one(conn, f"SELECT id, code, name FROM {table} WHERE code = ?", ((code or "").strip(),))
    if found is None:
        raise CartableError(
            N_("Aucune classe ni aucun groupe n'a le code « %(value)s »."),
            field="audience.code",
            value=code,
        )
    return {"kind": kind, **found}


def audience_by_id(conn: sqlite3.Connection, kind: str, audience_id: int) -> dict[str, Any]:
    """The class or group of this id; NotFound."""
    if kind not in _TABLES:
        raise NotFound(N_("Aucune classe n'a le numéro %(id)s."), id=audience_id)
    found = one(conn, f"SELECT id, code, name FROM {_TABLES[kind][0]} WHERE id = ?", (audience_id,))
    if found is None:
        raise NotFound(N_("Aucune classe n'a le numéro %(id)s."), id=audience_id)
    return {"kind": kind, **found}


def subject(conn: sqlite3.Connection, code: str, *, field: str = "subject_code") -> dict[str, Any]:
    """The subject of this STS-Web code (`code`, `name`); CartableError naming `field`."""
    found = one(conn, "SELECT code, name FROM subject WHERE code = ?", ((code or "").strip(),))
    if found is None:
        raise CartableError(
            N_("Aucune matière n'a le code « %(value)s »."), field=field, value=code
        )
    return found


def policy_target(kind: str, audience_id: int, subject_code: str, **extra: Any) -> dict[str, Any]:
    """What the policy is asked about for an assessment: its class or group in its subject."""
    return {"kind": kind, "id": audience_id, "subject_code": subject_code, **extra}


def target_of(a: dict[str, Any]) -> dict[str, Any]:
    """The policy's thing for assessment `a` (with the assessment in "assessment")."""
    audience_id = a["class_id"] if a["audience_kind"] == "class" else a["group_id"]
    return policy_target(a["audience_kind"], audience_id, a["subject_code"], assessment=a)


# --- reading -----------------------------------------------------------------------------------


def _shaped(found: dict[str, Any]) -> dict[str, Any]:
    found["coefficient_hundredths"] = numbers.parse_coefficient(found["coefficient"])
    found["audience_id"] = found["class_id"] or found["group_id"]
    names = (found.pop("teacher_first_name"), found.pop("teacher_last_name"))
    found["teacher"] = " ".join(n for n in names if n) or None
    return found


def get(conn: sqlite3.Connection, assessment_id: int) -> dict[str, Any]:
    """One assessment (its columns, `audience_code`, `audience_name`, `subject`, `teacher`,
    `coefficient_hundredths`); raises NotFound."""
    found = one(conn, f"SELECT {_COLUMNS} {_FROM} WHERE a.id = ?", (assessment_id,))
    if found is None:
        raise NotFound(N_("Aucune évaluation n'a le numéro %(id)s."), id=assessment_id)
    return _shaped(found)


def of_audience(
    conn: sqlite3.Connection, kind: str, audience_id: int, subject_code: str, period_id: int
) -> list[dict[str, Any]]:
    """The assessments of a class or group in a subject over a period, by date."""
    column = _TABLES[kind][1] if kind in _TABLES else "class_id"
    return [
        _shaped(a)
        for a in rows(
            conn,
            f"SELECT {_COLUMNS} {_FROM} WHERE a.{column} = ? AND a.audience_kind = ? "
            "AND a.subject_code = ? AND a.period_id = ? ORDER BY a.date, a.id",
            (audience_id, kind, subject_code, period_id),
        )
    ]


def is_published(a: dict[str, Any], now: datetime | None = None) -> bool:
    """True once families may see the assessment's marks."""
    return a["publish_at"] <= (now or datetime.now(UTC)).replace(microsecond=0).isoformat()


def roster(conn: sqlite3.Connection, a: dict[str, Any]) -> list[dict[str, Any]]:
    """The assessment's lines, by name: `id`, `login`, `first_name`, `last_name`, `mark`
    (in memory, or None). The audience's students who were in it on its date (a student
    who joined after has no line), and whoever already has a mark in it."""
    kind = a["audience_kind"]
    membership = "class_membership" if kind == "class" else "group_membership"
    column = _TABLES[kind][1]
    found = rows(
        conn,
        "SELECT p.id, p.login, p.first_name, p.last_name, gm.value FROM person p "
        "LEFT JOIN grade_mark gm ON gm.assessment_id = :a AND gm.student_id = p.id "
        "WHERE p.profile = 'student' AND (gm.value IS NOT NULL OR ("
        f" p.state != 'disabled' AND p.id IN (SELECT m.person_id FROM {membership} m "
        f"  LEFT JOIN membership_since s ON s.audience_kind = :kind "
        f"   AND s.audience_id = m.{column} AND s.person_id = m.person_id "
        f"  WHERE m.{column} = :aud AND (s.since IS NULL OR s.since <= :day)))) "
        "ORDER BY p.last_name COLLATE NOCASE, p.first_name COLLATE NOCASE, p.login",
        {"a": a["id"], "kind": kind, "aud": a["audience_id"], "day": a["date"]},
    )
    for line in found:
        value = line.pop("value")
        line["mark"] = numbers.loaded(value) if value is not None else None
    return found


def stats(conn: sqlite3.Connection, a: dict[str, Any], nr_counts_zero: bool) -> dict[str, Any]:
    """The assessment's own figures (`numbers.assessment_stats`) over all its marks."""
    marks = [
        numbers.loaded(r["value"])
        for r in rows(conn, "SELECT value FROM grade_mark WHERE assessment_id = ?", (a["id"],))
    ]
    return numbers.assessment_stats(marks, nr_counts_zero)


def stats_json(figures: dict[str, Any]) -> dict[str, Any]:
    """`{"average", "min", "max", "count"}` as the API gives them."""
    return {
        "average": numbers.as_number(figures["average"]),
        "min": numbers.as_number(figures["min"]),
        "max": numbers.as_number(figures["max"]),
        "count": figures["count"],
    }


# --- writing -----------------------------------------------------------------------------------


def _title(raw: str | None) -> str:
    text = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if not text:
        raise CartableError(N_("Donnez un titre à l'évaluation."), field="title")
    bad = first_unsafe(text)
    if bad is not None:
        raise CartableError(
            N_("Le titre contient un caractère de contrôle ou invisible (%(bad)s)."),
            field="title",
            bad=bad,
        )
    if len(text) > TITLE_MAX:
        raise CartableError(
            N_("Le titre est trop long (%(length)s caractères, %(max)s au plus)."),
            field="title",
            length=len(text),
            max=TITLE_MAX,
        )
    return text


def _out_of(raw: object) -> int:
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or not 1 <= int(text) <= 100:
        raise CartableError(
            N_("Barème « %(value)s » refusé : un nombre entier de 1 à 100 (sur 20, sur 10…)."),
            field="out_of",
            value=text,
        )
    return int(text)


def parse_publish_at(raw: str | datetime | None) -> str:
    """A publication time as stored (UTC ISO, to the second): a datetime, or
    "AAAA-MM-JJTHH:MM" in the school's zone (an offset may be given); None: now."""
    if raw is None or raw == "":
        return now_iso()
    moment = raw
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw.strip().replace(" ", "T"))
        except ValueError:
            raise CartableError(
                N_(
                    "Date de publication « %(value)s » illisible : écrivez AAAA-MM-JJTHH:MM "
                    "(heure de l'établissement)."
                ),
                field="publish_at",
                value=raw,
            ) from None
    assert isinstance(moment, datetime)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timefmt.zone())
    return moment.astimezone(UTC).replace(microsecond=0, second=0).isoformat()


def _period_of(conn: sqlite3.Connection, day: date) -> dict[str, Any]:
    period = periods.period_of_day(conn, day)
    if period is None:
        raise CartableError(
            N_(
                "Le %(day)s n'est dans aucune période (trimestre ou semestre) : choisissez une "
                "date d'une période, ou demandez à la direction de régler les périodes."
            ),
            field="date",
            day=timefmt.fmt_date(day),
        )
    return period


def create(
    conn: sqlite3.Connection,
    actor: Actor | None,
    *,
    teacher_id: int | None,
    audience: dict[str, Any],
    subject_code: str,
    title: str,
    day: str | date,
    out_of: object,
    coefficient: object,
    publish_at: str | datetime | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Create an assessment (see the module doc); returns `get`. Raises CartableError
    naming the field at fault, PeriodLocked or EntryClosed."""
    the_subject = subject(conn, subject_code)
    day_text = year.parse_day(day, "date").isoformat()
    scale = _out_of(out_of)
    values: dict[str, Any] = {
        "title": _title(title),
        "date": day_text,
        "out_of": scale,
        "coefficient": numbers.coefficient_text(numbers.parse_coefficient(coefficient)),
        "publish_at": parse_publish_at(publish_at),
    }
    period = _period_of(conn, date.fromisoformat(day_text))
    periods.check_marks_open(period, today)
    column = _TABLES[audience["kind"]][1]
    with audited(conn, actor, "grades.assessment_create") as entry:
        cur = conn.execute(
            f"INSERT INTO assessment (period_id, audience_kind, {column}, subject_code, "
            "teacher_id, title, date, out_of, coefficient, publish_at, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                period["id"],
                audience["kind"],
                audience["id"],
                the_subject["code"],
                teacher_id,
                values["title"],
                values["date"],
                values["out_of"],
                values["coefficient"],
                values["publish_at"],
                now_iso(),
                now_iso(),
            ),
        )
        new_id = int(cur.lastrowid or 0)
        entry.target = f"assessment:{new_id}"
        entry.details = {
            "audience": audience["code"],
            "subject": the_subject["code"],
            "date": values["date"],
        }
    return get(conn, new_id)


def update(
    conn: sqlite3.Connection,
    actor: Actor | None,
    a: dict[str, Any],
    *,
    title: str,
    day: str | date,
    out_of: object,
    coefficient: object,
    publish_at: str | datetime | None,
    today: date | None = None,
) -> dict[str, Any]:
    """Change an assessment's title, date, scale, coefficient and publication time; its
    period and the new one must both be open, and its marks must fit the new scale."""
    day_text = year.parse_day(day, "date").isoformat()
    scale = _out_of(out_of)
    values: dict[str, Any] = {
        "title": _title(title),
        "date": day_text,
        "out_of": scale,
        "coefficient": numbers.coefficient_text(numbers.parse_coefficient(coefficient)),
        "publish_at": parse_publish_at(publish_at) if publish_at else a["publish_at"],
    }
    new_period = _period_of(conn, date.fromisoformat(day_text))
    periods.check_marks_open(periods.get_period(conn, a["period_id"]), today)
    periods.check_marks_open(new_period, today)
    highest = max(
        (m for m in (r["mark"] for r in roster(conn, a)) if isinstance(m, int)), default=0
    )
    if highest > scale * 100:
        raise CartableError(
            N_(
                "Une note de %(mark)s ne tient pas dans le nouveau barème (sur %(out_of)s) : "
                "corrigez d'abord cette note."
            ),
            field="out_of",
            mark=numbers.mark_shown(highest),
            out_of=values["out_of"],
        )
    with audited(conn, actor, "grades.assessment_edit", target=f"assessment:{a['id']}") as entry:
        conn.execute(
            "UPDATE assessment SET title = ?, date = ?, out_of = ?, coefficient = ?, "
            "publish_at = ?, period_id = ?, updated_at = ? WHERE id = ?",
            (
                values["title"],
                values["date"],
                values["out_of"],
                values["coefficient"],
                values["publish_at"],
                new_period["id"],
                now_iso(),
                a["id"],
            ),
        )
        entry.details = {k: v for k, v in values.items() if str(a[k]) != str(v)}
    return get(conn, a["id"])


def delete(
    conn: sqlite3.Connection, actor: Actor | None, a: dict[str, Any], *, today: date | None = None
) -> int:
    """Delete an assessment and its marks (its period must be open); returns how many
    marks went with it."""
    periods.check_marks_open(periods.get_period(conn, a["period_id"]), today)
    with audited(conn, actor, "grades.assessment_delete", target=f"assessment:{a['id']}") as entry:
        count = conn.execute(
            "SELECT count(*) FROM grade_mark WHERE assessment_id = ?", (a["id"],)
        ).fetchone()[0]
        conn.execute("DELETE FROM assessment WHERE id = ?", (a["id"],))
        entry.details = {"title": a["title"], "marks": count}
    return int(count)


def set_marks(
    conn: sqlite3.Connection,
    actor: Actor | None,
    a: dict[str, Any],
    typed: Mapping[int, object],
    *,
    today: date | None = None,
) -> int:
    """Save the typed marks of students of the roster ({student id: "14,5" | 14.5 | "abs"
    | "" | None}; empty or None removes a mark), all or nothing: MarksRefused (nothing
    saved) when one is refused or names a student without a line. Returns how many marks
    changed. Raises PeriodLocked / EntryClosed."""
    periods.check_marks_open(periods.get_period(conn, a["period_id"]), today)
    lines = {line["id"]: line for line in roster(conn, a)}
    parsed: dict[int, numbers.Mark | None] = {}
    problems: dict[Any, CartableError] = {}
    for student_id, raw in typed.items():
        line = lines.get(student_id)
        if line is None:
            problems[student_id] = CartableError(
                N_("L'élève n° %(id)s n'a pas de ligne dans cette évaluation."),
                field=f"marks.{student_id}",
                id=student_id,
            )
            continue
        try:
            parsed[student_id] = numbers.parse_mark(raw, a["out_of"], field=f"marks.{student_id}")
        except CartableError as exc:
            problems[student_id] = exc
    if problems:
        raise _refused(problems)
    changed = {sid: m for sid, m in parsed.items() if m != lines[sid]["mark"]}
    with audited(conn, actor, "grades.marks_set", target=f"assessment:{a['id']}") as entry:
        if not changed:
            entry.skip()
        for student_id, mark in changed.items():
            if mark is None:
                conn.execute(
                    "DELETE FROM grade_mark WHERE assessment_id = ? AND student_id = ?",
                    (a["id"], student_id),
                )
            else:
                conn.execute(
                    "INSERT INTO grade_mark (assessment_id, student_id, value, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (assessment_id, student_id) DO UPDATE "
                    "SET value = excluded.value, updated_at = excluded.updated_at",
                    (a["id"], student_id, numbers.stored(mark), now_iso()),
                )
        entry.details = {"changed": len(changed)}
    return len(changed)


def set_marks_by_login(
    conn: sqlite3.Connection,
    actor: Actor | None,
    a: dict[str, Any],
    typed: Mapping[str, object],
    *,
    today: date | None = None,
) -> int:
    """`set_marks` with the students named by login (the API's `{"marks": {login: …}}`);
    a login without a line is refused like a wrong mark, its field "marks.LOGIN"."""
    ids = {line["login"]: line["id"] for line in roster(conn, a)}
    problems: dict[Any, CartableError] = {}
    by_id: dict[int, object] = {}
    for login, raw in typed.items():
        if login not in ids:
            problems[login] = CartableError(
                N_("« %(login)s » n'est pas un élève de cette évaluation."),
                field=f"marks.{login}",
                login=login,
            )
            continue
        try:
            numbers.parse_mark(raw, a["out_of"], field=f"marks.{login}")
        except CartableError as exc:
            problems[login] = exc
            continue
        by_id[ids[login]] = raw
    if problems:
        raise _refused(problems)
    return set_marks(conn, actor, a, by_id, today=today)
