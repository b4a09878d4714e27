"""The timetable in a real browser (#11): a student reads the week on a phone (a list of
days) and on a PC (days as columns); the CPE cancels a lesson with a note; the parent,
on a phone, finds it first on the home page and on the week."""

from __future__ import annotations

import re
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


def _next_school_day(today):
    day = today + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _label(day) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.strftime('%d/%m')}"


def _boxes(page):
    days = page.locator("section.day")
    expect(days).to_have_count(5)
    return [days.nth(i).bounding_box() for i in range(5)]


def test_a_student_reads_the_week_on_a_phone_and_on_a_pc(server, browser, school, tmp_path):
    url, _paths = server
    context, page, errors = _context(browser, PHONE)
    _login(page, url, "lea", school.passwords["lea"])
    # The home shows today and the next day with lessons, before the tiles.
    expect(page.locator("#coming-title")).to_have_text("Emploi du temps")
    with page.expect_navigation():
        page.get_by_role("link", name="Emploi du temps").last.click()
    expect(page.locator("h1")).to_have_text("Mon emploi du temps")
    expect(page.locator(".week-letter")).to_have_text(re.compile(r"^Semaine [AB]$"))
    boxes = _boxes(page)
    # A phone: the days are a list, one below the other, each as wide as the page allows.
    assert all(b["y"] + b["height"] <= n["y"] + 1 for b, n in zip(boxes, boxes[1:], strict=False))
    assert all(b["width"] > PHONE["width"] * 0.8 for b in boxes)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("section.day").nth(1)).to_contain_text("Latin")
    page.screenshot(path=str(tmp_path / "week-phone.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Semaine suivante").click()
    assert f"semaine={school.monday + timedelta(days=7)}" in page.url
    with page.expect_navigation():
        page.get_by_role("link", name="Aujourd'hui").first.click()
    assert page.url.endswith("/emploi-du-temps#aujourdhui")
    page.set_viewport_size(PC)
    boxes = _boxes(page)
    # A PC: the days are columns side by side, on one row.
    assert len({round(b["y"]) for b in boxes}) == 1
    assert all(b["x"] + b["width"] <= n["x"] + 1 for b, n in zip(boxes, boxes[1:], strict=False))
    page.screenshot(path=str(tmp_path / "week-pc.png"), full_page=True)
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_the_cpe_cancels_a_lesson_and_the_parent_sees_it_first(server, browser, school, tmp_path):
    url, _paths = server
    day = _next_school_day(school.today)
    context, page, errors = _context(browser, PC)
    _login(page, url, "cpe", school.passwords["cpe"])
    with page.expect_navigation():
        page.get_by_role("link", name="Emploi du temps").first.click()
    # The picker: 5A's week, then the week of the lesson.
    page.get_by_label("Classe ou groupe").select_option(label="5A")
    with page.expect_navigation():
        page.get_by_role("button", name="Afficher la classe").click()
    expect(page.locator("h1")).to_have_text("Emploi du temps de la classe 5A")
    page.goto(page.url.split("?")[0] + f"?semaine={day}")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Modifier : Mathématiques, {_label(day)} 08:00").click()
    expect(page.locator("h1")).to_have_text("Modifier un cours")
    page.get_by_label("Note pour les familles").first.fill("Absence de Mme Curie")
    with page.expect_navigation():
        page.get_by_role("button", name="Annuler ce cours").click()
    expect(page.locator(".notice-success")).to_contain_text("Cours annulé")
    cancelled = page.locator("li.lesson-cancelled")
    expect(cancelled).to_have_count(1)
    expect(cancelled).to_contain_text("Annulé : Absence de Mme Curie")
    context.close()

    context, page, errors2 = _context(browser, PHONE)
    _login(page, url, "sophie", school.passwords["sophie"])
    changes = page.locator(".changes")
    expect(changes).to_contain_text("Annulé")
    expect(changes).to_contain_text(f"Mathématiques, {_label(day)} 08:00")
    expect(changes).to_contain_text("Absence de Mme Curie")
    # Changes come before the days and the tiles.
    assert changes.bounding_box()["y"] < page.locator(".coming-days").bounding_box()["y"]
    page.screenshot(path=str(tmp_path / "parent-home-phone.png"), full_page=True)
    with page.expect_navigation():
        page.get_by_role("link", name="Toute la semaine").click()
    if day - timedelta(days=day.weekday()) != school.monday:
        with page.expect_navigation():
            page.get_by_role("link", name="Semaine suivante").click()
    expect(page.locator("h1")).to_have_text("Emploi du temps de Léa Martin")
    expect(page.locator("li.lesson-cancelled")).to_contain_text("Absence de Mme Curie")
    context.close()
    assert not [e for e in errors + errors2 if "Content Security Policy" in e]
