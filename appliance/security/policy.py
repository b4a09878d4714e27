"""The access policy: the one place that answers "may this person do this to that?".

Every view asks `may()` (through the `requires` decorator of the web UI); services that
act for a person ask it too. The rules are data: each feature declares its rows
`(action, who, relation)` in `appliance/features.py` (see `appliance.security.rules`), and
the relations they name are computed in `appliance.security.relations`. Nothing here, in
the views or in the services tests a profile: they ask `may()`.

`route_access.py`, next to this module, is the table of what every route answers to every
profile; a test walks the app against it, another walks every rule.

Rules ("besoin d'en connaître", arrêté ENT art. 4): a parent sees only their own children,
a teacher only their own classes, the technician runs the box. Staff see what their
function needs: vie scolaire (CPE) and direction the directory of students and their
guardians, the secretariat too (read-only: the directory has no write action for them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from appliance import features
from appliance.security import relations
from appliance.security.rules import ANYONE, Rule


def index(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    """The rules by action, in manifest order."""
    out: dict[str, list[Rule]] = {}
    for rule in rules:
        out.setdefault(rule.action, []).append(rule)
    return {action: tuple(found) for action, found in out.items()}


RULES: dict[str, tuple[Rule, ...]] = index(features.rules())


def _who_matches(who: str, person: Mapping[str, Any]) -> bool:
    if who == ANYONE:
        return True
    profile, _, function = who.partition(":")
    if person.get("profile") != profile:
        return False
    return not function or relations.has_function(person, function)


def may(
    person: Mapping[str, Any] | None,
    action: str,
    target: Mapping[str, Any] | None = None,
    conn: sqlite3.Connection | None = None,
) -> bool:
    """True if `person` (a dict with at least id, profile, state) may do `action` to `target`.

    A disabled (or absent) person may do nothing. Otherwise the first rule of `action`
    whose `who` matches the person and whose relation (if any) holds between the person
    and `target` allows it; a rule with a relation needs a target and `conn`.
    """
    if not person or person.get("state") == "disabled":
        return False
    for rule in RULES.get(action, ()):
        if not _who_matches(rule.who, person):
            continue
        if rule.relation is None:
            return True
        if target is not None and conn is not None:
            if relations.holds(rule.relation, conn, person, target):
                return True
    return False


def totp_required(person: Mapping[str, Any], admin_totp_required: bool) -> bool:
    """True when the person must enrol TOTP before using the portal (the technician, by
    default: the one account the `account.totp_required` rule names)."""
    return (
        admin_totp_required
        and may(person, "account.totp_required")
        and not person.get("totp_enabled")
    )
