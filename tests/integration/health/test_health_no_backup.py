"""A box with no backup repository is not backed up: an error of the diagnosis, in the
admin banner and in the alert mail (a real SMTP server on loopback), and no "next backup"
announced where nothing would be backed up."""

import json

import pytest
from aiosmtpd.controller import Controller

from appliance import config as config_mod
from appliance.core import create_box
from appliance.health import alerts, diagnosis, mailer, schedule, wiring
from appliance.health.jobs import HealthMonitor
from appliance.health.settings import MailSettings
from appliance.health.store import MetricStore
from appliance.school import set_school
from tests.conftest import login_admin, text
from tests.integration.health.test_health_mail_smtp import Inbox, free_port
from tests.integration.test_cli import init_school, run

NONE_SUMMARY = "Aucune sauvegarde n'est configurée : les données seraient perdues avec le disque."


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield (
        inbox,
        MailSettings(
            host="127.0.0.1", port=port, starttls=False, to=["tech@college.fr"], timeout_seconds=5
        ),
    )
    ctl.stop()


def _backups(results):
    return [r for r in results if r["category"] == "backups"]


def test_no_repository_is_an_error_of_the_diagnosis(box):
    """Before the fix: one "info" result (« Rien n'est vérifié ici ») and a green tile."""
    results = wiring.diagnose(box, "cli", None)
    (item,) = _backups(results)
    assert item["status"] == "error" and item["key"] == "backup.none"
    assert item["summary"] == NONE_SUMMARY
    assert "cartable backup init" in item["advice"]
    assert diagnosis.category_status(results)["backups"]["color"] == "red"


def test_backups_switched_off_are_a_warning(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("[backup]\nenabled = false\n")
    box = create_box(config_mod.load(cfg, tmp_path / "data", env={}))
    set_school(box.conn(), uai="0679999X", name="Collège Test")
    (item,) = _backups(wiring.diagnose(box, "cli", None))
    assert item["status"] == "warning" and item["key"] == "backup.disabled"
    assert "backup.enabled" in item["summary"]


def test_the_worker_raises_it_in_the_banner_and_mails_it(box, app, client, conn, smtp):
    inbox, mail = smtp
    monitor = schedule.build_monitor(box)  # as the worker builds it
    try:
        monitor.checks_tick()
    finally:
        monitor.close()
    store = MetricStore.open(box.config.metrics_db_path, readonly=True)
    try:
        banner = alerts.banner(store.conn)
        assert banner["level"] == "critical"
        assert NONE_SUMMARY in [a["summary"] for a in banner["alerts"]]
    finally:
        store.close()
    # the technician's pages show it in the banner
    login_admin(client, conn)
    page = text(client.get("/admin/"))
    assert "Alerte critique sur le serveur" in page and NONE_SUMMARY in page
    # the daily alert mail holds it (the relay was not configured when it opened)
    store = MetricStore.open(box.config.metrics_db_path)
    try:
        assert mailer.send_digest(store.conn, mail, 10**10, host="ent") >= 1
    finally:
        store.close()
    body = inbox.messages[-1]["msg"].get_content()
    assert NONE_SUMMARY in body and "cartable backup init" in body


def test_a_critical_mail_is_sent_at_once_by_the_worker(box, smtp):
    inbox, mail = smtp
    monitor = HealthMonitor(
        box.config.metrics_db_path,
        wiring.health_settings(box.config),
        mail,
        backup_state=lambda: wiring.backup_arguments(box),
        host="ent",
    )
    try:
        monitor.checks_tick()
    finally:
        monitor.close()
    subjects = [m["msg"]["Subject"] for m in inbox.messages]
    bodies = "\n".join(m["msg"].get_content() for m in inbox.messages)
    assert any(s.startswith("[Cartable]") for s in subjects)
    assert NONE_SUMMARY in bodies


def test_no_next_backup_is_announced_without_a_repository(box, app, client, conn, tmp_path):
    login_admin(client, conn)
    page = text(client.get("/admin/sauvegardes/"))
    assert "Aucun dépôt de sauvegarde" in page
    assert "Prochaine sauvegarde" not in page
    (tmp_path / "cli").mkdir()
    cfg, data = init_school(tmp_path / "cli")
    r = run(["backup", "status", "--json"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["next_backup"] is None
    r = run(["backup", "status"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert "Prochaine sauvegarde" not in r.stdout and "aucun dépôt" in r.stdout.lower()
