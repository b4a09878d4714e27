"""Shared fixtures: a real data folder with a real SQLite database in tmp_path, the real
Flask app and its test client, and helpers to create people and log in through the forms."""

from __future__ import annotations

import html
import os
import re
import secrets
import time
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance import timefmt
from appliance.core import create_box
from appliance.directory import people
from appliance.school import set_school

# The suite's own clock is the test school's: a test's `date.today()` is the day the
# portal calls today (`school.timezone`, by default `timefmt.DEFAULT_ZONE`), whatever hour
# of the UTC night the suite runs at. Tests of a server in another zone set TZ themselves.
os.environ["TZ"] = timefmt.DEFAULT_ZONE
time.tzset()

REPO = Path(__file__).resolve().parents[1]
MESSY = REPO / "tests" / "fixtures" / "directory"


# The sample schools (synthetic, no real person) are committed with the tests: the suite
# needs nothing outside the repository.
SAMPLES = REPO / "tests" / "fixtures" / "samples"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The committed sample schools (`tests/fixtures/samples`, see its README)."""
    return SAMPLES


@pytest.fixture(scope="session")
def messy() -> Path:
    return MESSY


PASSWORDS = {}


@pytest.fixture
def config_file(tmp_path) -> Path:
    path = tmp_path / "cartable.toml"
    path.write_text("# test configuration\n", encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path, config_file):
    return config_mod.load(config_file, tmp_path / "data", env={})


@pytest.fixture
def box(config):
    box = create_box(config)
    set_school(box.conn(), uai="0679999X", name="Collège Test", portal_url="https://ent.test")
    return box


@pytest.fixture
def conn(box):
    return box.conn()


@pytest.fixture
def app(box):
    from webui.app import create_app

    app = create_app(box)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def make_person(conn, profile: str, login: str | None = None, **extra) -> tuple[int, str, str]:
    """Create a person with a valid random password; return (id, login, password)."""
    login = login or f"{profile}.{secrets.token_hex(3)}"
    password = "correct horse " + secrets.token_hex(4)
    pid = people.create_person(
        conn,
        login=login,
        profile=profile,
        first_name=extra.pop("first_name", profile.capitalize()),
        last_name=extra.pop("last_name", "Testeur"),
        password=password,
        expires_on=extra.pop("expires_on", "2099-01-01" if profile == "guest" else None),
        **extra,
    )
    return pid, login, password


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, f"no CSRF token in {path}"
    return m.group(1)


def login(client, login_name: str, password: str, **extra):
    """Post the login form with a CSRF token taken from the page, like a browser."""
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"login": login_name, "password": password, "csrf_token": token, **extra}
    )


def text(response) -> str:
    """The page's text with HTML entities decoded (apostrophes are escaped in templates)."""
    return html.unescape(response.get_data(as_text=True))


def post(client, path: str, data: dict | None = None, token_from: str = "/"):
    """POST with a CSRF token read from a page of the logged-in session."""
    token = csrf_token(client, token_from)
    return client.post(path, data={**(data or {}), "csrf_token": token})


def login_admin(client, conn) -> str:
    """Create an admin with TOTP enrolled and log them in through both steps; return login."""
    import pyotp

    secret = pyotp.random_base32()
    _pid, name, pw = make_person(conn, "admin")
    conn.execute("UPDATE person SET totp_enabled=1, totp_secret=? WHERE login=?", (secret, name))
    r = login(client, name, pw)
    assert r.headers["Location"].endswith("/login/code")
    token = csrf_token(client, "/login/code")
    r = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    return name


def pytest_configure(config) -> None:
    config.addinivalue_line(
        "markers", "needs(program, package): fail (never skip) when the program is missing"
    )


def pytest_runtest_setup(item) -> None:
    from tests.fixtures.tools import check_needs

    check_needs(item)
