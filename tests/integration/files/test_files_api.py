"""The documents' JSON API on a real database and store: upload, list, folders, rename,
move, trash, share, class folders; names that try to reach the disk; an HTML file
downloaded as an attachment; one copy of a content uploaded twice; the quota."""

from __future__ import annotations

import io

from appliance import blobs
from tests.integration.files.conftest import bearer


def _upload(client, who, name, data: bytes, folder=None):
    form = {"file": (io.BytesIO(data), name)}
    if folder is not None:
        form["folder"] = str(folder)
    return client.post(
        "/api/v1/files", data=form, headers=bearer(who), content_type="multipart/form-data"
    )


def _store_files(box) -> list:
    base = blobs.root(box.config.files_dir)
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def test_upload_list_download_a_document(client, school, box, conn):
    student = school["student"]
    r = _upload(client, student, "Exposé été.pdf", b"%PDF-1.4 mon expose\n")
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["name"] == "Exposé été.pdf" and made["kind"] == "file"
    assert made["type"] == "application/pdf" and made["size"] == 20
    listing = client.get("/api/v1/files", headers=bearer(student)).get_json()
    assert listing["folder"]["space"] == "person" and listing["folder"]["writable"]
    assert [i["name"] for i in listing["items"]] == ["Exposé été.pdf"]
    assert set(listing["items"][0]) == {
        "id", "name", "kind", "size", "type", "modified", "shared_with"
    }  # fmt: skip
    assert listing["quota"]["used"] == 20
    assert listing["quota"]["limit"] == 1024 * 1024 * 1024
    got = client.get(f"/api/v1/files/{made['id']}/content", headers=bearer(student))
    assert got.status_code == 200 and got.data == b"%PDF-1.4 mon expose\n"
    assert got.mimetype == "application/pdf"
    # Someone else's document: the same 404 as one that does not exist.
    other = client.get(f"/api/v1/files/{made['id']}/content", headers=bearer(school["outsider"]))
    missing = client.get("/api/v1/files/999999/content", headers=bearer(school["outsider"]))
    assert other.status_code == missing.status_code == 404
    assert other.get_json() == missing.get_json()


def test_an_html_file_is_downloaded_as_an_attachment_whatever_its_name(client, school):
    student = school["student"]
    page = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
    made = _upload(client, student, "devoir.pdf", page).get_json()
    assert made["type"] == "text/html"  # from the content, not the name
    got = client.get(f"/api/v1/files/{made['id']}/content", headers=bearer(student))
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.mimetype == "text/html"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in got.headers["Content-Security-Policy"]
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    made = _upload(client, student, "image.png", svg).get_json()
    got = client.get(f"/api/v1/files/{made['id']}/content", headers=bearer(student))
    assert got.mimetype == "image/svg+xml"
    assert got.headers["Content-Disposition"].startswith("attachment")
    script = _upload(client, student, "jeu.js", b"fetch('/api/v1/me').then(alert)").get_json()
    got = client.get(f"/api/v1/files/{script['id']}/content", headers=bearer(student))
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.mimetype == "text/plain"  # from the content; never application/javascript
    # A PDF is shown in the browser (it cannot run scripts of the portal's origin).
    made = _upload(client, student, "cours", b"%PDF-1.7 cours").get_json()
    got = client.get(f"/api/v1/files/{made['id']}/content", headers=bearer(student))
    assert got.headers["Content-Disposition"].startswith("inline")


def test_names_with_dot_dot_slashes_and_nul_never_reach_the_disk(client, school, box):
    student = school["student"]
    before = set(box.config.data_dir.rglob("*"))
    for name in ("../../etc/passwd", "..\\..\\secret.txt", "a\x00b.txt", "CON", "\x01\x7f.txt"):
        r = _upload(client, student, name, f"contenu de {name!r}".encode())
        assert r.status_code == 201, (name, r.get_json())
        label = r.get_json()["name"]
        assert "/" not in label and "\\" not in label and "\x00" not in label
        assert not label.startswith(".")
    assert {
        i["name"] for i in client.get("/api/v1/files", headers=bearer(student)).get_json()["items"]
    } == {"passwd", "secret.txt", "ab.txt", "_CON", "txt"}
    made = client.post(
        "/api/v1/files/folders", json={"name": "../../x\x00y"}, headers=bearer(student)
    )
    assert made.status_code == 201 and made.get_json()["name"] == "xy"
    renamed = client.patch(
        f"/api/v1/files/{made.get_json()['id']}", json={"name": "../../../../tmp/evil"},
        headers=bearer(student),
    )  # fmt: skip
    assert renamed.get_json()["name"] == "evil"
    # Nothing was written outside the store's content-addressed files and the database.
    added = set(box.config.data_dir.rglob("*")) - before
    for path in added:
        rel = path.relative_to(box.config.data_dir)
        assert rel.parts[0] in ("files", "cartable.db-wal", "cartable.db-shm"), rel
        if path.is_file() and rel.parts[0] == "files":
            assert len(path.name) == 64 and path.parent.parent == blobs.root(box.config.files_dir)


def test_the_same_content_uploaded_twice_and_shared_is_stored_once(client, school, box, conn):
    teacher, student = school["teacher"], school["student"]
    data = b"%PDF-1.4 la meme fiche " + b"x" * 5000
    one = _upload(client, teacher, "fiche.pdf", data).get_json()
    two = _upload(client, teacher, "fiche.pdf", data).get_json()
    three = _upload(client, student, "copie.pdf", data).get_json()
    assert two["name"] == "fiche (2).pdf"
    shared = client.post(
        f"/api/v1/files/{one['id']}/share", json={"audience": {"kind": "class", "code": "5A"}},
        headers=bearer(teacher),
    )  # fmt: skip
    assert shared.status_code == 200
    assert shared.get_json()["shared_with"] == [{"kind": "class", "code": "5A", "name": "5A"}]
    assert [p.name for p in _store_files(box)] == [_sha(data)]
    assert three["size"] == len(data)
    # Each of the three counts in its owner's quota.
    used = client.get("/api/v1/files", headers=bearer(teacher)).get_json()["quota"]["used"]
    assert used == 2 * len(data)
    # The class's student reads the shared sheet, another class's does not.
    got = client.get(f"/api/v1/files/{one['id']}/content", headers=bearer(school["student2"]))
    assert got.status_code == 200 and got.data == data
    refused = client.get(f"/api/v1/files/{one['id']}/content", headers=bearer(school["outsider"]))
    assert refused.status_code == 404


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_folders_rename_move_trash_and_listing_past_the_first_page(client, school):
    student = school["student"]
    h = bearer(student)
    folder = client.post("/api/v1/files/folders", json={"name": "Maths"}, headers=h).get_json()
    again = client.post("/api/v1/files/folders", json={"name": "maths"}, headers=h)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "name"
    for i in range(230):
        r = _upload(client, student, f"exercice {i:03d}.txt", f"exo {i}".encode(), folder["id"])
        assert r.status_code == 201
    seen, cursor = [], None
    while True:
        url = f"/api/v1/files?folder={folder['id']}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=h).get_json()
        seen += [i["name"] for i in page["items"]]
        assert len(page["items"]) <= 100
        cursor = page.get("next")
        if not cursor:
            break
    assert seen == [f"exercice {i:03d}.txt" for i in range(230)]
    sub = client.post(
        "/api/v1/files/folders", json={"name": "Chapitre 1", "parent": folder["id"]}, headers=h
    ).get_json()
    first = client.get(f"/api/v1/files?folder={folder['id']}&limit=1", headers=h).get_json()
    assert first["items"][0]["name"] == "Chapitre 1"  # folders first
    item = client.get(f"/api/v1/files?folder={folder['id']}&limit=2", headers=h).get_json()[
        "items"
    ][1]
    moved = client.patch(f"/api/v1/files/{item['id']}",
                         json={"parent": sub["id"], "name": "premier.txt"}, headers=h)  # fmt: skip
    assert moved.status_code == 200 and moved.get_json()["name"] == "premier.txt"
    into_itself = client.patch(f"/api/v1/files/{folder['id']}", json={"parent": sub["id"]},
                               headers=h)  # fmt: skip
    assert into_itself.status_code == 422
    assert client.delete(f"/api/v1/files/{sub['id']}", headers=h).status_code == 204
    gone = client.get(f"/api/v1/files?folder={sub['id']}", headers=h)
    assert gone.status_code == 404
    inside = client.get(f"/api/v1/files/{moved.get_json()['id']}/content", headers=h)
    assert inside.status_code == 404  # in the trash with its folder


def test_class_folder_students_read_parents_only_what_is_opened(client, school):
    teacher = school["teacher"]
    space = client.get("/api/v1/classes/class:5A/files", headers=bearer(teacher)).get_json()
    assert space["folder"]["space"] == "class" and space["folder"]["writable"]
    root = space["folder"]["id"]
    course = client.post("/api/v1/files/folders", json={"name": "Cours", "parent": root},
                         headers=bearer(teacher)).get_json()  # fmt: skip
    sheet = _upload(client, teacher, "cours1.pdf", b"%PDF-1.4 cours 1", course["id"]).get_json()
    student_view = client.get("/api/v1/classes/class:5A/files", headers=bearer(school["student"]))
    assert [i["name"] for i in student_view.get_json()["items"]] == ["Cours"]
    assert not student_view.get_json()["folder"]["writable"]
    refused = _upload(client, school["student"], "x.txt", b"x", course["id"])
    assert refused.status_code == 403
    assert client.get(f"/api/v1/files/{sheet['id']}/content",
                      headers=bearer(school["student2"])).status_code == 200  # fmt: skip
    parent_view = client.get("/api/v1/classes/class:5A/files", headers=bearer(school["parent"]))
    assert parent_view.status_code == 200 and parent_view.get_json()["items"] == []
    assert client.get(f"/api/v1/files/{sheet['id']}/content",
                      headers=bearer(school["parent"])).status_code == 404  # fmt: skip
    outsider = client.get("/api/v1/classes/class:5A/files", headers=bearer(school["outsider"]))
    nowhere = client.get("/api/v1/classes/class:9Z/files", headers=bearer(school["outsider"]))
    assert outsider.status_code == nowhere.status_code == 404


def test_sharing_with_people_follows_the_communication_rules(client, school):
    student = school["student"]
    doc = _upload(client, student, "note.txt", b"pour le prof").get_json()
    share = f"/api/v1/files/{doc['id']}/share"
    ok = client.post(share, json={"logins": [school["teacher"]["login"]]}, headers=bearer(student))
    assert ok.status_code == 200
    assert ok.get_json()["shared_with"][0]["code"] == school["teacher"]["login"]
    got = client.get(f"/api/v1/files/{doc['id']}/content", headers=bearer(school["teacher"]))
    assert got.status_code == 200
    # A student may not write to a student of another class (default rules): not shared.
    refused = client.post(
        share, json={"logins": [school["outsider"]["login"]]}, headers=bearer(student)
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/files/{doc['id']}/content",
                      headers=bearer(school["outsider"])).status_code == 404  # fmt: skip
    # Read-only: the teacher it was shared with cannot rename or delete it.
    assert client.patch(f"/api/v1/files/{doc['id']}", json={"name": "x"},
                        headers=bearer(school["teacher"])).status_code == 404  # fmt: skip
    assert client.delete(f"/api/v1/files/{doc['id']}",
                         headers=bearer(school["teacher"])).status_code == 404  # fmt: skip
