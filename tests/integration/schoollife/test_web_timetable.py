"""The timetable's pages (#11): who sees whose week (every profile, a parent asking for
another family's child, a student of another class, a teacher any class), changes marked
in words, the A/B letter and holidays, the change forms of direction and vie scolaire (a
teacher refused), the home's today and next day, changes first."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from appliance.schoollife import changes, year
from appliance.security.audit import Actor
from tests.conftest import csrf_token, login, login_admin, text
from tests.integration.schoollife.timetable_school import TECH, build, school_day

CPE = Actor(None, "cpe", "192.0.2.7")


@pytest.fixture
def hand(conn):
    return build(conn)


def words(response) -> str:
    """What the page says: its text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text(response)).split()).replace(" :", " :")


def _page(response, url: str) -> str:
    """The page without its own address (the language switch sends it back)."""
    return response.get_data(as_text=True).replace(url, "URL")


def _as(app, hand, who: str):
    client = app.test_client()
    if who == "admin":
        login_admin(client, app.extensions["cartable.box"].conn())
    elif who != "anonymous":
        r = login(client, who, hand.passwords[who])
        assert r.status_code == 302 and "/login" not in r.headers["Location"], who
    return client


# Whose week each one may open: lea's (a 5A student in the Latin group), 5A's, room B12's.
SEES_LEA = {"lea", "sophie", "cpe", "principal", "secretary", "agent", "admin"}
SEES_CLASSES = {"curie", "hugo", "lovelace", "cpe", "principal", "secretary", "agent", "admin"}
EVERYONE = ("lea", "noah", "ines", "curie", "hugo", "lovelace", "sophie", "claire", "karim",
            "cpe", "principal", "secretary", "agent", "admin", "guest")  # fmt: skip


@pytest.mark.parametrize("who", EVERYONE)
def test_who_sees_whose_week(app, hand, who):
    client = _as(app, hand, who)
    lea = f"/emploi-du-temps/personne/{hand.ids['lea']}"
    r = client.get(lea)
    assert r.status_code == (200 if who in SEES_LEA else 404), who
    if r.status_code == 200:
        assert "Latin" in text(r) and "Léa Martin" in text(r) or "Mon emploi du temps" in text(r)
    else:
        # Not yours and not there look the same: nothing tells that Léa exists.
        absent = client.get("/emploi-du-temps/personne/999999")
        assert absent.status_code == 404
        assert _page(absent, "/emploi-du-temps/personne/999999") == _page(r, lea)
        assert "Léa" not in text(r)
    for url in (f"/emploi-du-temps/classe/{hand.classes['5A']}",
                f"/emploi-du-temps/groupe/{hand.groups['LATIN']}",
                "/emploi-du-temps/salle/B12"):  # fmt: skip
        got = client.get(url + f"?semaine={hand.monday}")
        assert got.status_code == (200 if who in SEES_CLASSES else 404), (who, url)
    own = client.get("/emploi-du-temps")
    assert own.status_code == (403 if who == "guest" else 200), who


def test_a_student_sees_their_classes_and_groups_lessons_only(app, hand):
    noah = text(_as(app, hand, "noah").get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Mon emploi du temps" in noah and "Mathématiques" in noah
    assert "Latin" not in noah and "Physique-chimie" not in noah
    lea = text(_as(app, hand, "lea").get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Latin" in lea and "Marie Curie" in lea and "Salle B12" in lea
    # Ines (4B) asking for 5A's week or Léa's: 404, as for a class that does not exist.
    ines = _as(app, hand, "ines")
    assert ines.get(f"/emploi-du-temps/classe/{hand.classes['5A']}").status_code == 404
    assert ines.get("/emploi-du-temps/classe/99999").status_code == 404


def test_a_parent_sees_their_childs_week_and_picks_among_several(app, hand, conn):
    sophie = _as(app, hand, "sophie")
    page = text(sophie.get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Emploi du temps de Léa Martin" in page and "Latin" in page
    # Claire asking for Léa: 404, the same page as a child who does not exist.
    claire = _as(app, hand, "claire")
    lea = f"/emploi-du-temps/personne/{hand.ids['lea']}"
    other, absent = claire.get(lea), claire.get("/emploi-du-temps/personne/424242")
    assert other.status_code == absent.status_code == 404
    assert _page(other, lea) == _page(absent, "/emploi-du-temps/personne/424242")
    # Karim is only a contact of Noah (level 2): no timetable to follow.
    assert "Aucun enfant" in text(_as(app, hand, "karim").get("/emploi-du-temps"))
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
        (hand.ids["sophie"], hand.ids["ines"]),
    )
    r = sophie.get("/emploi-du-temps")
    assert r.status_code == 302 and "/enfant?next=schoollife.week" in r.headers["Location"]
    picker = text(sophie.get("/enfant?next=schoollife.week"))
    assert "Inès" in picker and "Léa" in picker
    r = sophie.post("/enfant", data={"child_id": hand.ids["ines"], "next": "schoollife.week",
                                     "csrf_token": csrf_token(sophie, "/enfant")})  # fmt: skip
    assert r.status_code == 302 and r.headers["Location"].endswith("/emploi-du-temps")
    page = text(sophie.get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Emploi du temps de Inès Dubois" in page and "Changer d'enfant" in page
    assert "Physique-chimie" in page and "Latin" not in page


def test_a_teacher_sees_their_own_week_and_any_class_but_no_person(app, hand):
    lovelace = _as(app, hand, "lovelace")
    page = text(lovelace.get(f"/emploi-du-temps/classe/{hand.classes['4B']}?semaine={hand.monday}"))
    assert "Emploi du temps de la classe 4B" in page and "Physique-chimie" in page
    assert "Voir un autre emploi du temps" in page and "Identifiant d'une personne" not in page
    curie = text(_as(app, hand, "curie").get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Mathématiques" in curie and "Physique-chimie" in curie and "Latin" not in curie
    # The picker: a class, a room; a person only for staff.
    r = lovelace.get(f"/emploi-du-temps/voir?audience=class:{hand.classes['5A']}"
                     f"&semaine={hand.monday}")  # fmt: skip
    assert r.headers["Location"].endswith(
        f"/emploi-du-temps/classe/{hand.classes['5A']}?semaine={hand.monday}"
    )
    r = lovelace.get("/emploi-du-temps/voir?salle=L1")
    assert r.headers["Location"].endswith("/emploi-du-temps/salle/L1")
    r = lovelace.get("/emploi-du-temps/voir?identifiant=lea")
    assert r.headers["Location"].endswith("/emploi-du-temps")
    cpe = _as(app, hand, "cpe")
    r = cpe.get("/emploi-du-temps/voir?identifiant=lea")
    assert r.headers["Location"].endswith(f"/emploi-du-temps/personne/{hand.ids['lea']}")
    r = cpe.get("/emploi-du-temps/voir?identifiant=personne", follow_redirects=True)
    assert "Aucun compte n'a l'identifiant « personne »" in text(r)
    assert _as(app, hand, "lea").get("/emploi-du-temps/voir?salle=B12").status_code == 403


def test_changes_are_said_in_words_on_the_week(app, hand, conn):
    tuesday, wednesday, thursday = (school_day(hand, d) for d in (1, 2, 3))
    changes.cancel(conn, hand.lesson_id(conn, tuesday, "08:00", "5A"),
                   note="Absence de Mme Curie", actor=CPE)  # fmt: skip
    changes.move(conn, hand.lesson_id(conn, wednesday, "08:00", "5A"), day=thursday,
                 start="14:00", end="15:00", room="B20", note="", actor=CPE)  # fmt: skip
    changes.replace(conn, hand.lesson_id(conn, thursday, "10:00", "LATIN"),
                    teachers=["lovelace"], note="M. Hugo en sortie", actor=CPE)  # fmt: skip
    changes.add(conn, day=school_day(hand, 4), start="14:00", end="15:00",
                subject_code="030201", audience="class:5A", teachers=["lovelace"],
                room="B30", note="Sortie au musée", actor=CPE)  # fmt: skip
    page = words(_as(app, hand, "lea").get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Annulé : Absence de Mme Curie" in page
    assert "Ancien horaire : " + _weekday(wednesday) + ", 08:00 – 09:00, salle B12" in page
    assert "Déplacé au " + _weekday(thursday) + ", 14:00 – 15:00" in page
    assert "Remplacé : M. Hugo en sortie" in page and "Ada Lovelace" in page
    assert "Ajouté : Sortie au musée" in page
    # Words, not only colours: each change's word is in the page's text, inside its lesson.
    html = _as(app, hand, "lea").get(f"/emploi-du-temps?semaine={hand.monday}").get_data(True)
    for status in ("cancelled", "moved", "replaced", "added"):
        block = re.search(rf'<li class="lesson lesson-{status}">(.*?)</li>', html, re.S)
        assert block and "change-word" in block.group(1), status


def _weekday(day) -> str:
    return f"{year.WEEKDAYS[day.weekday()]} {day.strftime('%d/%m')}"


def test_the_week_says_its_letter_and_its_holidays_and_pages_on(app, hand, conn):
    monday = hand.monday
    info = year.require_year(conn)
    year.set_year(conn, TECH, info.start, info.end, None,
                  [(monday + timedelta(days=7), monday + timedelta(days=13))])  # fmt: skip
    # As an import would have it: no lesson in the holidays.
    conn.execute("DELETE FROM lesson WHERE date >= ?", ((monday + timedelta(days=7)).isoformat(),))
    letter = year.load_year(conn).letter(monday)
    noah = _as(app, hand, "noah")
    page = text(noah.get(f"/emploi-du-temps?semaine={monday}"))
    assert f"Semaine {letter}" in page and "Semaine précédente" in page
    assert f"semaine={monday + timedelta(days=7)}" in page  # the next week's link
    nxt = text(noah.get(f"/emploi-du-temps?semaine={monday + timedelta(days=7)}"))
    assert "Vacances scolaires : pas de cours cette semaine." in nxt
    assert nxt.count("Vacances") >= 6 and "Mathématiques" not in nxt
    after = text(noah.get(f"/emploi-du-temps?semaine={monday + timedelta(days=14)}"))
    assert f"Semaine {'B' if letter == 'A' else 'A'}" in after
    assert "Pas de cours" in after  # the hand school has no lesson that week
    assert noah.get("/emploi-du-temps?semaine=pas-un-jour").status_code == 400
    today = text(noah.get("/emploi-du-temps"))
    assert 'id="aujourdhui"' in _raw(noah, "/emploi-du-temps") or hand.today.weekday() >= 5
    assert "Aujourd'hui" in today


def _raw(client, url) -> str:
    return client.get(url).get_data(as_text=True)


def _change_form(client, lesson_id: int, data: dict):
    token = csrf_token(client, f"/emploi-du-temps/cours/{lesson_id}")
    return client.post(f"/emploi-du-temps/cours/{lesson_id}", data={**data, "csrf_token": token})


def test_vie_scolaire_cancels_and_direction_moves(app, hand, conn):
    tuesday = school_day(hand, 1)
    lesson_id = hand.lesson_id(conn, tuesday, "08:00", "5A")
    cpe = _as(app, hand, "cpe")
    page = text(cpe.get(f"/emploi-du-temps/classe/{hand.classes['5A']}?semaine={hand.monday}"))
    assert "Modifier" in page and "Ajouter un cours" in page
    form = text(cpe.get(f"/emploi-du-temps/cours/{lesson_id}"))
    assert "Annuler ce cours" in form and "Déplacer ce cours" in form and "Rétablir" not in form
    r = _change_form(
        cpe,
        lesson_id,
        {
            "status": "cancelled",
            "note": "Absence de Mme Curie",
            "next": f"/emploi-du-temps?semaine={hand.monday}",
        },
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"semaine={hand.monday}")
    audit = conn.execute(
        "SELECT actor_login, ip FROM audit_log WHERE action = 'schoollife.lesson_cancel'"
    ).fetchone()
    assert audit["actor_login"] == "cpe"
    assert "Annulé : Absence de Mme Curie" in words(
        _as(app, hand, "sophie").get(f"/emploi-du-temps?semaine={hand.monday}")
    )
    principal = _as(app, hand, "principal")
    thursday = school_day(hand, 3)
    # A mistake in the form: the page again with the message, the field marked.
    r = _change_form(
        principal,
        lesson_id,
        {
            "status": "moved",
            "date": thursday.isoformat(),
            "start": "15:00",
            "end": "14:00",
            "room": "B12",
        },
    )
    assert r.status_code == 400 and "doit venir après" in text(r)
    assert 'id="move-end" name="end" type="time" required value="14:00" aria-invalid="true"' in (
        r.get_data(as_text=True)
    )
    r = _change_form(
        principal,
        lesson_id,
        {
            "status": "moved",
            "date": thursday.isoformat(),
            "start": "14:00",
            "end": "15:00",
            "room": "B12",
        },
    )
    assert r.status_code == 302
    assert r.headers["Location"].endswith(
        f"/emploi-du-temps/classe/{hand.classes['5A']}?semaine={thursday}"
    )
    page = text(principal.get(r.headers["Location"]))
    assert "Déplacé" in page and "Ancien horaire" in page
    r = _change_form(principal, lesson_id, {"status": "planned"})
    assert r.status_code == 302
    assert (
        conn.execute("SELECT status, date FROM lesson WHERE id = ?", (lesson_id,)).fetchone()[
            "date"
        ]
        == tuesday.isoformat()
    )


@pytest.mark.parametrize("who", ["curie", "secretary", "agent", "lea", "sophie"])
def test_a_teacher_or_anyone_else_may_not_change(app, hand, conn, who):
    lesson_id = hand.lesson_id(conn, school_day(hand, 1), "08:00", "5A")
    client = _as(app, hand, who)
    assert client.get(f"/emploi-du-temps/cours/{lesson_id}").status_code == 404
    token = csrf_token(client, "/compte/mot-de-passe")
    r = client.post(f"/emploi-du-temps/cours/{lesson_id}",
                    data={"status": "cancelled", "note": "non", "csrf_token": token})  # fmt: skip
    assert r.status_code == 404
    assert client.get("/emploi-du-temps/ajouter").status_code == 403
    page = text(client.get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Modifier" not in page and "Ajouter un cours" not in page
    row = conn.execute("SELECT status FROM lesson WHERE id = ?", (lesson_id,)).fetchone()
    assert row["status"] == "planned"
    assert not conn.execute(
        "SELECT 1 FROM audit_log WHERE action LIKE 'schoollife.lesson_%'"
    ).fetchone()


def test_the_technician_replaces_and_adds(app, hand, conn):
    lesson_id = hand.lesson_id(conn, school_day(hand, 1), "10:00", "LATIN")
    admin = _as(app, hand, "admin")
    r = _change_form(admin, lesson_id, {"status": "replaced", "teachers": ["lovelace"],
                                        "note": "M. Hugo en formation"})  # fmt: skip
    assert r.status_code == 302
    page = words(_as(app, hand, "lea").get(f"/emploi-du-temps?semaine={hand.monday}"))
    assert "Remplacé : M. Hugo en formation" in page
    token = csrf_token(admin, "/emploi-du-temps/ajouter")
    friday = school_day(hand, 4, next_week=True)
    data = {"audience": "class:4B", "subject_code": "061300", "date": friday.isoformat(),
            "start": "14:00", "end": "15:00", "teachers": ["lovelace"], "room": "B14",
            "note": "Devoir surveillé", "csrf_token": token}  # fmt: skip
    r = admin.post("/emploi-du-temps/ajouter", data={**data, "teachers": []})
    assert r.status_code == 400 and "au moins un professeur" in text(r)
    r = admin.post("/emploi-du-temps/ajouter", data=data)
    assert r.status_code == 302
    ines = words(_as(app, hand, "ines").get(f"/emploi-du-temps?semaine={friday}"))
    assert "Ajouté : Devoir surveillé" in ines


def test_the_students_and_the_parents_home_shows_today_and_the_next_day(app, hand, conn):
    today = hand.today
    if today.weekday() >= 5 or today + timedelta(days=1) > school_day(hand, 4, next_week=True):
        today_lessons = False
    else:
        today_lessons = True
    nxt = today + timedelta(days=1)
    while nxt.weekday() >= 5:
        nxt += timedelta(days=1)
    changes.cancel(conn, hand.lesson_id(conn, nxt, "08:00", "5A"), note="Absence de Mme Curie",
                   actor=CPE)  # fmt: skip
    lea = words(_as(app, hand, "lea").get("/"))
    assert "Changements" in lea and "Annulé" in lea and "Absence de Mme Curie" in lea
    # Changes first, then the days, then the tiles.
    assert lea.index("Changements") < lea.index("Aujourd'hui") < lea.index("Vos services")
    assert _weekday(nxt) in lea and ("Mathématiques" in lea or not today_lessons)
    sophie = text(_as(app, hand, "sophie").get("/"))
    assert "Absence de Mme Curie" in sophie
    ines = text(_as(app, hand, "ines").get("/"))
    assert "Absence de Mme Curie" not in ines and "Emploi du temps" in ines
    curie = text(_as(app, hand, "curie").get("/"))
    assert "Changements" not in curie and "Toute la semaine" not in curie


def test_the_timetable_tile_leads_to_the_week(app, hand):
    for who in ("lea", "sophie", "curie", "cpe"):
        html = _raw(_as(app, hand, who), "/")
        assert '<a href="/emploi-du-temps"><span class="tile-title">Emploi du temps' in html, who
    html = _raw(_as(app, hand, "guest"), "/")
    assert "/emploi-du-temps" not in html
