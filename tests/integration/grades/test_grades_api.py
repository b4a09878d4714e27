"""The grades JSON API (#13) route by route and person by person: who may create an
assessment, enter marks, read them, write appraisals, take a report card; the 422s that
save nothing; the answers' shapes (also checked against their schemas in tests)."""

from __future__ import annotations

import subprocess

import pytest

from appliance.schoollife.grades import assessments, periods
from tests.fixtures.tools import needs
from tests.integration.grades.conftest import days_ago


def _err(r, status, code=None, field=None):
    assert r.status_code == status, r.get_data(as_text=True)
    error = r.get_json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code
    if field:
        assert error["field"] == field
    return error


@pytest.fixture
def maths(school):
    return school.assess(
        "prof.maths", "class", "5A", "L1300", days_ago(2), marks={"lea": 12, "noah": 8}
    )


def _new(day, **extra):
    return {
        "audience": {"kind": "class", "code": "5A"},
        "subject_code": "L1300",
        "title": "Interrogation",
        "date": day.isoformat(),
        "out_of": 20,
        "coefficient": 1,
        **extra,
    }


def test_periods_for_everyone_logged_in(client, school):
    r = client.get("/api/v1/periods", headers=school.bearer("lea"))
    assert r.status_code == 200
    assert [p["name"] for p in r.get_json()] == ["1er trimestre", "2e trimestre", "3e trimestre"]
    assert set(r.get_json()[0]) == {
        "id",
        "name",
        "from",
        "to",
        "locked",
        "entry_end",
        "council_date",
    }
    assert client.get("/api/v1/periods").status_code == 401


def test_a_teacher_creates_an_assessment_of_a_class_they_teach(client, school):
    s = school
    r = client.post(
        "/api/v1/assessments",
        headers=s.bearer("prof.maths"),
        json=_new(
            days_ago(1), coefficient=0.5, out_of=10, publish_at=f"{days_ago(0).isoformat()}T18:30"
        ),
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    body = r.get_json()
    assert body["period_id"] == s.current["id"] and body["coefficient"] == 0.5
    assert body["audience"] == {"kind": "class", "code": "5A"} and body["out_of"] == 10
    assert body["publish_at"] == f"{days_ago(0).isoformat()}T18:30"
    assert [m["login"] for m in body["marks"]] == ["noah", "zoe", "lea"]
    assert {m["mark"] for m in body["marks"]} == {None}
    assert body["stats"] == {"average": None, "min": None, "max": None, "count": 0}


@pytest.mark.parametrize("who", ["prof.maths5b", "prof.francais"])
def test_a_teacher_cannot_create_one_where_they_do_not_teach_the_subject(client, school, who):
    # prof.maths5b teaches maths to 5B only; prof.francais teaches 5A, but French.
    r = client.post("/api/v1/assessments", headers=school.bearer(who), json=_new(days_ago(1)))
    _err(r, 403, field="audience")
    assert school.conn.execute("SELECT count(*) FROM assessment").fetchone()[0] == 0


@pytest.mark.parametrize("who", ["lea", "sophie", "direction", "cpe"])
def test_only_teachers_create_assessments(client, school, who):
    _err(
        client.post("/api/v1/assessments", headers=school.bearer(who), json=_new(days_ago(1))), 403
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"audience": {"kind": "class", "code": "6Z"}}, "audience.code"),
        ({"subject_code": "L9999"}, "subject_code"),
        ({"date": "2020-01-01"}, "date"),
        ({"out_of": 0}, "out_of"),
        ({"coefficient": 100}, "coefficient"),
        ({"coefficient": 1.234}, "coefficient"),
        ({"title": "   "}, "title"),
        ({"publish_at": "2026-13-01T10:00"}, "publish_at"),
    ],
)
def test_a_refused_assessment_names_its_field(client, school, change, field):
    r = client.post(
        "/api/v1/assessments",
        headers=school.bearer("prof.maths"),
        json={**_new(days_ago(1)), **change},
    )
    _err(r, 422, field=field)


def test_marks_entered_and_the_assessment_figures_given_back(client, school, maths):
    s = school
    r = client.put(
        f"/api/v1/assessments/{maths['id']}/marks",
        headers=s.bearer("prof.maths"),
        json={"marks": {"lea": 14.5, "noah": "abs", "zoe": "nr"}},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.get_json() == {"stats": {"average": 14.5, "min": 14.5, "max": 14.5, "count": 1}}
    r = client.put(
        f"/api/v1/assessments/{maths['id']}/marks",
        headers=s.bearer("prof.maths"),
        json={"marks": {"noah": 9.25, "zoe": None}},
    )
    assert r.get_json()["stats"] == {"average": 11.88, "min": 9.25, "max": 14.5, "count": 2}
    got = client.get(f"/api/v1/assessments/{maths['id']}", headers=s.bearer("prof.maths"))
    assert {m["login"]: m["mark"] for m in got.get_json()["marks"]} == {
        "lea": 14.5,
        "noah": 9.25,
        "zoe": None,
    }


@pytest.mark.parametrize(
    ("marks", "field"),
    [
        ({"lea": 21, "noah": 10}, "marks.lea"),  # outside the scale
        ({"noah": 10, "ines": 12}, "marks.ines"),  # not in 5A
        ({"noah": 10, "personne": 12}, "marks.personne"),  # nobody
        ({"lea": "absent"}, "marks.lea"),
        ({"lea": -1}, "marks.lea"),
    ],
)
def test_a_refused_mark_saves_nothing(client, school, maths, marks, field):
    s = school
    r = client.put(
        f"/api/v1/assessments/{maths['id']}/marks",
        headers=s.bearer("prof.maths"),
        json={"marks": marks},
    )
    _err(r, 422, field=field)
    kept = {line["login"]: line["mark"] for line in assessments.roster(s.conn, maths)}
    assert kept == {"lea": 1200, "noah": 800, "zoe": None}


@pytest.mark.parametrize("who", ["prof.maths5b", "prof.francais", "direction", "lea", "sophie"])
def test_only_its_teachers_enter_its_marks(client, school, maths, who):
    r = client.put(
        f"/api/v1/assessments/{maths['id']}/marks",
        headers=school.bearer(who),
        json={"marks": {"lea": 20}},
    )
    _err(r, 404)
    assert [
        line["mark"] for line in assessments.roster(school.conn, maths) if line["login"] == "lea"
    ] == [1200]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("prof.maths", 200),
        ("direction", 200),
        ("tech", 200),
        ("prof.francais", 404),
        ("prof.maths5b", 404),
        ("lea", 404),
        ("sophie", 404),
        ("cpe", 404),
    ],
)
def test_an_assessment_with_every_mark_for_its_teachers_and_the_direction(
    client, school, maths, who, status
):
    s = school
    if who == "tech":
        from appliance.security import audit, tokens
        from tests.conftest import make_person

        pid = make_person(s.conn, "admin", login="tech")[0]
        s.tokens["tech"] = tokens.create(s.conn, pid, "cli", actor=audit.SYSTEM)[1]
    r = client.get(f"/api/v1/assessments/{maths['id']}", headers=s.bearer(who))
    assert r.status_code == status
    if status == 200:
        assert {m["login"]: m["mark"] for m in r.get_json()["marks"]} == {
            "lea": 12,
            "noah": 8,
            "zoe": None,
        }
        assert r.get_json()["stats"] == {"average": 10.0, "min": 8.0, "max": 12.0, "count": 2}


def test_the_head_teacher_reads_every_subject_of_their_class_only(client, school):
    s = school
    french = s.assess("prof.francais", "class", "5A", "L0202", days_ago(2), marks={"lea": 15})
    french_5b = s.assess("prof.francais", "class", "5B", "L0202", days_ago(2), marks={"ines": 9})
    # prof.maths is 5A's head teacher: 5A's French, not 5B's.
    assert (
        client.get(
            f"/api/v1/assessments/{french['id']}", headers=s.bearer("prof.maths")
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"/api/v1/assessments/{french_5b['id']}", headers=s.bearer("prof.maths")
        ).status_code
        == 404
    )
    period = s.current["id"]
    lea = client.get(f"/api/v1/grades?period={period}&login=lea", headers=s.bearer("prof.maths"))
    assert [x["subject_code"] for x in lea.get_json()["subjects"]] == [
        "L0202",
        "L0201",
        "L1300",
        "L1500",
    ]
    assert lea.get_json()["overall_average"] == 15.0
    ines = client.get(f"/api/v1/grades?period={period}&login=ines", headers=s.bearer("prof.maths"))
    _err(ines, 404)
    # 5B's head teacher reads Inès's every subject, and nobody of 5A.
    ines = client.get(
        f"/api/v1/grades?period={period}&login=ines", headers=s.bearer("prof.maths5b")
    )
    assert [x["subject_code"] for x in ines.get_json()["subjects"]] == ["L0202", "L0201", "L1300"]
    _err(
        client.get(f"/api/v1/grades?period={period}&login=lea", headers=s.bearer("prof.maths5b")),
        404,
    )


def test_families_read_their_own_and_nobody_else(client, school, maths):
    s = school
    period = s.current["id"]
    mine = client.get(f"/api/v1/grades?period={period}", headers=s.bearer("lea")).get_json()
    maths_json = next(x for x in mine["subjects"] if x["subject_code"] == "L1300")
    assert maths_json == {
        "subject_code": "L1300",
        "subject": "Mathématiques",
        "average": 12.0,
        "class_average": 10.0,
        "min": 8.0,
        "max": 12.0,
        "marks": [
            {
                "assessment_id": maths["id"],
                "title": "Contrôle",
                "date": days_ago(2).isoformat(),
                "mark": 12,
                "out_of": 20,
                "coefficient": 1,
                "class_average": 10.0,
            }
        ],
    }
    # A parent with one child is given that child; by login as well.
    assert client.get(f"/api/v1/grades?period={period}", headers=s.bearer("sophie")).get_json() == (
        mine
    )
    assert (
        client.get(
            f"/api/v1/grades?period={period}&login=lea", headers=s.bearer("sophie")
        ).get_json()
        == mine
    )
    # Another family's child, a classmate, an unknown login: the same 404.
    for who, login in (("sophie", "ines"), ("karim", "lea"), ("lea", "noah"), ("lea", "nobody")):
        _err(
            client.get(f"/api/v1/grades?period={period}&login={login}", headers=s.bearer(who)), 404
        )
    # A teacher sees the subjects they teach the student only.
    french = client.get(
        f"/api/v1/grades?period={period}&login=lea", headers=s.bearer("prof.francais")
    ).get_json()
    assert [x["subject_code"] for x in french["subjects"]] == ["L0202"]
    assert french["overall_average"] is None
    # Staff other than the direction have no grades; the direction has everyone's.
    _err(client.get(f"/api/v1/grades?period={period}&login=lea", headers=s.bearer("cpe")), 403)
    every = client.get(f"/api/v1/grades?period={period}&login=lea", headers=s.bearer("direction"))
    assert every.get_json() == mine
    _err(client.get("/api/v1/grades?period=999&login=lea", headers=s.bearer("direction")), 404)
    _err(
        client.get(f"/api/v1/grades?period={period}", headers=s.bearer("direction")),
        404,
        code="login_required",
    )
    _err(client.get("/api/v1/grades", headers=s.bearer("lea")), 422, field="period")


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("prof.maths", {"subject_code": "L1300", "text": "Bon trimestre."}, 200),
        ("prof.maths", {"text": "Élève sérieuse."}, 200),  # 5A's head teacher
        ("prof.francais", {"subject_code": "L0202", "text": "Bien."}, 200),
        ("prof.francais", {"subject_code": "L1300", "text": "Bien."}, 403),
        ("prof.francais", {"text": "Bien."}, 403),
        ("prof.maths5b", {"text": "Bien."}, 404),
        ("direction", {"text": "Bien."}, 404),
        ("lea", {"text": "Parfaite."}, 404),
        ("prof.maths", {"subject_code": "L1300", "text": "x" * 301}, 422),
        ("prof.maths", {"text": "x" * 601}, 422),
        ("prof.maths", {"text": "x" * 600}, 200),
        ("prof.maths", {"subject_code": "L1300", "text": "Un\x1bB"}, 422),
    ],
)
def test_who_writes_which_appraisal(client, school, who, body, status):
    s = school
    r = client.put(
        f"/api/v1/report-cards/{s.current['id']}/lea/appraisals", json=body, headers=s.bearer(who)
    )
    assert r.status_code == status, r.get_data(as_text=True)
    saved = s.conn.execute("SELECT subject_code, text FROM grade_appraisal").fetchall()
    if status == 200:
        assert r.get_json() == {
            "period_id": s.current["id"],
            "login": "lea",
            "subject_code": body.get("subject_code"),
            "text": body["text"],
        }
        assert [tuple(x) for x in saved] == [(body.get("subject_code", ""), body["text"])]
    else:
        assert saved == []


@needs("pdftotext", "poppler-utils")
def test_families_take_the_report_card_once_the_period_is_locked(client, school, maths, tmp_path):
    s = school
    url = f"/api/v1/report-cards/{s.current['id']}/lea.pdf"
    for who in ("lea", "sophie"):
        _err(client.get(url, headers=s.bearer(who)), 409, code="period_not_locked")
    for who in ("karim", "prof.francais", "prof.maths5b", "cpe"):
        assert client.get(url, headers=s.bearer(who)).status_code in (403, 404), who
    head = client.get(url, headers=s.bearer("prof.maths"))
    assert head.status_code == 200 and head.mimetype == "application/pdf"
    periods.set_locked(s.conn, s.actor("direction"), s.current["id"], True)
    r = client.get(url, headers=s.bearer("sophie"))
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    (tmp_path / "b.pdf").write_bytes(r.data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "b.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Bulletin du 2e trimestre" in out and "Léa Martin" in out and "12,00" in out
    assert "Collège Test" in out and "UAI 0679999X" in out


def test_a_kept_answer_follows_every_change(client, school, maths):
    """The API keeps a popular answer with the class's figures: a new mark, a newcomer in
    the class or a teacher's new assessment are seen at the next call."""
    s = school
    url = f"/api/v1/grades?period={s.current['id']}"

    def lea_maths():
        answer = client.get(url, headers=s.bearer("lea")).get_json()
        return next(x for x in answer["subjects"] if x["subject_code"] == "L1300")

    assert (lea_maths()["average"], lea_maths()["class_average"]) == (12.0, 10.0)
    client.put(f"/api/v1/assessments/{maths['id']}/marks", headers=s.bearer("prof.maths"),
               json={"marks": {"lea": 16}})  # fmt: skip
    assert (lea_maths()["average"], lea_maths()["class_average"]) == (16.0, 12.0)
    s.assess("prof.maths", "class", "5A", "L1300", days_ago(1), marks={"lea": 6, "zoe": 20})
    assert lea_maths()["average"] == 11.0 and lea_maths()["max"] == 20.0
    s.conn.execute("DELETE FROM class_membership WHERE person_id = ?", (s.ids["zoe"],))
    assert lea_maths()["max"] == 11.0  # Zoé's average no longer in 5A's figures
