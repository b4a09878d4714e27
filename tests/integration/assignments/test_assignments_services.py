"""The devoirs à rendre's services on a real database and a real content store: handing in
and replacing, the late flag, extensions, the quota (a refusal leaves nothing), the ZIP's
folders, the corrections, the RGPD export and the purge."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest

from appliance import blobs
from appliance.db import now_iso
from appliance.directory import export, people
from appliance.directory.lifecycle import run_lifecycle
from appliance.errors import CartableError, Conflict
from appliance.files import quota
from appliance.files.assignments import handins, works
from appliance.security import policy
from tests.integration.assignments.conftest import give, in_days, pass_due


def _files(box, *pairs):
    return works.store_files(
        box.config.files_dir,
        [(io.BytesIO(data), name) for name, data in pairs],
        max_bytes=works.max_upload_bytes(box.config),
    )


def _student(conn, school, key):
    return people.get_person(conn, school[key].id)


def _hand_in(conn, box, school, key, item, *pairs, now=None):
    student = _student(conn, school, key)
    files = handins.store_uploads(
        conn, box.config, box.config.files_dir, student, item,
        [(io.BytesIO(data), name) for name, data in pairs],
    ) if now is None else _files(box, *pairs)  # fmt: skip
    return handins.hand_in(conn, box.config, school[key].actor, student, item, files, now=now)


def _used(conn, school, key):
    return quota.used_bytes(conn, school[key].id)


def test_a_hand_in_counts_in_the_students_quota_and_is_replaced_until_the_due_time(
    conn, box, school
):
    item = give(conn, box, school)
    first = _hand_in(conn, box, school, "lea", item, ("brouillon.txt", b"a" * 1000),
                     ("annexe.txt", b"b" * 500))  # fmt: skip
    assert [f["name"] for f in first["files"]] == ["brouillon.txt", "annexe.txt"]
    assert not first["late"]
    assert _used(conn, school, "lea") == 1500
    again = _hand_in(conn, box, school, "lea", item, ("final.txt", b"c" * 700))
    assert again["id"] == first["id"]
    assert [f["name"] for f in again["files"]] == ["final.txt"]
    # The replaced files no longer count: only the new one does.
    assert _used(conn, school, "lea") == 700
    st = handins.status(conn, item, school["lea"].id)
    assert st["state"] == "handed_in" and st["may_hand_in"]
    assert _used(conn, school, "maths") == 0


def test_after_the_due_time_a_hand_in_is_refused_or_marked_late(conn, box, school):
    strict = give(conn, box, school, title="Strict")
    lenient = give(conn, box, school, title="Souple", late=True)
    _hand_in(conn, box, school, "noah", strict, ("a.txt", b"on time"))
    later = in_days(5)
    from appliance.files.assignments.works import parse_due

    after = parse_due(later)
    with pytest.raises(handins.DeadlinePassed):
        _hand_in(conn, box, school, "lea", strict, ("a.txt", b"too late"), now=after)
    # What was handed in on time is not replaced after the due time either.
    with pytest.raises(handins.DeadlinePassed):
        _hand_in(conn, box, school, "noah", strict, ("b.txt", b"changed"), now=after)
    late = _hand_in(conn, box, school, "lea", lenient, ("a.txt", b"late"), now=after)
    assert late["late"] is True
    assert handins.status(conn, lenient, school["lea"].id, now=after)["state"] == "late"
    assert handins.status(conn, strict, school["lea"].id, now=after)["state"] == "missing"
    assert _used(conn, school, "lea") == len(b"late")


def test_an_extension_moves_one_students_due_time_and_the_late_flag(conn, box, school):
    item = give(conn, box, school, late=True)
    pass_due(conn, item["id"])
    item = works.get(conn, item["id"])
    with pytest.raises(handins.DeadlinePassed):
        handins.store_uploads(conn, box.config, box.config.files_dir,
                              _student(conn, school, "noah"), {**item, "late_allowed": False},
                              [(io.BytesIO(b"x"), "x.txt")])  # fmt: skip
    late = _hand_in(conn, box, school, "noah", item, ("copie.txt", b"x"))
    assert late["late"]
    st = handins.extend(conn, school["maths"].actor, item, school["noah"].id, in_days(2))
    assert st["extended"] and st["state"] == "handed_in"
    assert handins.of_student(conn, item["id"], school["noah"].id)["late"] is False
    # Léa keeps the work's own due time: she is still missing.
    table = {r["login"]: r for r in handins.follow_up(conn, item)}
    assert table[school["lea"].login]["state"] == "missing"
    assert table[school["noah"].login]["extended"]
    # With an extension, the student may replace their hand-in until their own due time.
    replaced = _hand_in(conn, box, school, "noah", item, ("copie2.txt", b"yy"))
    assert [f["name"] for f in replaced["files"]] == ["copie2.txt"] and not replaced["late"]
    # Only a student of the work's class gets one.
    with pytest.raises(CartableError):
        handins.extend(conn, school["maths"].actor, item, school["ines"].id, in_days(2))
    with pytest.raises(CartableError):  # before the work's due time: refused
        handins.extend(conn, school["maths"].actor, item, school["lea"].id, in_days(-3))


def test_a_hand_in_past_the_quota_is_refused_and_leaves_nothing(conn, box, school):
    item = give(conn, box, school)
    small = {**box.config.values, "files.quota_mb_student": 1}
    lea = _student(conn, school, "lea")
    _hand_in(conn, box, school, "lea", item, ("petit.txt", b"p" * 1000))
    before_rows = conn.execute("SELECT count(*) FROM submission_file").fetchone()[0]
    before_blobs = sorted(p.name for p in blobs.root(box.config.files_dir).rglob("*"))
    big = b"B" * (1024 * 1024 + 10)  # the hand-in it replaces frees 1,000 bytes only
    with pytest.raises(quota.QuotaExceeded) as refused:
        handins.store_uploads(conn, small, box.config.files_dir, lea, item,
                              [(io.BytesIO(big), "gros.txt")])  # fmt: skip
    assert refused.value.api_code == "quota_exceeded"
    # Nothing was written: no row, no content, the space used unchanged, the earlier
    # hand-in still there.
    assert conn.execute("SELECT count(*) FROM submission_file").fetchone()[0] == before_rows
    assert sorted(p.name for p in blobs.root(box.config.files_dir).rglob("*")) == before_blobs
    assert _used(conn, school, "lea") == 1000
    kept = handins.of_student(conn, item["id"], lea["id"])
    assert [f["name"] for f in kept["files"]] == ["petit.txt"]
    # The ledger's own check in the transaction refuses too (files written beforehand).
    written = _files(box, ("gros.txt", big))
    with pytest.raises(quota.QuotaExceeded):
        handins.hand_in(conn, small, school["lea"].actor, lea, item, written)
    assert [f["name"] for f in handins.of_student(conn, item["id"], lea["id"])["files"]] == [
        "petit.txt"
    ]
    assert _used(conn, school, "lea") == 1000


def test_the_zip_has_one_folder_per_student_and_is_written_to_a_file(conn, box, school, tmp_path):
    item = give(conn, box, school)
    _hand_in(conn, box, school, "lea", item, ("copie.pdf", b"%PDF-1.4 lea"),
             ("copie.pdf", b"%PDF-1.4 lea page 2"))  # fmt: skip
    _hand_in(conn, box, school, "noah", item, ("../../etc/passwd", b"noah"))
    out = tmp_path / "rendus.zip"
    with out.open("wb") as f:
        assert handins.write_zip(conn, box.config.files_dir, item, f) == 3
    names = sorted(zipfile.ZipFile(out).namelist())
    assert names == ["BENALI Noah/passwd", "MARTIN Léa/copie (2).pdf", "MARTIN Léa/copie.pdf"]
    assert zipfile.ZipFile(out).read("BENALI Noah/passwd") == b"noah"


def test_the_follow_up_says_who_handed_in_who_is_late_and_who_did_not(conn, box, school):
    item = give(conn, box, school, late=True)
    _hand_in(conn, box, school, "lea", item, ("a.txt", b"a"))
    pass_due(conn, item["id"])
    item = works.get(conn, item["id"])
    _hand_in(conn, box, school, "noah", item, ("b.txt", b"b"))
    table = {r["name"]: r["state"] for r in handins.follow_up(conn, item)}
    assert table == {"MARTIN Léa": "handed_in", "BENALI Noah": "late"}
    assert handins.counts(conn, item) == {"students": 2, "handed_in": 2, "late": 1}
    group = give(conn, box, school, code="LAT5", teacher="latin", subject="021000")
    assert [r["login"] for r in handins.follow_up(conn, group)] == [school["lea"].login]
    assert [r["state"] for r in handins.follow_up(conn, group)] == ["to_do"]


def test_the_teacher_comments_and_returns_a_corrected_file_then_it_is_locked(conn, box, school):
    item = give(conn, box, school)
    _hand_in(conn, box, school, "lea", item, ("copie.txt", b"ma copie"))
    teacher = people.get_person(conn, school["maths"].id)
    corrected = _files(box, ("corrigé.pdf", b"%PDF-1.4 corrige"))[0]
    back = handins.give_back(
        conn, box.config, school["maths"].actor, teacher, item, school["lea"].id,
        comment="Très bien.", corrected=corrected,
    )  # fmt: skip
    assert back["comment"] == "Très bien." and back["returned"]["name"] == "corrigé.pdf"
    assert _used(conn, school, "maths") == len(b"%PDF-1.4 corrige")
    st = handins.status(conn, item, school["lea"].id)
    assert st["state"] == "returned" and not st["may_hand_in"]
    with pytest.raises(Conflict):
        _hand_in(conn, box, school, "lea", item, ("autre.txt", b"x"))
    with pytest.raises(CartableError):  # nothing handed in: nothing to correct
        handins.give_back(conn, box.config, school["maths"].actor, teacher, item,
                          school["noah"].id, comment="?")  # fmt: skip


def test_the_policy_keeps_each_hand_in_to_its_student_parents_and_teachers(conn, box, school):
    item = give(conn, box, school)
    target = works.target(item)

    def may(key, action, thing):
        return policy.may(people.get_person(conn, school[key].id), action, thing, conn)

    assert may("lea", "assignments.hand_in", target)
    assert may("noah", "assignments.view", target)
    assert not may("ines", "assignments.view", target)  # 4B, not 5A
    assert not may("ines", "assignments.hand_in", target)
    assert may("maths", "assignments.follow", target)
    assert not may("french", "assignments.follow", target)  # 5A, but not in maths
    assert not may("lea", "assignments.follow", target)
    assert not may("sophie", "assignments.hand_in", target)  # a parent reads only
    assert may("sophie", "assignments.view", target)
    lea = {"kind": "person", "id": school["lea"].id, "profile": "student"}
    assert may("lea", "assignments.status", lea)
    assert may("sophie", "assignments.status", lea)
    assert not may("noah", "assignments.status", lea)  # another student
    assert not may("claire", "assignments.status", lea)  # another child's parent


def test_a_work_is_given_only_with_a_title_and_a_future_due_time(conn, box, school):
    with pytest.raises(CartableError) as no_title:
        give(conn, box, school, title="  ")
    assert no_title.value.field == "title"
    with pytest.raises(CartableError) as past:
        give(conn, box, school, days=-2)
    assert past.value.field == "due"
    with pytest.raises(CartableError):
        works.parse_due("demain")
    assert works.parse_due("2026-12-12T18:00").startswith("2026-12-12T17:00")  # Paris, winter


def test_the_teachers_files_count_in_the_teachers_quota_and_deleting_frees_everything(
    conn, box, school
):
    files = _files(box, ("sujet.pdf", b"%PDF-1.4 sujet"))
    item = give(conn, box, school, files=files)
    assert item["attachments"][0]["name"] == "sujet.pdf"
    assert _used(conn, school, "maths") == len(b"%PDF-1.4 sujet")
    _hand_in(conn, box, school, "lea", item, ("a.txt", b"abc"))
    works.delete(conn, school["maths"].actor, item["id"])
    assert _used(conn, school, "maths") == 0 and _used(conn, school, "lea") == 0
    assert conn.execute("SELECT count(*) FROM submission").fetchone()[0] == 0


def test_a_new_work_is_in_its_students_timeline(conn, box, school):
    item = give(conn, box, school)
    found = conn.execute(
        "SELECT person_id, link FROM notification WHERE type = 'assignment'"
    ).fetchall()
    assert sorted(r[0] for r in found) == sorted([school["lea"].id, school["noah"].id])
    assert {r[1] for r in found} == {f"/devoirs-a-rendre/{item['id']}"}


def test_the_export_has_the_hand_ins_and_the_purge_takes_them(conn, box, school):
    item = give(conn, box, school)
    _hand_in(conn, box, school, "lea", item, ("copie.txt", b"ma copie"))
    data = export.collect(conn, school["lea"].id)
    mine = data["assignments.json"]
    assert [h["assignment"]["title"] for h in mine["handed_in"]] == ["Exposé sur Pythagore"]
    assert mine["handed_in"][0]["files"][0]["name"] == "copie.txt"
    assert not {"submission", "submission_file"} & set(data["other.json"])
    zipped, _name = export.export_zip(conn, school["lea"].id)
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    assert "assignments.json" in archive.namelist()
    assert "assignments.json" in archive.read("LISEZMOI.txt").decode()
    given = export.collect(conn, school["maths"].id)["assignments.json"]["given"]
    assert [g["title"] for g in given] == ["Exposé sur Pythagore"]
    conn.execute(
        "UPDATE person SET state = 'departed', departed_on = ? WHERE id = ?",
        ((date.today() - timedelta(days=200)).isoformat(), school["lea"].id),
    )
    report = run_lifecycle(conn, date.today())
    assert school["lea"].login in {p["login"] for p in report.purged}
    for table in ("submission", "file_charge"):
        left = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert left == 0, table
    assert conn.execute("SELECT count(*) FROM submission_file").fetchone()[0] == 0
    # The contents go at the next clean-up (nothing uses them any more).
    assert blobs.collect_garbage(conn, box.config.files_dir, now=0)["removed"] >= 1
    assert now_iso()
