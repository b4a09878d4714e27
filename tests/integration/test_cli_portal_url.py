"""The portal's address printed on login slips: `cartable init --portal-url`, its default,
and slips that never fail for want of it (the README's own sequence, real processes)."""

import socket
import sqlite3
import subprocess
from pathlib import Path

import pytest

from appliance.errors import CartableError
from appliance.school import default_portal_url, normalise_portal_url
from tests.conftest import SAMPLES
from tests.integration.test_cli import run

SAMPLE = SAMPLES / "college-sample"


def _init(tmp_path, *extra):
    tmp_path.mkdir(exist_ok=True)
    cfg = tmp_path / "cartable.toml"
    cfg.write_text("")
    data = tmp_path / "data"
    pw = tmp_path / "admin.pw"
    pw.write_text("une phrase de passe solide\n")
    args = ["init", "--school-name", "Collège Sample", "--uai", "0679999X"]
    args += ["--admin-login", "tech", "--admin-password-file", str(pw), *extra]
    return cfg, data, run(args, data_dir=data, config=cfg)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout


def _portal_in_db(data: Path) -> str:
    with sqlite3.connect(data / "cartable.db") as db:
        return db.execute("SELECT portal_url FROM school").fetchone()[0]


def test_readme_sequence_init_import_credentials(tmp_path):
    """Before the fix: « Adresse du portail inconnue » and no slips."""
    cfg, data, r = _init(tmp_path)
    assert r.returncode == 0, r.stderr
    expected = "https://" + socket.getfqdn()
    assert _portal_in_db(data) == expected
    files = sorted(str(p) for p in SAMPLE.glob("*.xml"))
    r = run(["import", *files], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "x.pdf"
    r = run(["credentials", "--out", str(out)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert expected in _pdf_text(out)


def test_init_takes_the_portal_url_and_refuses_a_bad_one(tmp_path):
    cfg, data, r = _init(tmp_path / "bad", "--portal-url", "ftp://ent.college.test")
    assert r.returncode == 1 and "portail" in r.stderr and "https://" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (data / "cartable.db").exists()  # refused before anything is created
    cfg, data, r = _init(tmp_path / "good", "--portal-url", "https://ent.college.test/")
    assert r.returncode == 0, r.stderr
    assert _portal_in_db(data) == "https://ent.college.test"
    assert "https://ent.college.test" in r.stdout
    # re-running init on the box changes the address, and only when asked
    again = ["init", "--portal-url", "http://ent2.college.test:8443"]
    assert run(again, data_dir=data, config=cfg).returncode == 0
    assert _portal_in_db(data) == "http://ent2.college.test:8443"
    assert run(["init"], data_dir=data, config=cfg).returncode == 0
    assert _portal_in_db(data) == "http://ent2.college.test:8443"


def test_slips_without_any_address_use_the_default_and_say_so(tmp_path):
    cfg, data, r = _init(tmp_path)
    assert r.returncode == 0, r.stderr
    with sqlite3.connect(data / "cartable.db") as db:  # a box set up before --portal-url
        db.execute("UPDATE school SET portal_url = ''")
    add = ["user", "add", "lea.martin", "--profile", "student", "--first-name", "Léa"]
    assert run([*add, "--last-name", "Martin"], data_dir=data, config=cfg).returncode == 0
    out = tmp_path / "fiches.pdf"
    r = run(["credentials", "--profile", "student", "--out", str(out)], data_dir=data, config=cfg)
    assert r.returncode == 0, r.stderr
    assert default_portal_url() in r.stderr and "--portal-url" in r.stderr
    assert default_portal_url() in _pdf_text(out)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ent.college.test",
        "ftp://ent.college.test",
        "https://",
        "https://a b.fr",
        "https://ent.test:port",
        "javascript:alert(1)",
    ],  # fmt: skip
)
def test_bad_portal_urls_are_refused(url):
    with pytest.raises(CartableError) as err:
        normalise_portal_url(url)
    assert err.value.field == "portal_url"


def test_good_portal_urls_are_kept_without_trailing_slash():
    assert normalise_portal_url(" https://ent.college.test/ ") == "https://ent.college.test"
    assert normalise_portal_url("http://10.0.0.5:8080") == "http://10.0.0.5:8080"
    assert default_portal_url().startswith("https://")
