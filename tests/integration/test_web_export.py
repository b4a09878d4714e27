"""RGPD art. 15 and 20: a person downloads their data; the technician for anyone."""

from __future__ import annotations

import io
import json
import zipfile

from appliance.directory import history
from tests.conftest import login, login_admin, make_person, post, text

FILES = {
    "LISEZMOI.txt",
    "profile.json",
    "memberships.json",
    "guardian_links.json",
    "teaching.json",
    "audit.json",
    "sessions.json",
    "provenance.json",
    "messages.json",
    "homework_done.json",
    "other.json",
    # the features' own files (Feature.exports)
    "notifications.json",
    "news.json",
    "forums.json",
    "files.json",
    "assignments.json",
    "agenda.json",
}


def unzip(response) -> dict:
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="donnees-')
    with zipfile.ZipFile(io.BytesIO(response.data)) as zf:
        assert set(zf.namelist()) == FILES
        return {
            n: json.loads(zf.read(n)) if n.endswith(".json") else zf.read(n).decode()
            for n in zf.namelist()
        }


def family(conn):
    """A student in 6 A with a guardian, created by an import, and their teacher."""
    run = history.insert_import_run(
        conn, effective_date="2026-09-01", actor="tech", full=False,
        files=[{"file": "ElevesSansAdresses.xml", "kind": "siecle_eleves"}], counts={},
        warnings=0, created=2,
    )  # fmt: skip
    student = make_person(conn, "student", first_name="Zoë", last_name="Lefèvre")
    parent = make_person(conn, "relative", first_name="Anne", last_name="Lefèvre")
    teacher = make_person(conn, "teacher", first_name="Paul", last_name="Prof")
    class_id = conn.execute("INSERT INTO school_class (code, name) VALUES ('6 A', '6 A')").lastrowid
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (student[0], class_id))
    conn.execute("INSERT INTO guardian_link VALUES (?, ?, 1, 'MERE')", (parent[0], student[0]))
    conn.execute(
        "INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (teacher[0], class_id)
    )
    conn.execute("INSERT INTO external_id VALUES (?, 'siecle_eleve', '4242')", (student[0],))
    conn.execute("UPDATE person SET created_by_import = ? WHERE id = ?", (run, student[0]))
    return student, parent, teacher


def test_a_student_downloads_their_data(app, conn):
    student, parent, _teacher = family(conn)
    c = app.test_client()
    login(c, student[1], student[2])
    assert "Télécharger mes données" in text(c.get("/compte/mot-de-passe"))
    data = unzip(post(c, "/compte/mes-donnees", token_from="/compte/mot-de-passe"))
    profile = data["profile.json"]
    assert profile["login"] == student[1] and profile["first_name"] == "Zoë"
    assert {"source": "siecle_eleve", "value": "4242"} in profile["external_ids"]
    raw = json.dumps(data, ensure_ascii=False)
    assert "password_hash" not in raw and "totp_secret" not in raw and student[2] not in raw
    assert data["memberships.json"]["classes"][0]["code"] == "6 A"
    assert data["guardian_links.json"]["guardians"][0]["login"] == parent[1]
    assert data["provenance.json"]["created_by_import"]["files"][0]["kind"] == "siecle_eleves"
    assert "login" in {e["action"] for e in data["audit.json"]}
    assert len(data["sessions.json"]) == 1
    assert "RGPD" in data["LISEZMOI.txt"]
    entry = conn.execute(
        "SELECT actor_login, target FROM audit_log WHERE action = 'person.data_export'"
    ).fetchone()
    assert entry["actor_login"] == student[1] and entry["target"] == f"person:{student[0]}"


def test_a_parent_and_a_teacher_get_their_links(app, conn):
    student, parent, teacher = family(conn)
    c = app.test_client()
    login(c, parent[1], parent[2])
    data = unzip(post(c, "/compte/mes-donnees", token_from="/compte/mot-de-passe"))
    assert data["guardian_links.json"]["children"][0]["login"] == student[1]
    assert data["provenance.json"]["created_by_import"] is None
    c = app.test_client()
    login(c, teacher[1], teacher[2])
    data = unzip(post(c, "/compte/mes-donnees", token_from="/compte/mot-de-passe"))
    assert data["teaching.json"][0]["class"] == "6 A"


def test_the_technician_downloads_anyones_data_and_nobody_else_does(app, client, conn):
    student, parent, _teacher = family(conn)
    admin = login_admin(client, conn)
    page = text(client.get(f"/admin/personnes/{student[0]}"))
    assert "Télécharger ses données" in page
    url = f"/annuaire/personnes/{student[0]}/donnees"
    data = unzip(post(client, url, token_from=f"/admin/personnes/{student[0]}"))
    assert data["profile.json"]["login"] == student[1]
    entry = conn.execute(
        "SELECT actor_login, target FROM audit_log WHERE action = 'person.data_export'"
    ).fetchone()
    assert entry["actor_login"] == admin and entry["target"] == f"person:{student[0]}"
    assert post(client, "/annuaire/personnes/99999/donnees").status_code == 404
    c = app.test_client()
    login(c, parent[1], parent[2])
    assert post(c, url).status_code == 404  # not theirs: as if it did not exist
