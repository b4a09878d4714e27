"""The policy's rules as data: who may do which action, to what.

A rule is a row `(action, who, relation)`:

- `action`: a dotted name ("directory.class.view", "admin.backups.run");
- `who`: `anyone` (any logged-in person), a profile (`admin`, `teacher`, `staff`,
  `relative`, `student`, `guest`) or `staff:CODE`, a staff member with that function
  (`staff:EDU` vie scolaire, `staff:DIR` direction, `staff:SEC` secrétariat…);
- `relation`: None when the action needs no target (or any target will do), else the
  name of a relation of `appliance.security.relations` that must hold between the person
  and the target ("guardian_of", "teaches", "member_of"…).

Each feature declares its rules in its entry of `appliance/features.py`; the policy
(`policy.may`) reads them all, and a test walks every row. An action with no row is
refused to everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

PROFILES = ("admin", "teacher", "staff", "relative", "student", "guest")
ANYONE = "anyone"


@dataclass(frozen=True)
class Rule:
    action: str
    who: str
    relation: str | None = None

    def __post_init__(self) -> None:
        from appliance.security.relations import RELATIONS

        profile, _, function = self.who.partition(":")
        if self.who != ANYONE and (
            profile not in PROFILES or (function and (profile != "staff" or not function.isupper()))
        ):
            raise ValueError(f"rule {self.action}: unknown who {self.who!r}")
        if self.relation is not None and self.relation not in RELATIONS:
            raise ValueError(f"rule {self.action}: unknown relation {self.relation!r}")


def grant(
    who: str | tuple[str, ...], *actions: str, relation: str | None = None
) -> tuple[Rule, ...]:
    """Rows giving each of `actions` to `who` (one or several), with the same relation."""
    whos = (who,) if isinstance(who, str) else who
    return tuple(Rule(action, w, relation) for w in whos for action in actions)
