"""The agenda's pages (#14): the week with one's events beside the lessons, the form
(without JavaScript: plain fields, CSRF), the school calendar written by the vie scolaire
and read by its audience, the month's list paged past its first page."""

from __future__ import annotations

import re
from datetime import timedelta

from appliance.agenda import events
from tests.conftest import csrf_token, text
from tests.integration.agenda.conftest import actor_of, client_of, person


def _day_section(page: str, iso: str) -> str:
    """The HTML of the week page's section of that day (from its heading to the next)."""
    day = iso[8:10] + "/" + iso[5:7]
    start = page.index(f"{day}</h2>") if f"{day}</h2>" in page else page.index(day)
    end = page.find('<section class="day', start)
    return page[start : end if end > 0 else len(page)]


def test_a_student_adds_an_event_and_sees_it_in_the_week_beside_the_lessons(app, hand):
    lea = client_of(app, hand, "lea")
    tuesday = (hand.monday + timedelta(days=1)).isoformat()
    form = lea.get(f"/agenda/evenement/nouveau?jour={tuesday}")
    assert form.status_code == 200
    assert f'value="{tuesday}"' in form.get_data(as_text=True)
    token = csrf_token(lea, "/agenda/evenement/nouveau")
    r = lea.post("/agenda/evenement/nouveau", data={
        "csrf_token": token, "title": "Orthodontiste", "place": "Cabinet du Dr Dent",
        "start_day": tuesday, "start_time": "12:15", "end_time": "12:45",
    })  # fmt: skip
    assert r.status_code == 302 and f"semaine={tuesday}" in r.headers["Location"]
    page = lea.get(r.headers["Location"]).get_data(as_text=True)
    tuesday_html = _day_section(page, tuesday)
    # The lessons of the day and the event, in time order (maths 08:00, latin 10:00).
    assert tuesday_html.index("Mathématiques") < tuesday_html.index("Latin")
    assert tuesday_html.index("Latin") < tuesday_html.index("Orthodontiste")
    assert "Cabinet du Dr Dent" in tuesday_html and "Personnel" in tuesday_html
    assert "12:15" in tuesday_html


def test_a_form_without_its_csrf_token_is_refused(app, hand):
    lea = client_of(app, hand, "lea")
    r = lea.post(
        "/agenda/evenement/nouveau",
        data={"title": "X", "start_day": "2026-12-01", "start_time": "10:00", "end_time": "11:00"},
    )
    assert r.status_code == 400
    # Nothing was written.
    assert app.extensions["cartable.box"].conn().execute(
        "SELECT count(*) FROM agenda_event").fetchone()[0] == 0  # fmt: skip


def test_a_wrong_value_shows_the_form_again_with_the_field_marked(app, hand):
    lea = client_of(app, hand, "lea")
    token = csrf_token(lea, "/agenda/evenement/nouveau")
    r = lea.post("/agenda/evenement/nouveau", data={
        "csrf_token": token, "title": "Piscine", "start_day": hand.today.isoformat(),
        "start_time": "18:00", "end_time": "17:00",
    })  # fmt: skip
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "La fin doit venir après le début." in text(r)
    assert re.search(r'id="end_time"[^>]*aria-invalid="true"', html)
    assert 'value="Piscine"' in html  # what was typed is kept


def test_one_changes_and_deletes_ones_event_and_nobody_else_can(app, conn, hand):
    mine = events.create(conn, person(conn, hand, "lea"), {
        "title": "Judo", "start_day": hand.monday.isoformat(), "start_time": "14:00",
        "end_time": "15:00", "repeat_until": (hand.monday + timedelta(days=14)).isoformat(),
    }, actor_of(conn, hand, "lea"))  # fmt: skip
    for who in ("sophie", "cpe", "principal"):
        other = client_of(app, hand, who)
        assert other.get(f"/agenda/evenement/{mine['id']}").status_code == 404
    lea = client_of(app, hand, "lea")
    form = lea.get(f"/agenda/evenement/{mine['id']}").get_data(as_text=True)
    assert 'value="Judo"' in form and 'name="repeat" value="1" checked' in form
    token = csrf_token(lea, f"/agenda/evenement/{mine['id']}")
    r = lea.post(f"/agenda/evenement/{mine['id']}", data={
        "csrf_token": token, "title": "Judo (compétition)", "start_day": hand.monday.isoformat(),
        "start_time": "14:00", "end_time": "17:00", "repeat": "1",
        "repeat_until": (hand.monday + timedelta(days=7)).isoformat(),
    })  # fmt: skip
    assert r.status_code == 302
    next_week = lea.get(f"/agenda?semaine={(hand.monday + timedelta(days=7)).isoformat()}")
    assert "Judo (compétition)" in text(next_week) and "17:00" in text(next_week)
    in_three = lea.get(f"/agenda?semaine={(hand.monday + timedelta(days=14)).isoformat()}")
    assert "Judo" not in text(in_three)
    r = lea.post(f"/agenda/evenement/{mine['id']}/supprimer", data={"csrf_token": token})
    assert r.status_code == 302
    after = text(lea.get(f"/agenda?semaine={hand.monday.isoformat()}"))
    assert "Événement « Judo (compétition) » supprimé." in after
    assert "Judo (compétition)</p>" not in after
    assert lea.get(f"/agenda/evenement/{mine['id']}").status_code == 404


def test_the_vie_scolaire_writes_for_a_class_and_only_that_class_reads_it(app, conn, hand):
    cpe = client_of(app, hand, "cpe")
    form = cpe.get("/agenda/evenement/nouveau?ecole=1").get_data(as_text=True)
    assert 'value="students:class:5A"' in form and 'value="parents:class:4B"' in form
    assert 'value="all"' in form
    # Without an audience, a school event is not written.
    token = csrf_token(cpe, "/agenda/evenement/nouveau?ecole=1")
    values = {"csrf_token": token, "ecole": "1", "title": "Sortie au musée", "place": "Musée",
              "start_day": hand.monday.isoformat(), "all_day": "1"}  # fmt: skip
    r = cpe.post("/agenda/evenement/nouveau", data=values)
    assert r.status_code == 400 and "Choisissez à qui" in text(r)
    r = cpe.post(
        "/agenda/evenement/nouveau",
        data={**values, "audience": ["students:class:5A", "parents:class:5A"]},
    )
    assert r.status_code == 302
    monday = f"/agenda?semaine={hand.monday.isoformat()}"
    for who, sees in (("lea", True), ("noah", True), ("sophie", True), ("ines", False),
                      ("claire", False), ("curie", True), ("hugo", False)):  # fmt: skip
        page = text(client_of(app, hand, who).get(monday))
        assert ("Sortie au musée" in page) == sees, who
    page = text(client_of(app, hand, "lea").get(monday))
    assert "Établissement" in page and "Toute la journée" in page
    # Families don't get the button; the direction edits it.
    assert "Événement de l'établissement" not in page
    made = conn.execute("SELECT id FROM agenda_event").fetchone()[0]
    assert client_of(app, hand, "lea").get(f"/agenda/evenement/{made}").status_code == 404
    principal = client_of(app, hand, "principal")
    assert principal.get(f"/agenda/evenement/{made}").status_code == 200
    # A student can't make a school event by sending the field.
    lea = client_of(app, hand, "lea")
    token = csrf_token(lea, "/agenda/evenement/nouveau")
    lea.post(
        "/agenda/evenement/nouveau",
        data={**values, "csrf_token": token, "audience": ["all"], "title": "Fête"},
    )
    assert conn.execute("SELECT kind FROM agenda_event WHERE title = 'Fête'").fetchone()[0] == (
        "personal"
    )


def test_a_parent_sees_their_childs_lessons_beside_their_agenda(app, conn, hand):
    sophie = client_of(app, hand, "sophie")
    page = text(sophie.get("/agenda"))
    assert "Les cours affichés sont ceux de <strong>Léa Martin</strong>" in page
    assert "Mathématiques" in page
    claire = text(client_of(app, hand, "claire").get("/agenda"))
    assert "Physique-chimie" in claire and "Mathématiques" not in claire


def test_staff_and_guests_have_an_agenda_without_lessons(app, hand):
    for who in ("cpe", "guest", "secretary"):
        page = client_of(app, hand, who).get("/agenda")
        assert page.status_code == 200, who
        assert "Mathématiques" not in text(page)


def test_the_months_list_is_paged(app, conn, hand):
    """agenda/month.html, past its first page."""
    lea = person(conn, hand, "lea")
    first = hand.today.replace(day=1)
    for i in range(62):
        events.create(conn, lea, {"title": f"Rappel {i:02d}", "start_day":
                      (first + timedelta(days=i % 28)).isoformat(), "all_day": True},
                      actor_of(conn, hand, "lea"))  # fmt: skip
    client = client_of(app, hand, "lea")
    url = f"/agenda/mois?mois={first.strftime('%Y-%m')}"
    page1 = client.get(url).get_data(as_text=True)
    assert "Page 1 sur 2" in page1 and "62 événement(s)" in text(client.get(url))
    titles1 = set(re.findall(r"Rappel \d\d", page1))
    page2 = client.get(url + "&page=2").get_data(as_text=True)
    titles2 = set(re.findall(r"Rappel \d\d", page2))
    assert len(titles1) == 50 and len(titles2) == 12 and not titles1 & titles2
    assert "Précédente" in page2
    # Past the last page: the last page.
    assert set(re.findall(r"Rappel \d\d", client.get(url + "&page=9").get_data(as_text=True))) \
        == titles2  # fmt: skip


def test_the_agenda_tile_is_on_the_home_page(app, hand):
    for who in ("lea", "sophie", "curie", "cpe", "guest"):
        home = client_of(app, hand, who).get("/").get_data(as_text=True)
        assert 'href="/agenda"' in home, who
