"""Messages benchmark (issue 12): a message to every parent of a 3,000-student lycée
(≈ 5,500 recipients) accepted in under 2 s, against a reference measured in the same run.

Not a pytest test. Run: `.venv/bin/python -m tests.bench.messages_bench [--rounds 5]`

- The school: `tests.bench.lycee_db` (the generated lycée of the import benchmark, through
  the real import: 3,000 students, 5,500 legal guardians, 250 staff and teachers).
- Measured: `compose.send` by the CPE to "parents:all" (the list resolved, every
  recipient asked of the communication rules, the message, 5,500 copies, the audit row,
  in one transaction), wall time, median of the rounds; the resolution and rules alone
  (`compose.resolve`); and a teacher's message to the parents of a class they teach (each
  parent asked of the scope `parents_of_taught`).
- Reference (the floor of any send): one `executemany` of as many mailbox rows into the
  same table, in one transaction, in the same database.

Results go to tests/bench/results/messages.json (see `run_all.py` for docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from appliance.community import compose
from appliance.db import now_iso, rows, transaction
from appliance.directory import people
from appliance.security.audit import Actor
from tests.bench import lycee_db
from tests.bench.common import machine, save

TARGET_S = 2.0


def _timed(func) -> tuple[float, object]:
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _reference(conn, owners: list[int]) -> float:
    """One message row and one executemany of its mailbox rows, in one transaction (then
    removed)."""
    stamp = now_iso()
    start = time.perf_counter()
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO message (subject, created_at, updated_at, sent_at) VALUES (?, ?, ?, ?)",
            ("Référence", stamp, stamp, stamp),
        )
        conn.executemany(
            "INSERT INTO message_box (message_id, owner_id, role, folder, delivered_at) "
            "VALUES (?, ?, 'recipient', 'inbox', ?)",
            [(cur.lastrowid, pid, stamp) for pid in owners],
        )
    took = time.perf_counter() - start
    with transaction(conn):
        conn.execute("DELETE FROM message WHERE id = ?", (cur.lastrowid,))
    return took


def run(rounds: int, directory: Path) -> dict:
    conn, school = lycee_db.build(directory)
    files = directory / "files"
    cpe_id = rows(conn, "SELECT id FROM person WHERE profile = 'staff' AND function LIKE '%EDU%' "
                        "ORDER BY id LIMIT 1")[0]["id"]  # fmt: skip
    cpe = people.get_person(conn, cpe_id)
    actor = Actor(cpe_id, cpe["login"], "bench")
    draft = compose.Draft(to=["parents:all"], subject="Réunion parents-professeurs",
                          body="<p>Mardi 17 à partir de 17 h.</p>")  # fmt: skip
    sends, refs, resolves = [], [], []
    recipients = 0
    for _ in range(rounds):
        took, sent = _timed(lambda: compose.send(
            conn, files, cpe, draft, actor=actor, max_attachment_bytes=1 << 20))  # fmt: skip
        sends.append(took)
        recipients = sent.recipients  # type: ignore[attr-defined]
        refs.append(_reference(conn, sent.recipient_ids))  # type: ignore[attr-defined]
        took, _resolved = _timed(lambda: compose.resolve(conn, cpe, draft.to))
        resolves.append(took)
    teacher_id, code = rows(
        conn,
        "SELECT t.teacher_id, c.code FROM teaching t JOIN school_class c ON c.id = t.class_id "
        "ORDER BY t.id LIMIT 1",
    )[0].values()
    teacher = people.get_person(conn, teacher_id)
    class_draft = compose.Draft(to=[f"parents:class:{code}"], subject="Sortie")
    class_times, class_recipients = [], 0
    for _ in range(rounds):
        took, sent = _timed(lambda: compose.send(
            conn, files, teacher, class_draft, actor=Actor(teacher_id, teacher["login"]),
            max_attachment_bytes=1 << 20))  # fmt: skip
        class_times.append(took)
        class_recipients = sent.recipients  # type: ignore[attr-defined]
    median = statistics.median(sends)
    reference = statistics.median(refs)
    return {
        "machine": machine(),
        "rounds": rounds,
        "school": {k: school.expected[k] for k in ("student", "relative", "teacher", "staff")},
        "recipients": recipients,
        "send_s": round(median, 3),
        "send_rounds_s": [round(t, 3) for t in sends],
        "resolve_s": round(statistics.median(resolves), 3),
        "reference_s": round(reference, 3),
        "send_over_reference": round(median / reference, 1) if reference else None,
        "class_list": {
            "recipients": class_recipients,
            "send_s": round(statistics.median(class_times), 3),
        },  # fmt: skip
        "targets": {"under_2s": median < TARGET_S},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cartable-bench-") as tmp:
        result = run(args.rounds, Path(tmp))
    path = save("messages", result)
    print(
        f"{result['recipients']} recipients: send {result['send_s']} s (median of "
        f"{args.rounds}; rounds {result['send_rounds_s']}), resolution and rules "
        f"{result['resolve_s']} s, reference {result['reference_s']} s; a class's parents "
        f"({result['class_list']['recipients']}): {result['class_list']['send_s']} s; "
        f"under 2 s: {result['targets']['under_2s']} → {path}"
    )


if __name__ == "__main__":
    main()
