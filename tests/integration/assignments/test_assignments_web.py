"""The devoirs à rendre's pages through the Flask test client, logged in through the forms:
the teacher gives a work, students hand in (and replace) with a plain multipart form, a
parent reads, another student sees nothing of a classmate's hand-in, the follow-up table,
an extension, a correction, the ZIP, a refusal past the quota, CSRF, the lists' pages."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from appliance.db import now_iso
from appliance.files import quota
from appliance.files.assignments import handins, works
from tests.conftest import csrf_token, login, text
from tests.diary_school import MATHS
from tests.integration.assignments.conftest import give, in_days, pass_due


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    path.write_text("[files]\nquota_mb_student = 1\n", encoding="utf-8")
    return path


def _as(client, person):
    """A new browser (test client) logged in as `person`."""
    client = client.application.test_client()
    r = login(client, person.login, person.password)
    assert r.status_code == 302 and "/login" not in r.headers["Location"], r.headers
    return client


def _post(client, path, data=None, token_from="/devoirs-a-rendre/"):
    token = csrf_token(client, token_from)
    return client.post(
        path, data={**(data or {}), "csrf_token": token}, content_type="multipart/form-data"
    )


def _hand_in(client, item_id, *files):
    return _post(
        client,
        f"/devoirs-a-rendre/{item_id}/rendre",
        {"file": [(io.BytesIO(data), name) for name, data in files]},
        token_from=f"/devoirs-a-rendre/{item_id}",
    )


def test_a_teacher_gives_a_work_with_a_file_and_its_students_see_it(client, conn, school):
    teacher = _as(client, school["maths"])
    form = text(teacher.get("/devoirs-a-rendre/nouveau"))
    value = re.search(r'<option value="(class:\d+:061300)" *>5A ·', form).group(1)
    due = in_days(4)
    r = _post(teacher, "/devoirs-a-rendre/nouveau", {
        "audience": value, "title": "Exposé sur Pythagore", "instructions": "Deux **pages**.",
        "due_date": due[:10], "due_time": "18:00", "late_allowed": "1",
        "files": [(io.BytesIO(b"%PDF-1.4 sujet"), "sujet.pdf")],
    }, token_from="/devoirs-a-rendre/nouveau")  # fmt: skip
    assert r.status_code == 302, text(r)
    item_id = int(r.headers["Location"].rsplit("/", 1)[1])
    item = works.get(conn, item_id)
    assert item["late_allowed"] and item["attachments"][0]["name"] == "sujet.pdf"
    assert quota.used_bytes(conn, school["maths"].id) == len(b"%PDF-1.4 sujet")
    lea = _as(client, school["lea"])
    listing = text(lea.get("/devoirs-a-rendre/"))
    assert "Exposé sur Pythagore" in listing and "À rendre" in listing
    page = text(lea.get(f"/devoirs-a-rendre/{item_id}"))
    assert 'id="hand-in-form"' in page and "sujet.pdf" in page
    got = lea.get(f"/devoirs-a-rendre/{item_id}/fichiers/{item['attachments'][0]['id']}")
    assert got.status_code == 200 and got.data == b"%PDF-1.4 sujet"
    # A student of another class sees nothing of it.
    ines = _as(client, school["ines"])
    assert ines.get(f"/devoirs-a-rendre/{item_id}").status_code == 404
    assert "Exposé sur Pythagore" not in text(ines.get("/devoirs-a-rendre/"))
    # A teacher who does not teach the subject there may not give it.
    french = _as(client, school["french"])
    refused = _post(french, "/devoirs-a-rendre/nouveau", {
        "audience": value, "title": "x", "due_date": due[:10], "due_time": "18:00",
    }, token_from="/devoirs-a-rendre/nouveau")  # fmt: skip
    assert refused.status_code == 422
    assert "Vous n'enseignez pas cette matière" in text(refused)


def test_a_student_hands_in_replaces_and_sees_handed_in_on(client, conn, box, school):
    item = give(conn, box, school)
    lea = _as(client, school["lea"])
    r = _hand_in(lea, item["id"], ("brouillon.txt", b"premier jet"))
    assert r.status_code == 302
    page = text(lea.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "Rendu le " in page and "brouillon.txt" in page and "Remplacer mon rendu" in page
    r = _hand_in(lea, item["id"], ("final.txt", b"version finale"), ("annexe.txt", b"annexe"))
    assert r.status_code == 302
    page = text(lea.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "brouillon.txt" not in page and "final.txt" in page and "annexe.txt" in page
    assert quota.used_bytes(conn, school["lea"].id) == len(b"version finale") + len(b"annexe")
    # No file: the form says so.
    empty = _hand_in(lea, item["id"])
    assert empty.status_code == 422 and "au moins un fichier" in text(empty)
    # Without the CSRF token: refused.
    bare = lea.post(f"/devoirs-a-rendre/{item['id']}/rendre",
                    data={"file": (io.BytesIO(b"x"), "x.txt")})  # fmt: skip
    assert bare.status_code == 400


def test_a_student_never_sees_another_students_hand_in(client, conn, box, school):
    item = give(conn, box, school)
    lea = _as(client, school["lea"])
    _hand_in(lea, item["id"], ("secret.txt", b"la copie de Lea"))
    handed = handins.of_student(conn, item["id"], school["lea"].id)
    file_id = handed["files"][0]["id"]
    noah = _as(client, school["noah"])
    page = text(noah.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "secret.txt" not in page and "À rendre" in page
    assert noah.get(f"/devoirs-a-rendre/{item['id']}/rendus/{file_id}").status_code == 404
    assert noah.get(f"/devoirs-a-rendre/{item['id']}/rendus.zip").status_code == 404
    assert noah.get(f"/api/v1/assignments/{item['id']}/submissions").status_code == 404
    # Léa herself, her mother (read only) and her teacher get the file.
    for who in ("lea", "sophie", "maths"):
        got = _as(client, school[who]).get(f"/devoirs-a-rendre/{item['id']}/rendus/{file_id}")
        assert got.status_code == 200 and got.data == b"la copie de Lea", who
    # Another child's parent does not.
    claire = _as(client, school["claire"])
    assert claire.get(f"/devoirs-a-rendre/{item['id']}/rendus/{file_id}").status_code == 404


def test_a_parent_reads_their_childs_works_and_status_without_handing_in(client, conn, box, school):
    item = give(conn, box, school)
    _hand_in(_as(client, school["lea"]), item["id"], ("copie.txt", b"x"))
    sophie = _as(client, school["sophie"])
    listing = text(sophie.get("/devoirs-a-rendre/"))
    assert "Léa Martin" in listing and "Exposé sur Pythagore" in listing and "Rendu" in listing
    page = text(sophie.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "Son rendu" in page and "copie.txt" in page and 'id="hand-in-form"' not in page
    r = sophie.post(f"/devoirs-a-rendre/{item['id']}/rendre",
                    data={"csrf_token": csrf_token(sophie, "/devoirs-a-rendre/")})  # fmt: skip
    assert r.status_code == 404


def test_the_teachers_follow_up_extension_correction_and_zip(client, conn, box, school):
    item = give(conn, box, school, late=True)
    _hand_in(_as(client, school["lea"]), item["id"], ("copie.pdf", b"%PDF-1.4 lea"))
    pass_due(conn, item["id"])
    noah = _as(client, school["noah"])
    page = text(noah.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "sera marqué en retard" in page
    assert _hand_in(noah, item["id"], ("retard.txt", b"noah")).status_code == 302
    teacher = _as(client, school["maths"])
    page = text(teacher.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "2 rendu(s) sur 2 élève(s)" in page and "1 en retard" in page
    rows = dict(re.findall(r'<tr data-login="([^"]+)" class="state-([a-z_]+)"', page))
    assert rows == {school["lea"].login: "handed_in", school["noah"].login: "late"}
    # Noah gets two more days: his hand-in is no longer late.
    r = _post(teacher, f"/devoirs-a-rendre/{item['id']}/prolonger",
              {"login": school["noah"].login, "due_date": in_days(2)[:10], "due_time": "18:00"},
              token_from=f"/devoirs-a-rendre/{item['id']}")  # fmt: skip
    assert r.status_code == 302
    assert not handins.of_student(conn, item["id"], school["noah"].id)["late"]
    # A correction for Léa: a comment and a corrected file; she sees both.
    r = _post(teacher, f"/devoirs-a-rendre/{item['id']}/eleves/{school['lea'].id}/correction",
              {"comment": "Très bien.", "corrected": (io.BytesIO(b"%PDF-1.4 c"), "corrige.pdf")},
              token_from=f"/devoirs-a-rendre/{item['id']}")  # fmt: skip
    assert r.status_code == 302
    lea = _as(client, school["lea"])
    page = text(lea.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "Très bien." in page and "corrige.pdf" in page and "Corrigé" in page
    got = lea.get(f"/devoirs-a-rendre/{item['id']}/eleves/{school['lea'].id}/corrige")
    assert got.data == b"%PDF-1.4 c"
    # The ZIP: one folder per student, « NOM Prénom/… ».
    z = teacher.get(f"/devoirs-a-rendre/{item['id']}/rendus.zip")
    assert z.status_code == 200 and z.mimetype == "application/zip"
    assert "attachment" in z.headers["Content-Disposition"]
    names = sorted(zipfile.ZipFile(io.BytesIO(z.data)).namelist())
    assert names == ["BENALI Noah/retard.txt", "MARTIN Léa/copie.pdf"]
    # Deleting asks first, then frees everything.
    ask = _post(teacher, f"/devoirs-a-rendre/{item['id']}/supprimer",
                token_from=f"/devoirs-a-rendre/{item['id']}")  # fmt: skip
    assert ask.status_code == 200 and "Supprimer le devoir" in text(ask)
    done = _post(teacher, f"/devoirs-a-rendre/{item['id']}/supprimer", {"confirm": "oui"},
                 token_from=f"/devoirs-a-rendre/{item['id']}")  # fmt: skip
    assert done.status_code == 302
    assert conn.execute("SELECT count(*) FROM submission").fetchone()[0] == 0


def test_a_closed_work_refuses_a_late_hand_in(client, conn, box, school):
    item = give(conn, box, school, late=False)
    pass_due(conn, item["id"])
    lea = _as(client, school["lea"])
    page = text(lea.get(f"/devoirs-a-rendre/{item['id']}"))
    assert "ne peut plus être rendu" in page and 'id="hand-in-form"' not in page
    r = _hand_in(lea, item["id"], ("tard.txt", b"x"))
    assert r.status_code == 409 and "n'accepte pas de retard" in text(r)
    assert handins.of_student(conn, item["id"], school["lea"].id) is None


def test_a_hand_in_past_the_quota_is_refused_and_leaves_nothing(client, conn, box, school):
    item = give(conn, box, school)
    lea = _as(client, school["lea"])
    assert _hand_in(lea, item["id"], ("petit.txt", b"p" * 100)).status_code == 302
    r = _hand_in(lea, item["id"], ("gros.bin", b"\0" * (1024 * 1024 + 1)))
    assert r.status_code == 413 and "Espace de stockage plein" in text(r)
    kept = handins.of_student(conn, item["id"], school["lea"].id)
    assert [f["name"] for f in kept["files"]] == ["petit.txt"]
    assert quota.used_bytes(conn, school["lea"].id) == 100
    leftovers = [p for p in (box.config.files_dir / "blobs").rglob("*") if p.is_file()]
    assert all(p.stat().st_size < 1024 * 1024 for p in leftovers)


def _pages(client, url):
    first = text(client.get(url))
    total = int(re.search(r"Page 1 sur (\d+)", first).group(1))
    return total, [text(client.get(f"{url}?page={n}")) for n in range(1, total + 1)]


def test_the_lists_are_paged_past_their_first_page(client, conn, box, school):
    """assignments/given.html (the teacher's) and assignments/todo.html (the student's)."""
    for n in range(45):
        give(conn, box, school, title=f"Devoir n°{n:02d}", days=1 + n)
    teacher = _as(client, school["maths"])
    total, pages = _pages(teacher, "/devoirs-a-rendre/")
    assert total == 3
    seen = [re.findall(r'<tr data-id="(\d+)">', p) for p in pages]
    assert [len(s) for s in seen] == [20, 20, 5]
    assert len({i for s in seen for i in s}) == 45
    assert "Précédente" in pages[2]
    lea = _as(client, school["lea"])
    total, pages = _pages(lea, "/devoirs-a-rendre/")
    assert total == 3
    seen = [re.findall(r'<li class="card" data-id="(\d+)">', p) for p in pages]
    assert [len(s) for s in seen] == [20, 20, 5]
    assert len({i for s in seen for i in s}) == 45
    # Soonest due first for the student.
    assert "Devoir n°00" in pages[0] and "Devoir n°44" in pages[2]
    assert now_iso() and MATHS
