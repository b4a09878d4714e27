"""The policy's rules, walked whole (issue 10): every row of every feature, for a person
of every kind and a target of every kind, on a real school in SQLite.

The expected answers come from how the school below is built (who is whose parent, who
teaches which class in which subject), written out by hand in `RELATED`; the policy
computes them from the database. Every rule must also be the reason for at least one
"yes": a row nobody can ever match is a mistake.
"""

from __future__ import annotations

import pytest

from appliance import features
from appliance.security import policy, relations
from appliance.security.rules import ANYONE, Rule
from tests.conftest import make_person

SUBJECT, OTHER_SUBJECT = "030201", "061300"


@pytest.fixture
def school(conn):
    """People of every kind; two classes, two groups, links by construction."""
    conn.execute("INSERT INTO subject (code, name) VALUES (?, 'Anglais LV1')", (SUBJECT,))
    conn.execute("INSERT INTO subject (code, name) VALUES (?, 'Mathématiques')", (OTHER_SUBJECT,))
    ids: dict[str, int] = {}
    tokens: dict[str, set[str]] = {}
    for key, profile, function in (
        ("admin", "admin", None),
        ("T", "teacher", None),
        ("T2", "teacher", None),
        ("staff", "staff", None),
        ("edu", "staff", "CPE"),
        ("dir", "staff", "DIR"),
        ("aed", "staff", "AED"),
        ("sec", "staff", "Secrétariat"),
        ("adm", "staff", "Administration"),
        ("adf", "staff", "ADF"),
        ("doc", "staff", "DOC"),
        ("R", "relative", None),
        ("R2", "relative", None),
        ("S", "student", None),
        ("S2", "student", None),
        ("S3", "student", None),
        ("S4", "student", None),
        ("guest", "guest", None),
    ):
        extra = {"function": function} if function else {}
        ids[key] = make_person(conn, profile, **extra)[0]
        tokens[key] = {ANYONE, profile}
        if function:
            tokens[key] |= {f"staff:{code}" for code in relations.function_codes(function)}
    cls = {
        code: conn.execute(
            "INSERT INTO school_class (code, name) VALUES (?, ?)", (code, code)
        ).lastrowid
        for code in ("C1", "C2")
    }
    grp = {
        code: conn.execute(
            "INSERT INTO teaching_group (code, name) VALUES (?, ?)", (code, code)
        ).lastrowid
        for code in ("G1", "G2")
    }
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids["S"], cls["C1"]))
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids["S2"], cls["C2"]))
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids["S4"], cls["C1"]))
    conn.execute("INSERT INTO group_membership VALUES (?, ?)", (ids["S3"], grp["G1"]))
    teach = "INSERT INTO teaching (teacher_id, class_id, group_id, subject_code, head_teacher) "
    conn.execute(teach + "VALUES (?, ?, NULL, NULL, 1)", (ids["T"], cls["C1"]))
    conn.execute(teach + "VALUES (?, NULL, ?, NULL, 0)", (ids["T"], grp["G1"]))
    conn.execute(teach + "VALUES (?, ?, NULL, ?, 0)", (ids["T2"], cls["C2"], SUBJECT))
    link = "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, ?)"
    conn.execute(link, (ids["R"], ids["S"], 1))
    conn.execute(link, (ids["R2"], ids["S2"], 2))  # a contact, not a legal guardian
    # A dated lesson of C1 taught by T (lesson_teacher: its teacher or replacement).
    lesson_id = conn.execute(
        "INSERT INTO lesson (date, start_time, end_time, audience_kind, audience_code, class_id) "
        "VALUES ('2026-12-01', '08:10', '09:05', 'class', 'C1', ?)",
        (cls["C1"],),
    ).lastrowid
    conn.execute("INSERT INTO lesson_teacher VALUES (?, ?)", (lesson_id, ids["T"]))
    news = _news(conn, ids)
    documents = _documents(conn, ids, cls, grp)
    conn.commit()

    people_by_key = {
        key: {
            "kind": "person",
            "id": pid,
            "profile": conn.execute("SELECT profile FROM person WHERE id = ?", (pid,)).fetchone()[
                0
            ],
        }
        for key, pid in ids.items()
    }
    targets = {
        **people_by_key,
        **{k: {"kind": "class", "id": v} for k, v in cls.items()},
        **{k: {"kind": "group", "id": v} for k, v in grp.items()},
        "C2/subject": {"kind": "class", "id": cls["C2"], "subject_code": SUBJECT},
        "C2/other": {"kind": "class", "id": cls["C2"], "subject_code": OTHER_SUBJECT},
        **news,
        # T is C1's head teacher without teaching it OTHER_SUBJECT: only head_teacher_of
        # holds (a head teacher reads every subject of their class, #13).
        "C1/other": {"kind": "class", "id": cls["C1"], "subject_code": OTHER_SUBJECT},
        # A job of the queue, as jobqueue.get gives it, asked for by the teacher T.
        "job": {"id": 1, "kind": "directory.import_plan", "actor_id": ids["T"]},
        # A lesson, as the roll call's target (appliance.schoollife.attendance.roll).
        "lesson": {"kind": "lesson", "id": lesson_id},
        **documents,
    }
    askers = {
        key: {
            **dict(
                conn.execute(
                    "SELECT id, login, profile, state, function FROM person WHERE id = ?", (pid,)
                ).fetchone()
            ),
            "id": pid,
        }
        for key, pid in ids.items()
    }
    return {"askers": askers, "tokens": tokens, "targets": targets}


_PEOPLE = {"admin", "T", "T2", "R", "R2", "S", "S2", "S3", "S4", "guest"}
_STAFF = {"staff", "edu", "dir", "aed", "sec", "adm", "adf", "doc"}
_EVERYONE = _PEOPLE | _STAFF


def _news(conn, ids) -> dict[str, dict]:
    """News items: N1 a draft of T's for C1's students, N2 staff's for C1's parents, N3
    edu's for G1's students, N4 adm's for everyone but expired; doc publishes."""
    made = {}
    for key, author, state, target, expires in (
        ("N1", "T", "draft", "students:class:C1", None),
        ("N2", "staff", "published", "parents:class:C1", None),
        ("N3", "edu", "published", "students:group:G1", "2099-01-01T00:00:00+00:00"),
        ("N4", "adm", "published", "all", "2020-01-01T00:00:00+00:00"),
    ):
        news_id = conn.execute(
            "INSERT INTO news (author_id, title, body, state, expires_at, created_at, "
            "updated_at) VALUES (?, ?, '<p>x</p>', ?, ?, '2026-01-01', '2026-01-01')",
            (ids[author], key, state, expires),
        ).lastrowid
        conn.execute("INSERT INTO news_audience VALUES (?, ?)", (news_id, target))
        made[key] = {"kind": "news", "id": news_id, "author_id": ids[author]}
    conn.execute("INSERT INTO news_publisher VALUES (?, '2026-01-01', 'tech')", (ids["doc"],))
    return made


def _documents(conn, ids, cls, grp) -> dict[str, dict]:
    """Documents (appliance.files.nodes.target): D_S in S's own space, D_C1 in C1's folder,
    D_C1p in a folder of C1 opened to parents, D_T2 in T2's space shared with G1 and with
    R2, D_bin of S's in the trash."""
    from appliance.files import nodes

    def doc(space_kind, space_id, owner, name, parents=False, shares=(), trashed=False):
        root = nodes.root(conn, space_kind, space_id)
        folder_id = root["id"]
        if parents:
            folder_id = conn.execute(
                "INSERT INTO file_node (space_kind, space_id, parent_id, kind, name, name_key, "
                "owner_id, parents_read, created_at, modified_at) "
                "VALUES (?, ?, ?, 'folder', 'Parents', 'parents', ?, 1, '2026', '2026')",
                (space_kind, space_id, root["id"], owner),
            ).lastrowid
        conn.execute(
            "INSERT OR IGNORE INTO blob VALUES ('" + "a" * 64 + "', 1, 'text/plain', '2026')"
        )
        node_id = conn.execute(
            "INSERT INTO file_node (space_kind, space_id, parent_id, kind, name, name_key, "
            "sha256, size, mime, owner_id, created_at, modified_at, trashed_at) "
            "VALUES (?, ?, ?, 'file', ?, ?, ?, 1, 'text/plain', ?, '2026', '2026', ?)",
            (
                space_kind,
                space_id,
                folder_id,
                name,
                name,
                "a" * 64,
                owner,
                "2026-01-01" if trashed else None,
            ),
        ).lastrowid
        for kind, aid in shares:
            conn.execute(
                "INSERT INTO file_share VALUES (?, ?, ?, NULL, '2026')", (node_id, kind, aid)
            )
        return nodes.target(conn, node_id)

    return {
        "D_S": doc("person", ids["S"], ids["S"], "s.txt"),
        "D_C1": doc("class", cls["C1"], ids["T"], "c1.txt"),
        "D_C1p": doc("class", cls["C1"], ids["T"], "c1p.txt", parents=True),
        "D_T2": doc("person", ids["T2"], ids["T2"], "t2.txt",
                    shares=[("group", grp["G1"]), ("person", ids["R2"])]),
        "D_bin": doc("person", ids["S"], ids["S"], "bin.txt", trashed=True),
    }  # fmt: skip


# Who is in which relation with what, by construction of the school above.
RELATED: dict[str, dict[str, set[str]]] = {
    "guardian_of": {"R": {"S"}},
    "child_of": {"S": {"R"}},
    "teaches": {"T": {"C1", "G1", "S", "S3", "S4"}, "T2": {"C2", "C2/subject", "S2"}},
    "head_teacher_of": {"T": {"C1", "S", "S4", "C1/other"}},
    # A class named with a subject is still the class its students are members of.
    "member_of": {
        "S": {"C1", "C1/other"},
        "S2": {"C2", "C2/subject", "C2/other"},
        "S3": {"G1"},
        "S4": {"C1", "C1/other"},
    },
    # The scopes of the communication rules (appliance/community/rules.py).
    "taught_by": {"S": {"T"}, "S3": {"T"}, "S4": {"T"}, "S2": {"T2"}},
    "classmate_of": {"S": {"S4"}, "S4": {"S"}},
    # R2 is a contact of S2 (level 2), not a legal guardian: no scope through S2.
    "teacher_of_child": {"R": {"T"}},
    "parent_of_taught": {"T": {"R"}},
    "school_life": {key: {"edu", "dir"} for key in _EVERYONE},
    # The default matrix of issue 12 on this school (nobody writes to themselves).
    "may_write_to": {
        "admin": _EVERYONE - {"admin"},
        **{key: _EVERYONE - {key} for key in _STAFF},
        "T": {"T2", "admin", *_STAFF, "S", "S3", "S4", "R"},
        "T2": {"T", "admin", *_STAFF, "S2"},
        "R": {"S", "T", "edu", "dir"},
        "R2": {"edu", "dir"},
        "S": {"T", "R", "edu", "dir"},
        "S2": {"T2", "edu", "dir"},
        "S3": {"T", "edu", "dir"},
        "S4": {"T", "edu", "dir"},
        "guest": {"T", "T2", *_STAFF},
    },
    "author_of": {"T": {"N1"}, "staff": {"N2"}, "edu": {"N3"}, "adm": {"N4"}},
    "granted_publisher": {"doc": {"N1", "N2", "N3", "N4"}},
    # N2 is for C1's parents (R, legal guardian of S) and so for C1's teacher; N3 for G1's
    # students and its teacher; N1 is a draft, N4 expired.
    "audience_of": {"R": {"N2"}, "T": {"N2", "N3"}, "S3": {"N3"}},
    "asked_for": {"T": {"job"}},
    "teaches_lesson": {"T": {"lesson"}},
    # R is the legal guardian of S (in C1); R2 only a contact of S2 (level 2).
    "parent_of_member": {"R": {"C1", "C1/other"}},
    # Documents (#14): a person's own space, the spaces of the classes and groups one
    # teaches; readers add members, parents of a folder opened to them, shares. A document
    # in the trash is read by nobody (its owner restores it: a write).
    "file_writer": {"S": {"D_S", "D_bin"}, "T": {"D_C1", "D_C1p"}, "T2": {"D_T2"}},
    "file_reader": {
        "S": {"D_S", "D_C1", "D_C1p"},
        "S4": {"D_C1", "D_C1p"},
        "T": {"D_C1", "D_C1p"},
        "R": {"D_C1p"},
        "T2": {"D_T2"},
        "S3": {"D_T2"},
        "R2": {"D_T2"},
    },
}


def _related(relation: str, asker: str, target: str | None) -> bool:
    if target is None:
        return False
    if relation == "self":
        return asker == target
    return target in RELATED[relation].get(asker, set())


def _grants(rule: Rule, school, asker: str, target: str | None) -> bool:
    if rule.who not in school["tokens"][asker]:
        return False
    return rule.relation is None or _related(rule.relation, asker, target)


def test_every_rule_of_every_feature_answers_as_the_table_says(conn, school):
    all_rules = features.rules()
    assert all_rules, "no rule at all"
    by_action: dict[str, list[Rule]] = {}
    for rule in all_rules:
        by_action.setdefault(rule.action, []).append(rule)
    used: set[Rule] = set()
    checked = 0
    # The same questions again with one memo per asker over every action and target: the
    # kept answers of the relations change none.
    memos: dict[str, dict] = {key: {} for key in school["askers"]}
    for action, rules in by_action.items():
        for asker_key, asker in school["askers"].items():
            for target_key in (None, *school["targets"]):
                target = None if target_key is None else school["targets"][target_key]
                granting = [r for r in rules if _grants(r, school, asker_key, target_key)]
                got = policy.may(asker, action, target, conn)
                assert got == bool(granting), (action, asker_key, target_key)
                kept = policy.may(asker, action, target, conn, memo=memos[asker_key])
                assert kept == got, (action, asker_key, target_key, "memo")
                if len(granting) == 1:
                    used.add(granting[0])
                checked += 1
    # Every row is the one reason for some "yes" (or shares it with a wider row).
    for rule in all_rules:
        wider = [
            r
            for r in by_action[rule.action]
            if r is not rule and r.relation is None and (r.who == rule.who or r.who == ANYONE)
        ]
        assert rule in used or wider, f"rule never decides anything: {rule}"
    assert checked > 1000


def test_relations_hold_exactly_as_built(conn, school):
    askers, targets = school["askers"], school["targets"]
    for relation in relations.RELATIONS:
        for asker_key, asker in askers.items():
            for target_key, target in targets.items():
                expected = _related(relation, asker_key, target_key)
                assert relations.holds(relation, conn, asker, target) == expected, (
                    relation,
                    asker_key,
                    target_key,
                )


def test_the_relations_said_to_read_only_identity_read_nothing_else(conn, school):
    """`relations.BY_IDENTITY`: the memo of `policy.may` keeps their answer per target's
    kind and id; a subject (or anything else) on the target must change nothing."""
    askers, targets = school["askers"], school["targets"]
    assert set(relations.RELATIONS) >= relations.BY_IDENTITY
    compared = 0
    for relation in relations.BY_IDENTITY:
        for asker in askers.values():
            for target in targets.values():
                plain = relations.holds(relation, conn, asker, target)
                for extra in ({"subject_code": "MATHS"}, {"subject_code": "LATIN", "x": 1}):
                    assert relations.holds(relation, conn, asker, {**target, **extra}) == plain
                    compared += 1
    assert compared > 100


def test_a_disabled_person_may_nothing(conn, school):
    admin = {**school["askers"]["admin"], "state": "disabled"}
    assert not any(policy.may(admin, rule.action, None, conn) for rule in features.rules())
    assert not policy.may(None, "portal.home")


def test_a_rule_names_a_known_who_and_relation():
    with pytest.raises(ValueError, match="unknown who"):
        Rule("x.y", "teachers")
    with pytest.raises(ValueError, match="unknown who"):
        Rule("x.y", "teacher:DIR")
    with pytest.raises(ValueError, match="unknown relation"):
        Rule("x.y", "teacher", "teaches_all")
    assert Rule("x.y", "staff:EDU", "member_of").relation == "member_of"


def test_function_words_become_codes():
    assert relations.function_codes("CPE, Direction") == {"EDU", "DIR"}
    assert relations.function_codes("Vie scolaire / secrétariat") == {"EDU", "SEC"}
    assert relations.function_codes("Proviseur-adjoint") == {"DIR"}
    assert relations.function_codes(None) == frozenset()
    assert relations.functions({"profile": "teacher", "function": "DIR"}) == frozenset()
