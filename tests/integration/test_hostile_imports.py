"""Hostile import files (a ZIP bomb, a CSV with a 200,000-character field) are refused with a
message naming the file, on the service, the CLI and the web upload, without eating the
memory of the box and without leaving anything behind."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from appliance import jobrunner
from appliance.directory import reconcile
from tests.conftest import login_admin, text
from tests.hostile_files import MB, write_csv_with_huge_field, write_zip_bomb
from tests.integration.directory.directory_helpers import dump
from tests.integration.test_cli import init_school, run
from tests.integration.test_web_imports import upload

TODAY = date(2026, 9, 15)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """The archive of the report: 12 members of 199 MB each (2.4 GB), a few MB on disk."""
    return write_zip_bomb(tmp_path_factory.mktemp("bomb") / "export.zip")


def test_zip_bomb_is_refused_by_the_service(conn, bomb):
    assert bomb.stat().st_size < 5 * MB
    before = dump(conn)
    with pytest.raises(reconcile.UnreadableFile) as exc:
        reconcile.plan(conn, [bomb], today=TODAY)
    assert "export.zip" in exc.value.message and "décompress" in exc.value.message
    assert exc.value.exit_code == 2
    assert dump(conn) == before


def test_zip_with_too_many_members_is_refused(conn, tmp_path):
    many = write_zip_bomb(tmp_path / "many.zip", members=500, member_bytes=1000)
    with pytest.raises(reconcile.UnreadableFile) as exc:
        reconcile.plan(conn, [many], today=TODAY)
    assert "many.zip" in exc.value.message and "500 fichiers" in exc.value.message


def test_zip_whose_headers_lie_about_sizes_is_refused(conn, tmp_path):
    """Headers claim 1 KB per member, the data inflates to 50 MB: the bytes actually read
    count, not the header."""
    liar = write_zip_bomb(tmp_path / "liar.zip", members=3, member_bytes=50 * MB, claimed=1024)
    with pytest.raises(reconcile.UnreadableFile) as exc:
        reconcile.plan(conn, [liar], today=TODAY)
    assert "liar.zip" in exc.value.message


def test_zip_bomb_on_the_cli_one_line_exit_2_small_memory(tmp_path, bomb):
    cfg, data = init_school(tmp_path)
    rss_file = tmp_path / "rss.txt"
    cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), sys.executable, "-m", "appliance"]
    cmd += ["--config", str(cfg), "import", str(bomb), "--data-dir", str(data)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "export.zip" in lines[0], r.stderr
    peak_kb = int(rss_file.read_text().split()[-1])
    assert peak_kb < 200 * 1024, f"peak RSS {peak_kb // 1024} MB"
    users = run(["user", "list", "--json"], data_dir=data, config=cfg)
    assert users.stdout.count('"login"') == 1  # nothing imported


def test_zip_bomb_on_the_web_upload_is_refused_and_removed(client, box, conn, bomb):
    login_admin(client, conn)
    r = upload(client, [bomb])
    assert r.status_code == 302
    jobrunner.run_pending(box)  # the worker plans the upload (#10)
    page = client.get(r.headers["Location"], follow_redirects=True)
    assert page.status_code == 400
    assert "export.zip" in text(page) and 'id="import-error"' in text(page)
    pending = box.config.data_dir / "imports" / "pending"
    assert list(pending.iterdir()) == []


def test_huge_csv_field_is_refused_with_file_and_line(conn, tmp_path):
    path = write_csv_with_huge_field(tmp_path / "personnes.csv", line=3)
    before = dump(conn)
    with pytest.raises(reconcile.UnreadableFile) as exc:
        reconcile.plan(conn, [path], today=TODAY)
    assert "personnes.csv" in exc.value.message and "ligne 3" in exc.value.message
    assert dump(conn) == before


def test_huge_csv_field_on_the_cli_is_one_line(tmp_path):
    cfg, data = init_school(tmp_path)
    path = write_csv_with_huge_field(tmp_path / "personnes.csv", line=4)
    r = run(["import", str(path)], data_dir=data, config=cfg)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "personnes.csv" in lines[0] and "ligne 4" in lines[0]


def test_huge_csv_field_on_the_web_leaves_nothing_pending(client, box, conn, tmp_path):
    login_admin(client, conn)
    path = write_csv_with_huge_field(tmp_path / "personnes.csv", line=3)
    r = upload(client, [path])
    jobrunner.run_pending(box)  # the worker plans the upload (#10)
    page = client.get(r.headers["Location"])
    assert page.status_code == 400
    assert "personnes.csv" in text(page) and "ligne 3" in text(page)
    assert list((box.config.data_dir / "imports" / "pending").iterdir()) == []
