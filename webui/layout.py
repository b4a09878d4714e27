"""The page layout's fixed words and links, built once per language and URL root.

Every page shows the same header and footer; at 8:00 every student loads the home page at
once. Jinja calls a function through its context (checks, wrapping) for each `_()` or
`url_for()` in a template, which made the layout the largest part of a page's cost. The
layout therefore reads plain attributes of one object made here, once per language and
URL root, instead of calling a dozen functions per page.
"""

from __future__ import annotations

from types import SimpleNamespace

from babel.support import Translations
from flask import current_app, url_for

from appliance.directory import people
from appliance.i18n import N_

# name -> the French text (the catalogue gives other languages)
TEXTS = {
    "skip": N_("Aller au contenu"),
    "account_nav": N_("Compte"),
    "administration": N_("Administration"),
    "my_account": N_("Mon compte"),
    "logout": N_("Se déconnecter"),
    "accessibility": N_("Accessibilité : partiellement conforme"),
    "notifications_word": N_("Notifications"),
    "unread_word": N_("non lue(s)"),
}

# name -> (endpoint, static file name or None)
LINKS = {
    "css": ("static", "cartable.css"),
    "favicon": ("static", "favicon.svg"),
    "home": ("portal.home", None),
    "admin": ("admin.index", None),
    "password": ("account.password", None),
    "logout_url": ("auth.logout", None),
    "accessibility_url": ("portal.accessibility", None),
    "set_locale": ("auth.set_locale", None),
    # a feature's page: None when the app is built without it
    "notifications": ("notifications.index", None),
}

_CACHE: dict[tuple[str, str, int], SimpleNamespace] = {}


def layout(locale: str, script_root: str, translations: Translations) -> SimpleNamespace:
    """The layout's words in `locale`, its links under `script_root`, and the profile names.

    Called inside a request (links are built with `url_for`); cached per process and
    app (a link to a feature the app lacks is None).
    """
    key = (locale, script_root, id(current_app.view_functions))
    found = _CACHE.get(key)
    if found is None:
        tr = translations.ugettext
        values = {name: tr(text) for name, text in TEXTS.items()}
        views = current_app.view_functions
        for name, (endpoint, filename) in LINKS.items():
            if endpoint not in views:
                values[name] = None
            elif filename:
                values[name] = url_for(endpoint, filename=filename)
            else:
                values[name] = url_for(endpoint)
        values["profiles"] = {p: tr(label) for p, label in people.PROFILE_LABELS.items()}
        found = _CACHE[key] = SimpleNamespace(**values)
    return found
