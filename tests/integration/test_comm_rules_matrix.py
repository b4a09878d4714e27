"""The communication rules (issue 12), every cell of the matrix, through the send path,
the recipient search and the policy, on a school built by hand (next to the policy's own
walk, tests/integration/test_policy_rules.py).

For each pair (writer's profile, recipient's profile) the school has a writer and two
recipients of that profile: one inside the cell's default scope, one outside it. A cell
refused sends to neither, a cell open to the whole school to both, a scoped cell to the
one inside only; the search lists exactly those the send accepts, and a refused send
writes nothing for anyone.
"""

from __future__ import annotations

import pytest

from appliance.community import compose, recipients, rules
from appliance.db import rows, scalar
from appliance.security import policy
from appliance.security.audit import Actor
from tests.conftest import make_person

PEOPLE = {
    # key: (profile, function)
    "Ws": ("student", None),  # writer student: class C1, parent Pw, taught by T1
    "S1": ("student", None),  # C1, child of Rw
    "S2": ("student", None),  # C2, child of R2
    "Pw": ("relative", None),
    "Rw": ("relative", None),  # writer parent
    "R2": ("relative", None),
    "T1": ("teacher", None),  # writer teacher, teaches C1
    "T2": ("teacher", None),  # teaches C2
    "Sw": ("staff", "SEC"),  # writer staff
    "EDU": ("staff", "CPE"),
    "DOC": ("staff", "DOC"),
    "Gw": ("guest", None),
    "G2": ("guest", None),
    "Aw": ("admin", None),
    "A2": ("admin", None),
}
WRITERS = {"student": "Ws", "relative": "Rw", "teacher": "T1", "staff": "Sw", "guest": "Gw",
           "admin": "Aw"}  # fmt: skip
# Anyone of a profile, when the scope does not depend on who writes.
OTHER = {"student": "S2", "relative": "R2", "teacher": "T2", "staff": "DOC", "guest": "G2",
         "admin": "A2"}  # fmt: skip
# (writer, recipient's profile) -> (inside the default scope, outside it)
SCOPED = {
    ("student", "student"): ("S1", "S2"),  # own_class, once allowed
    ("student", "relative"): ("Pw", "Rw"),  # own_parents
    ("student", "teacher"): ("T1", "T2"),  # own_teachers
    ("student", "staff"): ("EDU", "DOC"),  # school_life
    ("relative", "student"): ("S1", "S2"),  # own_children
    ("relative", "teacher"): ("T1", "T2"),  # children_teachers
    ("relative", "staff"): ("EDU", "DOC"),  # school_life
    ("teacher", "student"): ("S1", "S2"),  # taught_students
    ("teacher", "relative"): ("Rw", "R2"),  # parents_of_taught
}

# The issue's matrix, written out again by hand: a test of the migration's seed.
ISSUE_MATRIX = {
    "student": {"student": None, "relative": "own_parents", "teacher": "own_teachers",
                "staff": "school_life", "guest": None, "admin": None},
    "relative": {"student": "own_children", "relative": None, "teacher": "children_teachers",
                 "staff": "school_life", "guest": None, "admin": None},
    "teacher": {"student": "taught_students", "relative": "parents_of_taught",
                "teacher": "school", "staff": "school", "guest": None, "admin": "school"},
    "staff": dict.fromkeys(rules.PROFILES, "school"),
    "guest": {"student": None, "relative": None, "teacher": "school", "staff": "school",
              "guest": None, "admin": None},
    "admin": dict.fromkeys(rules.PROFILES, "school"),
}  # fmt: skip


@pytest.fixture
def school(conn, box):
    ids = {}
    for key, (profile, function) in PEOPLE.items():
        extra = {"function": function} if function else {}
        ids[key] = make_person(conn, profile, login=key.lower(), last_name=f"Cellule{key}",
                               first_name="Test", **extra)[0]  # fmt: skip
    c1 = conn.execute("INSERT INTO school_class (code, name) VALUES ('C1', 'C1')").lastrowid
    c2 = conn.execute("INSERT INTO school_class (code, name) VALUES ('C2', 'C2')").lastrowid
    for key, cls in (("Ws", c1), ("S1", c1), ("S2", c2)):
        conn.execute("INSERT INTO class_membership VALUES (?, ?)", (ids[key], cls))
    for parent, child in (("Pw", "Ws"), ("Rw", "S1"), ("R2", "S2")):
        conn.execute(
            "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
            (ids[parent], ids[child]),
        )
    conn.execute("INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (ids["T1"], c1))
    conn.execute("INSERT INTO teaching (teacher_id, class_id) VALUES (?, ?)", (ids["T2"], c2))
    people = {
        key: rows(conn, "SELECT * FROM person WHERE id = ?", (pid,))[0] for key, pid in ids.items()
    }
    return {"people": people, "files": box.config.files_dir}


def _targets(from_profile: str, to_profile: str) -> tuple[str, str]:
    return SCOPED.get((from_profile, to_profile), (OTHER[to_profile], OTHER[to_profile]))


def _expected(scope: str | None, inside: bool) -> bool:
    if scope is None:
        return False
    return scope == "school" or inside


def _send(conn, school, writer, target):
    person = school["people"][writer]
    draft = compose.Draft(to=[school["people"][target]["login"]], subject="Essai", body="Bonjour")
    return compose.send(
        conn, school["files"], person, draft, actor=Actor(person["id"], person["login"]),
        max_attachment_bytes=1 << 20,
    )  # fmt: skip


def _found(conn, school, writer, target) -> bool:
    person = school["people"][writer]
    items, _more = recipients.search(conn, person, f"Cellule{target}")
    return any(i["kind"] == "person" and i["id"] == target.lower() for i in items)


def _check_cell(conn, school, from_profile, to_profile, scope):
    writer = WRITERS[from_profile]
    inside, outside = _targets(from_profile, to_profile)
    for target, is_inside in ((inside, True), (outside, False)):
        if target == writer:
            continue  # nobody writes to themselves
        allowed = _expected(scope, is_inside)
        where = (from_profile, to_profile, scope, target)
        person, recipient = school["people"][writer], school["people"][target]
        assert policy.may(person, "messages.write_to", recipient, conn) is allowed, where
        assert _found(conn, school, writer, target) is allowed, where
        before = scalar(conn, "SELECT count(*) FROM message_box")
        if allowed:
            sent = _send(conn, school, writer, target)
            assert sent.recipient_ids == [recipient["id"]], where
        else:
            with pytest.raises(rules.Refused) as err:
                _send(conn, school, writer, target)
            assert "règle de communication" in str(err.value), where
            assert err.value.code == "communication_rule"
            assert err.value.refused[0]["login"] == recipient["login"]
            assert scalar(conn, "SELECT count(*) FROM message_box") == before, where


def test_the_migration_seeds_exactly_the_issues_matrix(conn):
    table = rules.table(conn)
    assert len(table) == 36
    assert {(r["from"], r["to"]): r["scope"] for r in table} == {
        (f, t): scope for f, row in ISSUE_MATRIX.items() for t, scope in row.items()
    }
    assert {(r["from"], r["to"]): r["scope"] for r in table} == rules.DEFAULTS
    assert all(r["allowed"] == (r["scope"] is not None) for r in table)


@pytest.mark.parametrize("from_profile", rules.PROFILES)
def test_every_default_cell_through_send_search_and_policy(conn, school, from_profile):
    for to_profile in rules.PROFILES:
        _check_cell(
            conn, school, from_profile, to_profile, rules.DEFAULTS[(from_profile, to_profile)]
        )


@pytest.mark.parametrize("from_profile", rules.PROFILES)
def test_every_cell_turned_around_takes_effect_at_once(conn, school, from_profile):
    """Allowed cells refused, refused cells opened to the school: the next send, search
    and policy answer follow the table."""
    tech = Actor(None, "console:test", "local")
    for to_profile in rules.PROFILES:
        default = rules.DEFAULTS[(from_profile, to_profile)]
        if default is None:
            rules.set_rule(conn, tech, from_profile, to_profile, "allow", "school")
            _check_cell(conn, school, from_profile, to_profile, "school")
        else:
            rules.set_rule(conn, tech, from_profile, to_profile, "deny")
            _check_cell(conn, school, from_profile, to_profile, None)


def test_students_may_be_allowed_their_own_class(conn, school):
    tech = Actor(None, "console:test", "local")
    done = rules.set_rule(conn, tech, "student", "student", "allow")
    assert done["new"] == {"allowed": True, "scope": "own_class"}
    _check_cell(conn, school, "student", "student", "own_class")


def test_one_refused_recipient_and_nobody_gets_anything(conn, school):
    people = school["people"]
    person = people["T1"]
    before = scalar(conn, "SELECT count(*) FROM message")
    draft = compose.Draft(to=["s1", "rw", "r2", "edu"], subject="Sortie", body="Bonjour")
    with pytest.raises(rules.Refused) as err:
        compose.send(conn, school["files"], person, draft, actor=Actor(person["id"], "t1"),
                     max_attachment_bytes=1 << 20)  # fmt: skip
    assert scalar(conn, "SELECT count(*) FROM message") == before
    assert scalar(conn, "SELECT count(*) FROM message_box") == 0
    # The refusal names the rule and the person, in French for the CLI, English on a page.
    text = str(err.value)
    assert "« enseignant → parent »" in text and "Test CelluleR2" in text
    assert "les parents de ses élèves" in text
    catalogue = {
        err.value.template: "Not sent: the communication rule « %(sender)s → %(recipient)s » "
        "only reaches %(scope)s; %(name)s is not one of them.",
        "enseignant": "teacher",
    }
    english = err.value.translated(lambda text: catalogue.get(text, text))
    assert "« teacher → parent »" in english


# writer -> the lists they may use on this school (every other one refused)
LISTS = {
    "Ws": {"teachers:class:C1"},
    "Rw": {"teachers:class:C1"},
    # (teachers:class:C1 is T1 alone: empty once the sender is left out)
    "T1": {
        "students:class:C1",
        "parents:class:C1",
        "teachers:class:C2",
        "teachers:all",
        "staff:all",
    },
    "Sw": "all",
    "Gw": {"teachers:class:C1", "teachers:class:C2"},
    "Aw": "all",
}


def test_lists_each_writer_may_use_through_send_and_search(conn, school):
    every = [i for i in recipients._candidate_lists(conn)]
    assert len(every) == 4 + 2 * 3
    for writer, allowed in LISTS.items():
        person = school["people"][writer]
        found = {i["id"] for i in recipients.search(conn, person, "", limit=100)[0]}
        expected = {
            lid for lid in every if recipients.members(conn, lid, exclude=person["id"])
        } if allowed == "all" else allowed  # fmt: skip
        assert found == expected, writer
        for lid in every:
            draft = compose.Draft(to=[lid], subject="Liste", body="Bonjour")
            actor = Actor(person["id"], writer)
            if lid in expected:
                sent = compose.send(conn, school["files"], person, draft, actor=actor,
                                    max_attachment_bytes=1 << 20)  # fmt: skip
                assert sent.recipients == len(recipients.members(conn, lid, exclude=person["id"]))
            else:
                with pytest.raises((rules.Refused, compose.CartableError)):
                    compose.send(conn, school["files"], person, draft, actor=actor,
                                 max_attachment_bytes=1 << 20)  # fmt: skip


def test_a_change_is_audited_with_who_when_old_and_new(conn, school):
    tech = Actor(None, "console:tech", "local")
    rules.set_rule(conn, tech, "relative", "relative", "allow", "school")
    again = rules.set_rule(conn, tech, "relative", "relative", "allow", "school")
    assert again["changed"] is False
    entries = rows(conn, "SELECT * FROM audit_log WHERE action = 'comm_rules.set'")
    assert len(entries) == 1
    assert entries[0]["actor_login"] == "console:tech" and entries[0]["at"]
    assert entries[0]["target"] == "comm_rule:relative:relative"
    history = rules.history(conn)
    assert history[0]["old"] == {"allowed": False, "scope": None}
    assert history[0]["new"] == {"allowed": True, "scope": "school"}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("pupil", "student", "allow", None), "from"),
        (("student", "student", "maybe", None), "decision"),
        (("student", "student", "deny", "school"), "scope"),
        (("student", "student", "allow", "everyone"), "scope"),
        (("student", "teacher", "allow", "parents_of_taught"), "scope"),
    ],
)
def test_a_wrong_setting_is_refused_and_changes_nothing(conn, args, field):
    with pytest.raises(compose.CartableError) as err:
        rules.set_rule(conn, Actor(None, "t", None), *args)
    assert err.value.field == field
    assert {(r["from"], r["to"]): r["scope"] for r in rules.table(conn)} == rules.DEFAULTS
