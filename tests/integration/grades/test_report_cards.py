"""Report cards (#13): the PDF read back with pdftotext (school, UAI, period, student,
averages, appraisals, absences), a class's cards by `cartable report-cards` as a real
process (one student a page), the period's absences from the attendance tables when they
exist, and the PDFs left behind purged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

from appliance.schoollife.attendance import events, roll
from appliance.schoollife.grades import printing, report_cards
from appliance.schoollife.grades.config_keys import GradeSettings
from appliance.security.audit import Actor
from tests.conftest import make_person
from tests.fixtures.tools import needs
from tests.integration.grades.conftest import days_ago

pytestmark = needs("pdftotext", "poppler-utils")


def pdf_text(path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return " ".join(out.split())


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.M).group(1))


@pytest.fixture
def carded(school):
    s = school
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(3), coefficient=2,
             marks={"lea": "14,5", "noah": 8, "zoe": 11})  # fmt: skip
    s.assess("prof.francais", "class", "5A", "L0202", days_ago(2), marks={"lea": 16, "noah": 12})
    s.assess("prof.latin", "group", "LAT", "L0201", days_ago(2), marks={"lea": 9, "ines": 13})
    report_cards.set_appraisal(s.conn, s.actor("prof.maths"), s.current, s.person("lea"),
                               "L1300", "Travail sérieux ; des progrès en géométrie.")  # fmt: skip
    report_cards.set_appraisal(s.conn, s.actor("prof.maths"), s.current, s.person("lea"), None,
                               "Un très bon trimestre. Félicitations du conseil.")  # fmt: skip
    return s


def test_a_student_report_card_read_back(carded, tmp_path):
    s = carded
    pdf = printing.student_pdf(s.conn, s.actor("prof.maths"), s.person("lea"), s.current,
                               GradeSettings())  # fmt: skip
    (tmp_path / "lea.pdf").write_bytes(pdf)
    assert pages(tmp_path / "lea.pdf") == 1
    text = pdf_text(tmp_path / "lea.pdf")
    label = printing.year_label(s.conn)
    assert re.fullmatch(r"\d{4}-\d{4}", label)
    for expected in (
        "Collège Test", "UAI 0679999X", f"Bulletin du 2e trimestre — année scolaire {label}",
        "Léa Martin", "Classe : 5A — professeur principal : Teacher Testeur",
        "Mathématiques", "14,50", "11,17", "8,00", "Travail sérieux ; des progrès en géométrie.",
        "Français", "16,00", "14,00", "Latin", "9,00", "Physique-chimie",
        "Moyenne générale", "13,17",
        "Appréciation générale du professeur principal",
        "Un très bon trimestre. Félicitations du conseil.",
        "Absences : 0 demi-journée. Retards : 0.",
    ):  # fmt: skip
        assert expected in text, (expected, text)
    # Physics has no mark: NN, never 0; its class figures are dashes.
    assert "Physique-chimie NN — — —" in text, text


def test_a_class_report_cards_by_the_command(carded, config_file, tmp_path):
    s = carded
    out = tmp_path / "bulletins-5A.pdf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    r = subprocess.run(
        [sys.executable, "-m", "appliance", "--config", str(config_file), "--data-dir",
         str(tmp_path / "data"), "report-cards", "--period", str(s.current["id"]), "--class",
         "5A", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "3 bulletin(s) de la classe 5A pour le 2e trimestre" in r.stdout
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert pages(out) == 3
    firsts = [pdf_text(out, n) for n in (1, 2, 3)]
    # One student a page, in name order: Benali, Lefèvre, Martin.
    assert ["Noah Benali" in firsts[0], "Zoé Lefèvre" in firsts[1], "Léa Martin" in firsts[2]] == [
        True, True, True,
    ]  # fmt: skip
    assert "Un très bon trimestre" in firsts[2] and "Un très bon trimestre" not in firsts[0]
    printed = s.conn.execute(
        "SELECT actor_login, target, details FROM audit_log "
        "WHERE action = 'grades.report_cards_pdf'"
    ).fetchall()
    assert len(printed) == 1 and printed[0]["actor_login"].startswith("console:")
    assert printed[0]["target"] == f"class:{s.classes['5A']}" and '"count": 3' in printed[0][2]
    r = subprocess.run(
        [sys.executable, "-m", "appliance", "--config", str(config_file), "--data-dir",
         str(tmp_path / "data"), "report-cards", "--period", str(s.current["id"]), "--class",
         "6Z", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert r.returncode == 1 and "Aucune classe n'a le code « 6Z »." in r.stderr


def test_long_appraisals_keep_a_student_within_two_pages(carded, tmp_path):
    s = carded
    long = "Une appréciation longue et détaillée, comme en écrivent certains. " * 4
    report_cards.set_appraisal(s.conn, s.actor("prof.maths"), s.current, s.person("lea"),
                               "L1300", long[:300])  # fmt: skip
    report_cards.set_appraisal(s.conn, s.actor("prof.francais"), s.current, s.person("lea"),
                               "L0202", long[:300])  # fmt: skip
    report_cards.set_appraisal(s.conn, s.actor("prof.maths"), s.current, s.person("lea"), None,
                               (long * 3)[:600])  # fmt: skip
    pdf = printing.student_pdf(s.conn, None, s.person("lea"), s.current, GradeSettings())
    (tmp_path / "long.pdf").write_bytes(pdf)
    assert pages(tmp_path / "long.pdf") <= 2
    assert "comme en écrivent certains" in pdf_text(tmp_path / "long.pdf")


def test_the_period_absences_come_from_the_attendance_tables_when_there(carded, tmp_path):
    s = carded
    first, last = days_ago(9), days_ago(-60)
    lea = s.ids["lea"]
    assert report_cards.absences_summary_for_report(s.conn, lea, first, last) == {
        "half_days": 0, "unjustified": 0, "late": 0,
    }  # fmt: skip
    # Roll calls taken by the vie scolaire (appliance/schoollife/attendance/) on 5A's
    # lessons of two days: the attendance service counts the half-days from them.
    cpe_id, cpe_login, _pw = make_person(s.conn, "staff", "cpe.bulletin", function="EDU")
    cpe = dict(s.conn.execute("SELECT * FROM person WHERE id = ?", (cpe_id,)).fetchone())
    class_id = s.conn.execute("SELECT id FROM school_class WHERE code = '5A'").fetchone()[0]
    day1, day2 = days_ago(3).isoformat(), days_ago(2).isoformat()

    def lesson(day: str, start: str, end: str) -> dict:
        lesson_id = s.conn.execute(
            "INSERT INTO lesson (date, start_time, end_time, subject_code, subject_label, "
            "audience_kind, audience_code, class_id) "
            "VALUES (?, ?, ?, 'L1300', 'Mathématiques', 'class', '5A', ?)",
            (day, start, end, class_id),
        ).lastrowid
        s.conn.commit()
        return roll.lesson_target(s.conn, lesson_id)

    actor = Actor(cpe_id, cpe_login)
    for day, start, end, absent, late in (
        (day1, "08:00", "09:00", [lea], {}),  # day 1: the whole morning (two lessons)
        (day1, "10:00", "11:00", [lea], {}),
        (day1, "13:30", "14:30", [lea], {}),  # and the afternoon
        (day2, "08:00", "09:00", [], {lea: 10}),  # day 2: late in the morning
        (day2, "13:30", "14:30", [lea], {}),  # absent in the afternoon
    ):
        roll.save(s.conn, cpe, lesson(day, start, end), absent=absent, late=late, actor=actor)
    morning = next(
        e for e in events.for_student(s.conn, lea)
        if e["kind"] == "absence" and e["date"] == day1 and e["start_time"] == "08:00"
    )  # fmt: skip
    events.settle(s.conn, morning["id"], reason_code="maladie", justified=True, actor=actor)
    # Day 1's three lessons missed in a row are one absence (excused: illness), over two
    # half-days; day 2's afternoon is another, without a reason: 3 half-days with an
    # absence, 1 without an admissible reason; one lateness.
    assert report_cards.absences_summary_for_report(s.conn, lea, first, last) == {
        "half_days": 3, "unjustified": 1, "late": 1,
    }  # fmt: skip
    pdf = printing.student_pdf(s.conn, None, s.person("lea"), s.current, GradeSettings())
    (tmp_path / "lea.pdf").write_bytes(pdf)
    assert "Absences : 3 demi-journées, dont 1 non justifiée. Retards : 1." in pdf_text(
        tmp_path / "lea.pdf"
    )


def test_report_card_pdfs_left_behind_are_purged_after_a_day(box, tmp_path):
    root = printing.folder(box.config.data_dir)
    root.mkdir(parents=True)
    old, fresh = root / "job-1.pdf", root / "job-2.pdf"
    old.write_bytes(b"%PDF old")
    fresh.write_bytes(b"%PDF new")
    two_days = time.time() - 2 * 86400
    os.utime(old, (two_days, two_days))
    assert printing.purge_old(box.config.data_dir) == 1
    assert not old.exists() and fresh.exists()
