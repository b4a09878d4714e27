"""Every paginated page, with a real school's worth of rows: page 1, 2 and the last answer,
and each shows other rows than the one before.

Administration → Comptes and Journal d'audit answered 500 as soon as a list had a second
page (the pager template overwrote the translation function `_`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from appliance.directory import reconcile
from appliance.security import audit
from tests.conftest import REPO, login_admin, make_person
from tests.integration.directory.directory_helpers import sample
from webui.admin import PAGE_SIZE
from webui.schoollife.views_admin import RUNS_PAGE

TEMPLATES = REPO / "webui" / "templates"

# url, the row pattern of its table (what tells one row from another), the template, the
# rows a page.
PAGED = {
    "accounts": (
        "/admin/personnes",
        r'<td><a href="/admin/personnes/(\d+)">',
        "admin/people.html",
        PAGE_SIZE,
    ),
    "audit": (
        "/admin/journal",
        r'<tr class="outcome-[a-z]+">(.*?)</tr>',
        "admin/audit.html",
        PAGE_SIZE,
    ),
    "timetable imports": (
        "/admin/emploi-du-temps",
        r"<tr><td>(\d+)</td><td>",
        "schoollife/timetable_imports.html",
        RUNS_PAGE,
    ),
}

# Pages of other areas, walked past their first page in their own tests (each test file
# names the template it walks).
ELSEWHERE = {
    "community/index.html": "tests/integration/test_web_messages.py",
    "notifications/index.html": "tests/integration/community/test_notify_timeline.py",
    "news/index.html": "tests/integration/community/test_news.py",
    "forums/show.html": "tests/integration/community/test_forums.py",
    "forums/topic.html": "tests/integration/community/test_forums.py",
    # roll calls and absences (#13): a timetable and roll calls of their own
    "attendance/missing.html": "tests/integration/attendance/test_web_attendance.py",
    "attendance/events.html": "tests/integration/attendance/test_web_attendance.py",
    "attendance/planned.html": "tests/integration/attendance/test_web_attendance.py",
    "attendance/student.html": "tests/integration/attendance/test_web_attendance.py",
    "attendance/alerts.html": "tests/integration/attendance/test_web_attendance.py",
    "files/folder.html": "tests/integration/files/test_web_files.py",
    # devoirs à rendre (#14): a teacher's works given, a student's to hand in
    "assignments/given.html": "tests/integration/assignments/test_assignments_web.py",
    "assignments/todo.html": "tests/integration/assignments/test_assignments_web.py",
    # the agenda's month (#14): a pupil's own events
    "agenda/month.html": "tests/integration/agenda/test_agenda_web.py",
}


@pytest.fixture
def big_school(conn, shared):
    """The sample school imported, more accounts made by hand, and a long audit log."""
    reconcile.run_import(conn, sample(shared))
    for i in range(120):
        make_person(conn, "student", f"eleve.ajout{i}", last_name=f"Ajout{i:03d}")
    for i in range(130):
        audit.record(conn, audit.SYSTEM, "test.paging", target=f"ligne:{i}", details={"n": i})
    # A history of timetable imports (a term of weekly re-imports and a few more).
    conn.executemany(
        "INSERT INTO timetable_import (applied_at, actor, effective_from, file_name, kind) "
        "VALUES (?, 'admin', ?, ?, 'edt')",
        [(f"2026-09-{1 + i % 28:02d}T08:{i % 60:02d}:00", "2026-09-01", f"emp_{i:03d}.xml")
         for i in range(47)],
    )  # fmt: skip
    conn.commit()
    return conn


def test_every_template_with_a_pager_is_walked_here():
    with_pager = {
        str(p.relative_to(TEMPLATES))
        for p in Path(TEMPLATES).rglob("*.html")
        if "_pager.html" in p.read_text(encoding="utf-8") and p.name != "_pager.html"
    }
    walked_here = {template for _url, _row, template, _size in PAGED.values()}
    assert with_pager == walked_here | set(ELSEWHERE)
    for template, test_file in ELSEWHERE.items():
        assert template in (REPO / test_file).read_text(encoding="utf-8"), test_file


def _rows(client, url: str, pattern: str, page: int) -> list[str]:
    r = client.get(f"{url}?page={page}")
    assert r.status_code == 200, f"{url}?page={page} answered {r.status_code}"
    found = re.findall(pattern, r.get_data(as_text=True), flags=re.S)
    assert found, f"{url}?page={page} shows no row"
    return found


@pytest.mark.parametrize("name", sorted(PAGED))
def test_paginated_page_shows_every_page(app, big_school, name):
    client = app.test_client()
    login_admin(client, big_school)
    url, pattern, _template, size = PAGED[name]
    first = client.get(url)
    assert first.status_code == 200
    total = int(re.search(r"Page 1 sur (\d+)", first.get_data(as_text=True)).group(1))
    assert total >= 3
    page1 = _rows(client, url, pattern, 1)
    page2 = _rows(client, url, pattern, 2)
    last = _rows(client, url, pattern, total)
    assert len(page1) == len(page2) == size
    assert not set(page1) & set(page2)
    assert not set(page2) & set(last)
    assert 1 <= len(last) <= size
    assert "Précédente" in client.get(f"{url}?page={total}").get_data(as_text=True)
    assert math.ceil((size * (total - 1) + len(last)) / size) == total
