"""The demo school's documents (`cartable run --demo`, `make run`): Marie Curie's folder
"Cours" with a PDF and a note, the 5A class folder with "Sortie au planétarium" opened to
parents (the letter to families) and "Exercices" for the students; Léa Martin's own
"Exposé" folder with her draft shared with her teacher. Written through the real service
(the quota counts them). This is a demo, never a real school."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from appliance import blobs
from appliance.db import one, scalar
from appliance.files import nodes, sharing
from appliance.files.config_keys import DEFAULT_QUOTA_MB
from appliance.security.audit import Actor

_QUOTAS = {f"files.quota_mb_{p}": mb for p, mb in DEFAULT_QUOTA_MB.items()}


def _pdf(title: str) -> bytes:
    text = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("latin-1", "replace")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
        b"4 0 obj<</Length " + str(len(text)).encode() + b">>stream\n" + text +
        b"\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )  # fmt: skip


def _person(conn: sqlite3.Connection, login: str) -> dict | None:
    return one(conn, "SELECT id, login, profile, state, function FROM person WHERE login = ?",
               (login,))  # fmt: skip


def _put(conn, files_dir: Path, who: dict, folder: dict, name: str, data: bytes) -> dict:
    writer = blobs.Writer(files_dir, max_bytes=len(data) + 1)
    writer.write(data)
    actor = Actor(who["id"], who["login"], None)
    node = nodes.add_file(conn, actor, _QUOTAS, who, nodes.target(conn, folder["id"]), name, writer)
    return node


def ensure(conn: sqlite3.Connection, files_dir: Path) -> bool:
    """Give the demo school its documents when it has none; True when some were added."""
    if scalar(conn, "SELECT 1 FROM file_node WHERE kind = 'file' LIMIT 1"):
        return False
    marie, lea = _person(conn, "marie.curie"), _person(conn, "lea.martin")
    class_5a = one(conn, "SELECT id FROM school_class WHERE code = '5A'")
    if marie is None or lea is None or class_5a is None:
        return False
    teacher = Actor(marie["id"], marie["login"], None)
    own = nodes.target(conn, nodes.personal_root(conn, marie)["id"])
    cours = nodes.create_folder(conn, teacher, own, "Cours")
    _put(conn, files_dir, marie, cours, "Chapitre 3 - La matière.pdf", _pdf("Chapitre 3"))
    _put(conn, files_dir, marie, cours, "Idées de TP.txt",
         "Densité de l'huile, dissolution du sel, filtration.\n".encode())  # fmt: skip
    space = nodes.target(conn, nodes.root(conn, "class", class_5a["id"])["id"])
    trip = nodes.create_folder(conn, teacher, space, "Sortie au planétarium")
    nodes.set_parents_read(conn, teacher, nodes.target(conn, trip["id"]), True)
    _put(conn, files_dir, marie, trip, "Lettre aux familles.pdf", _pdf("Sortie du 12 mars"))
    exercises = nodes.create_folder(conn, teacher, space, "Exercices")
    _put(conn, files_dir, marie, exercises, "Fiche 1 - Mélanges.pdf", _pdf("Fiche 1"))
    pupil = Actor(lea["id"], lea["login"], None)
    mine = nodes.target(conn, nodes.personal_root(conn, lea)["id"])
    talk = nodes.create_folder(conn, pupil, mine, "Exposé")
    draft = _put(conn, files_dir, lea, talk, "Brouillon exposé.txt",
                 io.BytesIO("Les planètes du système solaire.\n".encode()).read())  # fmt: skip
    sharing.share_with_people(conn, pupil, lea, nodes.target(conn, draft["id"]), ["marie.curie"])
    return True


def demo_step(conn: sqlite3.Connection, data_dir: Path) -> bool:
    """The manifest's demo step (`Feature.demo`): `ensure` with the data's `files/`."""
    return ensure(conn, data_dir / "files")
