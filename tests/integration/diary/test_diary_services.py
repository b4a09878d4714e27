"""The cahier de textes's services on a real SQLite school (tests/diary_school.py): the
next lesson from the timetable, homework and its checks, publication, ticks, the
workload, the content of a lesson, the visa, and what is audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from appliance import blobs
from appliance.directory import export
from appliance.errors import CartableError, NotFound
from appliance.schoollife.diary import entries, homework, lessons, progress, reading, todo, visa
from appliance.schoollife.year import monday_of
from tests.diary_school import FRENCH, LATIN, MATHS, add_lesson, audience, build
from tests.integration.diary.conftest import day


def _audit(conn, action):
    return [dict(r) for r in conn.execute("SELECT * FROM audit_log WHERE action = ?", (action,))]


def _give(conn, school, monday, **extra):
    """Ada Lovelace gives 5A maths homework in Monday's lesson."""
    values = {
        "text": "Exercices 1 à 4 page 52",
        "kind": "exercise",
        "due_next_lesson": True,
        "lesson_id": school.lesson("5A", MATHS, monday),
    }
    values.update(extra)
    return homework.create(
        conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS, **values
    )


# --- the next lesson --------------------------------------------------------------------


def test_next_lesson_is_the_next_day_of_that_class_and_subject(conn, school, monday):
    a5 = audience(school, "5A")
    found = lessons.next_lesson(conn, a5, MATHS, monday)
    assert found["date"] == day(monday, 2).isoformat()  # Wednesday, not Tuesday's French
    # A second lesson the same day is not "the next lesson": a later day is.
    add_lesson(conn, monday, "15:00", "16:00", MATHS, class_id=school.classes["5A"], code="5A")
    assert lessons.next_lesson(conn, a5, MATHS, monday)["date"] == day(monday, 2).isoformat()
    # 4B's maths is on Tuesdays: each class its own timetable.
    a4 = audience(school, "4B")
    assert lessons.next_lesson(conn, a4, MATHS, monday)["date"] == day(monday, 1).isoformat()


def test_next_lesson_skips_a_cancelled_lesson(conn, school, monday):
    wednesday = school.lesson("5A", MATHS, day(monday, 2))
    conn.execute("UPDATE lesson SET status = 'cancelled' WHERE id = ?", (wednesday,))
    found = lessons.next_lesson(conn, audience(school, "5A"), MATHS, monday)
    assert found["date"] == day(monday, 4).isoformat()  # Friday
    # A moved lesson counts on its new day.
    friday = school.lesson("5A", MATHS, day(monday, 4))
    conn.execute(
        "UPDATE lesson SET status = 'moved', date = ?, moved_from_date = ?, "
        "moved_from_start = '08:00', moved_from_end = '09:00' WHERE id = ?",
        (day(monday, 3).isoformat(), day(monday, 4).isoformat(), friday),
    )
    assert lessons.next_lesson(conn, audience(school, "5A"), MATHS, monday)["date"] == (
        day(monday, 3).isoformat()
    )


def test_next_lesson_skips_holidays(conn, today):
    monday = monday_of(today)
    # The whole next week is a holiday; its lessons (left by an import made before the
    # calendar changed) are not "the next lesson".
    holiday = (day(monday, 5), day(monday, 13))
    school = build(conn, today, holidays=[holiday])
    found = lessons.next_lesson(conn, audience(school, "5A"), MATHS, day(monday, 4))
    assert found["date"] == day(monday, 14).isoformat()
    # The Latin group: the Wednesday after the holidays.
    found = lessons.next_lesson(conn, audience(school, "LAT5"), LATIN, day(monday, 2))
    assert found["date"] == day(monday, 16).isoformat()


def test_no_next_lesson_asks_for_a_date(conn, school, monday):
    with pytest.raises(CartableError) as err:
        lessons.next_lesson(conn, audience(school, "5A"), MATHS, day(monday, 30))
    assert err.value.field == "due" and "Mathématiques" in str(err.value)
    last = add_lesson(conn, day(monday, 30), "08:00", "09:00", MATHS,
                      class_id=school.classes["5A"], code="5A")  # fmt: skip
    with pytest.raises(CartableError, match="donnez une date"):
        _give(conn, school, monday, due_next_lesson=True, lesson_id=last)


# --- writing homework --------------------------------------------------------------------


def test_homework_for_the_next_lesson(conn, school, monday):
    item = _give(conn, school, monday, minutes=30)
    assert item["due"] == day(monday, 2).isoformat() and item["due_next_lesson"]
    assert item["given"] == monday.isoformat()
    assert item["subject"] == "Mathématiques" and item["audience"]["code"] == "5A"
    assert item["author"]["login"] == school["maths"].login and item["published"]
    assert item["text_html"] == "<p>Exercices 1 à 4 page 52</p>"
    assert item["text"] == "Exercices 1 à 4 page 52"


def test_homework_text_is_cleaned_on_the_way_in(conn, school, monday):
    item = _give(
        conn,
        school,
        monday,
        text='<p onclick="x()">Lire <b>le chapitre</b><script>alert(1)</script> '
        '<a href="javascript:alert(1)">ici</a> <a href="https://fr.wikipedia.org/">là</a></p>',
    )
    html = item["text_html"]
    assert "<script" not in html and "onclick" not in html and "javascript:" not in html
    assert "<b>le chapitre</b>" in html and 'href="https://fr.wikipedia.org/"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert item["text"] == "Lire le chapitre ici là"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"text": "  "}, "text"),
        ({"text": "<p> </p>"}, "text"),
        ({"kind": "devoir"}, "kind"),
        ({"minutes": 601}, "minutes"),
        ({"minutes": "une heure"}, "minutes"),
        ({"due_next_lesson": False, "due": None}, "due"),
        ({"due_next_lesson": False, "due": "31/12/2026"}, "due"),
        ({"publish_at": "demain matin"}, "publish_at"),
    ],
)
def test_homework_refused_names_its_field(conn, school, monday, extra, field):
    with pytest.raises(CartableError) as err:
        _give(conn, school, monday, **extra)
    assert err.value.field == field
    assert conn.execute("SELECT count(*) FROM homework").fetchone()[0] == 0


def test_homework_due_before_the_day_it_is_given_is_refused(conn, school, monday):
    wednesday_lesson = school.lesson("5A", MATHS, day(monday, 2))
    with pytest.raises(CartableError, match="avant le jour où il est donné") as err:
        _give(conn, school, monday, due_next_lesson=False, due=monday, lesson_id=wednesday_lesson)
    assert err.value.field == "due"


def test_homework_in_a_lesson_of_another_class_or_subject_is_refused(conn, school, monday):
    french = school.lesson("5A", FRENCH, day(monday, 1))
    with pytest.raises(CartableError) as err:
        _give(conn, school, monday, lesson_id=french)
    assert err.value.field == "lesson_id"
    with pytest.raises(NotFound):
        _give(conn, school, monday, lesson_id=999_999)


def test_homework_without_a_lesson_is_given_today(conn, school, today):
    item = homework.create(
        conn,
        school["maths"].actor,
        audience=audience(school, "4B"),
        subject_code=MATHS,
        text="Réviser les fractions",
        kind="lesson",
        due=today + timedelta(days=3),
    )
    assert item["lesson_id"] is None and item["given"] == today.isoformat()


def test_update_resolves_the_next_lesson_again_and_keeps_the_given_day(conn, school, monday):
    item = _give(conn, school, monday)
    changed = homework.update(
        conn,
        school["maths"].actor,
        item["id"],
        text="Exercices 1 à 6",
        kind="homework",
        due=day(monday, 4),
        minutes="45",
    )
    assert changed["due"] == day(monday, 4).isoformat() and not changed["due_next_lesson"]
    assert changed["kind"] == "homework" and changed["minutes"] == 45
    assert changed["given"] == monday.isoformat() and changed["publish_at"] == item["publish_at"]
    back = homework.update(
        conn, school["maths"].actor, item["id"], text="x", kind="test", due_next_lesson=True
    )
    assert back["due"] == day(monday, 2).isoformat()


# --- publication, reading, ticks ------------------------------------------------------------


def test_families_see_homework_from_its_publication_time(conn, school, monday, today):
    later = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0)
    item = _give(conn, school, monday, publish_at=later)
    assert not item["published"]
    span = (monday, day(monday, 20))
    assert reading.for_student(conn, school["lea"].id, *span) == []
    a5 = audience(school, "5A")
    assert reading.for_audience(conn, a5, *span) == []
    assert [i["id"] for i in reading.for_audience(conn, a5, *span, drafts=True)] == [item["id"]]
    with pytest.raises(NotFound):
        reading.visible(conn, item["id"], drafts=False)
    assert reading.visible(conn, item["id"], drafts=True)["id"] == item["id"]
    # Once the time has come, it is there.
    soon_after = (later + timedelta(minutes=1)).isoformat()
    assert [i["id"] for i in reading.for_student(conn, school["lea"].id, *span, now=soon_after)]


def test_publish_at_typed_in_the_school_zone_is_stored_in_utc():
    assert homework.parse_publish_at("2026-12-07T18:30") == "2026-12-07T17:30:00+00:00"
    assert homework.parse_publish_at("2026-07-07T18:30") == "2026-07-07T16:30:00+00:00"
    assert homework.parse_publish_at("2026-12-07T18:30:00+00:00") == "2026-12-07T18:30:00+00:00"


def test_a_student_sees_their_class_and_group_homework_only(conn, school, monday):
    _give(conn, school, monday)
    latin = homework.create(
        conn,
        school["latin"].actor,
        audience=audience(school, "LAT5"),
        subject_code=LATIN,
        lesson_id=school.lesson("LAT5", LATIN, day(monday, 2)),
        text="Décliner rosa",
        kind="lesson",
        due_next_lesson=True,
    )
    span = (monday, day(monday, 20))
    lea = [i["subject"] for i in reading.for_student(conn, school["lea"].id, *span)]
    noah = [i["subject"] for i in reading.for_student(conn, school["noah"].id, *span)]
    ines = reading.for_student(conn, school["ines"].id, *span)
    assert lea == ["Mathématiques", "Latin"] and noah == ["Mathématiques"] and ines == []
    assert latin["due"] == day(monday, 9).isoformat()


def test_ticks_are_each_students_own_and_counted_for_the_teacher(conn, school, monday):
    item = _give(conn, school, monday)
    span = (monday, day(monday, 6))
    assert progress.set_done(conn, school["lea"].id, item["id"], True)
    assert progress.set_done(conn, school["lea"].id, item["id"], True)  # twice: still one
    assert [i["done"] for i in reading.for_student(conn, school["lea"].id, *span)] == [True]
    assert [i["done"] for i in reading.for_student(conn, school["noah"].id, *span)] == [False]
    counted = progress.with_done_counts(conn, [reading.get(conn, item["id"])])[0]
    assert (counted["done_count"], counted["students"]) == (1, 2)
    assert not progress.set_done(conn, school["lea"].id, item["id"], False)
    counted = progress.with_done_counts(conn, [reading.get(conn, item["id"])])[0]
    assert counted["done_count"] == 0


def test_the_todo_puts_today_and_the_next_school_day_first(conn, school, today):
    lesson = add_lesson(
        conn, today - timedelta(days=1), "08:00", "09:00", MATHS,
        class_id=school.classes["5A"], code="5A",
    )  # fmt: skip
    for offset, text in ((0, "Pour aujourd'hui"), (1, "Pour le jour suivant"), (9, "Plus tard")):
        due = todo.next_school_day(conn, today) if offset == 1 else today + timedelta(offset)
        homework.create(
            conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
            text=text, kind="exercise", due=due, lesson_id=lesson,
        )  # fmt: skip
    found = todo.grouped(conn, school["lea"].id, today, today)
    assert [i["text"] for i in found["today"]] == ["Pour aujourd'hui"]
    assert [i["text"] for i in found["tomorrow"]] == ["Pour le jour suivant"]
    assert [i["text"] for d in found["later"] for i in d["items"]] == ["Plus tard"]
    # The next page (after the first two weeks) has nothing; the one before, nothing either.
    after = todo.grouped(conn, school["lea"].id, found["last"] + timedelta(days=1), today)
    assert after["count"] == 0 and after["today"] == [] and after["later"] == []
    soon = todo.soon(conn, school["lea"].id, today, limit=2)
    assert [i["text"] for i in soon["items"]] == ["Pour aujourd'hui", "Pour le jour suivant"]
    assert soon["more"] == 0  # "Plus tard" is beyond the week


def test_next_school_day_skips_sundays_holidays_and_saturdays_without_lessons(conn, today):
    monday = monday_of(today)
    school = build(conn, today, holidays=[(day(monday, 7), day(monday, 8))])
    assert todo.next_school_day(conn, day(monday, 4)) == day(monday, 9)  # Fri → Wed
    assert todo.next_school_day(conn, day(monday, 1)) == day(monday, 2)
    add_lesson(conn, day(monday, 5), "08:00", "09:00", MATHS, class_id=school.classes["5A"],
               code="5A")  # fmt: skip
    assert todo.next_school_day(conn, day(monday, 4)) == day(monday, 5)  # Saturday lessons


# --- workload ----------------------------------------------------------------------------------


def test_workload_counts_each_day_for_the_most_loaded_student(conn, school, monday):
    wed = day(monday, 2)
    _give(conn, school, monday, minutes=30)  # 5A maths, for Wednesday
    homework.create(
        conn, school["french"].actor, audience=audience(school, "5A"), subject_code=FRENCH,
        lesson_id=school.lesson("5A", FRENCH, day(monday, 1)), text="Rédaction",
        kind="homework", due=wed, minutes=60,
    )  # fmt: skip
    homework.create(
        conn, school["latin"].actor, audience=audience(school, "LAT5"), subject_code=LATIN,
        lesson_id=school.lesson("LAT5", LATIN, wed), text="Vocabulaire", kind="lesson",
        due=wed, minutes=15,
    )  # fmt: skip
    homework.create(
        conn, school["maths"].actor, audience=audience(school, "4B"), subject_code=MATHS,
        lesson_id=school.lesson("4B", MATHS, day(monday, 1)), text="Autre classe",
        kind="exercise", due=wed, minutes=90,
    )  # fmt: skip
    load = progress.workload(conn, audience(school, "5A"), monday, day(monday, 6))
    assert [d["date"] for d in load] == [day(monday, i).isoformat() for i in range(7)]
    by_day = {d["date"]: (d["count"], d["minutes"]) for d in load}
    # Léa (5A and Latin) has three items for Wednesday: 105 minutes; 4B's is not 5A's.
    assert by_day[wed.isoformat()] == (3, 105)
    assert by_day[monday.isoformat()] == (0, 0)
    # The Latin group's own load: Léa's, with her class's.
    lat = {d["date"]: d["count"] for d in progress.workload(conn, audience(school, "LAT5"),
                                                             wed, wed)}  # fmt: skip
    assert lat[wed.isoformat()] == 3


def test_workload_of_a_class_without_students_is_its_own_homework(conn, school, monday):
    conn.execute("INSERT INTO school_class (code, name) VALUES ('3C', '3C')")
    empty = {"kind": "class", "id": conn.execute(
        "SELECT id FROM school_class WHERE code = '3C'").fetchone()[0], "code": "3C"}  # fmt: skip
    conn.execute("INSERT INTO teaching (teacher_id, class_id, subject_code) VALUES (?, ?, ?)",
                 (school["maths"].id, empty["id"], MATHS))  # fmt: skip
    homework.create(
        conn, school["maths"].actor, audience=empty, subject_code=MATHS, text="x",
        kind="exercise", due=day(monday, 9), minutes=20,
    )  # fmt: skip
    load = progress.workload(conn, empty, day(monday, 9), day(monday, 9))
    assert load == [{"date": day(monday, 9).isoformat(), "count": 1, "minutes": 20}]


def test_a_span_too_long_or_reversed_is_refused(conn, school, monday):
    with pytest.raises(CartableError) as err:
        progress.workload(conn, audience(school, "5A"), monday, day(monday, -1))
    assert err.value.field == "to"
    with pytest.raises(CartableError):
        reading.for_student(conn, school["lea"].id, monday, day(monday, 500))


# --- content, deletions, attachments ------------------------------------------------------------


def test_content_of_a_lesson_written_changed_and_removed(conn, school, monday):
    lesson = school.lesson("5A", MATHS, monday)
    entry = entries.write(conn, school["maths"].actor, lesson, "Théorème de Pythagore\n\nDémo")
    assert entry["content_html"] == "<p>Théorème de Pythagore</p><p>Démo</p>"
    assert entries.editable(entry["content_html"]) == "Théorème de Pythagore\n\nDémo"
    entries.write(conn, school["maths"].actor, lesson, "<ul><li>Un</li></ul><script>x</script>")
    assert entries.get(conn, lesson)["content_html"] == "<ul><li>Un</li></ul>"
    assert _audit(conn, "diary.content_delete") == []
    assert entries.write(conn, school["maths"].actor, lesson, "   ") is None
    assert entries.get(conn, lesson) is None
    rows = _audit(conn, "diary.content_delete")
    assert [(r["actor_login"], r["target"]) for r in rows] == [
        (school["maths"].login, f"lesson:{lesson}")
    ]
    assert not entries.remove(conn, school["maths"].actor, lesson)  # nothing left: no row
    assert len(_audit(conn, "diary.content_delete")) == 1


def test_the_cahier_by_lesson_for_teachers_and_for_families(conn, school, monday):
    lesson = school.lesson("5A", MATHS, monday)
    entries.write(conn, school["maths"].actor, lesson, "Chapitre 2")
    later = datetime.now(UTC) + timedelta(days=2)
    _give(conn, school, monday, publish_at=later)
    a5 = audience(school, "5A")
    full = entries.cahier(conn, a5, monday, day(monday, 6), drafts=True)
    assert [e["lesson"]["subject"] for e in full] == [
        "Mathématiques", "Français", "Mathématiques", "Français", "Mathématiques",
    ]  # fmt: skip
    assert full[0]["entry"]["content"] == "Chapitre 2" and len(full[0]["homework"]) == 1
    families = entries.cahier(conn, a5, monday, day(monday, 6), filled_only=True)
    assert len(families) == 1 and families[0]["homework"] == []  # not published yet
    hugo = entries.cahier(conn, a5, monday, day(monday, 6), teacher_login=school["french"].login)
    assert {e["lesson"]["subject"] for e in hugo} == {"Français"}


def test_deleting_homework_is_audited_and_takes_its_ticks(conn, school, monday):
    item = _give(conn, school, monday)
    progress.set_done(conn, school["lea"].id, item["id"], True)
    homework.delete(conn, school["maths"].actor, item["id"])
    with pytest.raises(NotFound):
        reading.get(conn, item["id"])
    assert conn.execute("SELECT count(*) FROM homework_done").fetchone()[0] == 0
    [row] = _audit(conn, "diary.homework_delete")
    assert row["target"] == f"homework:{item['id']}" and row["actor_login"] == "adalovelace"
    assert json.loads(row["details"])["audience"] == "class:5A"


def test_attachments_are_stored_once_and_removal_is_audited(conn, school, monday, config):
    files = config.files_dir
    pdf = b"%PDF-1.4\n" + b"0" * 2000
    stored = homework.store_files(
        files, [(_stream(pdf), "énoncé.pdf"), (_stream(b"<html><script>x</script>"), "../a.html")],
        max_mb=1,
    )  # fmt: skip
    item = _give(conn, school, monday, attachments=stored)
    names = [(a["name"], a["mime"], a["inline"]) for a in item["attachments"]]
    assert names == [("énoncé.pdf", "application/pdf", True), ("a.html", "text/html", False)]
    again = homework.store_files(files, [(_stream(pdf), "copie.pdf")], max_mb=1)
    other = _give(conn, school, monday, attachments=again)
    assert other["attachments"][0]["name"] == "copie.pdf"
    assert blobs.path_of(files, stored[0].blob.sha256).read_bytes() == pdf
    assert conn.execute("SELECT count(*) FROM blob").fetchone()[0] == 2  # one per content
    homework.remove_attachment(conn, school["maths"].actor, item["attachments"][1]["id"])
    assert len(reading.get(conn, item["id"])["attachments"]) == 1
    assert [r["target"] for r in _audit(conn, "diary.attachment_delete")] == [
        f"homework:{item['id']}"
    ]
    # The content nobody uses any more goes at the weekly clean-up; the PDF stays.
    gone = blobs.collect_garbage(conn, files)
    assert gone["removed"] == 1
    assert blobs.path_of(files, stored[0].blob.sha256).exists()


def test_an_attachment_too_large_is_refused_naming_it(config):
    with pytest.raises(blobs.TooLarge, match="gros.pdf") as err:
        homework.store_files(config.files_dir, [(_stream(b"%PDF" + b"0" * (1 << 20)), "gros.pdf")],
                             max_mb=1)  # fmt: skip
    assert err.value.field == "attachments"


def _stream(data: bytes):
    import io

    return io.BytesIO(data)


# --- visa -----------------------------------------------------------------------------------


def test_the_direction_puts_a_visa_on_a_teachers_cahier(conn, school, today):
    from appliance.directory import people

    teacher = people.get_person(conn, school["maths"].id)
    done = visa.put(
        conn, school["principal"].actor, audience=audience(school, "5A"), teacher=teacher,
        comment="Cahier tenu à jour.",
    )  # fmt: skip
    assert done["date"] == today.isoformat() and done["comment"] == "Cahier tenu à jour."
    assert (
        done["teacher"]["login"] == "adalovelace" and done["director"]["login"] == "paulprincipal"
    )
    [row] = _audit(conn, "diary.visa")
    assert row["target"] == f"diary_visa:{done['id']}"
    assert json.loads(row["details"]) == {
        "audience": "class:5A", "teacher": "adalovelace", "date": today.isoformat(),
    }  # fmt: skip
    assert [v["id"] for v in visa.of_audience(conn, audience(school, "5A"))] == [done["id"]]
    assert visa.of_audience(conn, audience(school, "5A"), school["french"].id) == []


def test_a_visa_for_a_teacher_who_does_not_teach_there_or_in_the_future_is_refused(
    conn, school, today
):
    from appliance.directory import people

    latin = people.get_person(conn, school["latin"].id)
    with pytest.raises(CartableError, match="n'enseigne pas en 5A") as err:
        visa.put(conn, school["principal"].actor, audience=audience(school, "5A"), teacher=latin)
    assert err.value.field == "teacher"
    maths = people.get_person(conn, school["maths"].id)
    with pytest.raises(CartableError) as err:
        visa.put(conn, school["principal"].actor, audience=audience(school, "5A"), teacher=maths,
                 day=today + timedelta(days=1))  # fmt: skip
    assert err.value.field == "date"
    assert _audit(conn, "diary.visa") == []


# --- RGPD ---------------------------------------------------------------------------------------


def test_a_students_ticks_are_in_their_data_export(conn, school, monday):
    item = _give(conn, school, monday)
    progress.set_done(conn, school["lea"].id, item["id"], True)
    data = export.collect(conn, school["lea"].id)
    [tick] = data["homework_done.json"]
    assert tick["homework_id"] == item["id"] and tick["subject"] == "Mathématiques"
    assert tick["due"] == item["due"] and tick["audience"] == "5A" and tick["done_at"]
    assert "homework_done" not in data["other.json"]
    assert export.collect(conn, school["noah"].id)["homework_done.json"] == []


def test_the_home_page_index_sorted_by_sqlite_is_the_week_index_sorted(conn, school, today):
    """`reading.student_soonest` (sorted, cut and counted by SQLite) gives the same items,
    in the same order, as `student_index` sorted by (due, done, subject, id)."""
    lesson = add_lesson(
        conn, today - timedelta(days=1), "08:00", "09:00", MATHS,
        class_id=school.classes["5A"], code="5A",
    )  # fmt: skip
    made = []
    for n in range(12):
        made.append(homework.create(
            conn, school["maths"].actor, audience=audience(school, "5A"), subject_code=MATHS,
            text=f"Travail {n}", kind="exercise", due=today + timedelta(days=n % 4),
            lesson_id=lesson,
        )["id"])  # fmt: skip
    for hw_id in made[::3]:
        progress.set_done(conn, school["lea"].id, hw_id, True)
    last = today + timedelta(days=6)
    index = reading.student_index(conn, school["lea"].id, today, last)
    index.sort(key=lambda i: (i["due"], i["done"], i["subject"] or "", i["id"]))
    assert len(index) == 12 and any(i["done"] for i in index)
    for limit in (0, 1, 6, 20):
        found = reading.student_soonest(conn, school["lea"].id, today, last, limit)
        assert found["chosen"] == index[:limit]
        assert found["count"] == 12
        ids = [i["id"] for i in index[:limit]]
        assert found["shown"] == reading.shown_columns(conn, ids)
    assert todo.soon_index(conn, school["lea"].id, today)["count"] >= 12
