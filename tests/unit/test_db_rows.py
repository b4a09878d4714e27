"""`db.rows`: a SELECT's rows in one step of SQLite give the same values, in the same order,
as row by row (real SQLite files, the connections of `db.connect`)."""

from __future__ import annotations

import math
import random
import struct

import pytest

from appliance import db


@pytest.fixture
def conn(tmp_path):
    c = db.connect(tmp_path / "t.db")
    c.executescript(
        """
        CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, n INTEGER);
        """
    )
    yield c
    c.close()


def _row_by_row(conn, sql, params=()):
    return [dict(r) for r in conn.execute(sql, params).fetchall()]


def _twice(conn, sql, params=()):
    """The first run (row by row, learns the columns) and the second (one step)."""
    first = db.rows(conn, sql, params)
    assert db._ONE_STEP.get(sql) is not None, "the query was not wrapped"
    second = db.rows(conn, sql, params)
    return first, second


def test_every_kind_of_value_comes_back_the_same_and_with_its_type(conn):
    rng = random.Random(7)
    values = [0.1 + 0.2, 1 / 3, 13.5, 2.0, 1e-300, 123456789.123456789, -7.25, math.inf]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-300, 99) for _ in range(2000)]
    texts = ["", "é à ç 😀", 'quote " and \\ backslash', "line\nbreak\ttab", '{"k": 1}', "[1]",
             "\x01control", '{"$r": "1.5"}']  # fmt: skip
    blobs = [b"", b"\x00\xff\x10", bytes(range(256))]
    with db.transaction(conn):
        for i, v in enumerate(values):
            conn.execute(
                "INSERT INTO item (name, score, data, n) VALUES (?, ?, ?, ?)",
                (texts[i % len(texts)], v, blobs[i % len(blobs)] if i % 5 else None,
                 [0, -1, 2**62, -(2**63), None][i % 5]),
            )  # fmt: skip
    sql = "SELECT id, name, score, data, n, score / 3 + score AS computed FROM item ORDER BY id"
    first, second = _twice(conn, sql)
    assert first == _row_by_row(conn, sql)
    assert second == first
    for a, b in zip(first, second, strict=True):
        for key in a:
            assert type(a[key]) is type(b[key]), (key, a[key], b[key])
    # the JSON-looking text stays text, the tag-looking text too
    assert {r["name"] for r in second} == set(texts)


def test_order_by_is_kept_without_a_limit_and_with_one(conn):
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO item (id, name, n) VALUES (?, ?, ?)",
            [(i, f"n{(i * 7919) % 1000:03d}", i % 13) for i in range(1, 1001)],
        )
    for sql in (
        "SELECT id, name FROM item ORDER BY name DESC",
        "SELECT id, name FROM item ORDER BY n, name LIMIT 50 OFFSET 10",
        "SELECT n, count(*) AS c FROM item GROUP BY n ORDER BY c DESC, n",
        "WITH odd AS (SELECT id FROM item WHERE id % 2) SELECT id FROM odd ORDER BY id DESC",
    ):
        first, second = _twice(conn, sql)
        assert second == first == _row_by_row(conn, sql), sql


def test_parameters_named_and_positional_and_an_empty_answer(conn):
    with db.transaction(conn):
        conn.executemany("INSERT INTO item (id, name) VALUES (?, ?)", [(1, "a"), (2, "b")])
    sql = "SELECT id, name FROM item WHERE id >= :low AND name != :not ORDER BY id -- comment"
    first, second = _twice(conn, sql, {"low": 1, "not": "b"})
    assert second == first == [{"id": 1, "name": "a"}]
    assert db.rows(conn, sql, {"low": 5, "not": ""}) == []
    sql2 = "SELECT id FROM item WHERE id IN (?, ?) ORDER BY id;"
    assert _twice(conn, sql2, (1, 2)) == ([{"id": 1}, {"id": 2}], [{"id": 1}, {"id": 2}])


def test_what_cannot_be_wrapped_runs_row_by_row(conn):
    with db.transaction(conn):
        conn.executemany("INSERT INTO item (id, name) VALUES (?, ?)", [(1, "a"), (2, "b")])
    # two columns of one name: the dict keeps the last, as dict(row) always did
    sql = "SELECT a.id, b.id FROM item a JOIN item b ON b.id = a.id ORDER BY a.id"
    assert db.rows(conn, sql) == db.rows(conn, sql) == [{"id": 1}, {"id": 2}]
    assert db._ONE_STEP[sql] is None
    pragma = "PRAGMA table_info(item)"
    assert [r["name"] for r in db.rows(conn, pragma)] == [r["name"] for r in db.rows(conn, pragma)]
    assert db._ONE_STEP[pragma] is None


def test_one_step_is_one_row_of_sqlite(conn):
    """The point of it: however many rows, the wrapped query is one statement of one row."""
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO item (id, name) VALUES (?, ?)", [(i, "x") for i in range(500)]
        )
    sql = "SELECT id, name FROM item ORDER BY id"
    db.rows(conn, sql)
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        got = db.rows(conn, sql)
    finally:
        conn.set_trace_callback(None)
    assert len(got) == 500
    assert len(seen) == 1 and seen[0].startswith("SELECT json_group_array(")


def test_floats_round_trip_bit_for_bit_below_1e100(conn):
    rng = random.Random(11)
    floats = []
    while len(floats) < 3000:
        (v,) = struct.unpack("d", rng.randbytes(8))
        if math.isfinite(v) and 0 < abs(v) < 1e100:
            floats.append(v)
    with db.transaction(conn):
        conn.executemany("INSERT INTO item (score) VALUES (?)", [(v,) for v in floats])
    _first, second = _twice(conn, "SELECT score FROM item ORDER BY id")
    assert [r["score"] for r in second] == floats


def test_a_star_is_not_learned_so_a_new_column_is_never_left_out(conn):
    with db.transaction(conn):
        conn.execute("INSERT INTO item (id, name) VALUES (1, 'a')")
    sql = "SELECT * FROM item"
    db.rows(conn, sql)
    assert db._ONE_STEP[sql] is None
    conn.execute("ALTER TABLE item ADD COLUMN added TEXT DEFAULT 'new'")
    assert db.rows(conn, sql)[0]["added"] == "new"
    counted = "SELECT count(*) AS n FROM item"
    assert _twice(conn, counted) == ([{"n": 1}], [{"n": 1}])


def test_a_json_column_stays_text_and_kinds_learned_from_a_first_answer_with_rows(conn):
    sql = "SELECT id, json_object('k', id) AS j, name, n FROM item WHERE id > ? ORDER BY id"
    assert db.rows(conn, sql, (0,)) == []
    assert sql not in db._ONE_STEP  # nothing learned from an empty answer
    with db.transaction(conn):
        conn.executemany(
            "INSERT INTO item (id, name, n) VALUES (?, ?, ?)", [(1, "a", 7), (2, None, 8)]
        )
    first, second = _twice(conn, sql, (0,))
    assert second == first == [{"id": 1, "j": '{"k":1}', "name": "a", "n": 7},
                               {"id": 2, "j": '{"k":2}', "name": None, "n": 8}]  # fmt: skip
    # a REAL and a BLOB later in a column learned as integers and text
    with db.transaction(conn):
        conn.execute("INSERT INTO item (id, n) VALUES (3, 2.5)")
    assert db.rows(conn, sql, (2,))[0]["n"] == 2.5
    with db.transaction(conn):
        conn.execute("INSERT INTO item (id, n) VALUES (4, X'0102')")
    assert db.rows(conn, sql, (3,))[-1]["n"] == b"\x01\x02"
    assert db._ONE_STEP[sql] is None  # row by row from then on


def test_a_real_in_a_column_learned_as_integers_keeps_every_digit(conn):
    sql = "SELECT id, coalesce(score, 0) AS score FROM item ORDER BY id"
    with db.transaction(conn):
        conn.execute("INSERT INTO item (id) VALUES (1)")
    first, second = _twice(conn, sql)
    assert second == first == [{"id": 1, "score": 0}]
    with db.transaction(conn):
        conn.execute("INSERT INTO item (id, score) VALUES (2, ?)", (1 / 3,))
    assert db.rows(conn, sql)[1]["score"] == 1 / 3
