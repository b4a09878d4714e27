"""webui.access.actor, the one way a view names who acts: the audit rows written by the
admin, account and directory views carry the logged-in person's id, login and address."""

from appliance.directory import people
from tests.conftest import login_admin, post


def test_audit_rows_name_the_person_and_their_address(app, conn):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    admin = login_admin(c, conn)
    r = post(
        c,
        "/admin/personnes/nouvelle",
        {"profile": "student", "first_name": "Zoë", "last_name": "Lefèvre", "login": "zoe.lef"},
        token_from="/admin/personnes/nouvelle",
    )
    assert r.status_code == 302
    entry = conn.execute(
        "SELECT actor_id, actor_login, ip FROM audit_log WHERE action='person.create'"
    ).fetchone()
    assert tuple(entry) == (people.get_by_login(conn, admin)["id"], admin, "10.1.2.3")
