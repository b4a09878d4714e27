"""The e-mail address notifications go to: typed on Mon compte and confirmed by a signed
link mailed through the relay, the directory's (SIECLE) counted as confirmed, set by the
technician with `cartable user edit --email`; and `cartable notifications send --now`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from appliance.community import notifications, notifications_schedule
from appliance.errors import CartableError
from tests.conftest import csrf_token, text
from tests.integration.community.helpers import logged_in

CARTABLE = [sys.executable, "-m", "appliance"]


def _type_address(client, address: str):
    return client.post(
        "/compte/notifications",
        data={
            "action": "email",
            "email": address,
            "csrf_token": csrf_token(client, "/compte/notifications"),
        },
    )


def test_a_typed_address_is_used_once_its_mailed_link_is_opened(app, box, conn, school, relay):
    sophie = school["sophie"]
    client = logged_in(app, conn, sophie)
    r = _type_address(client, "Sophie.Martin@Perso.test ")
    assert r.status_code == 302
    page = text(client.get("/compte/notifications"))
    assert "En attente de confirmation : sophie.martin@perso.test" in page
    # Until the link is opened, mails still go to the school's address.
    notifications.emit(conn, [sophie], "absence", "Absence de Léa", "/vs")
    done = notifications_schedule.run_now(box)
    assert done["sent"] == 2  # the confirmation link and the absence
    assert len(relay.to("sophie@famille.test")) == 1
    (link_mail,) = relay.to("sophie.martin@perso.test")
    assert link_mail["Subject"] == "[Collège Test] Confirmez votre adresse électronique"
    link = re.search(
        r"https://ent\.college\.test(/compte/courriel/confirmer/\S+)", link_mail.get_content()
    )
    assert link, link_mail.get_content()
    assert notifications_schedule.run_now(box)["sent"] == 0  # the link goes once
    # Someone else's session opening the link: nothing happens, nothing is told.
    other = logged_in(app, conn, school["claire"])
    assert other.get(link.group(1)).status_code == 404
    # A link altered on the way: refused.
    assert client.get(link.group(1)[:-3] + "abc").status_code == 400
    r = client.get(link.group(1))
    assert r.status_code == 200 and "sophie.martin@perso.test est confirmée" in text(r)
    assert notifications.address_of(conn, sophie)["email"] == "sophie.martin@perso.test"
    assert notifications.address_of(conn, sophie)["source"] == "own"
    # Opened again: the address is no longer waiting.
    assert client.get(link.group(1)).status_code == 400
    notifications.emit(conn, [sophie], "absence", "Retard de Léa", "/vs")
    notifications_schedule.run_now(box)
    assert [m["Subject"] for m in relay.to("sophie.martin@perso.test")][-1] == (
        "[Collège Test] Absence : Retard de Léa"
    )
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "notifications.email_request" in actions and "notifications.email_confirm" in actions


def test_an_expired_or_foreign_link_is_refused_in_plain_words(box, conn, school):
    token = notifications.make_token(box.secret_key(), school["lea"], "lea@eleve.test")
    assert notifications.read_token(box.secret_key(), token, 3600) == (
        school["lea"],
        "lea@eleve.test",
    )
    with pytest.raises(CartableError, match="a expiré"):
        notifications.read_token(box.secret_key(), token, -1)
    with pytest.raises(CartableError, match="pas valable"):
        notifications.read_token(b"another box's key", token, 3600)


def test_a_bad_address_is_refused_and_no_email_at_all_is_a_choice(app, conn, school):
    client = logged_in(app, conn, school["sophie"])
    r = _type_address(client, "pas une adresse")
    assert r.status_code == 400 and "invalide" in text(r)
    r = client.post(
        "/compte/notifications",
        data={"action": "no_email", "csrf_token": csrf_token(client, "/compte/notifications")},
    )
    assert r.status_code == 302
    assert notifications.address_of(conn, school["sophie"])["email"] is None
    notifications.emit(conn, [school["sophie"]], "absence", "Absence", "/vs")
    row = conn.execute("SELECT mail_frequency FROM notification").fetchone()
    assert row[0] is None


def _cli(box, *args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    env.update(env_extra or {})
    cmd = [
        *CARTABLE,
        "--config",
        str(box.config.file),
        *args,
        "--data-dir",
        str(box.config.data_dir),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_the_technician_sets_an_address_and_sends_the_due_mails_by_hand(box, conn, school, relay):
    r = _cli(box, "user", "edit", "hugo", "--email", "V.Hugo@College.test")
    assert r.returncode == 0, r.stderr
    assert "Compte hugo modifié : email." in r.stdout
    assert notifications.address_of(conn, school["hugo"]) == {
        "email": "v.hugo@college.test",
        "source": "own",
        "pending": None,
        "pending_sent": False,
    }
    notifications.emit(
        conn, [school["hugo"], school["sophie"]], "lesson_changed", "Salle 12", "/edt"
    )
    r = _cli(box, "notifications", "send", "--now", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"sent": 2, "failed": 0}
    assert len(relay.to("v.hugo@college.test")) == 1
    relay.stop()
    notifications.emit(conn, [school["sophie"]], "lesson_changed", "Salle 14", "/edt")
    r = _cli(box, "notifications", "send", "--now", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout) == {"sent": 0, "failed": 1}
    assert "Impossible d'envoyer" in r.stderr
    r = _cli(box, "notifications", "send")  # without --now: for the worker
    assert r.returncode == 0 and "confié au service des tâches" in r.stdout
    r = _cli(box, "user", "edit", "hugo")
    assert r.returncode == 1 and "Rien à modifier" in r.stderr
    actions = {r[0] for r in conn.execute("SELECT action FROM audit_log")}
    assert {"person.edit", "notifications.email_set", "job.enqueue"} <= actions
