"""The agenda's service (#14): weekly events expanded over a range (the local time kept
across the change of clocks), the school calendar read by its audience only (a parent
their children's classes', a student not another class's), who may write and change what,
checks of what is typed, the audit of school events, and the RGPD export and purge."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest

from appliance.agenda import events, occurrences
from appliance.directory import export
from appliance.directory.lifecycle import run_lifecycle
from appliance.errors import CartableError, NotFound, PolicyDenied
from tests.integration.agenda.conftest import actor_of, person


def _add(conn, hand, who, **values):
    return events.create(conn, person(conn, hand, who), values, actor_of(conn, hand, who))


def _titles(conn, hand, who, first, last):
    found = occurrences.between(conn, person(conn, hand, who), first, last)
    return sorted({o["title"] for o in found})


def test_a_weekly_event_is_given_once_a_week_at_its_local_time_across_the_change_of_clocks(
    conn, hand
):
    # Summer time ends on 25/10/2026 in Paris: 14:00 stays 14:00 (12:00 then 13:00 UTC).
    judo = _add(conn, hand, "lea", title="Judo", start_day="2026-10-21", start_time="14:00",
                end_time="15:30", repeat_until="2026-11-11", place="Gymnase")  # fmt: skip
    stored = conn.execute(
        "SELECT start_at, last_day FROM agenda_event WHERE id = ?", (judo["id"],)
    ).fetchone()
    assert stored[0] == "2026-10-21T12:00:00+00:00" and stored[1] == "2026-11-11"
    found = occurrences.between(conn, person(conn, hand, "lea"), date(2026, 10, 1),
                                date(2026, 12, 31))  # fmt: skip
    assert [(o["start"], o["end"]) for o in found] == [
        ("2026-10-21T14:00", "2026-10-21T15:30"),
        ("2026-10-28T14:00", "2026-10-28T15:30"),
        ("2026-11-04T14:00", "2026-11-04T15:30"),
        ("2026-11-11T14:00", "2026-11-11T15:30"),
    ]
    assert all(o["id"] == judo["id"] and o["repeats"] for o in found)
    # A range in the middle of the series gives only its own weeks.
    middle = occurrences.between(conn, person(conn, hand, "lea"), date(2026, 10, 29),
                                 date(2026, 11, 8))  # fmt: skip
    assert [o["day"] for o in middle] == ["2026-11-04"]
    # Nothing after the last repetition.
    assert occurrences.between(conn, person(conn, hand, "lea"), date(2026, 11, 12),
                               date(2026, 12, 31)) == []  # fmt: skip


def test_an_event_over_several_days_is_in_every_range_it_touches(conn, hand):
    _add(conn, hand, "lea", title="Stage", start_day="2026-11-30", end_day="2026-12-04",
         all_day=True, repeat_until="2026-12-14")  # fmt: skip
    found = occurrences.between(conn, person(conn, hand, "lea"), date(2026, 12, 3),
                                date(2026, 12, 9))  # fmt: skip
    assert [(o["start"], o["end"]) for o in found] == [
        ("2026-11-30", "2026-12-04"),
        ("2026-12-07", "2026-12-11"),
    ]
    assert all(o["all_day"] for o in found)


@pytest.fixture
def calendar(conn, hand):
    """The CPE's school events: a 5A trip (students), a 4B parents' meeting, a 5A council
    (teachers), an open day for all, a meeting of the teachers; lea's own appointment."""
    day = hand.monday.isoformat()
    for title, audience in (
        ("Sortie 5A", ["students:class:5A"]),
        ("Réunion parents 4B", ["parents:class:4B"]),
        ("Conseil 5A", ["teachers:class:5A"]),
        ("Portes ouvertes", ["all"]),
        ("Réunion des professeurs", ["profile:teacher"]),
        ("Latin : théâtre", ["students:group:LATIN"]),
    ):
        _add(conn, hand, "cpe", title=title, start_day=day, start_time="17:00",
             end_time="18:00", audience=audience)  # fmt: skip
    _add(conn, hand, "lea", title="Orthodontiste", start_day=day, start_time="16:00",
         end_time="16:30")  # fmt: skip
    return hand.monday, hand.monday + timedelta(days=6)


EVERYONE_SEES = "Portes ouvertes"


@pytest.mark.parametrize(
    "who, seen",
    [
        ("lea", {"Sortie 5A", "Latin : théâtre", "Orthodontiste"}),
        # A student of another class sees nothing of 5A.
        ("ines", set()),
        ("noah", {"Sortie 5A"}),
        # A parent: their child's class and groups (for its students or its parents).
        ("sophie", {"Sortie 5A", "Latin : théâtre"}),
        ("claire", {"Réunion parents 4B"}),
        # A contact (level 2) is not a legal guardian: nothing of noah's class.
        ("karim", set()),
        # Teachers: the classes and groups they teach, the teachers' meeting.
        ("curie", {"Sortie 5A", "Réunion parents 4B", "Conseil 5A", "Réunion des professeurs"}),
        ("hugo", {"Latin : théâtre", "Réunion des professeurs"}),
        ("lovelace", {"Réunion des professeurs"}),
        ("secretary", set()),
        ("guest", set()),
        # Who writes the school calendar reads all of it (never anyone's own events).
        ("cpe", {"Sortie 5A", "Réunion parents 4B", "Conseil 5A", "Réunion des professeurs",
                 "Latin : théâtre"}),
        ("principal", {"Sortie 5A", "Réunion parents 4B", "Conseil 5A",
                       "Réunion des professeurs", "Latin : théâtre"}),
    ],
)  # fmt: skip
def test_the_school_calendar_is_read_by_its_audience(conn, hand, calendar, who, seen):
    first, last = calendar
    assert set(_titles(conn, hand, who, first, last)) == seen | {EVERYONE_SEES}


def test_only_the_direction_and_the_vie_scolaire_write_the_school_calendar(conn, hand):
    day = hand.today.isoformat()
    values = {"title": "Conseil", "start_day": day, "start_time": "17:00", "end_time": "18:00",
              "audience": ["all"]}  # fmt: skip
    for who in ("lea", "sophie", "curie", "secretary", "agent", "guest"):
        with pytest.raises(PolicyDenied):
            events.create(conn, person(conn, hand, who), values, actor_of(conn, hand, who))
    assert conn.execute("SELECT count(*) FROM agenda_event").fetchone()[0] == 0
    for who in ("cpe", "principal", "admin"):
        made = events.create(conn, person(conn, hand, who), values, actor_of(conn, hand, who))
        assert made["kind"] == "school" and made["owner_id"] is None
    # Their changes are in the audit log; a personal event is not.
    _add(conn, hand, "lea", title="Piscine", start_day=day, start_time="18:00", end_time="19:00")
    logged = conn.execute(
        "SELECT actor_login, action, details FROM audit_log WHERE action LIKE 'agenda.%' "
        "ORDER BY id"
    ).fetchall()
    assert [(r[0], r[1]) for r in logged] == [
        ("cpe", "agenda.school_create"),
        ("principal", "agenda.school_create"),
        ("admin", "agenda.school_create"),
    ]
    assert json.loads(logged[0][2])["audience"] == ["all"]


def test_who_may_change_and_delete_an_event(conn, hand):
    day = hand.today.isoformat()
    mine = _add(conn, hand, "lea", title="Piscine", start_day=day, start_time="18:00",
                end_time="19:00")  # fmt: skip
    council = _add(conn, hand, "cpe", title="Conseil", start_day=day, start_time="17:00",
                   end_time="18:00", audience=["teachers:class:5A"])  # fmt: skip
    # Another person's own event, or the school's, is not there for them.
    for who, event in (("sophie", mine), ("cpe", mine), ("principal", mine), ("lea", council),
                       ("curie", council), ("secretary", council)):  # fmt: skip
        with pytest.raises(NotFound):
            events.update(conn, person(conn, hand, who), event["id"],
                          events.values_of(event), actor_of(conn, hand, who))  # fmt: skip
        with pytest.raises(NotFound):
            events.delete(conn, person(conn, hand, who), event["id"], actor_of(conn, hand, who))
    changed = events.update(conn, person(conn, hand, "lea"), mine["id"],
                            {**events.values_of(mine), "title": "Piscine (bassin B)"},
                            actor_of(conn, hand, "lea"))  # fmt: skip
    assert changed["title"] == "Piscine (bassin B)" and changed["kind"] == "personal"
    # The direction changes the CPE's event: audited, and it keeps an audience.
    values = {**events.values_of(council), "audience": ["teachers:class:5A", "parents:class:5A"]}
    moved = events.update(conn, person(conn, hand, "principal"), council["id"],
                          {**values, "start_time": "17:30", "end_time": "19:00"},
                          actor_of(conn, hand, "principal"))  # fmt: skip
    assert moved["start_time"] == "17:30" and moved["audience"] == sorted(values["audience"])
    with pytest.raises(CartableError) as caught:
        events.update(conn, person(conn, hand, "principal"), council["id"],
                      {**values, "audience": []}, actor_of(conn, hand, "principal"))  # fmt: skip
    assert caught.value.field == "audience"
    events.delete(conn, person(conn, hand, "principal"), council["id"],
                  actor_of(conn, hand, "principal"))  # fmt: skip
    events.delete(conn, person(conn, hand, "lea"), mine["id"], actor_of(conn, hand, "lea"))
    assert conn.execute("SELECT count(*) FROM agenda_event").fetchone()[0] == 0
    actions = [r[0] for r in conn.execute(
        "SELECT action FROM audit_log WHERE action LIKE 'agenda.%' ORDER BY id")]  # fmt: skip
    assert actions == ["agenda.school_create", "agenda.school_update", "agenda.school_delete"]


@pytest.mark.parametrize(
    "values, field",
    [
        ({"title": "  "}, "title"),
        ({"start_day": "31/02/2026"}, "start_day"),
        ({"start_day": "0001-01-01"}, "start_day"),
        ({"end_day": "9999-12-31"}, "end_day"),
        ({"start_time": "25:00"}, "start_time"),
        ({"end_time": "09:00"}, "end_time"),
        ({"repeat_until": ""}, "repeat_until"),
        ({"repeat_until": "2026-11-01"}, "repeat_until"),
        ({"repeat_until": "2029-01-01"}, "repeat_until"),
        ({"all_day": True, "end_day": "2026-11-30"}, "end_day"),
        ({"all_day": True, "end_day": "2026-12-20", "repeat_until": "2027-01-20"},
         "repeat_until"),
        ({"description": "a\x00b"}, "description"),
        ({"audience": ["students:class:6Z"]}, "audience"),
        ({"audience": ["profile:chef"]}, "audience"),
    ],
)  # fmt: skip
def test_what_is_typed_is_checked_naming_the_field(conn, hand, values, field):
    base = {"title": "Réunion", "start_day": "2026-12-02", "start_time": "10:00",
            "end_time": "11:00"}  # fmt: skip
    with pytest.raises(CartableError) as caught:
        _add(conn, hand, "cpe", **{**base, **values})
    assert caught.value.field == field
    assert conn.execute("SELECT count(*) FROM agenda_event").fetchone()[0] == 0


def test_french_days_and_times_are_read(conn, hand):
    made = _add(conn, hand, "lea", title="Cinéma", start_day="05/12/2026", start_time="20h15",
                end_time="22h")  # fmt: skip
    assert (made["start_day"], made["start_time"], made["end_time"]) == \
        ("2026-12-05", "20:15", "22:00")  # fmt: skip


def test_the_export_has_ones_events_and_the_purge_takes_them(conn, hand):
    day = hand.today.isoformat()
    _add(conn, hand, "lea", title="Judo", start_day=day, start_time="14:00", end_time="15:00",
         repeat_until=(hand.today + timedelta(days=21)).isoformat())  # fmt: skip
    trip = _add(conn, hand, "cpe", title="Sortie", start_day=day, all_day=True,
                audience=["students:class:5A"])  # fmt: skip
    data = export.collect(conn, hand.ids["lea"])
    mine = data["agenda.json"]
    assert [e["title"] for e in mine["events"]] == ["Judo"]
    assert mine["events"][0]["repeat_until"] == (hand.today + timedelta(days=21)).isoformat()
    assert "agenda_event" not in data["other.json"]
    written = export.collect(conn, hand.ids["cpe"])["agenda.json"]["school_events_written"]
    assert [(e["title"], e["audience"]) for e in written] == [("Sortie", ["students:class:5A"])]
    blob, _name = export.export_zip(conn, hand.ids["lea"])
    archive = zipfile.ZipFile(io.BytesIO(blob))
    assert "agenda.json" in archive.namelist()
    assert "agenda.json" in archive.read("LISEZMOI.txt").decode()
    for who in ("lea", "cpe"):
        conn.execute(
            "UPDATE person SET state = 'departed', departed_on = '2026-01-05' WHERE id = ?",
            (hand.ids[who],),
        )
    conn.commit()
    report = run_lifecycle(conn, date(2026, 6, 1))
    assert {p["login"] for p in report.purged} == {"lea", "cpe"}
    assert [r[0] for r in conn.execute("SELECT title FROM agenda_event")] == ["Sortie"]
    # The trip the CPE wrote stays for 5A, from a former user.
    assert events.get(conn, trip["id"])["author"] == "ancien utilisateur"
    assert "Sortie" in _titles(conn, hand, "noah", hand.today, hand.today)
