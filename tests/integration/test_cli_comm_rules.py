"""`cartable comm-rules show|set` as a real process, and the messages' nightly job (the
trash emptied after `messages.trash_days`) as the worker runs it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from appliance import config as config_mod
from appliance import scheduler
from appliance.community import compose, mailbox, schedule
from appliance.core import open_box
from appliance.db import rows, scalar
from appliance.directory import people
from appliance.security.audit import Actor
from tests.conftest import make_person
from tests.integration.test_cli import init_school, run


def test_show_lists_the_36_rules_and_set_changes_one_audited(tmp_path):
    cfg, data = init_school(tmp_path)
    r = run(["comm-rules", "show", "--json"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    table = json.loads(r.stdout)
    assert len(table) == 36 and set(table[0]) == {"from", "to", "allowed", "scope"}
    assert {"from": "student", "to": "student", "allowed": False, "scope": None} in table
    assert {"from": "relative", "to": "teacher", "allowed": True,
            "scope": "children_teachers"} in table  # fmt: skip
    plain = run(["comm-rules", "show"], data_dir=data, config=cfg).stdout
    assert "teacher   → relative  oui : les parents de ses élèves (parents_of_taught)" in plain

    r = run(["comm-rules", "set", "student", "student", "allow", "--scope", "own_class"],
            data_dir=data, config=cfg)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "non, désormais oui : les élèves de sa classe (own_class)" in r.stdout
    after = json.loads(run(["comm-rules", "show", "--json"], data_dir=data, config=cfg).stdout)
    assert {"from": "student", "to": "student", "allowed": True, "scope": "own_class"} in after
    r = run(["comm-rules", "set", "teacher", "relative", "deny"], data_dir=data, config=cfg)
    assert r.returncode == 0 and "désormais non" in r.stdout
    r = run(["comm-rules", "set", "teacher", "relative", "deny"], data_dir=data, config=cfg)
    assert "Inchangée" in r.stdout

    box = open_box(config_mod.load(cfg, data, env={}))
    entries = rows(box.conn(), "SELECT actor_login, target, details FROM audit_log "
                               "WHERE action = 'comm_rules.set' ORDER BY id")  # fmt: skip
    assert [e["target"] for e in entries] == ["comm_rule:student:student",
                                              "comm_rule:teacher:relative"]  # fmt: skip
    assert all(e["actor_login"].startswith("console:") for e in entries)
    assert json.loads(entries[1]["details"])["old"] == {"allowed": True,
                                                        "scope": "parents_of_taught"}  # fmt: skip


def test_a_wrong_rule_is_one_line_and_a_non_zero_exit(tmp_path):
    cfg, data = init_school(tmp_path)
    r = run(["comm-rules", "set", "student", "teacher", "allow", "--scope", "taught_students"],
            data_dir=data, config=cfg)  # fmt: skip
    assert r.returncode == 1
    assert "La portée taught_students ne s'applique pas" in r.stderr
    assert "own_teachers" in r.stderr and "Traceback" not in r.stderr
    r = run(["comm-rules", "set", "pupil", "teacher", "deny"], data_dir=data, config=cfg)
    assert r.returncode == 2  # click's own check of the names


def test_the_trash_job_is_declared_and_empties_what_is_30_days_old(box, conn):
    specs = schedule.jobs(box)
    assert [(s.id, s.trigger, s.trigger_args) for s in specs] == [
        ("messages.trash", "cron", {"hour": 3, "minute": 20})
    ]
    assert "messages.trash" in {s.id for s in scheduler.all_jobs(box)}
    pid, login, _pw = make_person(conn, "teacher")
    sid, _slogin, _ = make_person(conn, "staff", function="CPE")
    person = people.get_person(conn, pid)
    old, recent = (
        compose.send(conn, box.config.files_dir, person, compose.Draft(to=[_slogin], subject=s),
                     actor=Actor(pid, login), max_attachment_bytes=1024)
        for s in ("Ancien", "Récent")
    )  # fmt: skip
    staff = people.get_person(conn, sid)
    for sent in (old, recent):
        mailbox.delete(conn, staff, sent.id)
    long_ago = (datetime.now(UTC) - timedelta(days=31)).replace(microsecond=0).isoformat()
    conn.execute("UPDATE message_box SET trashed_at = ? WHERE message_id = ?", (long_ago, old.id))
    specs[0].func(box)
    assert [m["subject"] for m in mailbox.list_folder(conn, staff, "trash")[0]] == ["Récent"]
    assert scalar(conn, "SELECT count(*) FROM message") == 2  # the sender keeps both
