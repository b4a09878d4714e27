"""The demo school (`make run`) has this week's cahier de textes: the content of its
teachers' latest lessons, homework for the coming days (one not yet published), ticks."""

from __future__ import annotations

from datetime import timedelta

from appliance.directory import demo
from appliance.schoollife.diary import demo as diary_demo
from appliance.schoollife.diary import homework, reading, todo
from appliance.schoollife.year import local_today


def test_the_demo_school_has_this_weeks_cahier_de_textes(box, tmp_path):
    conn = box.conn()
    demo.seed(conn, tmp_path)
    today = local_today()
    if not conn.execute("SELECT 1 FROM lesson WHERE date <= ?", (today.isoformat(),)).fetchone():
        assert conn.execute("SELECT count(*) FROM homework").fetchone()[0] == 0
        return  # before the first lesson of the year: nothing to have written yet
    lea = conn.execute("SELECT id FROM person WHERE login = 'lea.martin'").fetchone()[0]
    mine = reading.for_student(conn, lea, today - timedelta(days=7), today + timedelta(days=30))
    kinds = {i["kind"] for i in mine}
    assert {"exercise", "lesson", "test"} <= kinds and {i["audience"]["code"] for i in mine} == {
        "5A"
    }
    assert any(i["done"] for i in mine) and not all(i["done"] for i in mine)
    drafts = conn.execute("SELECT count(*) FROM homework WHERE publish_at > ?",
                          (homework.parse_publish_at(None),)).fetchone()[0]  # fmt: skip
    assert drafts >= 1  # prepared for tomorrow morning, not shown to families yet
    assert conn.execute("SELECT count(*) FROM diary_entry").fetchone()[0] >= 6
    assert todo.soon(conn, lea, today)["items"]
    # Hugo's Latin group has its own homework.
    hugo = conn.execute("SELECT id FROM person WHERE login = 'hugo.martin'").fetchone()[0]
    assert "LAT4B" in {
        i["audience"]["code"]
        for i in reading.for_student(conn, hugo, today - timedelta(7), today + timedelta(30))
    }
    # The next `make run` adds nothing.
    count = conn.execute("SELECT count(*) FROM homework").fetchone()[0]
    demo.seed(conn, tmp_path)
    assert conn.execute("SELECT count(*) FROM homework").fetchone()[0] == count
    assert not diary_demo.ensure(conn)
