"""The cahier de textes in a real browser against a real server: a teacher writes the
content of a lesson and homework for the next lesson (the class's workload beside), the
student sees it on their home page on a phone and ticks it, the parent sees the tick."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from appliance import config as config_mod
from appliance.core import open_box
from appliance.schoollife.year import local_today
from tests.diary_school import build

PHONE = {"width": 390, "height": 844}


def _school(paths):
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    conn = box.conn()
    school = build(conn, local_today())
    # The latest 5A maths lesson up to today: its next lesson is within the week.
    lesson = conn.execute(
        "SELECT id, date FROM lesson WHERE audience_code = '5A' AND subject_code = '061300' "
        "AND date <= ? ORDER BY date DESC LIMIT 1",
        (local_today().isoformat(),),
    ).fetchone()
    conn.close()
    return school, dict(lesson)


def _login(page, url, person):
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(person.login)
    page.get_by_label("Mot de passe").fill(person.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1")).to_contain_text("Bonjour")


def _logout(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()


def _fits(page):
    """Nothing wider than the phone's screen (no sideways scrolling)."""
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def test_teacher_gives_homework_the_student_ticks_it_the_parent_sees_it(
    server, page, browser, tmp_path
):
    url, paths = server
    school, lesson = _school(paths)
    day = "/".join(reversed(lesson["date"].split("-")))

    # The teacher: from the tile to their lessons of the week, then the lesson's form.
    _login(page, url, school["maths"])
    with page.expect_navigation():
        page.get_by_role("link", name="Cahier de textes").first.click()
    expect(page.locator("h1")).to_have_text("Cahier de textes")
    with page.expect_navigation():
        page.get_by_role("link", name=f"Mathématiques, 5A, {day} 08:00").click()
    expect(page.locator("h1")).to_have_text("Mathématiques · 5A")
    page.get_by_label("Ce qui a été fait pendant le cours").fill(
        "Le théorème de Pythagore : énoncé et démonstration."
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le contenu").click()
    expect(page.locator(".notice-success")).to_contain_text("Contenu du cours enregistré")
    expect(page.locator("#workload")).to_be_visible()
    page.get_by_label("Travail à faire", exact=True).fill("Exercices 12 à 15 page 88.")
    page.get_by_label("Type", exact=True).select_option("exercise")
    page.get_by_label(re.compile("Pour le prochain cours")).check()
    page.get_by_label("Temps estimé, en minutes (facultatif)").fill("30")
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter le travail").click()
    expect(page.locator(".notice-success")).to_contain_text("Travail ajouté, pour le")
    expect(page.locator("#travail-donne ~ .homework, .homework").first).to_contain_text(
        "Exercices 12 à 15 page 88."
    )
    # The workload now counts it on its day, with its minutes.
    expect(page.locator("#workload tr.is-next-lesson")).to_contain_text("30")
    page.screenshot(path=str(tmp_path / "teacher-lesson.png"), full_page=True)
    _logout(page)

    # The student, on a phone: the home page's "travail à faire", then the tick.
    phone = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    student = phone.new_page()
    _login(student, url, school["lea"])
    soon = student.locator(".homework-soon")
    expect(soon).to_contain_text("Mathématiques")
    expect(soon).to_contain_text("Exercices 12 à 15 page 88.")
    expect(soon).to_contain_text("Pas encore fait")
    _fits(student)
    student.screenshot(path=str(tmp_path / "student-home-phone.png"), full_page=True)
    with student.expect_navigation():
        soon.get_by_role("button", name=re.compile("J'ai fait ce travail")).first.click()
    expect(student.locator(".notice-success")).to_contain_text("noté comme fait")
    expect(student.locator(".homework-soon")).to_contain_text("Fait ✓")
    # The full list, on the phone too.
    with student.expect_navigation():
        student.get_by_role("link", name=re.compile("Tout le travail à faire")).click()
    expect(student.locator("h1")).to_have_text("Travail à faire")
    expect(student.locator(".homework").first).to_contain_text("Fait ✓")
    _fits(student)
    phone.close()

    # The parent sees the tick, on the home page and in the list (and cannot tick).
    _login(page, url, school["sophie"])
    expect(page.locator(".homework-soon")).to_contain_text("Exercices 12 à 15 page 88.")
    expect(page.locator(".homework-soon")).to_contain_text("Fait ✓")
    expect(page.get_by_role("button", name=re.compile("J'ai fait ce travail"))).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("link", name=re.compile("Tout le travail à faire")).click()
    expect(page.locator(".child-banner")).to_contain_text("Léa Martin")
    expect(page.locator(".homework").first).to_contain_text("Fait ✓")
    # The class's cahier shows what was done in the lesson.
    with page.expect_navigation():
        page.get_by_role("link", name="Classe 5A").click()
    expect(page.locator("main")).to_contain_text("Le théorème de Pythagore")
    page.screenshot(path=str(tmp_path / "parent-cahier.png"), full_page=True)
