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


def _compiled(rules: dict[str, tuple[Rule, ...]]) -> dict[str, tuple[tuple, ...]]:
    """The rules by action with their `who` split once: (profile or None for anyone,
    function or "", relation)."""
    out = {}
    for action, found in rules.items():
        split = []
        for rule in found:
            profile, _, function = rule.who.partition(":")
            split.append((None if rule.who == ANYONE else profile, function, rule.relation))
        out[action] = tuple(split)
    return out


# Asked a few dozen times per page: the `who` of each rule is parsed here, not per call.
_COMPILED = _compiled(RULES)


def _who_matches(who: str, person: Mapping[str, Any]) -> bool:
    if who == ANYONE:
        return True
    profile, _, function = who.partition(":")
    if person.get("profile") != profile:
        return False
    return not function or relations.has_function(person, function)


# may(person, action) without a target depends only on the person's profile and function
# (no relation can hold without a target) and the rules are fixed at import: the answers
# are kept per (action, profile, function), bounded (a staff function is free text).
_UNTARGETED: dict[tuple, bool] = {}
_UNTARGETED_MAX = 8192


def _may_untargeted(person: Mapping[str, Any], action: str) -> bool:
    key = (action, person.get("profile"), person.get("function"))
    found = _UNTARGETED.get(key)
    if found is None:
        found = any(
            rule.relation is None and _who_matches(rule.who, person)
            for rule in RULES.get(action, ())
        )
        if len(_UNTARGETED) >= _UNTARGETED_MAX:
            _UNTARGETED.clear()
        _UNTARGETED[key] = found
    return found


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
    if target is None:
        return _may_untargeted(person, action)
    profile = person.get("profile")
    for who_profile, function, relation in _COMPILED.get(action, ()):
        if who_profile is not None and (
            who_profile != profile or (function and not relations.has_function(person, function))
        ):
            continue
        if relation is None:
            return True
        if conn is not None and relations.holds(relation, conn, person, target):
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
