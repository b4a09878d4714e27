"""Helpers of the community tests: a real SMTP relay on loopback (aiosmtpd), people."""

from __future__ import annotations

import email
import socket
from email import policy

from aiosmtpd.controller import Controller

from tests.conftest import login


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Relay:
    """The relay: every mail received (with the connection it came on), addresses it
    refuses, and stop/start on the same port (the relay down, then back)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[dict] = []
        self.refused: set[str] = set()
        self.busy: set[str] = set()  # a temporary refusal (451) for these
        self._ctl: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refused:
            return "550 5.1.1 Destinataire inconnu"
        if address in self.busy:
            return "451 4.3.0 Réessayez plus tard"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": envelope.rcpt_tos, "msg": msg, "peer": session.peer})
        return "250 OK"

    def start(self) -> None:
        self._ctl = Controller(self, hostname="127.0.0.1", port=self.port)
        self._ctl.start()

    def stop(self) -> None:
        if self._ctl is not None:
            self._ctl.stop()
            self._ctl = None

    def to(self, address: str) -> list:
        return [m["msg"] for m in self.messages if address in m["to"]]

    @property
    def connections(self) -> int:
        return len({m["peer"] for m in self.messages})


def person(conn, pid: int) -> dict:
    from appliance.directory import people

    return people.get_person(conn, pid)


def logged_in(app, conn, pid: int):
    """A test client logged in as the person `pid` (a new password set for the test)."""
    from appliance.directory import people

    who = people.get_person(conn, pid)
    password = "une phrase de passe de test " + str(pid)
    people.set_password(conn, pid, password)
    client = app.test_client()
    r = login(client, who["login"], password)
    assert r.status_code == 302 and "/login" not in r.headers["Location"], r.headers
    return client
