"""The devoirs à rendre's JSON API with bearer tokens: the contract of each endpoint
(fields, statuses), the policy (a teacher of another subject, a student of another class,
a classmate, a parent), a hand-in in multipart parts, the quota's 413, the ZIP."""

from __future__ import annotations

import io
import zipfile

import pytest

from appliance.files import quota
from appliance.security import audit, tokens
from tests.diary_school import MATHS
from tests.integration.assignments.conftest import give, in_days, pass_due


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "cartable.toml"
    path.write_text("[files]\nquota_mb_student = 1\n", encoding="utf-8")
    return path


@pytest.fixture
def api(client, conn, school):
    """call(who, method, path, json=None, data=None) with the bearer token of `who`."""
    made: dict[str, str] = {}

    def call(who: str, method: str, path: str, json=None, data=None):
        if who not in made:
            made[who] = tokens.create(conn, school[who].id, "test", actor=audit.SYSTEM)[1]
        return client.open(
            "/api/v1" + path,
            method=method,
            json=json,
            data=data,
            content_type="multipart/form-data" if data is not None else None,
            headers={"Authorization": f"Bearer {made[who]}"},
        )

    return call


def _error(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert set(body) == {"error"} and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def _files(*pairs):
    return {"file": [(io.BytesIO(data), name) for name, data in pairs]}


def test_a_teacher_gives_a_work_and_lists_what_they_gave(api, school):
    due = in_days(3)
    r = api("maths", "POST", "/assignments", json={
        "audience": "class:5A", "subject_code": MATHS, "title": "Exposé",
        "instructions": "Deux pages.", "due": due, "late_allowed": True,
    })  # fmt: skip
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert made["audience"] == {"kind": "class", "code": "5A"} and made["due"] == due
    assert made["late_allowed"] is True and made["author"] == school["maths"].login
    # The object form of the audience, as the cahier de textes's API takes it.
    r = api("maths", "POST", "/assignments", json={
        "audience": {"kind": "class", "code": "4B"}, "subject_code": MATHS, "title": "Autre",
        "due": due, "late_allowed": False,
    })  # fmt: skip
    assert r.status_code == 201
    given = api("maths", "GET", "/assignments").get_json()["items"]
    assert {(i["title"], i["students"], i["handed_in"]) for i in given} == {
        ("Exposé", 2, 0),
        ("Autre", 1, 0),
    }
    # Not in a subject one teaches there: 403; an unknown class: 422; a past due: 422.
    _error(api("french", "POST", "/assignments", json={
        "audience": "class:5A", "subject_code": MATHS, "title": "x", "due": due}), 403)  # fmt: skip
    _error(api("maths", "POST", "/assignments", json={
        "audience": "class:9Z", "subject_code": MATHS, "title": "x", "due": due}), 422)  # fmt: skip
    _error(api("maths", "POST", "/assignments", json={
        "audience": "class:5A", "subject_code": MATHS, "title": "x",
        "due": in_days(-1)}), 422)  # fmt: skip
    _error(api("lea", "POST", "/assignments", json={
        "audience": "class:5A", "subject_code": MATHS, "title": "x", "due": due}), 403)  # fmt: skip


def test_a_student_hands_in_with_file_parts_and_the_teacher_follows(api, conn, box, school):
    item = give(conn, box, school, late=True)
    path = f"/assignments/{item['id']}/submissions"
    r = api("lea", "POST", path, data=_files(("a.txt", b"un"), ("b.txt", b"deux")))
    assert r.status_code == 201, r.get_json()
    mine = r.get_json()
    assert mine["state"] == "handed_in" and [f["name"] for f in mine["files"]] == ["a.txt", "b.txt"]
    assert mine["submitted_at"] and mine["late"] is False
    listed = api("lea", "GET", "/assignments").get_json()["items"]
    assert [(i["title"], i["status"]["state"]) for i in listed] == [("Exposé sur Pythagore",
                                                                      "handed_in")]  # fmt: skip
    follow = api("maths", "GET", path).get_json()
    assert [(s["login"], s["name"], s["late"]) for s in follow["items"]] == [
        (school["lea"].login, "MARTIN Léa", False)
    ]
    assert [f["name"] for f in follow["items"][0]["files"]] == ["a.txt", "b.txt"]
    assert follow["missing"] == [school["noah"].login]
    # Noah hands in late; the teacher gives him more time: no longer late.
    pass_due(conn, item["id"])
    assert api("noah", "POST", path, data=_files(("n.txt", b"n"))).get_json()["late"] is True
    r = api("maths", "PUT", f"/assignments/{item['id']}/extensions/{school['noah'].login}",
            json={"due": in_days(2)})  # fmt: skip
    assert r.status_code == 200 and r.get_json()["extended"] is True
    follow = api("maths", "GET", path).get_json()
    assert {s["login"]: s["late"] for s in follow["items"]} == {
        school["lea"].login: False,
        school["noah"].login: False,
    }
    assert follow["missing"] == []
    # Léa, past the due time, may no longer replace hers: 409 deadline_passed.
    _error(api("lea", "POST", path, data=_files(("c.txt", b"c"))), 409, "deadline_passed")
    # The ZIP: one folder per student.
    z = api("maths", "GET", f"/assignments/{item['id']}/submissions.zip")
    assert z.status_code == 200 and z.mimetype == "application/zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(z.data)).namelist()) == [
        "BENALI Noah/n.txt", "MARTIN Léa/a.txt", "MARTIN Léa/b.txt"
    ]  # fmt: skip


def test_who_is_refused_what(api, conn, box, school):
    item = give(conn, box, school)
    path = f"/assignments/{item['id']}/submissions"
    api("lea", "POST", path, data=_files(("a.txt", b"a")))
    # Classmates, parents and other teachers: no follow-up, no ZIP (404 as for nothing).
    for who in ("noah", "sophie", "french", "ines"):
        _error(api(who, "GET", path), 404)
        _error(api(who, "GET", f"/assignments/{item['id']}/submissions.zip"), 404)
        _error(api(who, "PUT", f"/assignments/{item['id']}/extensions/{school['lea'].login}",
                   json={"due": in_days(5)}), 404)  # fmt: skip
    # A parent and a student of another class do not hand in.
    _error(api("sophie", "POST", path, data=_files(("x.txt", b"x"))), 404)
    _error(api("ines", "POST", path, data=_files(("x.txt", b"x"))), 404)
    # A student who is not of the work's class gets no extension.
    _error(api("maths", "PUT", f"/assignments/{item['id']}/extensions/{school['ines'].login}",
               json={"due": in_days(5)}), 404)  # fmt: skip
    # No file part: 422; a JSON body: 400.
    _error(api("lea", "POST", path, data={}), 422)
    _error(api("lea", "POST", path, json={"file": "x"}), 400)


def test_a_parent_reads_their_childrens_works_and_status(api, conn, box, school):
    item = give(conn, box, school)
    api("lea", "POST", f"/assignments/{item['id']}/submissions", data=_files(("a.txt", b"a")))
    items = api("sophie", "GET", "/assignments").get_json()["items"]
    assert [(i["student"], i["status"]["state"]) for i in items] == [
        (school["lea"].login, "handed_in")
    ]
    assert items[0]["status"]["files"][0]["name"] == "a.txt"
    only = api("sophie", "GET", f"/assignments?login={school['lea'].login}").get_json()
    assert len(only["items"]) == 1
    _error(api("sophie", "GET", f"/assignments?login={school['noah'].login}"), 404)
    assert api("claire", "GET", "/assignments").get_json()["items"] == []


def test_a_hand_in_past_the_quota_is_413_and_leaves_nothing(api, conn, box, school):
    item = give(conn, box, school)
    path = f"/assignments/{item['id']}/submissions"
    err = _error(api("lea", "POST", path, data=_files(("gros.bin", b"\0" * (1024 * 1024 + 5)))),
                 413, "quota_exceeded")  # fmt: skip
    assert err["field"] == "file"
    assert quota.used_bytes(conn, school["lea"].id) == 0
    assert conn.execute("SELECT count(*) FROM submission").fetchone()[0] == 0


def test_the_list_is_paged_with_a_cursor(api, conn, box, school):
    for n in range(5):
        give(conn, box, school, title=f"Devoir {n}", days=1 + n)
    first = api("lea", "GET", "/assignments?limit=2").get_json()
    second = api("lea", "GET", f"/assignments?limit=2&cursor={first['next']}").get_json()
    third = api("lea", "GET", f"/assignments?limit=2&cursor={second['next']}").get_json()
    titles = [i["title"] for p in (first, second, third) for i in p["items"]]
    assert titles == [f"Devoir {n}" for n in range(5)] and "next" not in third
    given = api("maths", "GET", "/assignments?limit=3").get_json()
    more = api("maths", "GET", f"/assignments?limit=3&cursor={given['next']}").get_json()
    assert len(given["items"]) == 3 and len(more["items"]) == 2
