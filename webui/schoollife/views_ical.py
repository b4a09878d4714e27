"""The timetable and the agenda in a phone's calendar: the person's secret iCal address (made, shown
once, stopped on « Mon compte » → Agenda) and the feed itself, read without logging in.

An unknown secret costs its address like a failed login (`throttle.record_failure`); an
address with too many answers 429 with Retry-After before the secret is even looked up.
"""

from __future__ import annotations

import base64

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.agenda import feed
from appliance.school import get_school
from appliance.schoollife import ical
from appliance.schoollife.year import local_today
from appliance.security import throttle, totp
from webui import shown_once
from webui.access import actor, box, client_ip, conn, current_person, requires
from webui.auth import throttle_settings
from webui.schoollife import bp

# The throttle's name for wrong feed secrets (one counter per address).
_THROTTLE_NAME = "ical-feed"


def feed_url(secret: str) -> str:
    """The feed's address as a phone reaches it: the portal's public address (the
    configuration's, else the school's), else the address of this request."""
    base = box().config["web.public_url"] or (get_school(conn()) or {}).get("portal_url") or ""
    path = url_for("schoollife.ical_feed", secret=secret)
    if base:
        return base.rstrip("/") + request.script_root.rstrip("/") + path[len(request.script_root) :]
    return url_for("schoollife.ical_feed", secret=secret, _external=True)


def _qr_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(totp.qr_svg(text)).decode()


@bp.route("/compte/agenda", endpoint="ical")
@requires("timetable.ical")
def ical_page():
    person = current_person()
    shown = shown_once.take(person["id"], kind="ical")
    url = shown["password"] if shown else None
    return render_template(
        "schoollife/ical.html",
        feed=ical.state(conn(), person["id"]),
        url=url,
        webcal=("webcal://" + url.split("://", 1)[1]) if url else None,
        qr=_qr_data_uri(url) if url else None,
    )


@bp.route("/compte/agenda", methods=["POST"], endpoint="ical_create")
@requires("timetable.ical")
def ical_create():
    person = current_person()
    secret = ical.create(conn(), person["id"], actor=actor())
    shown_once.keep(person["id"], feed_url(secret), kind="ical")
    return redirect(url_for("schoollife.ical"))


@bp.route("/compte/agenda/arreter", methods=["POST"], endpoint="ical_revoke")
@requires("timetable.ical")
def ical_revoke():
    if ical.revoke(conn(), current_person()["id"], actor=actor()):
        flash(_("L'adresse d'agenda est arrêtée : le téléphone ne reçoit plus l'emploi du temps."),
              "success")  # fmt: skip
    return redirect(url_for("schoollife.ical"))


def _not_found() -> Response:
    return Response("404\n", status=404, mimetype="text/plain")


@bp.route("/ical/<secret>.ics", endpoint="ical_feed")
def ical_feed(secret: str):
    ip = client_ip()
    wait = throttle.address_wait(conn(), _THROTTLE_NAME, ip)
    if wait:
        response = Response("429\n", status=429, mimetype="text/plain")
        response.headers["Retry-After"] = str(wait)
        return response
    person = ical.owner(conn(), secret)
    if person is None:
        throttle.record_failure(conn(), _THROTTLE_NAME, ip, throttle_settings())
        return _not_found()
    from webui.app import _request_translations

    locale = person.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]
    # One feed: the lessons and the agenda's events (`appliance.agenda.feed`).
    body = feed.calendar(
        conn(), person, local_today(), gettext=_request_translations(locale).ugettext
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="emploi-du-temps.ics"'
    return response
