"""Numbers too big for SQLite (or negative, or not numbers) in a page's `?page=` or in
`--new-since-import` are answered plainly: the last page, or one line; never a 500 or a
traceback."""

from __future__ import annotations

import pytest

from tests.conftest import login_admin, post, text
from tests.integration.test_cli import init_school, run

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", ["/admin/personnes", "/admin/journal"])
@pytest.mark.parametrize("page", [HUGE, "-" + HUGE, "1e9", "abc", "0", "٣"])
def test_any_page_number_gives_a_page(client, conn, path, page):
    login_admin(client, conn)
    r = client.get(f"{path}?page={page}")
    assert r.status_code == 200, (path, page, r.status_code)


def test_a_page_past_the_end_shows_the_last_page(client, conn):
    login_admin(client, conn)
    last = text(client.get("/admin/personnes"))
    far = text(client.get(f"/admin/personnes?page={HUGE}"))
    assert "admin" in far and far.count("<tr") == last.count("<tr")


def test_credentials_cli_with_a_huge_import_number_is_one_line(tmp_path):
    cfg, data = init_school(tmp_path, config_text='[web]\npublic_url = "https://ent.test"\n')
    out = tmp_path / "fiches.pdf"
    for number in (HUGE, "-3", "0"):
        r = run(
            ["credentials", "--new-since-import", number, "--out", str(out)],
            data_dir=data,
            config=cfg,
        )
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "import" in lines[0].lower(), r.stderr
    assert not out.exists()


def test_credentials_form_with_a_huge_import_number_is_refused(client, conn):
    login_admin(client, conn)
    r = post(
        client,
        "/annuaire/fiches",
        {"new_since_import": HUGE, "confirm": "1"},
        token_from="/annuaire/fiches",
    )
    assert r.status_code == 400 and "import" in text(r).lower()
