"""An inbox of 5,000 messages listed at 50 connections (issue 12), against a bare Flask
"hello" app measured in the same run.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.inbox_bench [--seconds 10] [--rounds 5]`

- The school: the demo school (`cartable run --demo`). The person: a teacher of it, whose
  inbox gets `MESSAGES` messages written through `compose.send` (the real send path:
  the rules asked, the message, the copies, the audit row) by the other teachers and the
  staff the rules let write to them, in turn, each message with a subject and a short
  text; the newest hundred are opened (`mailbox.read`) every other one, so that the list
  shows read and unread.
- Measured with wrk at 50 connections under waitress with the product's settings,
  interleaved rounds, the median round's ratio kept (target ≥ 0.30 of hello):
  their inbox page, first page (`GET /messages/`, the session cookie; 25 messages), and
  the messages API's listing, first page (`GET /api/v1/messages`, a bearer token; the
  default page of 100 messages).
- Reference: the bare Flask hello app (`tests/bench/hello_app.py`), same waitress settings.
- Each server's CPU time per request over each round (user + system of its process, from
  /proc/<pid>/stat), which the machine's other work does not change: `cpu_ms_*` (median
  of the rounds) and `cpu_ratio_*` (hello's CPU per request / this one's).

Results go to tests/bench/results/inbox.json (`run_all.py` writes docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from appliance import config as config_mod
from tests.bench.common import (
    cartable_cmd,
    cpu_seconds,
    free_port,
    load_average,
    machine,
    process,
    save,
    wrk,
)
from tests.bench.web_bench import _student_cookie

MESSAGES = 5000


def seed_inbox(box, login: str, count: int = MESSAGES) -> dict:
    """`count` messages to `login` through `compose.send` (see the module doc)."""
    from appliance.community import compose, mailbox, rules
    from appliance.db import rows
    from appliance.directory import people
    from appliance.errors import CartableError
    from appliance.security.audit import Actor

    conn = box.conn()
    files = box.config.files_dir
    me = people.get_by_login(conn, login)
    candidates = rows(
        conn,
        "SELECT login FROM person WHERE profile IN ('teacher', 'staff') AND id != ? ORDER BY login",
        (me["id"],),
    )
    senders = []
    for c in candidates:
        person = people.get_by_login(conn, c["login"])
        draft = compose.Draft(to=[login], subject="Premier message", body="<p>Bonjour.</p>")
        try:
            compose.send(conn, files, person, draft, actor=Actor(person["id"], c["login"], "bench"),
                         max_attachment_bytes=1 << 20)  # fmt: skip
        except (rules.Refused, CartableError):  # a sender the rules refuse
            continue
        senders.append(person)
    assert senders, "nobody may write to the person"
    for n in range(len(senders), count):
        person = senders[n % len(senders)]
        draft = compose.Draft(
            to=[login],
            subject=f"Conseil de classe n° {n}",
            body=f"<p>Bonjour, voici le point {n} de l'ordre du jour : les résultats du "
            f"trimestre et le projet de sortie.</p><p>Bien à vous.</p>",
        )
        compose.send(conn, files, person, draft, actor=Actor(person["id"], person["login"],
                     "bench"), max_attachment_bytes=1 << 20)  # fmt: skip
    newest, _total = mailbox.list_folder(conn, me, "inbox", size=100)
    for item in newest[::2]:
        mailbox.read(conn, me, item["id"])
    counts = mailbox.counts(conn, me)
    return {"inbox": counts.get("inbox", 0), "unread": counts["unread"], "senders": len(senders)}


def _timed(pid: int, url: str, seconds: int, headers: dict | None = None) -> dict:
    """wrk at 50 connections, with the server's CPU time per request over the run (from
    /proc: it does not depend on what else the machine's cores are doing)."""
    before = cpu_seconds(pid)
    run = wrk(url, 50, seconds, headers)
    spent = cpu_seconds(pid) - before
    run["cpu_ms_per_request"] = round(spent * 1000 / max(run["requests"] or 1, 1), 3)
    return run


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--messages", type=int, default=MESSAGES)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cfg = tmp / "cartable.toml"
        cfg.write_text("")
        data = tmp / "data"
        settings = config_mod.load(cfg, data, env={})
        threads, limit = settings["web.threads"], settings["web.connection_limit"]
        from appliance.core import create_box
        from appliance.directory import demo, people
        from appliance.security import audit, tokens

        box = create_box(settings)
        accounts = demo.seed(box.conn(), data)
        login, password = next((lg, pw) for prof, lg, pw in accounts if prof == "teacher")
        started = time.perf_counter()
        inbox = seed_inbox(box, login, args.messages)
        seed_s = time.perf_counter() - started
        person = people.get_by_login(box.conn(), login)
        _id, token = tokens.create(box.conn(), person["id"], "bench", actor=audit.SYSTEM)
        box.conn().close()

        hello_port, port = free_port(), free_port()
        hello_url = f"http://127.0.0.1:{hello_port}/"
        base = f"http://127.0.0.1:{port}"
        page_url, api_url = f"{base}/messages/", f"{base}/api/v1/messages"
        hello = [sys.executable, "-m", "tests.bench.hello_app", str(hello_port), str(threads),
                 str(limit)]  # fmt: skip
        serve = cartable_cmd(cfg, data, "serve", "--port", str(port))
        result = {
            "machine": machine(),
            "waitress_threads": threads,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "seeded_through": "compose.send",
            "seed_s": round(seed_s, 1),
            **inbox,
        }
        result["load"] = {"before": load_average()}
        with process(hello, hello_url) as hello_proc, process(serve, base + "/login") as app_proc:
            cookie = {"Cookie": _student_cookie(base, login, password)}
            bearer = {"Authorization": f"Bearer {token}"}
            listing = json.loads(
                urllib.request.urlopen(urllib.request.Request(api_url, headers=bearer)).read()
            )
            page = urllib.request.urlopen(urllib.request.Request(page_url, headers=cookie))
            html = page.read().decode()
            result["api_items"] = len(listing["items"])
            result["page_items"] = html.count('class="mail-item')
            assert listing.get("next") and result["api_items"] == 100, result["api_items"]
            assert result["page_items"] == 25, result["page_items"]
            wrk(hello_url, 10, 2)  # warm-up
            wrk(page_url, 10, 2, cookie)
            wrk(api_url, 10, 2, bearer)
            runs: dict[str, list[dict]] = {"hello": [], "page": [], "api": []}
            for _ in range(args.rounds):
                runs["hello"].append(_timed(hello_proc.pid, hello_url, args.seconds))
                runs["page"].append(_timed(app_proc.pid, page_url, args.seconds, cookie))
                runs["api"].append(_timed(app_proc.pid, api_url, args.seconds, bearer))
    for name in ("page", "api"):
        ratios = sorted(
            r["requests_per_s"] / h["requests_per_s"]
            for h, r in zip(runs["hello"], runs[name], strict=True)
        )
        result[f"ratios_{name}"] = [round(r, 3) for r in ratios]
        result[f"ratio_{name}"] = round(ratios[len(ratios) // 2], 3)
    for name in ("hello", "page", "api"):
        cpu = sorted(r["cpu_ms_per_request"] for r in runs[name])
        result[f"cpu_ms_{name}"] = cpu[len(cpu) // 2]
        result[f"cpu_ms_{name}_all"] = cpu
    for name in ("page", "api"):
        result[f"cpu_ratio_{name}"] = round(result["cpu_ms_hello"] / result[f"cpu_ms_{name}"], 3)
    for key, measured in runs.items():
        measured.sort(key=lambda r: r["requests_per_s"])
        result[f"{key}_c50"] = {
            **measured[len(measured) // 2],
            "all_requests_per_s": [r["requests_per_s"] for r in measured],
            # wrk's socket errors are its time-outs here: answers later than its 2 s
            "all_socket_errors": [r["socket_errors"] for r in measured],
        }
    result["targets"] = {
        "page_at_least_0.30": result["ratio_page"] >= 0.30,
        "api_at_least_0.30": result["ratio_api"] >= 0.30,
        "no_errors": all(
            r["non_2xx"] == 0 and r["socket_errors"] == 0 for k in ("page", "api") for r in runs[k]
        ),
    }
    result["load"]["after"] = load_average()
    save("inbox", result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
