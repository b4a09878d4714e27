"""Excuses and reasons (#13): a guardian sends an excuse (text, reason, a document kept
by the blob store), the vie scolaire accepts it (the absence is justified with its reason)
or refuses it; the guardians are told; the reasons list keeps the law's admissible five
and takes the school's own."""

from __future__ import annotations

import pytest

from appliance import blobs
from appliance.community import notifications
from appliance.errors import CartableError, Conflict
from appliance.schoollife.attendance import events, excuses, notify, reasons
from tests.integration.attendance.conftest import AGATHE, CLASS, CPE, TUESDAY

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _absence(college) -> dict:
    college.take(college.lesson(CLASS, TUESDAY, "08:10"), absent=[AGATHE])
    [event] = events.for_student(college.conn, college.person(AGATHE)["id"])
    return event


def _guardians(college) -> list[dict]:
    pid = college.person(AGATHE)["id"]
    return [
        dict(r)
        for r in college.conn.execute(
            "SELECT p.id, p.login FROM guardian_link g JOIN person p ON p.id = g.guardian_id "
            "WHERE g.student_id = ? AND g.level = 1 ORDER BY p.id",
            (pid,),
        )
    ]


def _timeline(college, login: str) -> list[tuple[str, str, str]]:
    pid = college.person(login)["id"]
    return [(n["type"], n["text"], n["link"]) for n in notifications.timeline(college.conn, pid)]


def test_the_guardians_are_told_of_a_new_absence(college):
    event = _absence(college)
    guardians = _guardians(college)
    assert len(guardians) == 2
    for g in guardians:  # the roll call told them, in its transaction
        assert _timeline(college, g["login"]) == [
            (
                "absence",
                "Agathe BAILLY : absence au cours de 08:10 le 01/12/2026. "
                "Vous pouvez envoyer un justificatif.",
                f"/vie-scolaire/absences/{event['id']}",
            )
        ]
    assert _timeline(college, AGATHE) == []  # the student is not told of her own
    assert notify.absence_recorded(college.conn, event) == [g["id"] for g in guardians]
    # A disabled account is not told; a justified absence is no news.
    college.conn.execute("UPDATE person SET state = 'disabled' WHERE id = ?", (guardians[1]["id"],))
    assert notify.guardians_of(college.conn, event["student_id"]) == [guardians[0]["id"]]
    settled = events.settle(
        college.conn, event["id"], reason_code="maladie", justified=True, actor=college.actor(CPE)
    )
    assert notify.absence_recorded(college.conn, settled) == []
    # A correction that changes nothing tells nobody again; a lateness is told.
    college.take(college.lesson(CLASS, TUESDAY, "09:05"), late={AGATHE: 7})
    latest = _timeline(college, guardians[0]["login"])[0]
    assert latest[1] == (
        "Agathe BAILLY : retard de 7 min le 01/12/2026 09:05. Vous pouvez envoyer un justificatif."
    )


def test_an_excuse_with_its_document_accepted(college):
    event = _absence(college)
    parent = _guardians(college)[0]
    files = college.box.config.files_dir
    document = blobs.write_bytes(files, PDF, max_bytes=excuses.MAX_DOCUMENT_BYTES)
    sent = excuses.send(
        college.conn,
        event["id"],
        text="Agathe avait de la fièvre.\nMerci.",
        reason_code="maladie",
        document=document,
        document_name="../certificat médical.pdf",
        actor=college.actor(parent["login"]),
    )
    assert (sent["status"], sent["reason_code"], sent["author_id"]) == (
        "pending",
        "maladie",
        parent["id"],
    )
    assert (
        sent["document_name"] == "certificat médical.pdf"
        and sent["document_type"] == "application/pdf"
    )
    blob, name = excuses.document_of(college.conn, sent["id"])
    assert blobs.open_read(files, blob.sha256).read() == PDF and name == "certificat médical.pdf"
    # The weekly clean-up keeps a content an excuse uses.
    blobs.collect_garbage(college.conn, files)
    assert blobs.get(college.conn, blob.sha256) is not None
    # One excuse waits at a time.
    with pytest.raises(Conflict, match="attend déjà"):
        excuses.send(college.conn, event["id"], text="Encore", actor=college.actor(parent["login"]))
    shown = events.get_event(college.conn, event["id"])
    assert events.as_json(shown)["excuse"] == {
        "status": "pending",
        "text": "Agathe avait de la fièvre.\nMerci.",
    }
    decided = excuses.decide(college.conn, sent["id"], accept=True, actor=college.actor(CPE))
    assert _timeline(college, parent["login"])[0][1] == (
        "Agathe BAILLY : justificatif accepté pour le 01/12/2026 08:10."
    )
    assert decided["status"] == "accepted" and decided["decided_by"] == college.person(CPE)["id"]
    after = events.get_event(college.conn, event["id"])
    assert (after["justified"], after["reason_code"], after["settled_by"]) == (
        True,
        "maladie",
        college.person(CPE)["id"],
    )
    with pytest.raises(Conflict, match="déjà reçu sa réponse : il est accepté"):
        excuses.decide(college.conn, sent["id"], accept=False, actor=college.actor(CPE))
    with pytest.raises(Conflict, match="déjà justifiée"):
        excuses.send(
            college.conn, event["id"], text="Et encore", actor=college.actor(parent["login"])
        )
    actions = [
        r[0]
        for r in college.conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'attendance.excuse%' ORDER BY id"
        )
    ]
    assert actions == ["attendance.excuse_send", "attendance.excuse_accept"]


def test_an_excuse_refused_then_another_one(college):
    event = _absence(college)
    parent = _guardians(college)[0]["login"]
    with pytest.raises(CartableError, match="obligatoire"):
        excuses.send(college.conn, event["id"], text="  \n ", actor=college.actor(parent))
    first = excuses.send(
        college.conn,
        event["id"],
        text="Panne de réveil",
        reason_code="panne_reveil",
        actor=college.actor(parent),
    )
    refused = excuses.decide(
        college.conn,
        first["id"],
        accept=False,
        comment="Motif non recevable.",
        actor=college.actor(CPE),
    )
    assert (refused["status"], refused["decision_comment"]) == ("refused", "Motif non recevable.")
    assert not events.get_event(college.conn, event["id"])["justified"]
    # Accepting needs a reason: none given by the family nor chosen by the office.
    second = excuses.send(
        college.conn,
        event["id"],
        text="En fait, rendez-vous chez le médecin.",
        actor=college.actor(parent),
    )
    with pytest.raises(CartableError, match="choisissez le motif"):
        excuses.decide(college.conn, second["id"], accept=True, actor=college.actor(CPE))
    excuses.decide(
        college.conn,
        second["id"],
        accept=True,
        reason_code="rendez_vous_medical",
        actor=college.actor(CPE),
    )
    after = events.get_event(college.conn, event["id"])
    assert (after["justified"], after["reason_code"], after["admissible"]) == (
        True,
        "rendez_vous_medical",
        True,
    )
    assert [x["status"] for x in excuses.of_event(college.conn, event["id"])] == [
        "refused",
        "accepted",
    ]


def test_justifying_accepts_the_excuse_waiting(college):
    event = _absence(college)
    parent = _guardians(college)[0]["login"]
    sent = excuses.send(college.conn, event["id"], text="Malade", actor=college.actor(parent))
    with pytest.raises(CartableError, match="a un motif"):
        events.settle(
            college.conn, event["id"], reason_code=None, justified=True, actor=college.actor(CPE)
        )
    events.settle(
        college.conn,
        event["id"],
        reason_code="maladie",
        justified=True,
        comment="Appel de la mère à 9 h.",
        actor=college.actor(CPE),
    )
    assert excuses.get(college.conn, sent["id"])["status"] == "accepted"
    assert events.get_event(college.conn, event["id"])["comment"] == "Appel de la mère à 9 h."


def test_the_reasons_list(college):
    conn = college.conn
    found = reasons.list_reasons(conn)
    legal = [r for r in found if r["legal"]]
    assert [r["code"] for r in legal] == [
        "maladie",
        "maladie_contagieuse",
        "reunion_familiale",
        "transport",
        "famille_itinerante",
    ]
    assert all(r["admissible"] and r["active"] for r in legal)
    assert {r["code"]: r["admissible"] for r in found}["convenance"] is False
    cpe = college.actor(CPE)
    with pytest.raises(CartableError, match="motif de la loi"):
        reasons.update_reason(
            conn, "maladie", label="Maladie", admissible=False, active=True, actor=cpe
        )
    renamed = reasons.update_reason(
        conn, "maladie", label="Maladie de l'élève", admissible=True, active=True, actor=cpe
    )
    assert renamed["label"] == "Maladie de l'élève"
    made = reasons.create_reason(conn, "Rendez-vous chez l'orthophoniste", True, actor=cpe)
    assert made["code"] == "rendez_vous_chez_l_orthophoniste" and made["admissible"]
    assert reasons.list_reasons(conn)[-1]["code"] == made["code"]
    with pytest.raises(CartableError, match="déjà dans la liste"):
        reasons.create_reason(conn, "rendez-vous chez l'orthophoniste", False, actor=cpe)
    twin = reasons.create_reason(conn, "Rendez-vous chez l’orthophoniste", False, actor=cpe)
    assert twin["code"] == "rendez_vous_chez_l_orthophoniste_2"
    # Made inactive: no longer offered nor accepted, still the reason of what has it.
    event = _absence(college)
    events.settle(conn, event["id"], reason_code="convenance", justified=True, actor=cpe)
    reasons.update_reason(
        conn,
        "convenance",
        label="Convenance personnelle",
        admissible=False,
        active=False,
        actor=cpe,
    )
    assert "convenance" not in [r["code"] for r in reasons.list_reasons(conn, active_only=True)]
    with pytest.raises(CartableError, match="retiré de la liste"):
        reasons.choice(conn, "convenance")
    assert events.get_event(conn, event["id"])["reason_label"] == "Convenance personnelle"
    with pytest.raises(CartableError):
        reasons.create_reason(conn, "", True, actor=cpe)
    actions = [
        r[0]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'attendance.reason%' ORDER BY id"
        )
    ]
    assert actions == [
        "attendance.reason_update",
        "attendance.reason_create",
        "attendance.reason_create",
        "attendance.reason_update",
    ]
