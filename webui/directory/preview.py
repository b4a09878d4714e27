"""The import preview as the page shows it: counts first, then problems, then details.

Turns `Plan.to_json()` into what the template lists, in plain words. The year rollover
(rentrée) is recognised so that the page can say it in one sentence: promotions to new
classes, arrivals, departures.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from appliance import labels, timefmt
from appliance.directory.plan import COUNTED_PROFILES
from appliance.i18n import N_

COLUMNS = (
    ("add", N_("Arrivées (comptes à créer)")),
    ("move", N_("Changements de classe")),
    ("update", N_("Mises à jour")),
    ("reactivate", N_("Retours (comptes réactivés)")),
    ("depart", N_("Départs")),
    ("unchanged", N_("Inchangés")),
)

FIELD_LABELS = {
    "first_name": N_("Prénom"),
    "last_name": N_("Nom"),
    "birth_date": N_("Date de naissance"),
    "email": N_("Courriel"),
    "function": N_("Fonction"),
    "expires_on": N_("Expire le"),
    "profile": N_("Profil"),
}


def count_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per profile that the import touches, then a total row (`profile` None)."""
    out = []
    total = {key: 0 for key, _label in COLUMNS}
    for profile in COUNTED_PROFILES:
        counts = plan["counts"].get(profile, {})
        if not any(counts.values()):
            continue
        out.append({"profile": profile, **{k: counts.get(k, 0) for k in total}})
        for k in total:
            total[k] += counts.get(k, 0)
    out.append({"profile": None, **total})
    return out


def rollover(plan: dict[str, Any]) -> dict[str, Any] | None:
    """Promotions, arrivals and departures of students when the import looks like a new
    school year: a file of a later year, or most known students changing class."""
    students = plan["counts"].get("student", {})
    known = sum(students.get(k, 0) for k in ("update", "unchanged", "reactivate", "depart"))
    later = any((f.get("year") or 0) > plan["school_year"] for f in plan["files"])
    moves = students.get("move", 0)
    if not (later or (moves and moves * 2 >= known)):
        return None
    return {
        "promotions": moves,
        "arrivals": students.get("add", 0),
        "departures": students.get("depart", 0),
        "adults_departing": sum(
            plan["counts"].get(p, {}).get("depart", 0) for p in ("relative", "teacher", "staff")
        ),
        "year": max([f.get("year") or 0 for f in plan["files"]] + [plan["school_year"]]),
    }


def problems(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Errors first, then warnings, each in file and line order."""
    return sorted(
        plan["problems"],
        key=lambda p: (p["severity"] != "error", p["file"] or "", p["line"] or 0),
    )


def changed_fields(change: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) of an update, for the details table."""
    return [
        (FIELD_LABELS.get(name, name), _shown(name, old), _shown(name, new))
        for name, (old, new) in sorted(change.get("fields", {}).items())
    ]


def _shown(name: str, value: Any) -> Any:
    """A field's value as people read it: codes in words, days as 01/12/2026."""
    if value is None:
        return None
    words = {"function": labels.function_label, "profile": labels.profile_label}
    if name in words:
        return words[name](value, gettext)
    if name.endswith("_on") or name == "birth_date":
        return timefmt.fmt_date(value)
    return value


def details(plan: dict[str, Any]) -> dict[str, Any]:
    """The lists of the details section, with empty ones left out by the template (keys
    are not names of dict methods, which Jinja's attribute lookup would find first)."""
    people = plan["people"]
    return {
        "added": people.get("add", []),
        "updated": [
            {**c, "changes": changed_fields(c)} for c in people.get("update", []) if c.get("fields")
        ],
        "reactivated": people.get("reactivate", []),
        "departing": people.get("depart", []),
        "moves": plan["moves"],
        "classes": plan["classes"],
        "groups": plan["groups"],
        "links": plan["guardian_links"],
        "teaching": plan["teaching"],
        "memberships": plan["memberships"],
    }
