"""The documents' pages (plain forms, no JavaScript): upload, folder, the folder page past
its first page (files/folder.html), rename, trash, restore, delete for good, the quota bar
and its 80 % warning, a class folder opened to parents; and the quota of other services
(message and homework attachments), the trash's nightly purge, the RGPD export and purge."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from appliance import blobs
from appliance.community import compose, mailbox
from appliance.directory import export, lifecycle
from appliance.files import nodes, quota
from appliance.security.audit import Actor
from tests.conftest import csrf_token, login, text
from tests.integration.files.conftest import bearer


def _in(client, who) -> None:
    r = login(client, who["login"], who["password"])
    assert r.status_code == 302


def _upload_page(client, folder_id: int, files: list[tuple[str, bytes]]):
    token = csrf_token(client, f"/documents/dossier/{folder_id}")
    return client.post(
        f"/documents/dossier/{folder_id}/deposer",
        data={"csrf_token": token, "file": [(io.BytesIO(d), n) for n, d in files]},
        content_type="multipart/form-data",
    )


def test_upload_folder_rename_trash_restore_purge_through_the_pages(client, school, conn, box):
    student = school["student"]
    _in(client, student)
    home = client.get("/documents/")
    assert home.status_code == 200 and 'id="quota"' in text(home)
    root = nodes.personal_root(conn, student["person"])["id"]
    r = _upload_page(client, root, [("cours.pdf", b"%PDF-1.4 cours"), ("notes.txt", b"notes")])
    assert r.status_code == 302
    page = text(client.get(f"/documents/dossier/{root}"))
    assert "cours.pdf" in page and "notes.txt" in page
    token = csrf_token(client, "/documents/")
    client.post(f"/documents/dossier/{root}/nouveau", data={"csrf_token": token, "name": "SVT"})
    assert "SVT" in text(client.get("/documents/"))
    doc = next(n for n in nodes.children(conn, root) if n["name"] == "notes.txt")
    client.post(f"/documents/{doc['id']}/renommer", data={"csrf_token": token, "name": "a/b.txt"})
    assert nodes.get(conn, doc["id"])["name"] == "b.txt"
    r = client.post(f"/documents/{doc['id']}/supprimer", data={"csrf_token": token})
    assert r.status_code == 302
    assert "b.txt" not in _listed(client.get("/documents/"))
    trash = text(client.get("/documents/corbeille"))
    assert "<strong>b.txt</strong>" in trash and "encore 30 jours" in trash
    client.post(f"/documents/{doc['id']}/restaurer", data={"csrf_token": token})
    assert "b.txt" in _listed(client.get("/documents/"))
    client.post(f"/documents/{doc['id']}/supprimer", data={"csrf_token": token})
    used = quota.used_bytes(conn, student["id"])
    client.post(f"/documents/{doc['id']}/supprimer-definitivement", data={"csrf_token": token})
    assert quota.used_bytes(conn, student["id"]) == used - len(b"notes")
    assert "<strong>b.txt</strong>" not in text(client.get("/documents/corbeille"))
    # The download of the PDF that stays.
    pdf = next(n for n in nodes.children(conn, root) if n["name"] == "cours.pdf")
    got = client.get(f"/documents/{pdf['id']}/telecharger")
    assert got.status_code == 200 and got.data == b"%PDF-1.4 cours"


def _listed(response) -> list[str]:
    return re.findall(
        r'class="node (?:file|folder)" href="[^"]+">(?:📁 )?([^<]+)</a>', text(response)
    )


def test_folder_page_shows_every_page(client, school, conn):
    """files/folder.html: 250 things, pages of 100, each shown once, folders first."""
    student = school["student"]
    actor = Actor(student["id"], student["login"])
    root = nodes.target(conn, nodes.personal_root(conn, student["person"])["id"])
    nodes.create_folder(conn, actor, root, "zz dossier")
    quotas = {f"files.quota_mb_{p}": 100 for p in quota.PROFILES}
    for i in range(249):
        writer = blobs.Writer(conn_files(client), max_bytes=1024)
        writer.write(f"fichier {i}".encode())
        nodes.add_file(conn, actor, quotas, student["person"], root, f"f{i:03d}.txt", writer)
    _in(client, student)
    first = text(client.get("/documents/"))
    assert "Page 1 sur 3" in first
    seen = []
    for page in (1, 2, 3):
        html = text(client.get(f"/documents/?page={page}"))
        seen += re.findall(r'class="node (?:file|folder)" href="[^"]+">(?:📁 )?([^<]+)</a>', html)
    assert seen == ["zz dossier", *(f"f{i:03d}.txt" for i in range(249))]
    past = text(client.get("/documents/?page=99"))
    assert "Page 3 sur 3" in past


def conn_files(client):
    return client.application.extensions["cartable.box"].config.files_dir


def test_a_class_folder_opened_to_parents(client, school, conn):
    teacher, parent = school["teacher"], school["parent"]
    _in(client, teacher)
    assert client.get(f"/documents/classes/{school['class_5a']}").status_code == 200
    root = nodes.root(conn, "class", school["class_5a"])["id"]
    token = csrf_token(client, "/documents/")
    for name in ("Sortie", "Cours"):
        client.post(f"/documents/dossier/{root}/nouveau", data={"csrf_token": token, "name": name})
    trip = next(n for n in nodes.children(conn, root) if n["name"] == "Sortie")
    client.post(f"/documents/{trip['id']}/parents", data={"csrf_token": token, "on": "1"})
    _upload_page(client, trip["id"], [("lettre.pdf", b"%PDF-1.4 lettre")])
    client.get("/logout")
    parents = client.application.test_client()
    _in(parents, parent)
    page = text(parents.get(f"/documents/classes/{school['class_5a']}"))
    assert "Sortie" in page and "Cours" not in page
    letter = next(iter(nodes.children(conn, trip["id"])))
    assert parents.get(f"/documents/{letter['id']}/telecharger").status_code == 200
    cours = next(n for n in nodes.children(conn, root) if n["name"] == "Cours")
    assert parents.get(f"/documents/dossier/{cours['id']}").status_code == 404
    assert parents.get(f"/documents/classes/{school['class_4b']}").status_code == 404


def test_message_and_homework_attachments_count_in_their_owners_quota(conn, box, school):
    teacher = school["teacher"]
    draft = compose.Draft(
        to=[school["student"]["login"]], subject="Sortie", body="Voir la pièce jointe.",
        files=[("programme.pdf", io.BytesIO(b"%PDF-1.4 " + b"p" * 1000))],
    )  # fmt: skip
    actor = Actor(teacher["id"], teacher["login"])
    sent = compose.send(conn, box.config.files_dir, teacher["person"], draft, actor=actor,
                        max_attachment_bytes=1 << 20)  # fmt: skip
    assert quota.used_bytes(conn, teacher["id"]) == 1009
    # Deleted for good by everyone who held it: freed.
    for who in (teacher, school["student"]):
        mailbox.delete(conn, who["person"], sent.id)
        mailbox.delete(conn, who["person"], sent.id)
    assert quota.used_bytes(conn, teacher["id"]) == 0
    from appliance.schoollife.diary import homework

    conn.execute("INSERT INTO subject (code, name) VALUES ('061300', 'Mathématiques')")
    blob = blobs.write_bytes(box.config.files_dir, b"%PDF-1.4 sujet", max_bytes=1 << 20)
    item = homework.create(
        conn, actor, audience={"kind": "class", "id": school["class_5a"], "code": "5A",
                               "name": "5A"},
        subject_code="061300", text="Exercice", kind="exercise",
        due=datetime.now(UTC).date() + timedelta(days=3),
        attachments=[homework.Attachment(blob, "sujet.pdf")],
    )  # fmt: skip
    assert quota.used_bytes(conn, teacher["id"]) == len(b"%PDF-1.4 sujet")
    homework.delete(conn, actor, item["id"])
    assert quota.used_bytes(conn, teacher["id"]) == 0


def test_a_full_space_refuses_a_message_attachment(conn, box, school, tmp_path):
    from appliance.community.compose import Draft

    quota.use_config({f"files.quota_mb_{p}": 1 for p in quota.PROFILES})
    try:
        teacher = school["teacher"]
        big = Draft(to=[school["student"]["login"]], subject="Gros", body="x",
                    files=[("gros.bin", io.BytesIO(b"z" * (1100 * 1024)))])  # fmt: skip
        with pytest.raises(quota.QuotaExceeded):
            compose.send(conn, box.config.files_dir, teacher["person"], big,
                         actor=Actor(teacher["id"], teacher["login"]),
                         max_attachment_bytes=4 << 20)  # fmt: skip
        assert conn.execute("SELECT count(*) FROM message").fetchone()[0] == 0
        assert quota.used_bytes(conn, teacher["id"]) == 0
    finally:
        quota.use_config(box.config)


def test_the_trash_is_emptied_after_trash_days(conn, box, school, client):
    student = school["student"]
    r = client.post("/api/v1/files", data={"file": (io.BytesIO(b"vieux"), "vieux.txt")},
                    headers=bearer(student), content_type="multipart/form-data")  # fmt: skip
    doc = r.get_json()
    assert client.delete(f"/api/v1/files/{doc['id']}", headers=bearer(student)).status_code == 204
    assert nodes.purge_trash(conn, 30) == 0
    later = datetime.now(UTC) + timedelta(days=31)
    assert nodes.purge_trash(conn, 30, now=later) == 1
    assert quota.used_bytes(conn, student["id"]) == 0
    # The content nothing uses is removed by the weekly clean-up (`cartable files gc`).
    done = blobs.collect_garbage(conn, box.config.files_dir)
    assert done["removed"] == 1


def test_rgpd_export_and_purge_cover_the_documents(conn, box, school, client):
    student = school["student"]
    h = bearer(student)
    folder = client.post("/api/v1/files/folders", json={"name": "Exposé"}, headers=h).get_json()
    client.post("/api/v1/files", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "expo.pdf"),
                                       "folder": str(folder["id"])},
                headers=h, content_type="multipart/form-data")  # fmt: skip
    data, _name = export.export_zip(conn, student["id"])
    files = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("files.json"))
    paths = {d["path"] for d in files["documents"]}
    assert "Mes documents/Exposé/expo.pdf" in paths
    assert files["quota"]["used"] == len(b"%PDF-1.4 x")
    # Purged: the rows go with the person (their contents with the weekly clean-up).
    conn.execute(
        "UPDATE person SET state = 'disabled', departed_on = '2020-01-01' WHERE id = ?",
        (student["id"],),
    )
    conn.commit()
    report = lifecycle.run_lifecycle(conn, datetime.now(UTC).date())
    assert [p["id"] for p in report.purged] == [student["id"]]
    left = conn.execute(
        "SELECT count(*) FROM file_node WHERE space_kind = 'person' AND space_id = ?",
        (student["id"],),
    ).fetchone()[0]
    assert left == 0
    assert conn.execute("SELECT count(*) FROM file_charge").fetchone()[0] == 0
    assert blobs.collect_garbage(conn, box.config.files_dir)["removed"] == 1


def test_a_departed_teachers_class_documents_stay_the_classs(conn, client, school):
    """Purging a teacher takes their own space, never a class's documents: what they put in
    the 5A folder (and a colleague's file inside a folder they made) stays for the class."""
    from tests.conftest import make_person

    teacher = school["teacher"]
    other_id, other_login, _pw = make_person(conn, "teacher", first_name="Colleague")
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id, head_teacher) VALUES (?, ?, 0)",
        (other_id, school["class_5a"]),
    )
    from appliance.security import audit, tokens

    _id, other_token = tokens.create(conn, other_id, "tests", actor=audit.SYSTEM)
    conn.commit()
    root = client.get("/api/v1/classes/class:5A/files", headers=bearer(teacher)).get_json()
    made = client.post("/api/v1/files/folders", headers=bearer(teacher),
                       json={"parent": root["folder"]["id"], "name": "Cours"})  # fmt: skip
    assert made.status_code == 201, made.get_json()
    folder = made.get_json()["id"]
    for token, name in ((teacher["token"], "chapitre1.pdf"), (other_token, "exos.pdf")):
        r = client.post("/api/v1/files", headers={"Authorization": f"Bearer {token}"},
                        data={"file": (io.BytesIO(b"%PDF-1.4 " + name.encode()), name),
                              "folder": str(folder)},
                        content_type="multipart/form-data")  # fmt: skip
        assert r.status_code == 201, r.get_json()
    conn.execute(
        "UPDATE person SET state = 'disabled', departed_on = '2020-01-01' WHERE id = ?",
        (teacher["id"],),
    )
    conn.commit()
    report = lifecycle.run_lifecycle(conn, datetime.now(UTC).date())
    assert teacher["id"] in [p["id"] for p in report.purged]
    listing = client.get(f"/api/v1/files?folder={folder}",
                         headers={"Authorization": f"Bearer {other_token}"}).get_json()  # fmt: skip
    assert sorted(i["name"] for i in listing["items"]) == ["chapitre1.pdf", "exos.pdf"]
    student = client.get(f"/api/v1/files?folder={folder}", headers=bearer(school["student"]))
    assert student.status_code == 200 and len(student.get_json()["items"]) == 2
