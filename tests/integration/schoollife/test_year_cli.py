"""`cartable year set` and `cartable year show`, as a technician types them."""

from __future__ import annotations

import json

from appliance.schoollife import year
from tests.integration.test_cli import run


def test_set_then_show_the_year(school):
    r = run(
        ["year", "set", "--start", "2026-09-01", "--end", "2027-07-03", "--a-week",
         "2026-09-07", "--holiday", "2026-10-18:2026-11-01", "--holiday",
         "2026-12-20:2027-01-03", "--holiday", "2026-11-11"],
        data_dir=school.data, config=school.cfg,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "Année scolaire du 01/09/2026 au 03/07/2027" in r.stdout
    assert "vacances du 18/10/2026 au 01/11/2026" in r.stdout
    shown = run(["year", "show", "--json"], data_dir=school.data, config=school.cfg)
    assert shown.returncode == 0, shown.stderr
    info = json.loads(shown.stdout)
    assert set(info) == {"start", "end", "holidays", "weeks"}
    assert info["start"] == "2026-09-01" and info["end"] == "2027-07-03"
    assert info["holidays"] == [
        {"from": "2026-10-18", "to": "2026-11-01"},
        {"from": "2026-11-11", "to": "2026-11-11"},
        {"from": "2026-12-20", "to": "2027-01-03"},
    ]
    weeks = info["weeks"]
    assert weeks[:2] == [{"monday": "2026-08-31", "letter": "B"},
                         {"monday": "2026-09-07", "letter": "A"}]  # fmt: skip
    mondays = [w["monday"] for w in weeks]
    assert "2026-10-19" not in mondays and "2026-12-28" not in mondays
    assert "2026-11-09" in mondays  # 11 November alone does not empty its week
    # Letters alternate over the school weeks, the holidays left out.
    assert all(a["letter"] != b["letter"] for a, b in zip(weeks, weeks[1:], strict=False))
    assert info == year.year_info(school.conn)
    audit = school.conn.execute(
        "SELECT actor_login, details FROM audit_log WHERE action = 'schoollife.year_set'"
    ).fetchone()
    assert audit["actor_login"].startswith("console:")
    assert json.loads(audit["details"])["holidays"] == 3
    plain = run(["year", "show"], data_dir=school.data, config=school.cfg)
    assert "semaine A : celle du lundi 07/09/2026" in plain.stdout


def test_mistakes_are_one_line_and_change_nothing(school):
    for args, words in (
        (["--start", "2026-09-01", "--end", "2026-06-30"], "doit venir après le premier"),
        (["--start", "2026-09-01", "--end", "2027-07-03", "--a-week", "2026-09-08"],
         "se donne par son lundi"),
        (["--start", "2026-09-01", "--end", "2027-07-03", "--holiday", "Noël"], "illisibles"),
        (["--start", "31/02/2026", "--end", "2027-07-03"], "invalide pour le premier jour"),
    ):  # fmt: skip
        r = run(["year", "set", *args], data_dir=school.data, config=school.cfg)
        assert r.returncode == 1 and words in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert year.load_year(school.conn) is None
    r = run(["year", "show", "--json"], data_dir=school.data, config=school.cfg)
    assert r.returncode == 1 and "cartable year set" in r.stderr
