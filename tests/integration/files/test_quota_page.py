"""The quota on the pages, with a student's space of 1 MB (`files.quota_mb_student`): the bar
and its warning from 80 %, and an upload that would pass it refused in words, leaving
nothing."""

from __future__ import annotations

import io

import pytest

from appliance import blobs
from appliance.files import nodes, quota
from tests.conftest import csrf_token, login, text
from tests.integration.files.conftest import bearer


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    path.write_text("[files]\nquota_mb_student = 1\n", encoding="utf-8")
    return path


def test_the_bar_warns_at_80_percent_and_a_full_space_refuses(client, school, conn, box):
    student = school["student"]
    assert login(client, student["login"], student["password"]).status_code == 302
    page = text(client.get("/documents/"))
    assert 'id="quota-warning"' not in page and "sur 1 Mo" in page
    r = client.post("/api/v1/files", data={"file": (io.BytesIO(b"a" * 700 * 1024), "a.bin")},
                    headers=bearer(student), content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 201
    assert 'id="quota-warning"' not in text(client.get("/documents/"))  # 68 %
    r = client.post("/api/v1/files", data={"file": (io.BytesIO(b"b" * 150 * 1024), "b.bin")},
                    headers=bearer(student), content_type="multipart/form-data")  # fmt: skip
    assert r.status_code == 201
    page = text(client.get("/documents/"))
    assert 'id="quota-warning"' in page and "(83 %)" in page
    # 300 Ko more would pass 1 Mo: refused in words, nothing kept.
    root = nodes.personal_root(conn, student["person"])["id"]
    token = csrf_token(client, "/documents/")
    before = sorted(blobs.root(box.config.files_dir).rglob("*"))
    r = client.post(f"/documents/dossier/{root}/deposer", data={
        "csrf_token": token, "file": (io.BytesIO(b"c" * 300 * 1024), "c.bin"),
    }, content_type="multipart/form-data", follow_redirects=True)  # fmt: skip
    assert "Espace de stockage plein" in text(r)
    assert sorted(blobs.root(box.config.files_dir).rglob("*")) == before
    assert quota.used_bytes(conn, student["id"]) == 850 * 1024
    assert [n["name"] for n in nodes.children(conn, root)] == ["a.bin", "b.bin"]
    api = client.post("/api/v1/files", data={"file": (io.BytesIO(b"d" * 300 * 1024), "d.bin")},
                      headers=bearer(student), content_type="multipart/form-data")  # fmt: skip
    assert api.status_code == 413 and api.get_json()["error"]["code"] == "quota_exceeded"
