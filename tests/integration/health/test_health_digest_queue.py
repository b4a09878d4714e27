"""The daily health digest through the job queue (#10): the scheduled job queues it (once,
however often it fires before the worker gets to it), the worker's `run_next` sends it to
a real SMTP server on loopback; a failing relay fails the job with its explained error."""

from __future__ import annotations

import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller

from appliance import config as config_mod
from appliance import jobqueue, jobrunner
from appliance.core import create_box
from appliance.health import alerts, schedule
from appliance.health.rules import Observation, RuleEngine
from appliance.health.store import MetricStore
from tests.health_data import health_config


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), _free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


def _box(tmp_path, port):
    path = tmp_path / "cartable.toml"
    path.write_text(health_config(tmp_path), encoding="utf-8")
    mail = {"mail.host": "127.0.0.1", "mail.port": port, "mail.starttls": False,
            "mail.from": "ent@college.fr", "mail.to": ["tech@college.fr"]}  # fmt: skip
    box = create_box(config_mod.load(path, tmp_path / "data", env={}, overrides=mail))
    store = MetricStore.open(box.config.metrics_db_path)
    try:  # a warning never mailed: what the digest is for
        problem = {"code": "attr_197", "level": "warning", "raw": 2, "change": 2}
        context = {"device": "sda", "model": "ST1000DM010", "serial": "Z9A",
                   "problems": [problem]}  # fmt: skip
        o = Observation("smart:/dev/sda", "disks", "smart", "smart", level="warning",
                        context=context)  # fmt: skip
        alerts.apply_transitions(store.conn, RuleEngine().evaluate([o], 100), 100)
    finally:
        store.close()
    return box


def test_the_digest_is_queued_once_then_sent_by_the_worker(smtp, tmp_path):
    inbox, port = smtp
    box = _box(tmp_path, port)
    digest = {s.id: s for s in schedule.jobs(box)}["health.digest"]
    digest.func(box)
    digest.func(box)  # fired again before the worker took it: still one job
    (job,) = jobqueue.list_recent(box.conn(), kind="health.digest")
    assert job["state"] == "queued" and job["actor_login"] == "système"
    assert inbox.messages == []

    ended = jobrunner.run_next(box)
    assert ended["id"] == job["id"] and ended["state"] == "done", ended["error"]
    assert ended["result"] == {"alerts": 1}
    (msg,) = inbox.messages
    assert msg["Subject"].startswith("[Cartable] Résumé santé de ")
    assert "Disque sda (ST1000DM010, n° Z9A)" in msg.get_content()


def test_a_failing_relay_fails_the_digest_job_with_its_reason(tmp_path, caplog):
    box = _box(tmp_path, _free_port())  # nothing listens there
    assert schedule.queue_digest(box) is not None
    ended = jobrunner.run_next(box)
    assert ended["state"] == "failed"
    assert "Impossible d'envoyer" in str(ended["error"])
    assert "health.digest" in caplog.text and "échouée" in caplog.text
