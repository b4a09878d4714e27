"""The agenda in a real browser (#14): a student on a phone adds an appointment from the
week and finds it on its day beside the lessons, in time order; on a PC the days are
columns. The CPE writes a trip for 5A in the school calendar (checkboxes, no script) and
the student finds it too, said in words."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from appliance import config as config_mod
from appliance.core import open_box
from appliance.schoollife.year import WEEKDAYS
from tests.integration.schoollife.timetable_school import build

PHONE = {"width": 390, "height": 844}
PC = {"width": 1280, "height": 900}


@pytest.fixture
def school(server):
    """The hand-built school of the integration tests, written into the served box."""
    _url, paths = server
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    try:
        yield build(box.conn())
    finally:
        box.conn().close()


def _context(browser, viewport):
    context = browser.new_context(locale="fr-FR", viewport=viewport)
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return context, page, errors


def _login(page, url, login, password):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_contain_text("Bonjour")


def _label(day) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.strftime('%d/%m')}"


def test_a_student_adds_an_appointment_and_sees_it_beside_the_lessons(
    server, browser, school, tmp_path
):
    url, _paths = server
    tuesday = school.monday + timedelta(days=1)
    context, page, errors = _context(browser, PHONE)
    _login(page, url, "lea", school.passwords["lea"])
    with page.expect_navigation():
        page.locator(".tiles a", has_text="Agenda").click()
    expect(page.locator("h1")).to_have_text("Mon agenda")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Ajouter : {_label(tuesday)}").click()
    expect(page.locator("h1")).to_have_text("Nouvel événement")
    expect(page.get_by_label("Jour", exact=True)).to_have_value(tuesday.isoformat())
    page.get_by_label("Titre").fill("Orthodontiste")
    page.get_by_label("Lieu (facultatif)").fill("Cabinet du Dr Dent")
    page.get_by_label("De", exact=True).fill("12:15")
    page.get_by_label("À", exact=True).fill("12:45")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "agenda-form-phone.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".notice-success")).to_contain_text("Événement « Orthodontiste » ajouté.")
    day = page.locator("section.day", has=page.get_by_role("heading", name=_label(tuesday)))
    event = day.locator("li.agenda-event")
    expect(event).to_contain_text("Orthodontiste")
    expect(event).to_contain_text("12:15 – 12:45")
    expect(event).to_contain_text("Personnel")
    latin = day.locator("li.lesson", has_text="Latin")
    maths = day.locator("li.lesson", has_text="Mathématiques")
    expect(latin).to_have_count(1)
    # In time order: maths 08:00, latin 10:00, then the appointment.
    assert maths.bounding_box()["y"] < latin.bounding_box()["y"] < event.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(tmp_path / "agenda-week-phone.png"), full_page=True)
    page.set_viewport_size(PC)
    days = page.locator("section.day")
    boxes = [days.nth(i).bounding_box() for i in range(days.count())]
    assert len({round(b["y"]) for b in boxes}) == 1  # columns on one row
    page.screenshot(path=str(tmp_path / "agenda-week-pc.png"), full_page=True)
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_cpe_writes_a_trip_for_5a_and_the_student_reads_it(server, browser, school):
    url, _paths = server
    thursday = school.monday + timedelta(days=3)
    context, page, errors = _context(browser, PC)
    _login(page, url, "cpe", school.passwords["cpe"])
    page.goto(url + "/agenda")
    with page.expect_navigation():
        page.get_by_role("link", name="Événement de l'établissement").click()
    expect(page.locator("h1")).to_have_text("Nouvel événement de l'établissement")
    page.get_by_label("Titre").fill("Sortie au musée")
    page.get_by_label("Jour", exact=True).fill(thursday.isoformat())
    page.get_by_label("Toute la journée (les heures sont alors ignorées)").check()
    page.get_by_label("Élèves · 5A").check()
    page.get_by_label("Parents · 5A").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".notice-success")).to_contain_text("Sortie au musée")
    context.close()

    context, page, errors2 = _context(browser, PHONE)
    _login(page, url, "lea", school.passwords["lea"])
    page.goto(url + f"/agenda?semaine={school.monday}")
    day = page.locator("section.day", has=page.get_by_role("heading", name=_label(thursday)))
    trip = day.locator("li.agenda-school")
    expect(trip).to_contain_text("Sortie au musée")
    expect(trip).to_contain_text("Établissement")
    expect(trip).to_contain_text("Toute la journée")
    expect(trip.get_by_role("link", name="Modifier")).to_have_count(0)
    # Before the day's lessons.
    lesson = day.locator("li.lesson").first
    assert trip.bounding_box()["y"] < lesson.bounding_box()["y"]
    context.close()
    assert not [e for e in errors + errors2 if "Content Security Policy" in e]
