"""Levels from observations: thresholds with hysteresis, minimum and clearing durations.

Pure logic, no I/O. An `Observation` is one measured fact with its `Threshold` (or a level
already decided, like a SMART verdict). `RuleEngine.evaluate` keeps, per alert key, the
active level and since when each higher level has held, and returns the `Transition`s:

- raising needs the level to hold for `min_duration` seconds (a spike does not alert);
- lowering or clearing needs the value back past the threshold *minus the hysteresis* for
  `clear_duration` seconds (raised at 90 %, cleared only below 85 %);
- `min_duration=0` raises at once (a SMART pre-fail sign, a degraded RAID).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, WARNING, CRITICAL = "ok", "warning", "critical"
INFO = "info"  # not applicable / not measurable: shown by the diagnosis, never an alert
RANK = {OK: 0, WARNING: 1, CRITICAL: 2}
_BY_RANK = {v: k for k, v in RANK.items()}


@dataclass(frozen=True)
class Threshold:
    """Warning and critical marks; `direction` "above" (space used) or "below" (memory left)."""

    warning: float | None = None
    critical: float | None = None
    direction: str = "above"
    hysteresis: float = 0.0
    min_duration: float = 0.0
    clear_duration: float = 0.0

    def level(self, value: float, active: str = OK) -> str:
        """The level of `value`, keeping `active` while within the hysteresis band."""
        sign = 1.0 if self.direction == "above" else -1.0

        def past(mark: float | None, margin: float) -> bool:
            return mark is not None and sign * (value - mark) >= -margin

        if past(self.critical, 0.0):
            return CRITICAL
        if active == CRITICAL and past(self.critical, self.hysteresis):
            return CRITICAL
        if past(self.warning, 0.0):
            return WARNING
        if RANK.get(active, 0) >= 1 and past(self.warning, self.hysteresis):
            return WARNING
        return OK


@dataclass(frozen=True)
class Observation:
    """One fact about the box.

    `key` names the alert ("fs.space:/var"); `kind` selects the wording in `messages`;
    `value` with `threshold`, or a fixed `level` (ok, warning, critical, info); `context`
    carries what the wording needs (mount point, device, numbers); `source` groups the
    observations evaluated together (a key of that source that is no longer observed is
    treated as ok, so its alert closes).
    """

    key: str
    category: str
    kind: str
    source: str
    value: float | None = None
    threshold: Threshold | None = None
    level: str | None = None
    min_duration: float = 0.0
    clear_duration: float = 0.0
    context: dict[str, Any] = field(default_factory=dict)

    def instant_level(self, active: str = OK) -> str:
        """The level now, with hysteresis relative to `active` but ignoring durations."""
        if self.level is not None:
            return self.level
        if self.value is None or self.threshold is None:
            return INFO
        return self.threshold.level(self.value, active)

    @property
    def durations(self) -> tuple[float, float]:
        if self.threshold is not None:
            return self.threshold.min_duration, self.threshold.clear_duration
        return self.min_duration, self.clear_duration


@dataclass(frozen=True)
class Transition:
    """A change of the active level of `key`: old → new, with the observation that did it."""

    key: str
    old: str
    new: str
    at: float
    observation: Observation


@dataclass
class _State:
    active: str = OK
    source: str = ""
    since: dict[str, float] = field(default_factory=dict)
    lower_since: float | None = None


class RuleEngine:
    """Holds per-key state between evaluations (in the worker's memory).

    `active` restores the levels of alerts still open in the database after a restart,
    as {key: (level, source)}.
    """

    def __init__(self, active: dict[str, tuple[str, str]] | None = None) -> None:
        self._state: dict[str, _State] = {
            k: _State(active=lvl, source=src) for k, (lvl, src) in (active or {}).items()
        }

    def active_level(self, key: str) -> str:
        st = self._state.get(key)
        return st.active if st else OK

    def evaluate(
        self, observations: list[Observation], now: float, source: str | None = None
    ) -> list[Transition]:
        """Feed observations taken at `now`; return the transitions they cause.

        When `source` is given, active keys of that source missing from `observations`
        are treated as back to ok (a filesystem unmounted, a disk removed).
        """
        out: list[Transition] = []
        seen = set()
        for obs in observations:
            seen.add(obs.key)
            t = self._step(obs, now)
            if t:
                out.append(t)
        if source is not None:
            for key, st in list(self._state.items()):
                if st.source != source or key in seen:
                    continue
                if st.active == OK:  # pending only: forget, or a return would skip the wait
                    del self._state[key]
                    continue
                gone = Observation(key=key, category="", kind="gone", source=source, level=OK)
                t = self._step(gone, now)
                if t:
                    out.append(t)
        return out

    def _step(self, obs: Observation, now: float) -> Transition | None:
        st = self._state.setdefault(obs.key, _State(source=obs.source))
        st.source = obs.source
        target = obs.instant_level(st.active)
        if target == INFO:  # nothing measurable: keep whatever was decided before
            return None
        min_d, clear_d = obs.durations
        for lvl in (WARNING, CRITICAL):
            if RANK[target] >= RANK[lvl]:
                st.since.setdefault(lvl, now)
            else:
                st.since.pop(lvl, None)
        new = st.active
        for lvl in (CRITICAL, WARNING):
            if RANK[lvl] > RANK[st.active] and lvl in st.since and now - st.since[lvl] >= min_d:
                new = lvl
                break
        if new == st.active and RANK[target] < RANK[st.active]:
            if st.lower_since is None:
                st.lower_since = now
            if now - st.lower_since >= clear_d:
                new = target
        elif RANK[target] >= RANK[st.active]:
            st.lower_since = None
        if new == st.active:
            return None
        old, st.active, st.lower_since = st.active, new, None
        if new == OK:
            self._state.pop(obs.key, None)
        return Transition(obs.key, old, new, now, obs)


def worst(levels: list[str]) -> str:
    """The most severe of `levels` (ok when empty)."""
    return _BY_RANK[max((RANK.get(lv, 0) for lv in levels), default=0)]
