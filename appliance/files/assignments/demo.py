"""The demo school's devoirs à rendre (`cartable run --demo`, `make run`).

`ensure(conn, files_dir)` writes, when the demo has none, three works through the real
services: a lab report for 5A due in a few days (two pupils handed it in already), a
rédaction for 4B whose due time has passed (one handed in on time and corrected with a
comment and a corrected file, one late, one missing), and a devoir maison for 4B due soon
that accepts no late hand-in. What the pages of a student, a parent and a teacher show on
the first visit. This is a demo, never a real school.
"""

from __future__ import annotations

import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from appliance import timefmt
from appliance.db import scalar
from appliance.directory import people
from appliance.errors import NotFound
from appliance.files.assignments import handins, works
from appliance.files.config_keys import DEFAULT_QUOTA_MB
from appliance.schoollife.diary import audiences
from appliance.security.audit import Actor

# The configuration's defaults (the demo writes before any box is configured).
_CONFIG: dict[str, Any] = {
    **{f"files.quota_mb_{p}": mb for p, mb in DEFAULT_QUOTA_MB.items()},
    "files.max_upload_mb": 500,
}


def _pdf(text: str) -> bytes:
    """A tiny one-page PDF saying `text` (enough for a browser to open it)."""
    body = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))  # fmt: skip
    return out.getvalue()


def _person(conn: sqlite3.Connection, login: str) -> dict[str, Any] | None:
    try:
        return people.get_by_login(conn, login)
    except NotFound:
        return None


def _local(moment: datetime) -> str:
    return moment.astimezone(timefmt.zone()).strftime("%Y-%m-%dT%H:%M")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _files(files_dir: Path, *pairs: tuple[str, bytes]) -> list[works.Upload]:
    return works.store_files(
        files_dir, [(io.BytesIO(data), name) for name, data in pairs], max_bytes=1 << 20
    )


def _give(conn, files_dir, login, code, subject, title, text, due, late, attachment=None):
    teacher = _person(conn, login)
    if teacher is None:
        return None
    files = _files(files_dir, attachment) if attachment else []
    return works.create(
        conn, _CONFIG, Actor(teacher["id"], teacher["login"], None), teacher,
        audience=audiences.by_code(conn, "class", code), subject_code=subject, title=title,
        instructions=text, due=_local(due), late_allowed=late, files=files,
    )  # fmt: skip


def _hand(conn, files_dir, item, login, name, data, at):
    student = _person(conn, login)
    if student is None or item is None:
        return None
    actor = Actor(student["id"], student["login"], None)
    return handins.hand_in(conn, _CONFIG, actor, student, item, _files(files_dir, (name, data)),
                           now=_iso(at))  # fmt: skip


def ensure(conn: sqlite3.Connection, files_dir: Path, *, now: datetime | None = None) -> bool:
    """Write the demo's works and hand-ins when it has none (see the module doc); True
    when something was written."""
    if scalar(conn, "SELECT count(*) FROM assignment"):
        return False
    if _person(conn, "marie.curie") is None:
        return False
    now = now or datetime.now(UTC)
    evening = now.astimezone(timefmt.zone()).replace(hour=18, minute=0, second=0, microsecond=0)
    lab = _give(
        conn, files_dir, "marie.curie", "5A", "L1500",
        "Compte rendu du TP : la fusion de la glace",
        "Rédigez le compte rendu du TP (protocole, mesures, courbe, conclusion).\n\n"
        "Une page, en PDF ou en photo lisible.",
        evening + timedelta(days=5), True, ("fiche-tp-fusion.pdf", _pdf("TP : la fusion")),
    )  # fmt: skip
    _hand(conn, files_dir, lab, "lea.martin", "compte-rendu-lea.pdf",
          _pdf("Compte rendu de Lea"), now - timedelta(hours=2))  # fmt: skip
    _hand(conn, files_dir, lab, "zoe.lefevre", "tp-fusion.pdf",
          _pdf("Compte rendu de Zoe"), now - timedelta(hours=1))  # fmt: skip
    # The rédaction: given last week, due two days ago (its due time moved back once the
    # hand-ins were written, as time would have).
    due = evening - timedelta(days=2)
    portrait = _give(
        conn, files_dir, "victor.hugo", "4B", "L0202",
        "Rédaction : le portrait d'un personnage",
        "Faites le portrait d'un personnage de votre choix en quinze lignes : son physique, "
        "son caractère, une scène qui le montre.",
        evening + timedelta(days=1), True,
    )  # fmt: skip
    if portrait is not None:
        conn.execute("UPDATE assignment SET due_at = ? WHERE id = ?", (_iso(due), portrait["id"]))
        portrait = works.get(conn, portrait["id"])
        hugo = _hand(conn, files_dir, portrait, "hugo.martin", "portrait.txt",
                     "Mon grand-père a les mains d'un jardinier...".encode(),
                     due - timedelta(days=1))  # fmt: skip
        _hand(conn, files_dir, portrait, "ines.dubois", "redaction-ines.txt",
              b"Elle s'appelle Rose et rit tout le temps.",
              due + timedelta(hours=3))  # fmt: skip
        teacher = _person(conn, "victor.hugo")
        if hugo is not None and teacher is not None:
            handins.give_back(
                conn, _CONFIG, Actor(teacher["id"], teacher["login"], None), teacher,
                portrait, hugo["student_id"],
                comment="Un portrait vivant. Attention aux accords du participe passé.",
                corrected=_files(files_dir, ("portrait-corrige.pdf",
                                             _pdf("Portrait : 15/20")))[0],
            )  # fmt: skip
    _give(
        conn, files_dir, "ada.lovelace", "4B", "L1300", "Devoir maison : le théorème de Pythagore",
        "Exercices 12 à 15 page 88, rédigés. Rendez une photo ou un scan de votre copie.",
        evening + timedelta(days=3), False,
    )  # fmt: skip
    return True
