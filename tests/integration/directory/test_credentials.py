"""Credentials slips: new initial passwords, hashes only, a PDF with the logins."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest

from appliance.db import rows, scalar
from appliance.directory import reconcile
from appliance.directory.credentials import issue_credentials, slips_after_import
from appliance.errors import NotFound
from appliance.security.passwords import verify_password
from tests.fixtures.tools import require_program

PORTAL = "https://ent.college-exemple.fr"


def pdf_text(pdf: bytes, tmp_path) -> str:
    require_program("pdftotext", "poppler-utils")
    path = tmp_path / "slips.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def slips(text: str) -> dict[str, str]:
    """login → password, read from the PDF text (two slips side by side per row)."""
    logins, passwords = [], []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("Identifiant"):
            logins += lines[i + 1].split()
        if line.strip().startswith("Mot de passe provisoire"):
            passwords += lines[i + 1].split()
    return dict(zip(logins, passwords, strict=True))


def test_class_slips(year1, tmp_path):
    students = {
        r["login"]
        for r in rows(
            year1,
            "SELECT p.login FROM person p JOIN class_membership m ON m.person_id = p.id "
            "JOIN school_class c ON c.id = m.class_id WHERE c.code = '6 A'",
        )
    }
    old_hashes = {
        r["login"]: r["password_hash"]
        for r in rows(year1, "SELECT login, password_hash FROM person")
    }
    pdf, count = issue_credentials(year1, class_code="6 A", portal_url=PORTAL, actor="tech")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf, tmp_path)
    found = slips(text)
    assert students <= set(found)
    assert count == len(found) > len(students)  # the parents of 6 A are there too
    assert PORTAL in text
    assert text.index("Élèves — 6 A") < text.index("Parents — 6 A")
    for login, password in found.items():
        stored = scalar(year1, "SELECT password_hash FROM person WHERE login = ?", (login,))
        assert stored != old_hashes[login]  # a new password was issued
        assert verify_password(stored, password)[0]
        assert re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", password)
    assert scalar(year1, "SELECT count(*) FROM person WHERE must_change_password = 0") == 0
    audit = rows(year1, "SELECT details FROM audit_log WHERE action = 'directory.credentials'")
    assert len(audit) == 1 and "abcdefghjk" not in audit[0]["details"]


def test_filters(year1, year1_template):
    import_id = year1_template[1]
    _, teachers = issue_credentials(year1, profile="teacher", portal_url=PORTAL)
    assert teachers == 8
    with pytest.raises(NotFound):
        issue_credentials(year1, new_since_import=import_id + 1, portal_url=PORTAL)
    with pytest.raises(NotFound):
        issue_credentials(year1, class_code="9 Z", portal_url=PORTAL)


def test_slips_right_after_an_import(conn, messy, tmp_path):
    plan = reconcile.plan(
        conn,
        [messy / "eleves_latin9.xml", messy / "responsables_legacy.xml"],
        today=date(2026, 9, 15),
    )
    result = reconcile.apply(conn, plan, actor="tech")
    pdf, count = slips_after_import(conn, result.initial_passwords, portal_url=PORTAL)
    assert count == len(result.created) == 7
    found = slips(pdf_text(pdf, tmp_path))
    assert "zoe.coeur" in found and "sarka.novak" in found
    for login, password in found.items():
        stored = scalar(conn, "SELECT password_hash FROM person WHERE login = ?", (login,))
        assert verify_password(stored, password)[0]
    since, n = issue_credentials(conn, new_since_import=result.import_id, portal_url=PORTAL)
    assert n == 7 and since.startswith(b"%PDF")
