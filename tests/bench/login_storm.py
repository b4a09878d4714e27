"""Login storm: N distinct accounts log in through C concurrent clients (real waitress, real
argon2id). The reference is one argon2 verification measured in the same run.

Targets (issue 2): no error, p99 under 2 s, total time within 2 x N x verify / cores.
Run: .venv/bin/python -m tests.bench.login_storm [--accounts 1600] [--clients 200]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from appliance import config as config_mod
from appliance.core import create_box
from appliance.db import now_iso, transaction
from appliance.school import set_school
from appliance.security import passwords
from tests.bench.common import cartable_cmd, free_port, machine, process, save

PASSWORD = "tempête de neige sur le préau"


def _one_verify_seconds(samples: int = 40) -> float:
    h = passwords.hash_password(PASSWORD)
    passwords.verify_password(h, PASSWORD)
    start = time.perf_counter()
    for _ in range(samples):
        passwords.verify_password(h, PASSWORD)
    return (time.perf_counter() - start) / samples


def _make_accounts(box, n: int) -> list[str]:
    """n students sharing one precomputed hash (each login still costs a full verify)."""
    h = passwords.hash_password(PASSWORD)
    stamp = now_iso()
    conn = box.conn()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO person (login, profile, state, first_name, last_name, password_hash, "
            "created_at, updated_at) VALUES (?, 'student', 'active', 'Élève', ?, ?, ?, ?)",
            [(f"eleve{i:05d}", f"N{i}", h, stamp, stamp) for i in range(n)],
        )
    return [f"eleve{i:05d}" for i in range(n)]


def _login(port: int, login: str) -> tuple[float, bool]:
    """GET the form, POST it; return (seconds, success)."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/login")
        r = conn.getresponse()
        html = r.read().decode()
        cookie = r.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({"login": login, "password": PASSWORD, "csrf_token": token})
        conn.request(
            "POST",
            "/login",
            body=body,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        r = conn.getresponse()
        r.read()
        ok = r.status == 302 and r.getheader("Location", "").endswith("/")
    except (OSError, AttributeError, http.client.HTTPException):
        ok = False
    finally:
        conn.close()
    return time.perf_counter() - start, ok


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1600)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="open loop: start this many "
        "logins per second instead of keeping every client busy (the issue's "
        "school: 1,600 logins over two minutes is about 13/s)",
    )
    args = ap.parse_args(argv)
    cores = os.cpu_count() or 1
    verify = _one_verify_seconds()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "cartable.toml"
        cfg.write_text("")
        data = tmp / "data"
        box = create_box(config_mod.load(cfg, data, env={}))
        set_school(box.conn(), uai="0679999X", name="Collège Bench")
        logins = _make_accounts(box, args.accounts)
        port = free_port()
        with process(
            cartable_cmd(cfg, data, "serve", "--port", str(port)), f"http://127.0.0.1:{port}/login"
        ):
            lock = threading.Lock()
            results: list[tuple[float, bool]] = []

            start = time.perf_counter()

            def worker(item: tuple[int, str]) -> None:
                i, login = item
                if args.rate:
                    time.sleep(max(0.0, start + i / args.rate - time.perf_counter()))
                r = _login(port, login)
                with lock:
                    results.append(r)

            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                list(pool.map(worker, enumerate(logins)))
            total = time.perf_counter() - start
    latencies = sorted(t for t, _ok in results)
    errors = sum(1 for _t, ok in results if not ok)
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    reference = args.accounts * verify / cores
    result = {
        "machine": machine(),
        "accounts": args.accounts,
        "clients": args.clients,
        "rate_per_s": args.rate or None,
        "one_verify_ms": round(verify * 1000, 2),
        "reference_s": round(reference, 2),
        "total_s": round(total, 2),
        "total_over_reference": round(total / reference, 2),
        "logins_per_s": round(args.accounts / total, 1),
        "p50_s": round(p(0.50), 3),
        "p99_s": round(p(0.99), 3),
        "max_s": round(latencies[-1], 3),
        "errors": errors,
        "targets": {
            "no_error": errors == 0,
            "p99_under_2s": p(0.99) < 2.0,
            "total_within_2x_reference": total <= 2 * reference,
        },
    }
    save("login_storm_rate" if args.rate else "login_storm", result)
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
