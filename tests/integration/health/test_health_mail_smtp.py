"""Alert mail received by a real SMTP server on loopback (aiosmtpd)."""

import email
import socket
import ssl
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from appliance.errors import CartableError
from appliance.health import alerts, mailer
from appliance.health.rules import Observation, RuleEngine
from appliance.health.settings import MailSettings
from appliance.health.store import MetricStore

TLS = Path(__file__).parents[2] / "fixtures" / "health" / "tls"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "msg": msg,
                "tls": session.ssl is not None,
            }
        )
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    yield inbox, port
    ctl.stop()


@pytest.fixture
def store(tmp_path):
    s = MetricStore.open(tmp_path / "metrics.db")
    yield s
    s.close()


def observe(engine, store, key, level, now, kind="smart"):
    ctx = {
        "device": key.split(":")[-1],
        "model": "ST1000DM010",
        "serial": "Z9A",
        "problems": [{"code": "attr_197", "level": "critical", "raw": 16, "change": 8}],
    }
    o = Observation(key, "disks", kind, "smart", level=level, context=ctx)
    return alerts.apply_transitions(store.conn, engine.evaluate([o], now), now)


def test_critical_alert_is_mailed_at_once_and_only_once(smtp, store):
    inbox, port = smtp
    mail = MailSettings(
        host="127.0.0.1",
        port=port,
        starttls=False,
        sender="ent@college.fr",
        to=["tech@college.fr"],
        timeout_seconds=5,
    )
    engine = RuleEngine()
    observe(engine, store, "smart:/dev/sdb", "critical", 100)
    assert mailer.send_critical_now(store.conn, mail, 100, host="ent") == 1
    assert mailer.send_critical_now(store.conn, mail, 110, host="ent") == 0  # same alert
    (got,) = inbox.messages
    assert got["to"] == ["tech@college.fr"] and got["from"] == "ent@college.fr"
    msg = got["msg"]
    assert msg["Subject"].startswith("[Cartable] CRITIQUE sur ent : Disque /dev/sdb")
    body = msg.get_content()
    assert "16 secteur(s) illisible(s)" in body and "(+8 depuis le relevé précédent)" in body
    assert "Que faire :" in body and "Pourquoi c'est important :" in body
    # the digest next morning does not repeat it, but says when it is resolved
    assert mailer.send_digest(store.conn, mail, 200, host="ent") == 0
    observe(engine, store, "smart:/dev/sdb", "ok", 300)
    assert mailer.send_digest(store.conn, mail, 400, host="ent") == 1
    assert "Résolues depuis le dernier résumé" in inbox.messages[-1]["msg"].get_content()
    assert len(inbox.messages) == 2


def test_warnings_wait_for_the_digest_and_silenced_ones_stay_out(smtp, store):
    inbox, port = smtp
    mail = MailSettings(host="127.0.0.1", port=port, starttls=False, to=["t@c.fr"])
    engine = RuleEngine()
    observe(engine, store, "smart:/dev/sda", "warning", 100)
    observe(engine, store, "smart:/dev/sdc", "warning", 100)
    alerts.silence(store.conn, "smart:/dev/sdc", "disque de test", "tech", 100)
    assert mailer.send_critical_now(store.conn, mail, 100) == 0
    assert inbox.messages == []
    assert mailer.send_digest(store.conn, mail, 1000, host="ent") == 1
    (got,) = inbox.messages
    assert got["msg"]["Subject"] == "[Cartable] Résumé santé de ent : 1 alerte(s), 0 résolue(s)"
    assert "/dev/sda" in got["msg"].get_content() and "/dev/sdc" not in got["msg"].get_content()
    assert mailer.send_digest(store.conn, mail, 2000) == 0  # nothing new: no mail
    observe(engine, store, "smart:/dev/sda", "critical", 2100)  # escalation is news
    assert mailer.send_critical_now(store.conn, mail, 2100) == 1


def test_starttls_and_login(tmp_path, store):
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(TLS / "smtp-localhost.pem", TLS / "smtp-localhost.key")
    inbox = Inbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        def text(v):
            return v.decode() if isinstance(v, bytes) else v

        ok = text(auth_data.login) == "ent" and text(auth_data.password) == "s3cret"
        return AuthResult(success=ok, handled=False)

    port = free_port()
    ctl = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_exclude_mechanism=["LOGIN"],
    )
    ctl.start()
    try:
        client_ctx = ssl.create_default_context(cafile=str(TLS / "smtp-localhost.pem"))
        mail = MailSettings(
            host="127.0.0.1",
            port=port,
            starttls=True,
            username="ent",
            password="s3cret",
            to=["t@c.fr"],
            timeout_seconds=5,
        )
        mailer.send_mail(mail, "Essai", "Bonjour", ssl_context=client_ctx)
        assert inbox.messages[0]["tls"] and inbox.messages[0]["msg"]["Subject"] == "Essai"
        bad = MailSettings(
            host="127.0.0.1",
            port=port,
            starttls=True,
            username="ent",
            password="wrong",
            to=["t@c.fr"],
            timeout_seconds=5,
        )
        with pytest.raises(CartableError, match="mot de passe"):
            mailer.send_mail(bad, "x", "y", ssl_context=client_ctx)
        with pytest.raises(CartableError, match="certificat"):
            mailer.send_mail(mail, "x", "y")  # the system CAs do not know this test cert
    finally:
        ctl.stop()


def test_unreachable_relay_is_explained_and_retried_later(store):
    port = free_port()  # nothing listens there
    mail = MailSettings(
        host="127.0.0.1", port=port, starttls=False, to=["t@c.fr"], timeout_seconds=2
    )
    observe(RuleEngine(), store, "smart:/dev/sdb", "critical", 100)
    with pytest.raises(CartableError, match="Impossible d'envoyer"):
        mailer.send_critical_now(store.conn, mail, 100)
    assert mailer.send_critical_now(store.conn, mail, 150) == 0  # waits RETRY_SECONDS
    assert mailer.digest_time("07:30") == (7, 30)
    with pytest.raises(CartableError):
        mailer.digest_time("25:00")
