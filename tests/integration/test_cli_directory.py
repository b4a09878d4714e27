"""`cartable import`, `credentials` and `lifecycle run` as a technician runs them."""

import json
import shutil
import subprocess

import pytest

from tests.conftest import SAMPLES
from tests.integration.test_cli import init_school, run

SAMPLE = SAMPLES / "college-sample"
NEXT = SAMPLES / "college-sample-next-year"


@pytest.fixture
def school(tmp_path):
    cfg, data = init_school(
        tmp_path,
        name="Collège Sample",
        uai="0679999X",
        config_text='[web]\npublic_url = "https://ent.college.test"\n',
    )
    return cfg, data, tmp_path


def _files(folder):
    return sorted(str(p) for p in folder.glob("*.xml"))


def test_dry_run_json_then_apply_then_nothing_changes(school):
    cfg, data, _ = school
    expected = json.loads((SAMPLE / "expected.json").read_text())
    r = run(["import", "--dry-run", "--json", *_files(SAMPLE)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert set(plan["counts"]["student"]) >= {"add", "update", "unchanged", "depart"}
    for problem in plan["problems"]:
        assert set(problem) >= {"file", "line", "severity", "message"}
        assert problem["severity"] in ("error", "warning")
    assert plan["applied"] is False
    users = json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    assert len(users) == 1  # a dry run writes nothing

    r = run(["import", "--json", *_files(SAMPLE)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    applied = json.loads(r.stdout)
    assert applied["applied"] is True and applied["import_id"] == 1
    users = json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    active = [u for u in users if u["state"] == "active"]

    def count(profile):
        return sum(1 for u in active if u["profile"] == profile)

    assert count("student") == expected["students_current"]
    assert count("relative") == expected["guardian_accounts"]
    assert count("teacher") == expected["teachers"]
    assert count("staff") == expected["staff"]
    without_class = [u for u in active if u["profile"] == "student" and not u["classes"]]
    assert len(without_class) == expected["students_without_class"]

    again = json.loads(run(["import", "--json", *_files(SAMPLE)], data_dir=data, config=cfg).stdout)
    for counts in again["counts"].values():
        assert counts["add"] == counts["update"] == counts["depart"] == 0


def test_credentials_pdf_for_new_accounts(school):
    cfg, data, tmp = school
    assert run(["import", *_files(SAMPLE)], data_dir=data, config=cfg).returncode == 0
    out = tmp / "fiches.pdf"
    r = run(
        ["credentials", "--new-since-import", "1", "--profile", "student", "--out", str(out)],
        data_dir=data,
        config=cfg,
    )
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
        assert "ent.college.test" in text
    r = run(
        ["credentials", "--class", "NOPE", "--out", str(tmp / "x.pdf")], data_dir=data, config=cfg
    )
    assert r.returncode == 1 and "Aucun" in r.stderr and not (tmp / "x.pdf").exists()


def test_exit_codes_bad_and_unreadable_files(school, tmp_path):
    cfg, data, _ = school
    other = tmp_path / "ElevesSansAdresses.xml"
    other.write_text(
        (SAMPLE / "ElevesSansAdresses.xml")
        .read_text(encoding="iso-8859-15")
        .replace("0679999X", "0671111B"),
        encoding="iso-8859-15",
    )
    r = run(["import", "--json", str(other)], data_dir=data, config=cfg)
    assert r.returncode == 1
    assert any(p["severity"] == "error" for p in json.loads(r.stdout)["problems"])
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"\x00\x01 not a school file")
    r = run(["import", str(garbage)], data_dir=data, config=cfg)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    users = json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    assert len(users) == 1


def test_next_year_departures_then_lifecycle_by_date(school):
    cfg, data, _ = school
    assert run(["import", *_files(SAMPLE)], data_dir=data, config=cfg).returncode == 0
    r = run(["import", "--json", *_files(NEXT)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    users = json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    departed = [u for u in users if u["state"] == "departed"]
    assert departed and all(u["departed_on"] for u in departed)
    left = departed[0]["departed_on"]
    from datetime import date, timedelta

    later = (date.fromisoformat(left) + timedelta(days=16)).isoformat()
    r = run(
        ["lifecycle", "run", "--today", later, "--dry-run", "--json"], data_dir=data, config=cfg
    )
    assert json.loads(r.stdout)["counts"]["disabled"] >= 1
    users2 = json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    assert users2 == users  # dry run changed nothing
    run(["lifecycle", "run", "--today", later], data_dir=data, config=cfg)
    by_login = {
        u["login"]: u
        for u in json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    }
    assert by_login[departed[0]["login"]]["state"] == "disabled"
    purge_day = (date.fromisoformat(left) + timedelta(days=91)).isoformat()
    r = run(["lifecycle", "run", "--today", purge_day, "--json"], data_dir=data, config=cfg)
    assert json.loads(r.stdout)["counts"]["purged"] >= 1
    logins = {
        u["login"]
        for u in json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    }
    assert departed[0]["login"] not in logins
    r = run(["lifecycle", "run", "--today", "31/12/2026"], data_dir=data, config=cfg)
    assert r.returncode == 1 and "AAAA-MM-JJ" in r.stderr


def test_purge_removes_the_personal_folder_and_nothing_else(school):
    cfg, data, _ = school
    assert run(["import", *_files(SAMPLE)], data_dir=data, config=cfg).returncode == 0
    assert run(["import", *_files(NEXT)], data_dir=data, config=cfg).returncode == 0
    users = json.loads(run(["user", "list", "--json"], data_dir=data, config=cfg).stdout)
    gone = next(u for u in users if u["state"] == "departed")
    stays = next(u for u in users if u["state"] == "active" and u["profile"] == "student")
    import sqlite3

    ids = dict(sqlite3.connect(data / "cartable.db").execute("SELECT login, id FROM person"))
    for login in (gone["login"], stays["login"]):
        folder = data / "files" / "people" / str(ids[login])
        folder.mkdir(parents=True)
        (folder / "devoir.odt").write_bytes(b"travail")
    from datetime import date, timedelta

    day = (date.fromisoformat(gone["departed_on"]) + timedelta(days=91)).isoformat()
    r = run(["lifecycle", "run", "--today", day, "--json"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert not (data / "files" / "people" / str(ids[gone["login"]])).exists()
    assert (data / "files" / "people" / str(ids[stays["login"]]) / "devoir.odt").exists()
    left = (
        sqlite3.connect(data / "cartable.db")
        .execute(
            "SELECT count(*) FROM guardian_link WHERE student_id = ? OR guardian_id = ?",
            (ids[gone["login"]], ids[gone["login"]]),
        )
        .fetchone()[0]
    )
    assert left == 0
