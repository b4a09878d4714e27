"""The health pages under /admin/sante with the Flask test client, on a real metrics.db
written from real sampler samples, an alert opened by the real rule engine and recorded
SMART outputs in the spool folder."""

import io
import re
import tarfile

import pytest

from appliance.health.diagnosis import CATEGORIES
from appliance.security import audit
from tests.conftest import csrf_token, login, login_admin, make_person, post, text
from tests.health_data import (
    FS_KEY,
    SECRET,
    health_config,
    open_filesystem_warning,
    spool_disk,
    write_samples,
)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    path.write_text(health_config(tmp_path), encoding="utf-8")
    return path


@pytest.fixture
def metrics(box, tmp_path):
    """metrics.db as a running worker leaves it, and two disks in the SMART spool."""
    path = box.config.metrics_db_path
    assert write_samples(path) > 0
    open_filesystem_warning(path)
    spool_disk(tmp_path / "smart", "/dev/sda", "ssd_sata_healthy.json")
    spool_disk(tmp_path / "smart", "/dev/sdb", "hdd_pending_reallocated.json")
    return path


@pytest.fixture
def admin(client, conn):
    return login_admin(client, conn)


def _no_inline_style_or_script(html: str) -> None:
    assert "<script" not in html
    assert not re.search(r"\sstyle=", html)
    assert "<style" not in html


def test_health_page_shows_state_charts_disks_and_alerts(client, admin, metrics):
    r = client.get("/admin/sante/")
    assert r.status_code == 200
    page = text(r)
    _no_inline_style_or_script(r.get_data(as_text=True))
    # the state at a glance: every category, its colour as a class and its state in words
    glance = page.split('<ul class="health-glance">')[1].split("</ul>")[0]
    for label in CATEGORIES.values():
        assert label in glance
    assert re.search(r'health-(green|orange|red)">', glance)
    assert re.search(r'health-word">(Bon|Information|Avertissement|Erreur)<', glance)
    # charts: inline SVG with a title and a description in words, from the real samples
    assert 'role="img"' in page and "<title" in page
    assert "Processeur occupé (%)" in page
    assert "Occupation de / (%)" in page
    assert "minimum" in page and "dernière valeur" in page
    # per-disk SMART details from the recorded outputs
    assert "/dev/sda" in page and "/dev/sdb" in page
    assert "Défaillance probable" in page and "Bon état" in page
    assert "Current_Pending_Sector" in page
    # the alert opened by the rule engine: banner, ongoing alerts, history
    assert "Avertissement sur le serveur" in page
    assert "Alertes en cours" in page
    history = page.split('id="history-title"')[1]
    assert "/ est occupé" in history and "en cours" in history


def test_period_links_choose_the_chart_range(client, admin, metrics):
    for period, label in (("hour", "Dernière heure"), ("week", "7 jours"), ("year", "12 mois")):
        page = text(client.get(f"/admin/sante/?periode={period}"))
        assert re.search(rf'aria-current="page">{label}<', page), period
    page = text(client.get("/admin/sante/?periode=n-importe-quoi"))
    assert re.search(r'aria-current="page">24 heures<', page)


def test_diagnosis_lists_every_check_by_category(client, admin, metrics):
    r = client.get("/admin/sante/diagnostic")
    assert r.status_code == 200
    page = text(r)
    _no_inline_style_or_script(r.get_data(as_text=True))
    for cat, label in CATEGORIES.items():
        assert re.search(rf'<h2 id="cat-{cat}"[^>]*>{re.escape(label)} — ', page), cat
    # the failing disk is an error with its advice
    assert re.search(r'status-error">Erreur</span> .*/dev/sdb', page)
    assert "Que faire :" in page
    assert "Aucun avertissement n'est en sourdine." in page


def test_health_pages_are_refused_to_everyone_else(client, conn, metrics):
    for profile in ("student", "teacher", "relative", "staff", "guest"):
        c = client.application.test_client()
        _pid, name, pw = make_person(conn, profile)
        assert login(c, name, pw).status_code == 302
        assert c.get("/admin/sante/").status_code == 403, profile
        assert c.get("/admin/sante/diagnostic").status_code == 403, profile
        token = csrf_token(c, "/compte/mot-de-passe")
        for path in ("/admin/sante/sourdine", "/admin/sante/paquet-assistance"):
            r = c.post(path, data={"csrf_token": token, "key": FS_KEY, "reason": "non"})
            assert r.status_code == 403, (profile, path)
    anonymous = client.application.test_client()
    r = anonymous.get("/admin/sante/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert not audit.search(conn, action="health.")[0]


def test_silence_and_unsilence_are_audit_logged(client, admin, conn, metrics):
    # no reason: refused, nothing logged
    r = post(client, "/admin/sante/sourdine", {"key": FS_KEY, "reason": ""})
    assert r.status_code == 302
    assert "Indiquez pourquoi" in text(client.get("/admin/sante/diagnostic"))
    # an unknown key: refused
    post(client, "/admin/sante/sourdine", {"key": "pas.une.cle", "reason": "essai"})
    assert "pas un avertissement en cours" in text(client.get("/admin/sante/diagnostic"))
    assert not audit.search(conn, action="health.silence")[0]

    r = post(client, "/admin/sante/sourdine", {"key": FS_KEY, "reason": "Disque de démonstration"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/sante/diagnostic")
    page = text(client.get("/admin/sante/diagnostic"))
    assert "mis en sourdine" in page
    assert "Disque de démonstration" in page and "Lever la sourdine" in page
    # a silenced warning leaves the banner
    assert "Avertissement sur le serveur" not in text(client.get("/admin/"))
    entries, _total = audit.search(conn, action="health.silence")
    assert len(entries) == 1
    assert entries[0]["target"] == f"health:{FS_KEY}" and entries[0]["actor_login"] == admin
    assert entries[0]["details"]["reason"] == "Disque de démonstration"

    r = post(client, "/admin/sante/sourdine/lever", {"key": FS_KEY})
    assert r.status_code == 302
    page = text(client.get("/admin/sante/diagnostic"))
    assert "de nouveau signalé" in page and "Aucun avertissement n'est en sourdine." in page
    assert "Avertissement sur le serveur" in text(client.get("/admin/"))
    entries, _total = audit.search(conn, action="health.unsilence")
    assert entries[0]["target"] == f"health:{FS_KEY}"
    # lifting it again: a plain message, nothing logged
    post(client, "/admin/sante/sourdine/lever", {"key": FS_KEY})
    assert "Aucune mise en sourdine" in text(client.get("/admin/sante/diagnostic"))
    assert len(audit.search(conn, action="health.unsilence")[0]) == 1


def test_support_bundle_is_a_tar_gz_without_secrets(client, admin, conn, metrics):
    r = post(client, "/admin/sante/paquet-assistance")
    assert r.status_code == 200
    assert r.mimetype == "application/gzip"
    assert re.fullmatch(
        r'attachment; filename="cartable-assistance-\d{8}-\d{6}\.tar\.gz"',
        r.headers["Content-Disposition"],
    )
    with tarfile.open(fileobj=io.BytesIO(r.data), mode="r:gz") as tar:
        members = {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers()}
    assert {"diagnosis.json", "config.json", "alerts.json", "smart.json"} <= set(members)
    assert all(SECRET.encode() not in data for data in members.values())
    assert b'"mail.password"' in members["config.json"]
    assert FS_KEY.encode() in members["alerts.json"]
    entries, _total = audit.search(conn, action="health.bundle")
    assert len(entries) == 1 and entries[0]["actor_login"] == admin


def test_pages_work_without_metrics_db(client, admin, box):
    assert not box.config.metrics_db_path.exists()
    assert client.get("/admin/").status_code == 200
    page = text(client.get("/admin/sante/"))
    assert "Aucune mesure enregistrée" in page
    assert "Aucun relevé SMART" in page
    # the web process says the worker does not run: no sample was ever written
    assert "cartable-worker ne fonctionne pas" in text(client.get("/admin/sante/diagnostic"))


def test_a_broken_metrics_db_never_breaks_an_admin_page(client, admin, box):
    box.config.metrics_db_path.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    r = client.get("/admin/")
    assert r.status_code == 200 and "Avertissement sur le serveur" not in text(r)


def test_nav_links_and_home_tile_lead_to_the_health_pages(client, admin, metrics):
    nav = text(client.get("/admin/")).split('class="admin-nav"')[1].split("</nav>")[0]
    assert 'href="/admin/sante/"' in nav and 'href="/admin/sante/diagnostic"' in nav
    home = text(client.get("/"))
    assert re.search(r'<a href="/admin/sante/"[^>]*>\s*<span class="tile-title">', home)


def test_english_pages(client, admin, metrics):
    token = csrf_token(client, "/admin/")
    client.post("/lang", data={"lang": "en", "csrf_token": token, "next": "/"})
    page = text(client.get("/admin/sante/"))
    assert "At a glance" in page and "System resources" in page and "Processor busy (%)" in page


def test_category_labels_follow_the_diagnosis():
    from webui.health import CATEGORY_LABELS

    assert CATEGORY_LABELS == CATEGORIES


def test_a_fresh_box_shows_empty_charts_that_say_so(box, client, conn):
    """Before the fix an empty metrics.db showed no chart and no word (issue #9)."""
    from appliance.health.store import MetricStore

    MetricStore.open(box.config.metrics_db_path).close()  # created, nothing sampled yet
    login_admin(client, conn)
    r = client.get("/admin/sante/")
    assert r.status_code == 200
    page = text(r)
    assert page.count("Pas encore de données") >= 3
    assert "Processeur occupé (%)" in page and "Mémoire vive disponible (%)" in page
    assert 'class="chart-narrow"' in page and 'width="100%"' in page
