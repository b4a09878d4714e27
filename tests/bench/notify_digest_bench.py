"""The daily notification digest of a lycée (issue 12): 8,750 people, one digest each,
through a real SMTP server on loopback, against a bare smtplib reference in the same run.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.notify_digest_bench [--people N]`

- The school: 3,000 students, 5,500 guardians, 250 staff and teachers (the lycée of the
  import benchmark), each with an e-mail address, written straight into a fresh box.
- The day: three `emit` calls to everyone (homework, a forum answer, marks published:
  all in the daily digest by default), 26,250 entries, written the day before.
- Timed: one digest run at 06:30 (`notifications_mail.send_due`: reckoning when each
  entry goes, claiming them, composing 8,750 digests, sending them over one connection,
  recording the outcome). Target: under 60 s.
- Reference: the same number of mails of the same size sent with bare smtplib over one
  connection to the same server (the floor any sender pays), measured in the same run.
- The SMTP server (aiosmtpd) runs in its own process, as a relay would on its machine,
  and counts the mails and connections it received.

Results go to tests/bench/results/notify_digest.json; the section of docs/benchmarks.md
is `render_section`.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from appliance import config as config_mod
from appliance.community import notifications, notifications_mail
from appliance.core import create_box
from appliance.db import now_iso, transaction
from appliance.school import set_school
from tests.bench.common import free_port, machine, save

TARGET_S = 60.0
SHARES = (("student", 3000), ("relative", 5500), ("teacher", 250))

# The relay: aiosmtpd in its own process, counting what it receives; prints the counts
# as JSON when its standard input closes.
_SERVER = """
import json, sys
from aiosmtpd.controller import Controller
class Count:
    def __init__(self): self.mails, self.peers, self.bytes = 0, set(), 0
    async def handle_DATA(self, server, session, envelope):
        self.mails += 1; self.peers.add(session.peer); self.bytes += len(envelope.content)
        return "250 OK"
h = Count()
c = Controller(h, hostname="127.0.0.1", port=int(sys.argv[1]), data_size_limit=0)
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
print(json.dumps({"mails": h.mails, "connections": len(h.peers), "bytes": h.bytes}), flush=True)
"""


class Relay:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(self.port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def counts(self) -> dict:
        out, _err = self.proc.communicate(timeout=60)
        return json.loads(out.strip().splitlines()[-1])


def _school(conn, n_people: int) -> list[int]:
    """People with addresses, in the lycée's shares; returns their ids."""
    total = sum(n for _p, n in SHARES)
    stamp = now_iso()
    rows = []
    for profile, n in SHARES:
        for i in range(round(n * n_people / total)):
            login = f"{profile}.{i}"
            rows.append((login, profile, f"P{i}", profile.capitalize(), f"{login}@lycee.test",
                         stamp, stamp))  # fmt: skip
    with transaction(conn):
        conn.executemany(
            "INSERT INTO person (login, profile, first_name, last_name, email, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return [r[0] for r in conn.execute("SELECT id FROM person ORDER BY id")]


def _reference(port: int, n: int, size: int) -> float:
    """Seconds to send `n` mails of `size` bytes with bare smtplib over one connection."""
    from email.message import EmailMessage

    body = ("Une ligne de texte d'un résumé de notifications, avec un lien.\n" * 40)[:size]
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        for i in range(n):
            msg = EmailMessage()
            msg["From"], msg["To"], msg["Subject"] = "ent@lycee.test", f"p{i}@lycee.test", "x"
            msg.set_content(body)
            smtp.send_message(msg)
    return time.perf_counter() - start


def run(n_people: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="cartable-digest-") as tmp:
        relay = Relay()
        path = Path(tmp) / "cartable.toml"
        path.write_text(
            f'[mail]\nhost = "127.0.0.1"\nport = {relay.port}\nstarttls = false\n'
            'from = "ent@lycee.test"\n[web]\npublic_url = "https://ent.lycee.test"\n',
            encoding="utf-8",
        )
        box = create_box(config_mod.load(path, Path(tmp) / "data", env={}))
        conn = box.conn()
        set_school(conn, uai="0679999X", name="Lycée du banc d'essai")
        ids = _school(conn, n_people)
        t0 = time.perf_counter()
        for type_, text_ in (
            ("homework", "Exercices 3 à 7 page 112 pour jeudi"),
            ("forum_reply", "Mme Curie a répondu au sujet « Révisions du bac blanc »"),
            ("marks", "Notes publiées : devoir surveillé n° 3 de physique-chimie"),
        ):
            notifications.emit(conn, ids, type_, text_, "/cahier-de-textes")
        emit_s = time.perf_counter() - t0
        # Written yesterday at 17:00; the digest run is today at 06:30.
        paris = ZoneInfo("Europe/Paris")
        today = datetime.now(paris).replace(hour=6, minute=30, second=0, microsecond=0)
        yesterday = (today - timedelta(days=1)).replace(hour=17, minute=0)
        conn.execute(
            "UPDATE notification SET created_at = ?",
            (yesterday.astimezone(UTC).replace(microsecond=0).isoformat(),),
        )
        mail_run = notifications_mail.MailRun.for_box(box)
        t0 = time.perf_counter()
        done = notifications_mail.send_due(conn, mail_run, today.timestamp())
        digest_s = time.perf_counter() - t0
        again = notifications_mail.send_due(conn, mail_run, today.timestamp() + 60)
        got = relay.counts()
        reference = Relay()
        mean_size = got["bytes"] // max(got["mails"], 1)
        reference_s = _reference(reference.port, done["sent"], mean_size)
        ref_got = reference.counts()
    return {
        "command": "python -m tests.bench.notify_digest_bench"
        + (f" --people {n_people}" if n_people != 8750 else ""),
        "people": len(ids),
        "entries": len(ids) * 3,
        "emit_s": round(emit_s, 2),
        "digest_s": round(digest_s, 2),
        "sent": done["sent"],
        "failed": done["failed"],
        "sent_again": again["sent"],
        "relay": got,
        "mean_mail_bytes": mean_size,
        "reference_s": round(reference_s, 2),
        "reference_relay": ref_got,
        "ratio_to_reference": round(digest_s / reference_s, 2) if reference_s else None,
        "mails_per_s": round(done["sent"] / digest_s) if digest_s else None,
        "targets": {
            "digest_under_60s": digest_s < TARGET_S,
            "one_connection": got["connections"] == 1,
            "each_person_once": got["mails"] == len(ids) and again["sent"] == 0,
        },
        "machine": machine(),
    }


def render_section(r: dict) -> list[str]:
    """The section of docs/benchmarks.md."""
    ok = {True: "met", False: "**not met**"}
    t = r["targets"]
    return [
        "## Notifications: the daily digest of a lycée (issue 12)",
        "",
        f"Command: `.venv/bin/{r['command']}` ({r['machine']['date']}). {r['people']:,} people "
        f"(students, guardians, staff in the lycée's shares), {r['entries']:,} entries of the "
        "day before (homework, a forum answer, marks: all in the daily digest), one digest "
        "run at 06:30 against aiosmtpd on loopback in its own process. Reference: as many "
        "mails of the same mean size sent with bare smtplib over one connection to the same "
        "server, in the same run.",
        "",
        "| what | mails | connections | seconds | mails/s |",
        "|---|---|---|---|---|",
        f"| bare smtplib (reference) | {r['reference_relay']['mails']:,} | "
        f"{r['reference_relay']['connections']} | {r['reference_s']} | "
        f"{round(r['reference_relay']['mails'] / r['reference_s']) if r['reference_s'] else '–'} |",
        f"| Cartable digest run | {r['relay']['mails']:,} | {r['relay']['connections']} | "
        f"**{r['digest_s']}** | {r['mails_per_s']} |",
        "",
        f"- under 60 s: {ok[t['digest_under_60s']]}; {r['ratio_to_reference']} × the bare "
        f"reference (composing {r['mean_mail_bytes']:,}-byte digests from the entries, the "
        "claim and the outcome in SQLite)",
        f"- one SMTP connection: {ok[t['one_connection']]}; each person once, and nothing "
        f"again a minute later: {ok[t['each_person_once']]}",
        f"- writing the day's entries (three `emit` calls to everyone): {r['emit_s']} s",
        "",
    ]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8750)
    args = parser.parse_args(argv)
    result = run(args.people)
    save("notify_digest", result)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
