"""The names the statistics count under: every feature's blueprints map to a service of
the national taxonomy or to none, and the counter's once-a-minute rule, in memory."""

from __future__ import annotations

import pytest

from appliance import features
from appliance.stats import taxonomy
from appliance.stats.counting import WINDOW, UsageCounter
from webui.stats.counting import service_tables

NOON = 1_796_000_000.0  # a weekday, around noon in Paris (2026-11-30)


def test_the_taxonomy_is_the_national_one():
    assert list(taxonomy.SERVICES) == [
        "accueil", "actualites", "cahier_textes", "courrier_electronique", "stockage_partage",
        "services_vie_scolaire", "gestion_temps", "absences", "notes", "agenda",
    ]  # fmt: skip
    assert set(taxonomy.PROFILE_OF.values()) == {
        "eleve", "parent", "enseignant", "personnel", "invite", "admin",
    }  # fmt: skip


def test_each_feature_states_its_service_and_pages_map_by_blueprint():
    tables = service_tables(features.FEATURES)
    of = lambda endpoint: taxonomy.service_of(endpoint, tables)  # noqa: E731
    assert of("portal.home") == "accueil"
    assert of("notifications.index") == "accueil"
    assert of("diary.index") == "cahier_textes"
    assert of("assignments.index") == "cahier_textes"  # devoirs à rendre: the work to do
    assert of("agenda_api.agenda") == "agenda"
    assert of("grades_api.grades") == "notes"
    assert of("attendance_api.reasons") == "absences"
    assert of("schoollife.week") == "gestion_temps"
    assert of("news.index") == "actualites"
    # Not a service of the taxonomy: not counted.
    for endpoint in ("static", "auth.login", "account.password", "admin.people",
                     "health.index", "backups.index", "stats.index", "api.me", None):  # fmt: skip
        assert of(endpoint) is None, endpoint
    declared = {f.stats_service for f in features.FEATURES} - {None}
    assert declared <= set(taxonomy.SERVICES)


def test_a_name_outside_the_taxonomy_is_refused():
    wrong = features.Feature("wrong", blueprints=(), stats_service="cantine")
    with pytest.raises(ValueError, match="cantine"):
        service_tables([*features.FEATURES, wrong])


def test_a_session_visits_a_service_at_most_once_a_minute():
    counter = UsageCounter()
    assert counter.visit("session-a", 7, "student", "accueil", now=NOON)
    assert not counter.visit("session-a", 7, "student", "accueil", now=NOON + 1)
    assert not counter.visit("session-a", 7, "student", "accueil", now=NOON + WINDOW - 1)
    # Another service, another session of the same person: each its own visit.
    assert counter.visit("session-a", 7, "student", "notes", now=NOON + 2)
    assert counter.visit("session-b", 7, "student", "accueil", now=NOON + 3)
    assert counter.visit("session-a", 7, "student", "accueil", now=NOON + WINDOW + 1)
    day = "2026-11-30"
    assert counter.pending() == {
        (day, "accueil", "eleve"): (3, 1),  # three visits, one person
        (day, "notes", "eleve"): (1, 1),
    }


def test_people_are_told_apart_and_profiles_named_as_the_taxonomy():
    counter = UsageCounter()
    counter.visit("s1", 1, "teacher", "absences", now=NOON)
    counter.visit("s2", 2, "teacher", "absences", now=NOON)
    counter.visit("s3", 3, "relative", "absences", now=NOON)
    counter.visit("s4", 4, "nobody-knows", "absences", now=NOON)  # an unknown profile
    assert counter.pending() == {
        ("2026-11-30", "absences", "enseignant"): (2, 2),
        ("2026-11-30", "absences", "parent"): (1, 1),
    }
