"""The JSON API (#11, `api.md`): personal tokens, bearer and cookie authentication,
throttling, the error shape, validation, lists past their first page, Mon compte."""

from __future__ import annotations

import json
import re

import pytest

from appliance.db import scalar
from appliance.directory import people
from appliance.security import audit, tokens
from appliance.security.audit import Actor
from tests.conftest import csrf_token, login, login_admin, make_person, text
from webui.api import ApiBlueprint, PageRequest
from webui.api import core as api_core


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _error(r, status: int, code: str | None = None) -> dict:
    """The answer is the one error shape, with this status (and code)."""
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


@pytest.fixture
def family(conn):
    """A student in a class and a group, their parent, and the parent's token."""
    student, s_login, _pw = make_person(conn, "student", first_name="Léa", last_name="Martin")
    parent, p_login, p_pw = make_person(conn, "relative", first_name="Sophie")
    class_id = conn.execute("INSERT INTO school_class (code, name) VALUES ('5A', '5A')").lastrowid
    group_id = conn.execute(
        "INSERT INTO teaching_group (code, name) VALUES ('5AESP2', 'Espagnol')"
    ).lastrowid
    conn.execute("INSERT INTO class_membership VALUES (?, ?)", (student, class_id))
    conn.execute("INSERT INTO group_membership VALUES (?, ?)", (student, group_id))
    conn.execute(
        "INSERT INTO guardian_link (guardian_id, student_id, level) VALUES (?, ?, 1)",
        (parent, student),
    )
    _id, token = tokens.create(conn, parent, "téléphone", actor=audit.SYSTEM)
    return {"student": (student, s_login), "parent": (parent, p_login, p_pw), "token": token}


def test_me_with_a_bearer_token(client, conn, family):
    r = client.get("/api/v1/me", headers=bearer(family["token"]))
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json() == {
        "login": family["parent"][1],
        "profile": "relative",
        "first_name": "Sophie",
        "last_name": "Testeur",
        "classes": [],
        "groups": [],
        "children": [family["student"][1]],
    }
    # No cookie was set: a bearer call opens no session.
    assert "Set-Cookie" not in r.headers
    _id, student_token = tokens.create(conn, family["student"][0], "script", actor=audit.SYSTEM)
    me = client.get("/api/v1/me", headers=bearer(student_token)).get_json()
    assert (me["first_name"], me["classes"], me["groups"], me["children"]) == (
        "Léa",
        ["5A"],
        ["5AESP2"],
        [],
    )
    used = tokens.list_for(conn, family["parent"][0])[0]
    assert used["last_used_at"] is not None


def test_revoked_disabled_and_expired_tokens_answer_401(client, conn, family):
    parent_id = family["parent"][0]
    token_id, token = tokens.create(conn, parent_id, "à révoquer", actor=audit.SYSTEM)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    tokens.revoke(conn, token_id, actor=audit.SYSTEM)
    err = _error(client.get("/api/v1/me", headers=bearer(token)), 401, "bad_token")
    assert err["field"] is None

    # Expired: its time has passed (written in the past, as the clock would have made it).
    token_id, token = tokens.create(conn, parent_id, "court", actor=audit.SYSTEM, days=1)
    conn.execute(
        "UPDATE api_token SET expires_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (token_id,)
    )
    _error(client.get("/api/v1/me", headers=bearer(token)), 401, "bad_token")
    assert tokens.list_for(conn, parent_id)[0]["expired"] is True

    # A password change does not end tokens; disabling the account does, at once.
    people.set_password(conn, parent_id, "une toute nouvelle phrase de passe")
    assert client.get("/api/v1/me", headers=bearer(family["token"])).status_code == 200
    people.set_state(conn, parent_id, "disabled")
    _error(client.get("/api/v1/me", headers=bearer(family["token"])), 401, "bad_token")
    people.set_state(conn, parent_id, "active")
    _error(client.get("/api/v1/me", headers=bearer(family["token"])), 401, "bad_token")
    refused = scalar(conn, "SELECT sum(count) FROM audit_log WHERE action = 'token.refused'")
    assert refused == 4


def test_a_guest_whose_date_has_passed_is_refused_without_waiting_for_the_job(client, conn):
    pid, _name, _pw = make_person(conn, "guest", expires_on="2099-01-01")
    _id, token = tokens.create(conn, pid, "invité", actor=audit.SYSTEM)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    conn.execute("UPDATE person SET expires_on = '2020-01-01' WHERE id = ?", (pid,))
    _error(client.get("/api/v1/me", headers=bearer(token)), 401, "bad_token")


def test_wrong_tokens_are_throttled_like_failed_logins(client, conn, family):
    statuses = []
    for i in range(8):
        r = client.get("/api/v1/me", headers=bearer(f"cartable_{'x' * 42}{i}"))
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    # The first free failures answer 401, then the address waits (429, Retry-After).
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    err = _error(r, 429, "throttled")
    assert int(r.headers["Retry-After"]) >= 1 and err["field"] is None
    # While it waits, a right token from that address is refused too (a throttle that
    # let right answers through would tell a guesser when they found one).
    assert client.get("/api/v1/me", headers=bearer(family["token"])).status_code == 429
    # The failures count against the address as the login form's do.
    failures = scalar(conn, "SELECT window_failures FROM login_throttle WHERE key = 'ip:127.0.0.1'")
    assert failures == len(statuses) - 1
    assert scalar(conn, "SELECT sum(count) FROM audit_log WHERE action = 'token.throttled'") == 2


def test_malformed_authorization_and_no_credentials(client):
    err = _error(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401)
    assert "Bearer" in err["message"]
    r = client.get("/api/v1/me")
    _error(r, 401, "unauthenticated")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_errors_are_json_never_html(client, family):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _error(client.get("/api/v1/me/tokens/99999999", headers=bearer(family["token"])), 405)
    r = client.delete("/api/v1/me/tokens/99999999", headers=bearer(family["token"]))
    _error(r, 404, "not_found")
    huge = "9" * 30  # past SQLite's integers: nothing there, not a crash
    _error(client.delete(f"/api/v1/me/tokens/{huge}", headers=bearer(family["token"])), 404)
    r = client.post("/api/v1/me", headers=bearer(family["token"]))
    err = _error(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"] and err["field"] is None


def test_cookie_sessions_read_but_change_only_with_the_csrf_header(client, conn, family):
    parent_id, name, pw = family["parent"]
    login(client, name, pw)
    assert client.get("/api/v1/me").get_json()["login"] == name
    token_id, _token = tokens.create(conn, parent_id, "à révoquer", actor=audit.SYSTEM)
    err = _error(client.delete(f"/api/v1/me/tokens/{token_id}"), 400, "csrf_failed")
    assert "X-CSRFToken" in err["message"]
    r = client.delete(
        f"/api/v1/me/tokens/{token_id}",
        headers={"X-CSRFToken": csrf_token(client, "/compte/mot-de-passe")},
    )
    assert r.status_code == 204 and r.get_data() == b""
    assert token_id not in [t["id"] for t in tokens.list_for(conn, parent_id)]
    # A bearer call needs no CSRF token: it carries no cookie a page could borrow.
    own_id = tokens.list_for(conn, parent_id)[0]["id"]
    fresh = client.application.test_client()
    r = fresh.delete(f"/api/v1/me/tokens/{own_id}", headers=bearer(family["token"]))
    assert r.status_code == 204
    assert scalar(conn, "SELECT count(*) FROM audit_log WHERE action = 'token.revoke'") == 2


def test_a_bearer_call_beside_a_session_cookie_is_the_tokens_and_leaves_the_session(
    client, conn, family
):
    """Logged in as the parent in the browser, a script calls with the child's token: the
    answer is the child's, the cookie is not read nor sent back, and the parent's session
    goes on."""
    parent_id, p_login, p_pw = family["parent"]
    student_id, s_login = family["student"]
    _id, student_token = tokens.create(conn, student_id, "script", actor=audit.SYSTEM)
    login(client, p_login, p_pw)
    assert client.get("/api/v1/me").get_json()["login"] == p_login
    statements: list[str] = []
    conn.set_trace_callback(statements.append)  # the app's connection of this thread
    try:
        r = client.get("/api/v1/me", headers=bearer(student_token))
    finally:
        conn.set_trace_callback(None)
    assert r.status_code == 200 and r.get_json()["login"] == s_login
    assert "Set-Cookie" not in r.headers
    assert any("api_token" in sql for sql in statements)
    assert not any("web_session" in sql for sql in statements), statements
    assert client.get("/api/v1/me").get_json()["login"] == p_login


def test_a_cookie_that_must_change_its_password_gets_403_not_a_redirect(client, conn):
    pid, name, pw = make_person(conn, "teacher", must_change_password=True)
    login(client, name, pw)
    _error(client.get("/api/v1/me"), 403, "account_setup_required")


def test_someone_elses_token_is_404_like_an_unknown_one(client, conn, family):
    student_id = family["student"][0]
    their_id, their_token = tokens.create(conn, student_id, "à elle", actor=audit.SYSTEM)
    r = client.delete(f"/api/v1/me/tokens/{their_id}", headers=bearer(family["token"]))
    assert _error(r, 404) == _error(
        client.delete("/api/v1/me/tokens/424242", headers=bearer(family["token"])), 404
    )
    assert client.get("/api/v1/me", headers=bearer(their_token)).status_code == 200


def test_the_technicians_tokens_come_from_the_cli_only(client, conn):
    admin_id, _name, _pw = make_person(conn, "admin")
    _id, token = tokens.create(conn, admin_id, "supervision", actor=audit.SYSTEM)
    # The token acts as the technician (it was made on the server, not through a page)...
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["profile"] == "admin"
    # ...but the technician may not list or make tokens through the web.
    _error(client.get("/api/v1/me/tokens", headers=bearer(token)), 403, "forbidden")
    admin = client.application.test_client()
    login_admin(admin, conn)
    assert admin.get("/compte/jetons").status_code == 403


def test_my_tokens_past_the_first_page(client, conn, family):
    parent_id = family["parent"][0]
    for i in range(4):
        tokens.create(conn, parent_id, f"jeton {i}", actor=audit.SYSTEM)
    seen, pages, url = [], 0, "/api/v1/me/tokens?limit=2"
    while url:
        r = client.get(url, headers=bearer(family["token"]))
        assert r.status_code == 200, r.get_data(as_text=True)
        body = r.get_json()
        assert len(body["items"]) <= 2 and "token" not in json.dumps(body).lower()
        seen += [t["id"] for t in body["items"]]
        pages += 1
        url = f"/api/v1/me/tokens?limit=2&cursor={body['next']}" if "next" in body else ""
    assert pages == 3 and seen == sorted(seen, reverse=True) and len(set(seen)) == 5
    item = client.get("/api/v1/me/tokens?limit=1", headers=bearer(family["token"])).get_json()
    first = item["items"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", first["created"])
    assert first["label"] == "jeton 3" and first["expires"] is None and not first["expired"]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [("limit=0", 422, "limit"), ("limit=1001", 422, "limit"), ("limit=abc", 400, "limit"),
     ("limit=1&limit=2", 400, "limit"), ("cursor=%C3%A9t%C3%A9", 422, "cursor"),
     ("cursor=e30", 400, "cursor")],
)  # fmt: skip
def test_bad_list_parameters_name_their_field(client, family, query, status, field):
    r = client.get(f"/api/v1/me/tokens?{query}", headers=bearer(family["token"]))
    assert _error(r, status)["field"] == field


def test_the_paging_helper_slices_and_answers():
    items = [{"id": i} for i in range(10, 0, -1)]
    first = PageRequest(limit=3).slice(items, key=lambda t: [t["id"]], descending=True)
    assert [t["id"] for t in first["items"]] == [10, 9, 8]
    after = PageRequest.from_query({"limit": 3, "cursor": first["next"]})
    second = after.slice(items, key=lambda t: [t["id"]], descending=True)
    assert [t["id"] for t in second["items"]] == [7, 6, 5]
    last = PageRequest(limit=3, after=[2]).slice(items, key=lambda t: [t["id"]], descending=True)
    assert last == {"items": [{"id": 1}]}
    # `answer` is given limit + 1 rows by a SQL query: the extra one only says "more".
    assert PageRequest(limit=2).answer([1, 2, 3], key=lambda n: [n])["items"] == [1, 2]


ECHO = {
    "type": "object",
    "required": ["text", "count"],
    "additionalProperties": False,
    "properties": {
        "text": {"type": "string", "minLength": 1, "maxLength": 20},
        "count": {"type": "integer", "minimum": 0},
    },
}


@pytest.fixture
def echo_app(app):
    """The real app with one more API endpoint, declared the way a service declares one."""
    bp = ApiBlueprint("api_echo", __name__)

    @bp.api_route("/echo", "POST", action="account.view", request=ECHO, response=ECHO)
    def echo(body):
        """Renvoie ce qu'on lui donne."""
        return body

    app.register_blueprint(bp)
    api_core.register(app)
    return app


def test_request_bodies_are_validated_against_their_schema(echo_app, family):
    client = echo_app.test_client()
    auth = bearer(family["token"])
    r = client.post("/api/v1/echo", json={"text": "bonjour", "count": 2}, headers=auth)
    assert r.status_code == 201 and r.get_json() == {"text": "bonjour", "count": 2}
    bad = [
        ({"data": b"{pas du json", "content_type": "application/json"}, 400, None),
        ({"data": b"", "content_type": "application/json"}, 400, None),
        ({"data": "texte", "content_type": "text/plain"}, 400, None),
        ({"json": {"text": "x"}}, 422, "count"),
        ({"json": {"text": "x", "count": "2"}}, 422, "count"),
        ({"json": {"text": "", "count": 2}}, 422, "text"),
        ({"json": {"text": "x", "count": 1, "extra": 1}}, 422, "extra"),
        ({"json": [1, 2]}, 422, None),
        ({"data": b"1" * (api_core.MAX_BODY + 1), "content_type": "application/json"}, 413, None),
    ]
    for kwargs, status, field in bad:
        err = _error(client.post("/api/v1/echo", headers=auth, **kwargs), status)
        assert err["field"] == field, kwargs


def test_openapi_is_generated_from_the_routes(echo_app):
    doc = echo_app.test_client().get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1") and doc["servers"] == [{"url": "/api/v1"}]
    platform = {"/me", "/me/tokens", "/me/tokens/{token_id}", "/openapi.json", "/echo"}
    timetable = {"/year", "/timetable", "/lessons", "/lessons/{lesson_id}/change", "/me/ical"}
    messages = {"/messages", "/messages/{message_id}", "/messages/{message_id}/recall",
                "/messages/recipients"}  # fmt: skip
    # the services' own (#11 cahier de textes, #12: messages, notifications, news, forums)
    services = {"/notifications", "/news", "/forums/{forum_id}", "/homework", "/diary"}
    grades = {  # #13
        "/periods", "/assessments", "/assessments/{assessment_id}",
        "/assessments/{assessment_id}/marks", "/grades",
        "/report-cards/{period_id}/{login}/appraisals", "/report-cards/{period_id}/{login}.pdf",
    }  # fmt: skip
    assert platform | messages | services | grades <= set(doc["paths"])
    pdf = doc["paths"]["/report-cards/{period_id}/{login}.pdf"]["get"]["responses"]["200"]
    assert pdf["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
    assert "409" in doc["paths"]["/assessments/{assessment_id}/marks"]["put"]["responses"]
    attendance = {"/lessons/{lesson_id}/roll", "/absences", "/absences/{event_id}/excuse",
                  "/absences/{event_id}/justify", "/absences/summary", "/attendance/reasons",
                  "/attendance/alerts"}  # fmt: skip
    assert attendance <= set(doc["paths"])  # #13
    assert platform | timetable | messages <= set(doc["paths"])  # #11
    echo = doc["paths"]["/echo"]["post"]
    assert echo["summary"] == "Renvoie ce qu'on lui donne."
    assert echo["requestBody"]["content"]["application/json"]["schema"] == ECHO
    assert {"201", "400", "401", "403", "413", "422", "429"} <= set(echo["responses"])
    tokens_op = doc["paths"]["/me/tokens"]["get"]
    assert {p["name"] for p in tokens_op["parameters"]} == {"limit", "cursor"}
    listed = tokens_op["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["properties"]["items"]["items"]["required"][0] == "id"
    assert doc["paths"]["/openapi.json"]["get"]["security"] == []


def test_mon_compte_creates_shows_once_and_revokes_a_token(client, conn, family):
    parent_id, name, pw = family["parent"]
    login(client, name, pw)
    assert "Jetons d'accès à l'API" in text(client.get("/compte/mot-de-passe"))
    token = csrf_token(client, "/compte/jetons")
    form = {"label": "Mon script", "days": "30", "csrf_token": token}
    refused = client.post("/compte/jetons", data={**form, "proof": "pas le bon"})
    assert refused.status_code == 400 and "mot de passe" in text(refused)
    r = client.post("/compte/jetons", data={**form, "proof": pw})
    assert r.status_code == 302 and r.headers["Location"].endswith("/compte/jetons")
    page = text(client.get("/compte/jetons"))
    shown = re.search(r'id="new-token">(cartable_[\w-]+)<', page).group(1)
    assert "Mon script" in page and "plus jamais affiché" in page
    assert client.get("/api/v1/me", headers=bearer(shown)).get_json()["login"] == name
    # Shown once: the page does not show it again, and the database has only its hash.
    assert shown not in text(client.get("/compte/jetons"))
    assert scalar(conn, "SELECT count(*) FROM api_token WHERE secret_hash = ?", (shown,)) == 0
    created = tokens.list_for(conn, parent_id)[0]
    assert created["label"] == "Mon script" and created["expires_at"]
    r = client.post(
        f"/compte/jetons/{created['id']}/revoquer",
        data={"csrf_token": csrf_token(client, "/compte/jetons")},
    )
    assert r.status_code == 302
    assert "est révoqué" in text(client.get("/compte/jetons"))
    _error(client.get("/api/v1/me", headers=bearer(shown)), 401)
    actions = [
        r["action"]
        for r in conn.execute(
            "SELECT action FROM audit_log WHERE action LIKE 'token.%' AND actor_login = ?",
            (name,),
        )
    ]
    assert actions == ["token.create", "token.revoke"]


def test_the_token_service_refuses_bad_labels_and_counts(conn, family):
    parent_id = family["parent"][0]
    actor = Actor(parent_id, family["parent"][1], "127.0.0.1")
    for label, days in [("", None), ("a\x1b[31m", None), ("x" * 61, None), ("ok", 0)]:
        with pytest.raises(Exception) as err:
            tokens.create(conn, parent_id, label, actor=actor, days=days)
        assert getattr(err.value, "field", None) in ("label", "days")
    for i in range(tokens.MAX_PER_PERSON - 1):
        tokens.create(conn, parent_id, f"n{i}", actor=actor)
    with pytest.raises(Exception, match="révoquez"):
        tokens.create(conn, parent_id, "un de trop", actor=actor)
    assert len(tokens.list_for(conn, parent_id)) == tokens.MAX_PER_PERSON


def test_expired_tokens_are_forgotten_after_a_month(conn, family):
    parent_id = family["parent"][0]
    old_id, _old = tokens.create(conn, parent_id, "vieux", actor=audit.SYSTEM, days=1)
    recent_id, _recent = tokens.create(conn, parent_id, "récent", actor=audit.SYSTEM, days=1)
    conn.execute(
        "UPDATE api_token SET expires_at = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old_id,)
    )
    assert tokens.purge_expired(conn) == 1
    left = {t["id"] for t in tokens.list_for(conn, parent_id)}
    assert old_id not in left and recent_id in left
