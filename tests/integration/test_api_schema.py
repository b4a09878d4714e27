"""schemathesis against `/api/v1/openapi.json` on the demo school (`api.md`, "The
description"): every documented route, a few hundred generated cases in all, no 5xx, every
answer matching its schema, with a bearer token of a demo parent.

The real app (the same `create_app` waitress serves) is called in-process through WSGI: no
network, no port. The schema is the one the app generates, read from its own route.
"""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from appliance import config as config_mod
from appliance.core import create_box
from appliance.directory import demo, people
from appliance.security import audit, tokens

CASES_PER_OPERATION = 20  # each operation, each mode (derandomized: the same cases each run)

# Operations whose free text (a title, a message, an address, a class code) the service
# checks beyond what a JSON Schema can say: control or invisible characters, a text empty
# once cleaned of its HTML, a class that does not exist. A body valid for the schema may
# then get 422, in the documented error shape: every other check still applies to them.
CHECKED_BY_THE_SERVICE = {
    "PUT /me/notification-settings", "POST /news", "POST /forums",
    "POST /forums/{forum_id}/subjects", "POST /forums/subjects/{topic_id}/messages",
    "POST /forums/messages/{post_id}/hide",
}  # fmt: skip
# A request the schema accepts may still carry values the service refuses with 422, in
# words and naming the field, that no JSON Schema can say: a day `to` before `from`, more
# than 62 days, a room already taken, a subject the school does not teach. Every other
# refusal of a schema-valid request (400 among them) still fails the positive cases.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
            }
        }
    }
)


@pytest.fixture
def demo_app(tmp_path):
    """The demo school's portal (`cartable run --demo`'s), and a token of Sophie Martin
    (two children in two classes)."""
    from webui.app import create_app

    (tmp_path / "cartable.toml").write_text("")
    box = create_box(config_mod.load(tmp_path / "cartable.toml", tmp_path / "data", env={}))
    demo.seed(box.conn(), tmp_path / "data")
    app = create_app(box)
    app.config["TESTING"] = True  # an exception inside a view fails the case loudly
    parent = people.get_by_login(box.conn(), "sophie.martin")
    for i in range(3):  # a few tokens to list, page by page
        tokens.create(box.conn(), parent["id"], f"démo {i}", actor=audit.SYSTEM)
    app.extensions["test.parent_id"] = parent["id"]
    return app


class EachCallItsAddress:
    """The app, each call arriving from its own address (IPv6 documentation prefix, no
    traffic: a WSGI environ value). schemathesis also probes every case with a wrong token
    (its `ignored_auth` check), hundreds in all: from one address they would soon be
    throttled, as they should (tests/integration/test_api.py), and every later answer would
    be the same 429."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    def __call__(self, environ, start_response):
        self.calls += 1
        environ["REMOTE_ADDR"] = f"2001:db8::{self.calls:x}"
        return self.app(environ, start_response)


def _with_real_cursor(case, cursor: str, label: str):
    """A positive case's cursor: the real one of the tokens' list; another list's own
    cursor is left out (a cursor is opaque, what that list gave: a made-up one is 400)."""
    if isinstance(case.query, dict) and "cursor" in case.query:
        if label == "GET /me/tokens":
            case.query["cursor"] = cursor
        else:
            del case.query["cursor"]
    return case


def _bearer(app) -> str:
    """A live token of the parent: the DELETE route may revoke the one in use (its id is
    generated too), after which a new one is made, as the parent would."""
    conn = app.extensions["cartable.box"].conn()
    held = app.extensions.get("test.token")
    if (
        held is None
        or not conn.execute(
            "SELECT 1 FROM api_token WHERE secret_hash = ?", (tokens.hash_token(held),)
        ).fetchone()
    ):
        _id, held = tokens.create(
            conn, app.extensions["test.parent_id"], "schemathesis", actor=audit.SYSTEM
        )
        app.extensions["test.token"] = held
    return held


# schemathesis's own pytest decorator (`from_fixture(...).parametrize()`) does not run
# under pytest 9 (it reads a node attribute pytest removed), so each mode is one
# Hypothesis test over the strategy of every operation, with the same checks.
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_documented_route_keeps_its_contract(demo_app, mode):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", EachCallItsAddress(demo_app), config=CONFIG
    )
    operations = {f"{op.ok().method.upper()} {op.ok().path}" for op in schema.get_all_operations()}
    # Every route but the description itself, which schemathesis just read to get here.
    assert operations == {
        "GET /me",
        "GET /me/tokens",
        "DELETE /me/tokens/{token_id}",
        # Roll call and absences (#13).
        "GET /lessons/{lesson_id}/roll",
        "PUT /lessons/{lesson_id}/roll",
        "GET /absences",
        "POST /absences/{event_id}/excuse",
        "POST /absences/{event_id}/justify",
        "GET /attendance/reasons",
        "GET /absences/summary",
        "GET /attendance/alerts",
        # The timetable (webui/schoollife/api.py).
        "GET /year",
        "GET /timetable",
        "POST /lessons/{lesson_id}/change",
        "POST /lessons",
        "POST /me/ical",
        "DELETE /me/ical",
        # issue 12: messages
        "GET /messages",
        "POST /messages",
        "GET /messages/{message_id}",
        "DELETE /messages/{message_id}",
        "POST /messages/{message_id}/recall",
        "GET /messages/recipients",
        # notifications, news, forums (#12)
        "GET /notifications",
        "POST /notifications/read",
        "GET /me/notification-settings",
        "PUT /me/notification-settings",
        "GET /news",
        "POST /news",
        "GET /news/{news_id}",
        "POST /news/{news_id}/publish",
        "GET /forums",
        "POST /forums",
        "GET /forums/{forum_id}",
        "POST /forums/{forum_id}/subjects",
        "GET /forums/subjects/{topic_id}/messages",
        "POST /forums/subjects/{topic_id}/messages",
        "POST /forums/subjects/{topic_id}/lock",
        "POST /forums/messages/{post_id}/hide",
        # The cahier de textes.
        "PUT /lessons/{lesson_id}/diary",
        "GET /diary",
        "POST /homework",
        "GET /homework",
        "PUT /homework/{homework_id}/done",
        "GET /homework/workload",
        "POST /diary/visa",
        # Grades (#13)
        "GET /periods",
        "POST /assessments",
        "GET /assessments/{assessment_id}",
        "PUT /assessments/{assessment_id}/marks",
        "GET /grades",
        "PUT /report-cards/{period_id}/{login}/appraisals",
        "GET /report-cards/{period_id}/{login}.pdf",
        # Documents (#14)
        "GET /files",
        "POST /files",
        "POST /files/folders",
        "GET /files/{node_id}/content",
        "PATCH /files/{node_id}",
        "DELETE /files/{node_id}",
        "POST /files/{node_id}/share",
        "GET /classes/{kind}:{code}/files",
        # Devoirs à rendre (#14)
        "POST /assignments",
        "GET /assignments",
        "POST /assignments/{assignment_id}/submissions",
        "GET /assignments/{assignment_id}/submissions",
        "GET /assignments/{assignment_id}/submissions.zip",
        "PUT /assignments/{assignment_id}/extensions/{login}",
        # The agenda (#14)
        "GET /agenda",
        "POST /agenda/events",
        "PATCH /agenda/events/{event_id}",
        "DELETE /agenda/events/{event_id}",
        # Usage statistics (#14)
        "GET /stats/usage",
    }
    ran: Counter[str] = Counter()
    real_cursor = None
    if mode.is_positive:
        # A cursor is what a list gave (opaque): a made-up one is refused (400), which the
        # schema cannot say. Valid cases carry a real one, and so read a second page.
        real = demo_app.test_client().get(
            "/api/v1/me/tokens?limit=1", headers={"Authorization": f"Bearer {_bearer(demo_app)}"}
        )
        real_cursor = real.get_json()["next"]

    def run(operation) -> None:
        label = f"{operation.method.upper()} {operation.path}"
        strategy = operation.as_strategy(generation_mode=mode)
        if real_cursor is not None:
            strategy = strategy.map(lambda case: _with_real_cursor(case, real_cursor, label))

        @given(case=strategy)
        @settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def call(case):
            headers = {"Authorization": f"Bearer {_bearer(demo_app)}"}
            excluded = [positive_data_acceptance] if label in CHECKED_BY_THE_SERVICE else []
            response = case.call_and_validate(headers=headers, excluded_checks=excluded)
            assert response.status_code < 500, response.text
            ran[label] += 1

        call()

    # Each operation its own cases (derandomized: the same each run), so that none is left
    # out however many the API has.
    for result in schema.get_all_operations():
        run(result.ok())
    assert set(ran) == operations, ran
    assert min(ran.values()) >= CASES_PER_OPERATION // 4, ran
