"""Login throttling against real attacks (#9): concurrent guesses at the end of a wait,
a stranger trying to keep the owner locked out, the per-account hourly cap, the password
change form. Checks are counted by the argon2 verifications actually run."""

from __future__ import annotations

import threading
import time

from appliance.security import auth, passwords
from appliance.security.throttle import ThrottleSettings
from tests.conftest import csrf_token, make_person, post, text

S = ThrottleSettings()


def _from(ip: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": ip}}


def _login_from(client, ip: str, name: str, password: str, **extra):
    token = csrf_token(client, "/login")
    data = {"login": name, "password": password, "csrf_token": token, **extra}
    return client.post("/login", data=data, **_from(ip))


def _wait_until_free(conn, name: str, ip: str) -> None:
    """Sleep until an attempt on `name` from `ip` would be checked again."""
    from appliance.security import throttle

    for _ in range(100):
        if throttle.retry_after(conn, name, ip) == 0:
            return
        time.sleep(0.1)
    raise AssertionError("the wait never ended")


def test_concurrent_guesses_at_the_end_of_a_wait_get_one_check(box, conn):
    """8 threads (web.threads) post a wrong password the moment a wait ends: one check."""
    _pid, name, _pw = make_person(conn, "student")
    for _ in range(S.free_failures):
        auth.authenticate(conn, name, "mauvais essai", "10.0.0.5", S)
    _wait_until_free(conn, name, "10.0.0.5")
    threads_n = box.config["web.threads"]
    barrier = threading.Barrier(threads_n)
    results: list[str] = []

    def attempt() -> None:
        own = box.conn()  # each waitress thread has its own connection
        barrier.wait()
        results.append(auth.authenticate(own, name, "autre essai", "10.0.0.5", S).status)

    before = passwords.verification_count()
    workers = [threading.Thread(target=attempt) for _ in range(threads_n)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert passwords.verification_count() - before == 1
    assert sorted(results) == ["bad"] + ["throttled"] * (threads_n - 1)


def test_a_stranger_cannot_keep_the_owner_out(app, conn):
    _pid, name, pw = make_person(conn, "teacher")
    owner, attacker = app.test_client(), app.test_client()
    assert _login_from(owner, "192.0.2.20", name, pw).status_code == 302  # B is now known
    post(owner, "/logout", token_from="/logout")
    codes = [
        _login_from(attacker, "198.51.100.7", name, f"essai {i}").status_code for i in range(30)
    ]
    assert 429 in codes
    # The owner, from their usual address, with the right password: in at once.
    assert _login_from(owner, "192.0.2.20", name, pw).status_code == 302
    # The attacker is still made to wait.
    r = _login_from(attacker, "198.51.100.7", name, pw)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1


def test_many_addresses_stay_under_100_checks_an_hour_and_the_owner_gets_in(app, conn):
    """A distributed attacker (one address per try) gets a bounded number of checks; the
    owner from a known address still logs in, a new address waits, unless it gives a TOTP
    code."""
    import pyotp

    pid, name, pw = make_person(conn, "teacher")
    owner = app.test_client()
    assert _login_from(owner, "192.0.2.20", name, pw).status_code == 302
    post(owner, "/logout", token_from="/logout")
    before = passwords.verification_count()
    for i in range(150):
        auth.authenticate(conn, name, f"essai {i}", f"203.0.113.{i}", S)
    checks = passwords.verification_count() - before
    assert checks <= 100
    assert checks >= S.free_failures  # the cap is not zero: the owner's typos still count
    assert _login_from(owner, "192.0.2.20", name, pw).status_code == 302
    post(owner, "/logout", token_from="/logout")
    newcomer = app.test_client()
    r = _login_from(newcomer, "198.51.100.99", name, pw)
    assert r.status_code == 429
    # With a second factor the owner is no stranger: a valid code opens the way.
    secret = pyotp.random_base32()
    conn.execute("UPDATE person SET totp_enabled=1, totp_secret=? WHERE id=?", (secret, pid))
    r = _login_from(newcomer, "198.51.100.99", name, pw, code=pyotp.TOTP(secret).now())
    assert r.status_code == 302 and "/login" not in r.headers["Location"]
    total = conn.execute(
        "SELECT count(*) FROM login_check WHERE account = ? AND at > ?",
        ("acct:" + name, time.time() - 3600),
    ).fetchone()[0]
    assert total <= 100


def test_password_change_is_throttled(client, conn):
    from tests.conftest import login

    _pid, name, pw = make_person(conn, "teacher")
    login(client, name, pw)
    before = passwords.verification_count()
    codes, retry = [], None
    for i in range(30):
        data = {
            "current": f"faux {i}",
            "new": "une phrase toute neuve",
            "confirm": "une phrase toute neuve",
        }
        r = post(client, "/compte/mot-de-passe", data, token_from="/compte/mot-de-passe")
        codes.append(r.status_code)
        retry = r.headers.get("Retry-After") or retry
    assert 429 in codes and retry and int(retry) >= 1
    assert passwords.verification_count() - before <= 8
    r = post(
        client,
        "/compte/mot-de-passe",
        {"current": pw, "new": "une phrase toute neuve", "confirm": "une phrase toute neuve"},
        token_from="/compte/mot-de-passe",
    )
    assert r.status_code == 429 and "Trop d'essais" in text(r)
