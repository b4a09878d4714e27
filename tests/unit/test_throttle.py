from appliance.security import throttle
from appliance.security.throttle import ThrottleSettings

S = ThrottleSettings(free_failures=5, max_delay=900, ip_limit=100, ip_window=600)


def test_five_free_failures_then_exponential_delay(conn):
    t = 1_000_000.0
    for _ in range(4):
        assert throttle.record_failure(conn, "lea", "10.0.0.1", S, now=t) == 0
    waits = [
        throttle.record_failure(conn, "lea", "10.0.0.1", S, now=t + i * 1000) for i in range(6)
    ]
    assert waits == [1, 2, 4, 8, 16, 32]
    assert throttle.retry_after(conn, "lea", "10.0.0.1", now=t + 5000 + 1) > 0
    assert throttle.retry_after(conn, "lea", "10.0.0.1", now=t + 5000 + 33) == 0


def test_delay_is_capped_so_nobody_is_locked_out_for_good(conn):
    t = 0.0
    for _ in range(40):
        wait = throttle.record_failure(conn, "bob", "10.0.0.2", S, now=t)
        t += wait
    assert wait == 900
    assert throttle.retry_after(conn, "bob", "10.0.0.2", now=t) == 0


def test_never_more_than_100_checked_attempts_per_hour(conn):
    """An attacker who retries as soon as allowed gets far fewer than 100 checks an hour."""
    t, checked = 0.0, 0
    while t < 3600:
        if throttle.retry_after(conn, "victim", f"10.1.{checked % 250}.1", now=t) == 0:
            checked += 1
            throttle.record_failure(conn, "victim", f"10.1.{checked % 250}.1", S, now=t)
        t += 0.5
    assert checked <= 100
    assert checked >= 5


def test_success_clears_the_account_counter(conn):
    for i in range(7):
        throttle.record_failure(conn, "zoe", "10.0.0.3", S, now=float(i))
    throttle.record_success(conn, "zoe")
    assert throttle.retry_after(conn, "zoe", "10.0.0.9", now=10.0) == 0


def test_per_address_limit(conn):
    small = ThrottleSettings(free_failures=5, max_delay=900, ip_limit=10, ip_window=600)
    for i in range(10):
        throttle.record_failure(conn, f"user{i}", "192.0.2.7", small, now=100.0 + i)
    assert throttle.retry_after(conn, "someone-else", "192.0.2.7", now=120.0) > 0
    assert throttle.retry_after(conn, "someone-else", "192.0.2.8", now=120.0) == 0
    assert throttle.retry_after(conn, "someone-else", "192.0.2.7", now=100.0 + 601) == 0


def test_a_class_behind_one_address_logging_in_never_blocks_it(conn):
    """Right passwords give their slot back: 150 pupils behind one NAT all get in."""
    for i in range(150):
        slot = throttle.reserve(conn, f"eleve{i}", "192.0.2.50", S, now=1000.0 + i)
        assert slot.allowed, i
        throttle.release(conn, f"eleve{i}", "192.0.2.50", S)
    assert throttle.retry_after(conn, "eleve999", "192.0.2.50", now=1200.0) == 0


def test_known_address_keeps_its_share_when_strangers_used_theirs(conn):
    t = 5000.0
    for i in range(200):
        throttle.reserve(conn, "prof", f"203.0.113.{i}", S, now=t + i)
    stranger = throttle.reserve(conn, "prof", "198.51.100.1", S, now=t + 300)
    assert not stranger.allowed and stranger.reason == "account"
    assert throttle.reserve(conn, "prof", "192.0.2.20", S, known=True, now=t + 300).allowed
    checked = conn.execute("SELECT count(*) FROM login_check WHERE account='acct:prof'")
    assert checked.fetchone()[0] <= S.account_cap
