"""Uploads against a live `cartable serve` (waitress, its own process): parallel uploads of
one person never pass their quota, and an upload whose connection is cut half-way leaves
nothing (no row, no charge, no file). Also the same cut reaching the app itself (a server
that hands the body over while it arrives): the streamed part is discarded."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

from appliance import blobs
from appliance.files import quota
from tests.integration.files.conftest import bearer

MB = 1024 * 1024


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    # A student's space of 1 MB: a handful of uploads fill it.
    path.write_text("[files]\nquota_mb_student = 1\n", encoding="utf-8")
    return path


@pytest.fixture
def live(box, config_file, tmp_path, school):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARTABLE_")}
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 (open while the server runs)
    cmd = [sys.executable, "-m", "appliance", "--config", str(config_file), "--data-dir",
           str(box.config.data_dir), "serve", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/login", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail((tmp_path / "serve.log").read_text())
    yield port
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), boundary


def _post(port: int, who: dict, name: str, data: bytes) -> tuple[int, dict]:
    body, boundary = _multipart(name, data)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", "/api/v1/files", body=body, headers={
        **bearer(who), "Content-Type": f"multipart/form-data; boundary={boundary}",
    })  # fmt: skip
    r = c.getresponse()
    answer = json.loads(r.read() or b"{}")
    c.close()
    return r.status, answer


def _store(box) -> list:
    base = blobs.root(box.config.files_dir)
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def test_parallel_uploads_never_pass_the_quota(live, box, conn, school):
    student = school["student"]
    size = 300 * 1024  # 3 fit in 1 MB, a 4th would not
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(8)

    def upload(i: int) -> None:
        data = bytes([i]) * size  # each its own content
        start.wait()
        results.append(_post(live, student, f"part{i}.bin", data))

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [a for s, a in results if s == 201]
    refused = [a for s, a in results if s == 413]
    assert len(ok) == 3 and len(refused) == 5, results
    assert {a["error"]["code"] for a in refused} == {"quota_exceeded"}
    used = quota.used_bytes(conn, student["id"])
    assert used == 3 * size <= 1 * MB
    rows = conn.execute(
        "SELECT count(*) FROM file_node WHERE kind = 'file' AND owner_id = ?", (student["id"],)
    ).fetchone()[0]
    assert rows == 3
    # Only the accepted contents are in the store: the refused ones left nothing.
    assert len(_store(box)) == 3
    assert not [p for p in _store(box) if p.name.startswith(".tmp-")]


def test_an_upload_cut_half_way_leaves_nothing(live, box, conn, school):
    student = school["student"]
    before = quota.used_bytes(conn, student["id"])
    body, boundary = _multipart("coupe.bin", os.urandom(800 * 1024))
    sock = socket.create_connection(("127.0.0.1", live))
    head = (
        "POST /api/v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {student['token']}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    sock.sendall(head + body[: len(body) // 2])
    time.sleep(0.3)
    sock.close()  # the connection cut half-way
    time.sleep(0.5)
    # The server still answers, and nothing of the cut upload is anywhere.
    status, answer = _post(live, student, "entier.txt", b"un fichier entier")
    assert status == 201, answer
    assert quota.used_bytes(conn, student["id"]) == before + len(b"un fichier entier")
    names = [r[0] for r in conn.execute("SELECT name FROM file_node WHERE kind = 'file'")]
    assert names == ["entier.txt"]
    assert len(_store(box)) == 1 and not list(blobs.root(box.config.files_dir).glob(".tmp-*"))


class _CutStream:
    """A request body that ends before its Content-Length (the client went away)."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def read(self, n: int = -1) -> bytes:
        if self.pos >= len(self.data):
            raise OSError("connection cut")
        n = len(self.data) - self.pos if n < 0 else min(n, len(self.data) - self.pos)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def readline(self, n: int = -1) -> bytes:
        return self.read(n)


def test_a_cut_reaching_the_app_discards_the_streamed_part(app, box, conn, school):
    student = school["student"]
    body, boundary = _multipart("coupe.bin", os.urandom(600 * 1024))
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/files", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "wsgi.url_scheme": "http", "REMOTE_ADDR": "192.0.2.9",
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": f"Bearer {student['token']}",
        "wsgi.input": _CutStream(body[: len(body) // 2]), "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False,
        "wsgi.run_once": False, "SERVER_PROTOCOL": "HTTP/1.1",
    }  # fmt: skip
    statuses = []
    chunks = app(environ, lambda status, headers, exc=None: statuses.append(status))
    b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    assert statuses and int(statuses[0][:3]) >= 400
    assert conn.execute("SELECT count(*) FROM file_node WHERE kind = 'file'").fetchone()[0] == 0
    assert quota.used_bytes(conn, student["id"]) == 0
    assert _store(box) == []
