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

from appliance.schoollife.grades import printing, report_cards
from appliance.schoollife.grades.config_keys import GradeSettings
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
    # The attendance service's tables (appliance/schoollife/attendance/, migrations
    # 0060-0064; its reasons list seeds maladie, admissible, and convenance, not).
    day1, day2, before = days_ago(3).isoformat(), days_ago(2).isoformat(), days_ago(30).isoformat()
    s.conn.executemany(
        "INSERT INTO attendance_event (student_id, kind, date, start_time, end_time, minutes, "
        "reason_code, justified, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '2026-01-01', '2026-01-01')",
        [
            (lea, "absence", day1, "08:00", "12:05", None, "maladie", 1),  # a morning, excused
            (lea, "absence", day1, "13:30", "15:25", None, None, 0),  # the afternoon, not
            (lea, "absence", day2, "11:10", "14:25", None, "convenance", 1),  # across the split
            (lea, "late", day2, "08:00", "08:55", 10, None, 0),
            (lea, "late", day1, "08:00", "08:55", 5, None, 0),
            (lea, "absence", before, "08:00", "12:00", None, None, 0),  # another period
            (s.ids["noah"], "absence", day1, "08:00", "12:00", None, None, 0),
        ],
    )  # fmt: skip
    # Half-days: day 1 morning (excused) and afternoon; day 2 morning and afternoon (a
    # reason that is not admissible): 4, of which 3 without an admissible reason.
    assert report_cards.absences_summary_for_report(s.conn, lea, first, last) == {
        "half_days": 4, "unjustified": 3, "late": 2,
    }  # fmt: skip
    pdf = printing.student_pdf(s.conn, None, s.person("lea"), s.current, GradeSettings())
    (tmp_path / "lea.pdf").write_bytes(pdf)
    assert "Absences : 4 demi-journées, dont 3 non justifiées. Retards : 2." in pdf_text(
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
