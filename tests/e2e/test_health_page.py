"""The technician's health pages in a real browser against a real server, with a
metrics.db written from real samples and a warning raised by the real rule engine."""

import re

from tests.e2e.conftest import ADMIN_PASSWORD, enrol_totp
from tests.health_data import open_filesystem_warning, write_samples


def test_technician_reads_the_health_page_and_the_diagnosis(server, page, tmp_path):
    url, paths = server
    metrics = paths["data"] / "metrics.db"
    write_samples(metrics)
    open_filesystem_warning(metrics)  # the worker has raised a warning on "/"

    page.goto(url + "/login")
    page.get_by_label("Identifiant").fill("tech")
    page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    enrol_totp(page)

    # from the home page, the health tile leads to the health page
    page.get_by_role("link", name="Santé du serveur").click()
    assert page.url.endswith("/admin/sante/")
    assert page.locator("h1").inner_text() == "Santé du serveur"
    # the alert banner of the admin area
    assert "Avertissement sur le serveur" in page.locator(".health-banner").inner_text()
    assert "/ est occupé" in page.locator(".health-banner").inner_text()
    glance = page.locator("ul.health-glance > li")
    assert glance.count() == 8
    words = glance.all_inner_texts()
    assert any("Ressources du système" in w for w in words)
    assert all(re.search(r"Bon|Information|Avertissement|Erreur", w) for w in words)
    # an SVG chart drawn from the samples, with words for those who can't see it
    chart = page.locator("figure.chart svg[role=img]").first
    assert chart.is_visible()
    assert chart.bounding_box()["width"] > 200
    assert "minimum" in chart.locator("desc").text_content()
    page.get_by_role("link", name="7 jours").click()
    assert page.get_by_role("link", name="7 jours").get_attribute("aria-current") == "page"
    assert page.get_by_role("heading", name="Disques (SMART)").is_visible()
    page.screenshot(path=str(tmp_path / "health.png"), full_page=True)

    page.locator("nav.admin-nav").get_by_role("link", name="Diagnostic").click()
    assert page.locator("h1").inner_text() == "Diagnostic du serveur"
    headings = page.locator("section.diag-category h2").all_inner_texts()
    assert len(headings) == 8 and headings[0].startswith("Ressources du système")
    # the known warning can be silenced with a reason, without JavaScript
    result = page.locator("article.diag-result", has_text="/ est occupé").first
    result.get_by_label("Raison").fill("Partition de démonstration")
    result.get_by_role("button", name="Mettre en sourdine").click()
    assert "mis en sourdine" in page.locator(".notice-success").inner_text()
    assert (
        "Partition de démonstration" in page.locator("#silences-title + .table-wrap").inner_text()
    )
    # The silenced warning leaves the banner. (What the live checks of the test machine find
    # at that moment, a port answering late on a loaded machine, may still show there.)
    banner = page.locator(".health-banner")
    assert banner.count() == 0 or "/ est occupé" not in banner.inner_text()
    page.screenshot(path=str(tmp_path / "diagnosis.png"), full_page=True)


def test_the_charts_fit_a_phone_screen(server, browser, tmp_path):
    """A 390 × 844 phone: the charts take the screen's width, no sideways scrolling, and
    their labels are large enough to read (issue #9)."""
    url, paths = server
    write_samples(paths["data"] / "metrics.db")
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 390, "height": 844}, device_scale_factor=2
    )
    page = context.new_page()
    try:
        page.goto(url + "/login")
        page.get_by_label("Identifiant").fill("tech")
        page.get_by_label("Mot de passe").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        enrol_totp(page)
        page.goto(url + "/admin/sante/")
        charts = page.locator("figure.chart .chart-narrow svg[role=img]")
        assert charts.count() >= 3
        assert page.locator("figure.chart .chart-wide svg").first.is_hidden()
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            assert box["width"] > 250  # it uses the screen, it is not a thumbnail
        scroll = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], scroll
        label = charts.first.locator("text").first.bounding_box()
        assert label["height"] >= 11, label  # about 13 px text, not 6 px
        page.screenshot(path=str(tmp_path / "health-phone.png"), full_page=True)
    finally:
        context.close()
