"""The usage statistics page in Chromium (#14): the direction opens it from the home
page's tile on a desk and on a phone, and reads four charts (the phone's layout there,
without sideways scrolling) and their tables; a parent is refused. A real `cartable
serve`, six weeks of statistics written by the demo's generator for this school."""

from __future__ import annotations

from appliance import config as config_mod
from appliance.core import open_box
from appliance.directory import people
from appliance.stats import demo as stats_demo

PASSWORD = "les chiffres de la fréquentation"
PHONE = {"width": 360, "height": 740}


def _school(paths) -> None:
    box = open_box(config_mod.load(paths["config"], paths["data"], env={}))
    conn = box.conn()
    for login, profile, function in (
        ("principale", "staff", "DIR"),
        ("lea.martin", "student", None),
        ("zoe.lefevre", "student", None),
        ("karim.benali", "relative", None),
        ("victor.hugo", "teacher", None),
    ):
        people.create_person(
            conn, login=login, profile=profile, first_name=login.split(".")[0].title(),
            last_name="Test", password=PASSWORD, check_rules=False, function=function,
        )  # fmt: skip
    assert stats_demo.ensure(conn)
    conn.close()


def _login(page, url: str, login: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def test_the_direction_reads_the_statistics_on_a_desk_and_a_phone(server, browser, tmp_path):
    url, paths = server
    _school(paths)
    for name, viewport in (("desk", {"width": 1280, "height": 800}), ("phone", PHONE)):
        context = browser.new_context(locale="fr-FR", viewport=viewport)
        page = context.new_page()
        _login(page, url, "principale")
        with page.expect_navigation():
            page.get_by_role("link", name="Statistiques d'usage").first.click()
        assert page.url.endswith("/statistiques/")
        assert page.locator("h1").inner_text() == "Statistiques d'usage"
        shown = "chart-narrow" if name == "phone" else "chart-wide"
        hidden = "chart-wide" if name == "phone" else "chart-narrow"
        charts = page.locator(f"figure.chart .{shown} svg[role=img]")
        assert charts.count() == 4
        for i in range(4):
            assert charts.nth(i).is_visible()
        assert not page.locator(f"figure.chart .{hidden} svg").first.is_visible()
        assert "minimum" in charts.first.locator("desc").text_content()
        assert "Élèves" in charts.nth(2).locator("desc").text_content()
        accounts = page.locator("#stats-accounts tbody tr", has_text="Élèves")
        assert accounts.locator("td").all_inner_texts()[1:] == ["2", "2"]
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (name, width)
        page.screenshot(path=str(tmp_path / f"stats-{name}.png"), full_page=True)
        context.close()
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    parent = context.new_page()
    _login(parent, url, "karim.benali")
    assert parent.get_by_role("link", name="Statistiques d'usage").count() == 0
    assert parent.goto(url + "/statistiques/").status == 403
    context.close()
