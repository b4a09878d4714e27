"""The notifications' e-mails through a real SMTP relay on loopback (aiosmtpd): at once,
never twice, retried when the relay is down then back, held by the quiet hours, batched
in digests over one connection, an address the relay refuses given up."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from appliance import jobqueue, jobrunner, scheduler
from appliance.community import notifications, notifications_mail, notifications_schedule
from appliance.security.audit import Actor
from tests.integration.community.helpers import person

PARIS = ZoneInfo("Europe/Paris")
ME = Actor(None, "test", None)


def at(*args) -> float:
    """Epoch seconds of a wall time in Paris."""
    return datetime(*args, tzinfo=PARIS).timestamp()


def written_at(conn, moment: float) -> None:
    """Date the entries not yet scheduled as written at `moment` (a test's clock)."""
    stamp = datetime.fromtimestamp(moment, ZoneInfo("UTC")).isoformat()
    conn.execute("UPDATE notification SET created_at = ? WHERE mail_due_at IS NULL", (stamp,))


@pytest.fixture
def run(box):
    return notifications_mail.MailRun.for_box(box)


def test_an_immediate_mail_carries_the_text_and_the_link_and_goes_once(conn, school, run, relay):
    notifications.emit(
        conn, [school["sophie"]], "message", "Sortie au musée jeudi", "/messages/12",
        actor_id=school["curie"],
    )  # fmt: skip
    now = at(2026, 3, 10, 10, 0)
    written_at(conn, now)
    assert notifications_mail.send_due(conn, run, now) == {"sent": 1, "failed": 0, "error": None}
    (msg,) = relay.to("sophie@famille.test")
    assert msg["From"] == "ent@college.test" and msg["To"] == "sophie@famille.test"
    assert msg["Subject"] == "[Collège Test] Nouveau message : Sortie au musée jeudi"
    assert not msg.is_multipart()  # the text and the link, never an attachment
    body = msg.get_content()
    assert "Sortie au musée jeudi" in body and "De : Curie Testeur" in body
    assert "Le 10/03/2026 10:00." in body
    assert "Voir sur l'ENT : https://ent.college.test/messages/12" in body
    assert "https://ent.college.test/compte/notifications" in body
    # Never twice: the next runs find nothing, whatever the time.
    for later in (now + 1, now + 3600, now + 86400 * 8):
        assert notifications_mail.send_due(conn, run, later)["sent"] == 0
    assert len(relay.messages) == 1


def test_the_relay_down_then_back_sends_each_mail_once(conn, school, run, relay):
    notifications.emit(conn, [school["sophie"], school["claire"]], "absence", "Absence", "/vs")
    now = at(2026, 3, 10, 10, 0)
    written_at(conn, now)
    relay.stop()
    done = notifications_mail.send_due(conn, run, now)
    assert done["sent"] == 0 and done["failed"] == 2
    assert "Impossible d'envoyer le courriel par 127.0.0.1" in done["error"]
    due = conn.execute("SELECT mail_sent_at, mail_due_at FROM notification").fetchall()
    assert all(sent is None and due_at == now + run.retry_seconds for sent, due_at in due)
    relay.start()
    assert notifications_mail.send_due(conn, run, now + 60)["sent"] == 0  # waits its retry
    assert notifications_mail.send_due(conn, run, now + run.retry_seconds) == {
        "sent": 2, "failed": 0, "error": None,
    }  # fmt: skip
    assert notifications_mail.send_due(conn, run, now + 3 * run.retry_seconds)["sent"] == 0
    assert len(relay.to("sophie@famille.test")) == len(relay.to("claire@famille.test")) == 1


def test_a_mail_that_cannot_go_for_days_is_given_up(conn, school, run, relay):
    notifications.emit(conn, [school["sophie"]], "absence", "Absence", "/vs")
    now = at(2026, 3, 10, 10, 0)
    written_at(conn, now)
    relay.stop()
    notifications_mail.send_due(conn, run, now)
    relay.start()
    assert notifications_mail.send_due(conn, run, now + run.give_up_seconds + 600)["sent"] == 0
    assert relay.messages == []
    (error,) = conn.execute("SELECT mail_error FROM notification").fetchone()
    assert "abandonné" in error
    assert notifications.unread_count(conn, school["sophie"]) == 1  # still on the portal


def test_quiet_hours_hold_homework_to_the_next_school_morning(conn, school, run, relay):
    """Homework set on Friday at 21:00: mailed on Monday at 07:00; a cancelled lesson
    and a message written at the same time go at once."""
    lea = school["lea"]
    conn.execute("UPDATE person SET email = 'lea@eleve.test' WHERE id = ?", (lea,))
    notifications.set_frequencies(conn, person(conn, lea), {"homework": "immediate"}, ME)
    notifications.emit(conn, [lea], "homework", "Exercice 4 p. 52", "/cahier/1")
    notifications.emit(conn, [lea], "lesson_changed", "Cours de 8 h annulé", "/edt")
    friday_evening = at(2026, 3, 13, 21, 0)
    written_at(conn, friday_evening)
    assert notifications_mail.send_due(conn, run, friday_evening)["sent"] == 1
    assert [m["Subject"] for m in relay.to("lea@eleve.test")] == [
        "[Collège Test] Cours modifié : Cours de 8 h annulé"
    ]
    for moment in (at(2026, 3, 14, 10, 0), at(2026, 3, 15, 20, 0), at(2026, 3, 16, 6, 59)):
        assert notifications_mail.send_due(conn, run, moment)["sent"] == 0
    assert notifications_mail.send_due(conn, run, at(2026, 3, 16, 7, 0))["sent"] == 1
    assert relay.to("lea@eleve.test")[-1]["Subject"].endswith("Travail à faire : Exercice 4 p. 52")


def test_the_daily_digest_batches_each_persons_entries_over_one_connection(
    conn, school, run, relay
):
    people_ = [school["sophie"], school["claire"], school["lea"]]
    conn.execute("UPDATE person SET email = 'lea@eleve.test' WHERE id = ?", (school["lea"],))
    notifications.emit(conn, people_, "homework", "Exercice 4 p. 52", "/cahier/1")
    notifications.emit(conn, people_, "forum_reply", "Réponse de Noah", "/forums/sujets/3")
    notifications.emit(conn, people_, "news", "Portes ouvertes", "/actualites/1")  # weekly
    tuesday = at(2026, 3, 10, 10, 0)
    written_at(conn, tuesday)
    # Before 06:30, and the 30-second tick at 06:30: nothing (the digest run sends them).
    assert notifications_mail.send_due(conn, run, at(2026, 3, 11, 6, 29))["sent"] == 0
    tick = notifications_mail.send_due(conn, run, at(2026, 3, 11, 6, 30), digests=False)
    assert tick["sent"] == 0
    done = notifications_mail.send_due(conn, run, at(2026, 3, 11, 6, 30))
    assert done == {"sent": 3, "failed": 0, "error": None}
    assert relay.connections == 1
    for address in ("sophie@famille.test", "claire@famille.test", "lea@eleve.test"):
        (digest,) = relay.to(address)
        assert digest["Subject"] == "[Collège Test] Votre résumé quotidien : 2 notification(s)"
        body = digest.get_content()
        assert "Travail à faire (1)" in body and "Forum (1)" in body
        assert "- 10/03/2026 10:00 · Exercice 4 p. 52" in body
        assert "https://ent.college.test/forums/sujets/3" in body
        assert "Portes ouvertes" not in body  # news: the weekly digest
    # The weekly digest: next Monday at 06:30, the news alone.
    assert notifications_mail.send_due(conn, run, at(2026, 3, 15, 6, 30))["sent"] == 0
    assert notifications_mail.send_due(conn, run, at(2026, 3, 16, 6, 30))["sent"] == 3
    weekly = relay.to("claire@famille.test")[-1]
    assert weekly["Subject"] == "[Collège Test] Votre résumé hebdomadaire : 1 notification(s)"
    assert relay.connections == 2


def test_an_address_the_relay_refuses_is_given_up_the_others_go(conn, school, run, relay):
    relay.refused.add("claire@famille.test")
    notifications.emit(conn, [school["sophie"], school["claire"]], "absence", "Absence", "/vs")
    now = at(2026, 3, 10, 10, 0)
    written_at(conn, now)
    assert notifications_mail.send_due(conn, run, now) == {"sent": 1, "failed": 1, "error": None}
    relay.refused.clear()
    assert notifications_mail.send_due(conn, run, now + 86400)["sent"] == 0  # not retried
    errors = dict(conn.execute("SELECT person_id, mail_error FROM notification").fetchall())
    assert errors[school["claire"]] == "adresse refusée par le relais"
    assert errors[school["sophie"]] is None


def test_the_worker_jobs_and_the_digest_through_the_job_queue(box, conn, school, relay):
    specs = {s.id: s for s in scheduler.all_jobs(box)}
    assert specs["notifications.send"].trigger == "interval"
    assert specs["notifications.send"].trigger_args == {"seconds": 30}
    assert specs["notifications.digest"].trigger == "cron"
    assert specs["notifications.digest"].trigger_args == {"hour": 6, "minute": 30}
    assert specs["news.notify"].trigger_args == {"seconds": 300}
    notifications.emit(conn, [school["sophie"]], "absence", "Absence de Léa", "/vs")
    specs["notifications.digest"].func(box)  # what the scheduler runs at 06:30
    assert notifications_schedule.queue_digest(box) is None  # one at a time
    job = jobrunner.run_next(box)
    assert job["kind"] == "notifications.digest" and job["state"] == "done"
    assert job["result"] == {"sent": 1, "failed": 0}
    # The relay down: the job fails with the relay's words; the tick sends it later.
    notifications.emit(conn, [school["claire"]], "absence", "Absence d'Inès", "/vs")
    relay.stop()
    notifications_schedule.queue_digest(box)
    job = jobrunner.run_next(box)
    assert job["state"] == "failed" and "Impossible d'envoyer" in str(job["error"])
    assert jobqueue.latest(conn, "notifications.digest")["id"] == job["id"]
    relay.start()
    conn.execute("UPDATE notification SET mail_due_at = mail_due_at - 3600")
    specs["notifications.send"].func(box)  # the 30-second tick
    assert [m["Subject"] for m in relay.to("claire@famille.test")] == [
        "[Collège Test] Absence : Absence d'Inès"
    ]
    assert len(relay.messages) == 2


def test_a_temporary_refusal_is_retried_later_the_others_go(conn, school, run, relay):
    relay.busy.add("claire@famille.test")
    notifications.emit(conn, [school["sophie"], school["claire"]], "absence", "Absence", "/vs")
    now = at(2026, 3, 10, 10, 0)
    written_at(conn, now)
    assert notifications_mail.send_due(conn, run, now) == {"sent": 1, "failed": 1, "error": None}
    relay.busy.clear()
    assert notifications_mail.send_due(conn, run, now + run.retry_seconds)["sent"] == 1
    assert len(relay.to("claire@famille.test")) == len(relay.to("sophie@famille.test")) == 1
