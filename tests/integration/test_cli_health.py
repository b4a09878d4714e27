"""`cartable diagnose` and `cartable health …`, run as a technician runs them: real
processes, a real data folder, a metrics.db written from real samples."""

import json
import sqlite3
import tarfile

import pytest

from appliance.health.diagnosis import CATEGORIES
from tests.health_data import (
    FS_KEY,
    SECRET,
    health_config,
    open_filesystem_warning,
    spool_disk,
    write_samples,
)
from tests.integration.test_cli import run

REQUIRED = {"category", "status", "summary", "details", "advice"}


@pytest.fixture
def school(tmp_path):
    cfg = tmp_path / "cartable.toml"
    cfg.write_text(health_config(tmp_path), encoding="utf-8")
    data = tmp_path / "data"
    pw = tmp_path / "admin.pw"
    pw.write_text("une phrase de passe solide\n")
    r = run(
        ["init", "--school-name", "Collège Santé", "--uai", "0671234a",
         "--admin-login", "tech", "--admin-password-file", str(pw)],
        data_dir=data, config=cfg,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return cfg, data, tmp_path


def _audit(data, action):
    with sqlite3.connect(data / "cartable.db") as conn:
        return conn.execute(
            "SELECT actor_login, target, details FROM audit_log WHERE action = ?", (action,)
        ).fetchall()


def test_diagnose_json_lists_every_check_and_exits_1_on_an_error(school):
    cfg, data, tmp = school
    spool_disk(tmp / "smart", "/dev/sdb", "hdd_pending_reallocated.json")
    r = run(["diagnose", "--json"], data_dir=data, config=cfg)
    results = json.loads(r.stdout)
    assert isinstance(results, list) and results
    for item in results:
        assert set(item) >= REQUIRED, item
        assert item["status"] in ("success", "info", "warning", "error")
        assert item["category"] in CATEGORIES
    assert {item["category"] for item in results} == set(CATEGORIES)
    by_key = {item["key"]: item for item in results if item["key"]}
    # the failing disk, the portal nobody serves on its port, a worker that never ran
    assert by_key["smart:/dev/sdb"]["status"] == "error"
    assert by_key["service:cartable-web"]["status"] == "error"
    assert by_key["service:cartable-worker"]["status"] == "error"
    assert r.returncode == 1, r.stderr


def test_diagnose_text_is_grouped_by_category_with_status_words(school):
    cfg, data, _tmp = school
    r = run(["diagnose"], data_dir=data, config=cfg)
    lines = r.stdout.splitlines()
    headers = [line for line in lines if not line.startswith(" ")]
    assert [h.split(" : ")[0] for h in headers] == list(CATEGORIES.values())
    assert all(h.split(" : ")[1] in ("OK", "info", "ATTENTION", "ERREUR") for h in headers)
    assert "ERREUR    Le service cartable-web ne fonctionne pas" in r.stdout
    assert r.returncode == 1


def test_diagnose_exits_0_when_nothing_is_in_error(school):
    """The portal answers (a real `cartable serve`) and the worker wrote a sample."""
    import subprocess
    import sys
    import time
    import urllib.request

    cfg, data, tmp = school
    port = int(cfg.read_text().split("port = ")[1].splitlines()[0])
    server = subprocess.Popen(
        [sys.executable, "-m", "appliance", "--config", str(cfg), "--data-dir", str(data),
         "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        write_samples(data / "metrics.db")
        r = run(["diagnose", "--json"], data_dir=data, config=cfg)
    finally:
        server.terminate()
        server.wait(timeout=10)
    results = json.loads(r.stdout)
    errors = [item for item in results if item["status"] == "error"]
    services = {item["key"]: item for item in results if item["category"] == "services"}
    assert services[None]["status"] == "success"  # both services gathered in one "ok"
    assert r.returncode == (1 if errors else 0), errors


def test_health_sample_json_prints_one_sample(school):
    cfg, data, _tmp = school
    r = run(["health", "sample", "--json", "--interval", "0.2"], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    sample = json.loads(r.stdout)
    assert {"ts", "cpu", "memory", "filesystems", "temperatures", "points"} <= set(sample)
    assert sample["cpu"]["total_pct"] is not None
    r = run(["health", "sample", "--interval", "0.2"], data_dir=data, config=cfg)
    assert r.returncode == 0 and "Processeur :" in r.stdout


def test_silence_and_unsilence_from_the_command_line(school):
    cfg, data, _tmp = school
    open_filesystem_warning(data / "metrics.db")
    r = run(["health", "silence", FS_KEY, "--reason", "Partition de test"], data_dir=data,
            config=cfg)  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "mis en sourdine" in r.stdout
    (entry,) = _audit(data, "health.silence")
    assert entry[0].startswith("console:") and entry[1] == f"health:{FS_KEY}"
    assert json.loads(entry[2])["reason"] == "Partition de test"
    results = json.loads(run(["diagnose", "--json"], data_dir=data, config=cfg).stdout)
    assert results  # the diagnosis still runs with the silence in place

    r = run(["health", "silence", "nimporte.quoi", "--reason", "essai"], data_dir=data,
            config=cfg)  # fmt: skip
    assert r.returncode == 1
    assert r.stderr.startswith("Erreur : ") and len(r.stderr.strip().splitlines()) == 1
    r = run(["health", "silence", FS_KEY], data_dir=data, config=cfg)
    assert r.returncode == 2 and "--reason" in r.stderr

    r = run(["health", "unsilence", FS_KEY], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert len(_audit(data, "health.unsilence")) == 1
    r = run(["health", "unsilence", FS_KEY], data_dir=data, config=cfg)
    assert r.returncode == 1 and "Aucune mise en sourdine" in r.stderr
    assert "Traceback" not in r.stderr


def test_bundle_is_written_atomically_without_secrets(school):
    cfg, data, tmp = school
    write_samples(data / "metrics.db")
    out = tmp / "assistance.tar.gz"
    r = run(["health", "bundle", "--out", str(out)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert not [p for p in tmp.iterdir() if p.name.startswith(".assistance")]  # no temp left
    with tarfile.open(out, "r:gz") as tar:
        names = [m.name.split("/", 1)[1] for m in tar.getmembers()]
        blobs = [tar.extractfile(m).read() for m in tar.getmembers()]
    assert "diagnosis.json" in names and "config.json" in names
    assert all(SECRET.encode() not in b for b in blobs)
    assert len(_audit(data, "health.bundle")) == 1
    r = run(["health", "bundle", "--out", str(tmp / "absent" / "x.tar.gz")], data_dir=data,
            config=cfg)  # fmt: skip
    assert r.returncode == 1 and "n'existe pas" in r.stderr


def test_smart_spool_writes_the_spool_and_returns_its_exit_code(school):
    cfg, data, tmp = school
    spool = tmp / "spool"
    r = run(["health", "smart-spool", "--spool-dir", str(spool), "--device",
             "/dev/cartable-absent"], data_dir=data, config=cfg)  # fmt: skip
    assert r.returncode in (0, 1), r.stderr
    if r.stdout.strip():
        done = json.loads(r.stdout)
        assert done[0]["device"] == "/dev/cartable-absent"
        assert r.returncode == (0 if all(d["error"] is None for d in done) else 1)
        assert (spool / "cartable-absent.json").exists()
    else:  # the spool folder itself was refused: one line explains why
        assert r.returncode == 1 and r.stderr.strip()


def test_help_is_in_french(school):
    cfg, data, _tmp = school
    for args, words in (
        (["diagnose", "--help"], "vérifications"),
        (["health", "--help"], "Santé du serveur"),
        (["health", "smart-spool", "--help"], "root"),
        (["health", "silence", "--help"], "sourdine"),
        (["health", "bundle", "--help"], "paquet d'assistance"),
    ):
        r = run(args, data_dir=data, config=cfg)
        assert r.returncode == 0 and words in r.stdout, args


def test_diagnose_without_a_box_is_one_line(tmp_path):
    r = run(["diagnose"], data_dir=tmp_path / "nulle-part")
    assert r.returncode == 1
    assert r.stderr.count("\n") == 1 and "cartable init" in r.stderr
