"""News (#12): who sees what (a parent of 5A sees the news for 5A's parents, a parent of
4B doesn't), who writes for whom, who publishes (the direction, a granted publisher), the
home page, the image, the list past its first page (news/index.html)."""

from __future__ import annotations

import io
import re

import pytest

from appliance.community import news, notifications
from appliance.errors import CartableError, PolicyDenied
from appliance.security.audit import Actor
from tests.conftest import csrf_token, login_admin, text
from tests.integration.community.helpers import logged_in, person

ME = Actor(None, "test", None)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)


def _published(conn, author, title, audience, **extra) -> int:
    news_id = news.create(
        conn,
        author,
        {"title": title, "body": f"Texte de {title}", "audience": audience, **extra},
        ME,
    )
    news.publish(conn, person(conn, _dir(conn)), news_id, ME)
    return news_id


def _dir(conn) -> int:
    return conn.execute("SELECT id FROM person WHERE login = 'dir'").fetchone()[0]


def _titles(conn, pid) -> list[str]:
    return [i["title"] for i in news.visible(conn, person(conn, pid))]


@pytest.fixture
def items(conn, school):
    direction = person(conn, school["dir"])
    return {
        "all": _published(conn, direction, "Portes ouvertes", ["all"]),
        "parents5A": _published(conn, direction, "Réunion des parents de 5A", ["parents:class:5A"]),
        "students5A": _published(conn, direction, "Sortie des 5A", ["students:class:5A"]),
        "staff": _published(conn, direction, "Conseil pédagogique", ["profile:teacher"]),
        "expired": _published(
            conn, direction, "Ancienne", ["all"], publish_from="2020-01-01", expires="2020-02-01"
        ),
    }


def test_each_person_sees_the_news_of_their_audience(conn, school, items):
    assert _titles(conn, school["sophie"]) == ["Réunion des parents de 5A", "Portes ouvertes"]
    assert _titles(conn, school["claire"]) == ["Portes ouvertes"]  # a parent of 4B
    assert _titles(conn, school["lea"]) == ["Sortie des 5A", "Portes ouvertes"]
    assert _titles(conn, school["ines"]) == ["Portes ouvertes"]
    # 5A's teacher sees what is for her class's students and parents; 4B's does not.
    assert set(_titles(conn, school["curie"])) == {
        "Portes ouvertes", "Réunion des parents de 5A", "Sortie des 5A", "Conseil pédagogique",
    }  # fmt: skip
    assert set(_titles(conn, school["hugo"])) == {"Portes ouvertes", "Conseil pédagogique"}
    assert news.count_visible(conn, person(conn, school["sophie"])) == 2


def test_the_pages_show_it_to_its_audience_and_to_nobody_else(app, conn, school, items):
    sophie = logged_in(app, conn, school["sophie"])
    claire = logged_in(app, conn, school["claire"])
    url = f"/actualites/{items['parents5A']}"
    assert "Texte de Réunion des parents de 5A" in text(sophie.get(url))
    assert claire.get(url).status_code == 404  # the same answer as for no such item
    assert claire.get("/actualites/999999").status_code == 404
    home = text(sophie.get("/"))
    assert "Réunion des parents de 5A" in home and "Portes ouvertes" in home
    home = text(claire.get("/"))
    assert "Portes ouvertes" in home and "Réunion des parents de 5A" not in home
    assert "Ancienne" not in home
    assert claire.get(f"/actualites/{items['expired']}").status_code == 404


def test_pinned_first_then_newest(conn, school, items):
    direction = person(conn, school["dir"])
    _published(conn, direction, "À la une", ["all"], pinned=True)
    _published(conn, direction, "La plus récente", ["all"])
    assert _titles(conn, school["claire"]) == ["À la une", "La plus récente", "Portes ouvertes"]


def test_a_teacher_writes_for_the_classes_they_teach_only(app, conn, school):
    curie = person(conn, school["curie"])
    draft = news.create(
        conn, curie, {"title": "Sortie", "body": "Jeudi.", "audience": ["parents:class:5A"]}, ME
    )
    assert news.get(conn, draft)["state"] == "draft"
    with pytest.raises(PolicyDenied, match="Vous n'enseignez pas en 4B"):
        news.create(conn, curie, {"title": "x", "body": "y", "audience": ["parents:class:4B"]}, ME)
    with pytest.raises(PolicyDenied, match="que pour les classes"):
        news.create(conn, curie, {"title": "x", "body": "y", "audience": ["all"]}, ME)
    with pytest.raises(CartableError, match="n'existe pas"):
        news.create(conn, curie, {"title": "x", "body": "y", "audience": ["parents:class:9Z"]}, ME)
    with pytest.raises(CartableError, match="Choisissez à qui"):
        news.create(conn, curie, {"title": "x", "body": "y", "audience": []}, ME)
    with pytest.raises(CartableError, match="Donnez un titre"):
        news.create(conn, curie, {"title": " ", "body": "y", "audience": ["all"]}, ME)
    with pytest.raises(PolicyDenied, match="Vous ne pouvez pas écrire"):
        news.create(
            conn, person(conn, school["lea"]), {"title": "x", "body": "y", "audience": ["all"]}, ME
        )
    # The form offers her own class only.
    client = logged_in(app, conn, school["curie"])
    form = text(client.get("/actualites/nouvelle"))
    # 4B is nowhere as a word (the page's random CSRF token may hold the letters "4B").
    assert 'value="parents:class:5A"' in form and 'value="all"' not in form
    assert not re.search(r"(?<![\w-])4B(?![\w-])", form)
    assert logged_in(app, conn, school["lea"]).get("/actualites/nouvelle").status_code == 403


def test_the_direction_publishes_and_the_audience_is_notified(app, conn, school):
    curie = person(conn, school["curie"])
    draft = news.create(
        conn,
        curie,
        {"title": "Sortie au musée", "body": "Jeudi.", "audience": ["parents:class:5A"]},
        ME,
    )
    assert _titles(conn, school["sophie"]) == []
    with pytest.raises(PolicyDenied, match="Seule la direction"):
        news.publish(conn, curie, draft, ME)
    client = logged_in(app, conn, school["dir"])
    assert "Sortie au musée" in text(client.get("/actualites"))  # in "À publier"
    r = client.post(
        f"/actualites/{draft}/publier", data={"csrf_token": csrf_token(client, "/actualites")}
    )
    assert r.status_code == 302
    assert _titles(conn, school["sophie"]) == ["Sortie au musée"]
    (entry,) = notifications.timeline(conn, school["sophie"])
    assert entry["type"] == "news" and entry["link"] == f"/actualites/{draft}"
    assert entry["text"] == "Actualité : Sortie au musée" and entry["actor"] == "Curie Testeur"
    assert notifications.timeline(conn, school["claire"]) == []
    assert news.notify_due(conn) == 0  # notified once


def test_a_news_item_published_ahead_is_notified_when_its_day_comes(conn, school):
    direction = person(conn, school["dir"])
    later = _published(conn, direction, "Rentrée", ["all"], publish_from="2099-09-01")
    assert _titles(conn, school["claire"]) == []
    assert notifications.timeline(conn, school["claire"]) == []
    conn.execute(
        "UPDATE news SET publish_from = '2026-01-01T07:00:00+00:00' WHERE id = ?", (later,)
    )
    assert news.notify_due(conn) == 1
    assert _titles(conn, school["claire"]) == ["Rentrée"]
    assert [e["text"] for e in notifications.timeline(conn, school["claire"])] == [
        "Actualité : Rentrée"
    ]


def test_the_technician_grants_the_publisher_right(app, conn, school):
    cpe = person(conn, school["cpe"])
    draft = news.create(conn, cpe, {"title": "Foyer", "body": "Ouvert.", "audience": ["all"]}, ME)
    with pytest.raises(PolicyDenied):
        news.publish(conn, cpe, draft, ME)
    admin = app.test_client()
    login_admin(admin, conn)
    r = admin.post(
        "/admin/actualites/publication",
        data={"login": "cpe", "action": "grant", "csrf_token": csrf_token(admin, "/admin/")},
    )
    assert r.status_code == 302
    assert "cpe" in text(admin.get("/admin/actualites/publication"))
    assert news.publish(conn, cpe, draft, ME)["state"] == "published"
    r = admin.post(
        "/admin/actualites/publication",
        data={"login": "lea", "action": "grant", "csrf_token": csrf_token(admin, "/admin/")},
    )
    assert r.status_code == 400 and "Seuls les personnels et les enseignants" in text(r)
    admin.post(
        "/admin/actualites/publication",
        data={"login": "cpe", "action": "revoke", "csrf_token": csrf_token(admin, "/admin/")},
    )
    assert not news.may_publish(conn, cpe)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "news.publisher_grant" in actions and "news.publisher_revoke" in actions


def test_an_image_is_kept_and_shown_only_a_picture_is_accepted(app, box, conn, school):
    client = logged_in(app, conn, school["dir"])

    def send(data: bytes, name: str):
        return client.post(
            "/actualites/nouvelle",
            data={
                "title": "Affiche",
                "body": "Le spectacle.",
                "audience": ["all"],
                "image": (io.BytesIO(data), name),
                "csrf_token": csrf_token(client, "/actualites/nouvelle"),
            },
            content_type="multipart/form-data",
        )

    r = send(b"<svg onload=alert(1)></svg>", "affiche.png")
    assert r.status_code == 400 and "PNG, JPEG, GIF ou WebP" in text(r)
    r = send(PNG, "affiche.png")
    assert r.status_code == 302
    news_id = int(re.search(r"/actualites/(\d+)", r.headers["Location"]).group(1))
    page = client.get(f"/actualites/{news_id}").get_data(as_text=True)
    assert f'src="/actualites/{news_id}/image"' in page
    image = client.get(f"/actualites/{news_id}/image")
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG
    # A draft's image is the draft's: its audience does not see it yet.
    claire = logged_in(app, conn, school["claire"])
    assert claire.get(f"/actualites/{news_id}/image").status_code == 404


def test_a_delete_asks_for_a_tick(app, conn, school):
    client = logged_in(app, conn, school["dir"])
    news_id = news.create(
        conn, person(conn, school["dir"]), {"title": "Erreur", "body": "x", "audience": ["all"]}, ME
    )
    url = f"/actualites/{news_id}/supprimer"
    client.post(url, data={"csrf_token": csrf_token(client, "/actualites")})
    assert news.get(conn, news_id)["title"] == "Erreur"
    client.post(url, data={"confirm": "1", "csrf_token": csrf_token(client, "/actualites")})
    assert client.get(f"/actualites/{news_id}").status_code == 404


def test_the_news_list_shows_every_page(app, conn, school):
    """news/index.html past its first page: 20 a page."""
    direction = person(conn, school["dir"])
    for i in range(45):
        _published(conn, direction, f"Info numéro {i:02d}", ["all"])
    client = logged_in(app, conn, school["claire"])
    seen = []
    for page in (1, 2, 3):
        html = text(client.get(f"/actualites?page={page}"))
        assert f"Page {page} sur 3" in html
        seen.append(re.findall(r"Info numéro (\d\d)</a>", html))
    assert [len(s) for s in seen] == [20, 20, 5]
    assert seen[0][0] == "44" and seen[2][-1] == "00"
